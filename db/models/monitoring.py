"""Monitoring and assessment tools: self-assessment, visits, observations, CEMC marks, imported results."""

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
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from cop.vocab import CemcParticipantRole, Enabler, Term
from db.models.base import Base, Timestamps, UuidPk, Versioned, between, one_of


class SelfAssessment(UuidPk, Timestamps, Versioned, Base):
    """An SBM's termly self-assessment against the four SBM standards (questions from a form template)."""

    __tablename__ = "self_assessment"
    __table_args__ = (
        one_of("term", Term),
        UniqueConstraint("person_id", "school_year", "term"),
    )

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school.id"), index=True)
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("form_template.id"))
    school_year: Mapped[int] = mapped_column(Integer)
    term: Mapped[str] = mapped_column(String(1))
    answers: Mapped[dict[str, Any]] = mapped_column(JSONB)  # item key -> rating
    cpd_activities: Mapped[str | None] = mapped_column(Text)
    impact_reflection: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class MonitoringVisit(UuidPk, Timestamps, Versioned, Base):
    """The CoP monitoring form of REB, UR-CE and district officials."""

    __tablename__ = "monitoring_visit"
    __table_args__ = (
        *(between(f"enabler_{e.value}", 1, 4) for e in Enabler),
        between("regularity", 1, 4),
        between("cycle_followed", 1, 4),
        between("documentation", 1, 4),
        Index("ix_monitoring_visit_school_date", "school_id", "visit_date"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school.id"))
    cop_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cop.id"))
    visitor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    template_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("form_template.id"))
    visit_date: Mapped[date] = mapped_column(Date)
    regularity: Mapped[int | None] = mapped_column(Integer)
    cycle_followed: Mapped[int | None] = mapped_column(Integer)
    enabler_purpose_focus: Mapped[int | None] = mapped_column(Integer)
    enabler_relationships: Mapped[int | None] = mapped_column(Integer)
    enabler_collaboration: Mapped[int | None] = mapped_column(Integer)
    enabler_inquiry: Mapped[int | None] = mapped_column(Integer)
    enabler_leadership: Mapped[int | None] = mapped_column(Integer)
    enabler_accountability: Mapped[int | None] = mapped_column(Integer)
    documentation: Mapped[int | None] = mapped_column(Integer)
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSONB)  # extra template items
    observations: Mapped[str | None] = mapped_column(Text)
    outputs_seen: Mapped[str | None] = mapped_column(Text)
    recommendations_leadership: Mapped[str | None] = mapped_column(Text)
    recommendations_facilitator: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class FieldVisit(UuidPk, Timestamps, Versioned, Base):
    """A UR-CE facilitator's supportive field visit to an SBM; shared with the SBM and the HT."""

    __tablename__ = "field_visit"
    __table_args__ = (
        between("practice_rating", 1, 4),
        Index("ix_field_visit_school_date", "school_id", "visit_date"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school.id"))
    facilitator_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)  # UR-CE
    sbm_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    visit_date: Mapped[date] = mapped_column(Date)
    priority_challenges: Mapped[str | None] = mapped_column(Text)
    coaching_given: Mapped[str | None] = mapped_column(Text)
    sbm_cpd_progress: Mapped[str | None] = mapped_column(Text)
    school_cpd_activities: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    # The visitor's overall view of the SBM's practice, compared with the SBM's own self-assessment.
    practice_rating: Mapped[int | None] = mapped_column(Integer)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class TtcVisit(UuidPk, Timestamps, Versioned, Base):
    """A TTC tutor's school visit: the new-teacher induction checklist and feedback to the SBM / SSL."""

    __tablename__ = "ttc_visit"
    __table_args__ = (Index("ix_ttc_visit_school_date", "school_id", "visit_date"),)

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school.id"))
    tutor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    facilitator_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("form_template.id"))
    visit_date: Mapped[date] = mapped_column(Date)
    feedback_to_facilitator: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class TtcVisitItem(UuidPk, Timestamps, Base):
    __tablename__ = "ttc_visit_item"
    __table_args__ = (UniqueConstraint("visit_id", "new_teacher_id", "item_key"),)

    visit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ttc_visit.id", ondelete="CASCADE"))
    new_teacher_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(64))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)


class LessonObservation(UuidPk, Timestamps, Versioned, Base):
    __tablename__ = "lesson_observation"
    __table_args__ = (Index("ix_lesson_observation_school_date", "school_id", "observed_on"),)

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school.id"))
    teacher_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    observer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    subject: Mapped[str] = mapped_column(String(80))
    grade: Mapped[str] = mapped_column(String(32))
    observed_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class PracticeRating(UuidPk, Base):
    __tablename__ = "practice_rating"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        UniqueConstraint("observation_id", "practice_id"),
        Index("ix_practice_rating_practice", "practice_id"),
    )

    observation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lesson_observation.id", ondelete="CASCADE"))
    practice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teaching_practice.id"))
    rating: Mapped[int] = mapped_column(Integer)


class CemcMark(UuidPk, Timestamps, Versioned, Base):
    """CPD CEMC marks of one participant: first-session report /30, field visit /30, final exam /40."""

    __tablename__ = "cemc_mark"
    __table_args__ = (
        one_of("participant_role", CemcParticipantRole),
        between("first_session_report", 0, 30),
        between("field_visit", 0, 30),
        between("final_exam", 0, 40),
        UniqueConstraint("participant_id", "cohort"),
    )

    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"))
    participant_role: Mapped[str] = mapped_column(String(16))
    cohort: Mapped[str] = mapped_column(String(32))  # "2026"
    assessor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    school_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("school.id"), index=True)
    district_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("district.id"), index=True)
    first_session_report: Mapped[float | None] = mapped_column(Numeric(4, 1))
    first_session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cop_session.id"))
    field_visit: Mapped[float | None] = mapped_column(Numeric(4, 1))
    final_exam: Mapped[float | None] = mapped_column(Numeric(4, 1))


class AssessmentResult(UuidPk, Timestamps, Base):
    """Learners' results a school imports (per subject, grade and term) to stand beside its statistics."""

    __tablename__ = "assessment_result"
    __table_args__ = (
        one_of("term", Term),
        between("mean_score", 0, 100),
        between("pass_rate", 0, 100),
        UniqueConstraint("school_id", "school_year", "term", "subject", "grade"),
    )

    school_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("school.id"))
    school_year: Mapped[int] = mapped_column(Integer)
    term: Mapped[str] = mapped_column(String(1))
    subject: Mapped[str] = mapped_column(String(80))
    grade: Mapped[str] = mapped_column(String(32))
    mean_score: Mapped[float | None] = mapped_column(Numeric(5, 2))
    pass_rate: Mapped[float | None] = mapped_column(Numeric(5, 2))
    learners: Mapped[int | None] = mapped_column(Integer)
    imported_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    imported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
