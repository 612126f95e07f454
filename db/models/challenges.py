"""Challenges, votes, analyses, try-outs, implementers' notes, ALACT and lessons learnt."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cop.vocab import ControlCategory, EvidenceKind, Resource, Topic, TryoutResult
from db.models.base import Base, Timestamps, UuidPk, Versioned, one_of


class Challenge(UuidPk, Timestamps, Versioned, Base):
    __tablename__ = "challenge"
    __table_args__ = (
        one_of("evidence_kind", EvidenceKind),
        one_of("topic", Topic),
        one_of("control", ControlCategory),
        CheckConstraint(
            "NOT is_priority OR control IN ('direct', 'indirect')", name="priority_only_if_controllable"
        ),
        Index("ix_challenge_school_topic", "school_id", "topic"),
        Index("ix_challenge_school_control", "school_id", "control"),
        Index("ix_challenge_cycle", "cycle_id"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school.id"))
    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cop_cycle.id"))
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cop_session.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    evidence_kind: Mapped[str] = mapped_column(String(24))
    evidence_note: Mapped[str | None] = mapped_column(Text)
    lesson_observation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("lesson_observation.id"))
    assessment_result_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("assessment_result.id"))
    topic: Mapped[str] = mapped_column(String(32))
    topic_other: Mapped[str | None] = mapped_column(String(120))
    subject: Mapped[str | None] = mapped_column(String(80))
    grade: Mapped[str | None] = mapped_column(String(32))
    control: Mapped[str] = mapped_column(String(16))
    is_priority: Mapped[bool] = mapped_column(Boolean, default=False)
    priority_rank: Mapped[int | None] = mapped_column(Integer)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)  # hidden or merged by the facilitator
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("challenge.id"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class ChallengeVote(UuidPk, Timestamps, Base):
    __tablename__ = "challenge_vote"
    __table_args__ = (UniqueConstraint("challenge_id", "person_id"),)

    challenge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("challenge.id", ondelete="CASCADE"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))


class ChallengeAnalysis(UuidPk, Timestamps, Versioned, Base):
    """Root causes, goal and possible solutions of a prioritised challenge."""

    __tablename__ = "challenge_analysis"

    challenge_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("challenge.id", ondelete="CASCADE"), unique=True
    )
    root_causes: Mapped[str | None] = mapped_column(Text)
    goal: Mapped[str | None] = mapped_column(Text)
    possible_solutions: Mapped[str | None] = mapped_column(Text)


class TryoutPlan(UuidPk, Timestamps, Versioned, Base):
    """One attempt at solving a priority; the group judges it in a middle session."""

    __tablename__ = "tryout_plan"
    __table_args__ = (
        UniqueConstraint("challenge_id", "attempt_no"),
        CheckConstraint("end_on IS NULL OR start_on IS NULL OR end_on >= start_on", name="dates_ordered"),
        CheckConstraint(
            "resources <@ ARRAY[" + ", ".join(f"'{v}'" for v in Resource.values()) + "]::varchar[]",
            name="resources_valid",
        ),
    )

    challenge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("challenge.id", ondelete="CASCADE"))
    attempt_no: Mapped[int] = mapped_column(Integer, default=1)
    planned_in_session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cop_session.id"))
    activities: Mapped[str] = mapped_column(Text)
    resources: Mapped[list[str]] = mapped_column(ARRAY(String(24)), default=list)
    resources_other: Mapped[str | None] = mapped_column(Text)
    start_on: Mapped[date | None] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    # The group's judgement, recorded in the middle session that reviewed it.
    reviewed_in_session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cop_session.id"))
    pros: Mapped[str | None] = mapped_column(Text)
    cons: Mapped[str | None] = mapped_column(Text)
    effective: Mapped[bool | None] = mapped_column(Boolean)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class TryoutImplementer(UuidPk, Timestamps, Base):
    __tablename__ = "tryout_implementer"
    __table_args__ = (UniqueConstraint("plan_id", "person_id"),)

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tryout_plan.id", ondelete="CASCADE"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)


class TryoutNote(UuidPk, Timestamps, Versioned, Base):
    """An implementer's notes between sessions and their own verdict on how the try-out went."""

    __tablename__ = "tryout_note"
    __table_args__ = (one_of("result", TryoutResult), UniqueConstraint("plan_id", "person_id"))

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tryout_plan.id", ondelete="CASCADE"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(String(16))
    tried_on: Mapped[date | None] = mapped_column(Date)


class AlactReflection(UuidPk, Timestamps, Versioned, Base):
    """Deeper analysis of a try-out that did not work: Action, Looking back, Awareness, Creating, Trial."""

    __tablename__ = "alact_reflection"

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tryout_plan.id", ondelete="CASCADE"), unique=True)
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cop_session.id"))
    action: Mapped[str | None] = mapped_column(Text)
    looking_back: Mapped[str | None] = mapped_column(Text)
    awareness: Mapped[str | None] = mapped_column(Text)
    alternatives: Mapped[str | None] = mapped_column(Text)
    trial: Mapped[str | None] = mapped_column(Text)


class LessonLearnt(UuidPk, Timestamps, Versioned, Base):
    """A lesson learnt: per priority in a middle session, or for all members in the last session."""

    __tablename__ = "lesson_learnt"

    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cop_cycle.id"), index=True)
    challenge_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("challenge.id"))
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cop_session.id"))
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
