"""Files, consolidation outputs, dissemination, evaluation, reports, reflection and practice cards."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from cop.vocab import Audience, Enabler, OutputKind, OutputStatus, ReflectionCardKind, Topic
from db.models.base import Base, Timestamps, UuidPk, Versioned, between, one_of


class StoredFile(UuidPk, Timestamps, Base):
    """An uploaded file kept in PostgreSQL (outputs, photos); the bytes load only when asked for."""

    __tablename__ = "stored_file"
    __table_args__ = (
        CheckConstraint("size_bytes >= 0 AND size_bytes <= 26214400", name="size_limit"),
        UniqueConstraint("school_id", "sha256"),
    )

    school_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("school.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))  # detected from the bytes, not the name
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))


class ConsolidationOutput(UuidPk, Timestamps, Versioned, Base):
    __tablename__ = "consolidation_output"
    __table_args__ = (
        one_of("kind", OutputKind),
        one_of("status", OutputStatus),
        Index("ix_consolidation_output_school_kind", "school_id", "kind"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school.id"))
    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cop_cycle.id"), index=True)
    challenge_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("challenge.id"))
    planned_in_session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cop_session.id"))
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=OutputStatus.PLANNED.value)
    link_url: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stored_file.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class DisseminationPlan(UuidPk, Timestamps, Versioned, Base):
    __tablename__ = "dissemination_plan"
    __table_args__ = (one_of("audience", Audience),)

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school.id"), index=True)
    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cop_cycle.id"), index=True)
    output_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("consolidation_output.id"))
    audience: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(160))  # staff meeting, parents' day, sector CoP, radio...
    planned_on: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_on: Mapped[date | None] = mapped_column(Date)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class CycleEvaluation(UuidPk, Timestamps, Versioned, Base):
    """The last session's evaluation: effectiveness and the six key enablers, each rated 1-5."""

    __tablename__ = "cycle_evaluation"
    __table_args__ = (
        between("effectiveness", 1, 5),
        *(between(e.value, 1, 5) for e in Enabler),
    )

    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cop_cycle.id", ondelete="CASCADE"), unique=True)
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cop_session.id"))
    effectiveness: Mapped[int | None] = mapped_column(Integer)
    purpose_focus: Mapped[int | None] = mapped_column(Integer)
    relationships: Mapped[int | None] = mapped_column(Integer)
    collaboration: Mapped[int | None] = mapped_column(Integer)
    inquiry: Mapped[int | None] = mapped_column(Integer)
    leadership: Mapped[int | None] = mapped_column(Integer)
    accountability: Mapped[int | None] = mapped_column(Integer)
    lessons_for_all: Mapped[str | None] = mapped_column(Text)
    improvements_next_cycle: Mapped[str | None] = mapped_column(Text)


class CycleReport(UuidPk, Timestamps, Versioned, Base):
    """The short cycle report for the DHT, produced when the cycle closes."""

    __tablename__ = "cycle_report"

    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cop_cycle.id", ondelete="CASCADE"), unique=True)
    body: Mapped[str] = mapped_column(Text)
    submitted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReflectionCard(UuidPk, Timestamps, Versioned, Base):
    """An insight, positive strategy, improvement or agreed next step of a reflection session."""

    __tablename__ = "reflection_card"
    __table_args__ = (one_of("kind", ReflectionCardKind), Index("ix_reflection_card_session", "session_id"))

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cop_session.id", ondelete="CASCADE"))
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    photo_file_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stored_file.id"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Agreed next steps only: who does it, by when, and the action item it became on completion.
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    action_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("action_item.id", ondelete="SET NULL"))


class PracticeCard(UuidPk, Timestamps, Versioned, Base):
    """A try-out that worked, as a one-page card other schools can search by topic, subject and grade."""

    __tablename__ = "practice_card"
    __table_args__ = (one_of("topic", Topic), Index("ix_practice_card_topic", "topic", "published"))

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school.id"), index=True)
    challenge_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("challenge.id"))
    tryout_plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tryout_plan.id"))
    title: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str | None] = mapped_column(String(80))
    grade: Mapped[str | None] = mapped_column(String(32))
    context: Mapped[str | None] = mapped_column(Text)
    what_was_done: Mapped[str] = mapped_column(Text)
    evidence_of_effect: Mapped[str | None] = mapped_column(Text)
    materials: Mapped[str | None] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
