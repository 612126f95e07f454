"""The school overview: a school's CoPs, their cycles with phase, and recent sessions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session, aliased

from cop.access import Reach, Viewer
from db.access import cop_ids_of_member, ensure_school_in_reach, school_ids_in_reach
from db.models import Attendance, Cop, CopCycle, CopMember, CopSession, District, Person, School


@dataclass(frozen=True)
class SchoolChoice:
    id: str
    label: str


@dataclass(frozen=True)
class CopRow:
    id: str
    name: str
    kind: str
    grade: str | None
    subject: str | None
    facilitator: str | None
    members: int


@dataclass(frozen=True)
class CycleRow:
    id: str
    cop: str
    school_year: int
    number: int
    phase: str
    sessions_held: int
    last_session_on: date | None


@dataclass(frozen=True)
class SessionRow:
    id: str
    session_date: date
    cop: str | None
    kind: str
    status: str
    present: int
    led_by: str | None


@dataclass(frozen=True)
class SchoolOverview:
    school_id: str
    name: str
    code: str
    district: str
    sector: str | None
    cops: list[CopRow]
    cycles: list[CycleRow]
    recent_sessions: list[SessionRow]


def schools_in_reach(
    session: Session, viewer: Viewer, *, limit: int = 500, district_id: str | None = None
) -> list[SchoolChoice]:
    """Schools the viewer may open, by district then name (bounded: officials search rather than scroll);
    optionally of one district."""
    in_district = School.district_id == uuid.UUID(district_id) if district_id else true()
    rows = session.execute(
        select(School.id, School.name, School.code, District.name)
        .join(District, District.id == School.district_id)
        .where(School.id.in_(school_ids_in_reach(viewer)), School.is_active, in_district)
        .order_by(District.name, School.name)
        .limit(limit)
    ).all()
    return [SchoolChoice(str(i), f"{name} ({code}, {district})") for i, name, code, district in rows]


def school_overview(
    session: Session, viewer: Viewer, school_id: uuid.UUID | str, *, recent: int = 10
) -> SchoolOverview:
    """CoPs, cycles and the most recent sessions of one school the viewer may read."""
    sid = ensure_school_in_reach(session, viewer, school_id)
    school, district = session.execute(
        select(School, District.name)
        .join(District, District.id == School.district_id)
        .where(School.id == sid)
    ).one()

    cop_filter = [Cop.school_id == sid]
    if viewer.reach is Reach.OWN_COPS:
        cop_filter.append(Cop.id.in_(cop_ids_of_member(viewer)))

    members = (
        select(CopMember.cop_id, func.count().label("n"))
        # Scoped to the school: unscoped, PostgreSQL counted the members of every CoP in the country.
        .where(CopMember.left_on.is_(None), CopMember.cop_id.in_(select(Cop.id).where(Cop.school_id == sid)))
        .group_by(CopMember.cop_id)
        .subquery()
    )
    facilitator = aliased(Person)
    cops = [
        CopRow(str(c.id), c.name, c.kind, c.grade, c.subject, fname, n or 0)
        for c, fname, n in session.execute(
            select(Cop, facilitator.full_name, members.c.n)
            .outerjoin(facilitator, facilitator.id == Cop.facilitator_id)
            .outerjoin(members, members.c.cop_id == Cop.id)
            .where(*cop_filter, Cop.is_active)
            .order_by(Cop.name)
        ).all()
    ]
    cop_ids = [uuid.UUID(c.id) for c in cops]

    held = (
        select(
            CopSession.cycle_id,
            func.count().label("held"),
            func.max(CopSession.session_date).label("last_on"),
        )
        .where(CopSession.school_id == sid, CopSession.status == "held", CopSession.cycle_id.is_not(None))
        .group_by(CopSession.cycle_id)
        .subquery()
    )
    cycles = [
        CycleRow(str(cy.id), cop_name, cy.school_year, cy.number, cy.phase, n or 0, last_on)
        for cy, cop_name, n, last_on in session.execute(
            select(CopCycle, Cop.name, held.c.held, held.c.last_on)
            .join(Cop, Cop.id == CopCycle.cop_id)
            .outerjoin(held, held.c.cycle_id == CopCycle.id)
            .where(CopCycle.cop_id.in_(cop_ids))
            .order_by(CopCycle.school_year.desc(), Cop.name, CopCycle.number.desc())
        ).all()
    ]

    leader = aliased(Person)
    session_filter = [CopSession.school_id == sid]
    if viewer.reach is Reach.OWN_COPS:
        session_filter.append(CopSession.cop_id.in_(cop_ids))
    latest = (
        select(CopSession.id).where(*session_filter).order_by(CopSession.session_date.desc()).limit(recent)
    )
    # Attendance of the shown sessions only (not of every session in the country).
    present = (
        select(Attendance.session_id, func.count().label("n"))
        .where(Attendance.present, Attendance.session_id.in_(latest))
        .group_by(Attendance.session_id)
        .subquery()
    )
    recent_sessions = [
        SessionRow(str(s.id), s.session_date, cop_name, s.kind, s.status, n or 0, lead)
        for s, cop_name, n, lead in session.execute(
            select(CopSession, Cop.name, present.c.n, leader.full_name)
            .outerjoin(Cop, Cop.id == CopSession.cop_id)
            .outerjoin(present, present.c.session_id == CopSession.id)
            .outerjoin(leader, leader.id == CopSession.led_by_id)
            .where(*session_filter)
            .order_by(CopSession.session_date.desc())
            .limit(recent)
        ).all()
    ]
    return SchoolOverview(
        str(sid), school.name, school.code, district, school.sector, cops, cycles, recent_sessions
    )
