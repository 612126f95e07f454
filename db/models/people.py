"""People, their assignments, sign-in attempts and drafts."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from cop.vocab import Role
from db.models.base import Base, Timestamps, UuidPk, Versioned, one_of


class Person(UuidPk, Timestamps, Versioned, Base):
    __tablename__ = "person"
    __table_args__ = (
        one_of("role", Role),
        Index("ix_person_school_role", "school_id", "role"),
    )

    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(160))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(32))
    # Home school of HT, facilitator and teacher; home district of a district officer.
    school_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("school.id"))
    district_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("district.id"), index=True)
    job_title: Mapped[str | None] = mapped_column(String(80))  # "SBM", "SSL maths", "DHT", "SEI", ...
    subject: Mapped[str | None] = mapped_column(String(80))
    is_new_teacher: Mapped[bool] = mapped_column(Boolean, default=False)
    teacher_start_date: Mapped[date | None] = mapped_column(Date)
    password_hash: Mapped[str | None] = mapped_column(String(100))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set on logout, password change and deactivation: every sign-in made before it is void.
    signins_valid_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_signed_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Assignment(UuidPk, Timestamps, Base):
    """What a district officer, field facilitator or TTC tutor is assigned to."""

    __tablename__ = "assignment"
    __table_args__ = (
        CheckConstraint("num_nonnulls(district_id, school_id, sbm_id) = 1", name="exactly_one_target"),
        UniqueConstraint("person_id", "district_id", "school_id", "sbm_id"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("district.id"), index=True)
    school_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("school.id"), index=True)
    sbm_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)


class SignInAttempt(UuidPk, Base):
    """Every sign-in attempt, so lockouts hold across processes and restarts."""

    __tablename__ = "sign_in_attempt"
    __table_args__ = (Index("ix_sign_in_attempt_username_at", "username", "attempted_at"),)

    username: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    succeeded: Mapped[bool] = mapped_column(Boolean)


class Draft(Timestamps, Base):
    """Text a person was typing, kept per form so a rerun, page switch or lost connection loses nothing."""

    __tablename__ = "draft"

    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    form_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)


class AuditLog(UuidPk, Base):
    """One row per insert, update or delete: who, as what, when (UTC), what, before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint("action IN ('insert', 'update', 'delete')", name="action_valid"),
        Index("ix_audit_log_table_record", "table_name", "record_id"),
        Index("ix_audit_log_school_at", "school_id", "at"),
        Index("ix_audit_log_at", "at"),
    )

    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(8))
    school_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("school.id"))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    note: Mapped[str | None] = mapped_column(Text)
