"""CoPs, members, cycles, sessions, attendance, actions and session reports."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cop.vocab import (
    ActionSource,
    ActionStatus,
    CopKind,
    CyclePhase,
    ReflectionStep,
    SessionKind,
    SessionStatus,
)
from cop.vocab import StoragePlace as StoragePlaceVocab
from db.models.base import Base, Timestamps, UuidPk, Versioned, between, one_of


class Cop(UuidPk, Timestamps, Versioned, Base):
    __tablename__ = "cop"
    __table_args__ = (one_of("kind", CopKind), UniqueConstraint("school_id", "name"))

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    grade: Mapped[str | None] = mapped_column(String(32))  # "P4", "S2", "P1-P3"
    subject: Mapped[str | None] = mapped_column(String(80))  # subject CoPs: "Mathematics", "STEM"
    facilitator_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class CopMember(UuidPk, Timestamps, Base):
    __tablename__ = "cop_member"
    __table_args__ = (UniqueConstraint("cop_id", "person_id"),)

    cop_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cop.id", ondelete="CASCADE"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    joined_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)


class CopCycle(UuidPk, Timestamps, Versioned, Base):
    __tablename__ = "cop_cycle"
    __table_args__ = (
        one_of("phase", CyclePhase),
        one_of("storage_place", StoragePlaceVocab),
        UniqueConstraint("cop_id", "school_year", "number"),
        CheckConstraint("max_priorities BETWEEN 1 AND 5", name="max_priorities_range"),
        Index("ix_cop_cycle_school_phase", "school_id", "phase"),
    )

    cop_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cop.id"), index=True)
    # Denormalised from the CoP: every dashboard query is per school.
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school.id"))
    school_year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str | None] = mapped_column(String(160))
    # Cached result of cop.cycle: written by the data layer whenever the cycle's facts change.
    phase: Mapped[str] = mapped_column(String(16), default=CyclePhase.PLANNING.value)
    max_priorities: Mapped[int] = mapped_column(Integer, default=2)
    started_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    storage_place: Mapped[str | None] = mapped_column(String(16))
    storage_note: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class CopSession(UuidPk, Timestamps, Versioned, Base):
    __tablename__ = "cop_session"
    __table_args__ = (
        one_of("kind", SessionKind),
        one_of("status", SessionStatus),
        one_of("reflection_step", ReflectionStep),
        CheckConstraint("(kind = 'reflection') = (cycle_id IS NULL)", name="cycle_unless_reflection"),
        between("duration_minutes", 1, 600),
        Index("ix_cop_session_school_date", "school_id", "session_date"),
        Index("ix_cop_session_cycle_seq", "cycle_id", "sequence"),
        Index("ix_cop_session_cop_date", "cop_id", "session_date"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school.id"))
    cop_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cop.id"))
    cycle_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cop_cycle.id"))
    kind: Mapped[str] = mapped_column(String(16))
    sequence: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=SessionStatus.PLANNED.value)
    session_date: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    led_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    summary: Mapped[str | None] = mapped_column(Text)
    aob_notes: Mapped[str | None] = mapped_column(Text)
    reflection_step: Mapped[str | None] = mapped_column(String(16))
    # Short code members type (or scan) to join the running session from a phone.
    join_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    # The step a live (projected) session is on; it decides what members may add from their phones.
    live_step: Mapped[str | None] = mapped_column(String(24))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class Attendance(UuidPk, Timestamps, Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cop_session.id", ondelete="CASCADE"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    present: Mapped[bool] = mapped_column(Boolean, default=True)


class ActionItem(UuidPk, Timestamps, Versioned, Base):
    """A concrete action with an owner and a due date, from a session, a visit or a reflection."""

    __tablename__ = "action_item"
    __table_args__ = (
        one_of("status", ActionStatus),
        one_of("source", ActionSource),
        Index("ix_action_item_school_status_due", "school_id", "status", "due_on"),
        Index("ix_action_item_owner_status", "owner_id", "status"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school.id"))
    source: Mapped[str] = mapped_column(String(16))
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cop_session.id"), index=True)
    cycle_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cop_cycle.id"))
    field_visit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("field_visit.id"))
    monitoring_visit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("monitoring_visit.id"))
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=ActionStatus.OPEN.value)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class SessionReport(UuidPk, Timestamps, Versioned, Base):
    """The CoP session report form: generated from the session's data, editable, acknowledged by the HT."""

    __tablename__ = "session_report"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cop_session.id", ondelete="CASCADE"), unique=True
    )
    main_discussions: Mapped[str | None] = mapped_column(Text)
    decisions: Mapped[str | None] = mapped_column(Text)
    edited_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ChangeMarker(Base):
    """A counter per school bumped by every write, so open pages re-query only when something moved."""

    __tablename__ = "change_marker"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)  # "school:<uuid>", "session:<uuid>"
    counter: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
