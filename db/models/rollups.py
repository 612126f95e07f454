"""Summary tables for the district and national dashboards, kept up to date by `db.rollups`."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base

# Counted per school and term; each is an integer defaulting to 0.
TERM_COUNTS = (
    "sessions_held",
    "reflection_sessions",
    "attendance_present",
    "attendance_records",
    "monitoring_visits",
    "field_visits",
    "ttc_visits",
    "observations",
    "challenges",
    "parking_lot",
    "tryouts_judged",
    "tryouts_effective",
    "outputs",
    "disseminations_done",
)


class SchoolTermStat(Base):
    """One school's activity in one term: derived data, rebuilt from the source tables at any time."""

    __tablename__ = "school_term_stat"
    __table_args__ = (Index("ix_school_term_stat_year_term", "school_year", "term"),)

    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), primary_key=True
    )
    school_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(1), primary_key=True)
    sessions_held: Mapped[int] = mapped_column(Integer, default=0)
    reflection_sessions: Mapped[int] = mapped_column(Integer, default=0)
    attendance_present: Mapped[int] = mapped_column(Integer, default=0)
    attendance_records: Mapped[int] = mapped_column(Integer, default=0)
    monitoring_visits: Mapped[int] = mapped_column(Integer, default=0)
    field_visits: Mapped[int] = mapped_column(Integer, default=0)
    ttc_visits: Mapped[int] = mapped_column(Integer, default=0)
    observations: Mapped[int] = mapped_column(Integer, default=0)
    challenges: Mapped[int] = mapped_column(Integer, default=0)
    parking_lot: Mapped[int] = mapped_column(Integer, default=0)
    tryouts_judged: Mapped[int] = mapped_column(Integer, default=0)
    tryouts_effective: Mapped[int] = mapped_column(Integer, default=0)
    outputs: Mapped[int] = mapped_column(Integer, default=0)
    disseminations_done: Mapped[int] = mapped_column(Integer, default=0)


class SchoolStat(Base):
    """One school's current state (people, CoPs, open cycles) and the change-marker count it reflects."""

    __tablename__ = "school_stat"

    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), primary_key=True
    )
    teachers: Mapped[int] = mapped_column(Integer, default=0)
    new_teachers: Mapped[int] = mapped_column(Integer, default=0)
    cops_active: Mapped[int] = mapped_column(Integer, default=0)
    cycles_open: Mapped[int] = mapped_column(Integer, default=0)
    cycles_stuck: Mapped[int] = mapped_column(Integer, default=0)
    last_session_on: Mapped[date | None] = mapped_column(Date)
    marker_counter: Mapped[int] = mapped_column(BigInteger, default=0)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# Indexes on other tables that the dashboards need, declared here so the models match migration 0005.
def _dashboard_indexes() -> None:
    from db.models.cycle import ActionItem, ChangeMarker

    Index(
        "ix_action_item_open_due",
        ActionItem.__table__.c.due_on,
        ActionItem.__table__.c.school_id,
        postgresql_where=ActionItem.__table__.c.status == "open",
    )
    # The rollup refresh looks for markers moved since its last run.
    Index("ix_change_marker_changed_at", ChangeMarker.__table__.c.changed_at)


_dashboard_indexes()
