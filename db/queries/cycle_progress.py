"""Cycle progress: each cycle of a school with its sessions in time and its six essential activities."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from cop.access import Reach, Viewer
from cop.dashboard import CycleFacts, activities_done
from cop.vocab import EssentialActivity
from db.access import cop_ids_of_member, ensure_school_in_reach
from db.models import (
    Attendance,
    Challenge,
    ConsolidationOutput,
    Cop,
    CopCycle,
    CopSession,
    CycleEvaluation,
    DisseminationPlan,
    TryoutPlan,
)


@dataclass(frozen=True)
class SessionPoint:
    session_date: date
    kind: str
    sequence: int
    status: str
    present: int


@dataclass(frozen=True)
class CycleTimeline:
    cycle_id: str
    cop: str
    school_year: int
    number: int
    phase: str
    sessions: list[SessionPoint]
    activities: dict[EssentialActivity, bool]

    @property
    def label(self) -> str:
        return f"{self.cop} · {self.school_year}/{str(self.school_year + 1)[-2:]} · cycle {self.number}"


def cycle_progress(
    session: Session, viewer: Viewer, school_id: uuid.UUID | str, *, school_year: int | None = None
) -> list[CycleTimeline]:
    """The school's cycles (of one school year, or all), newest first, each with sessions and activities."""
    sid = ensure_school_in_reach(session, viewer, school_id)
    cop_ok = CopCycle.cop_id.in_(cop_ids_of_member(viewer)) if viewer.reach is Reach.OWN_COPS else true()
    year_ok = CopCycle.school_year == school_year if school_year is not None else true()
    cycles = session.execute(
        select(CopCycle.id, Cop.name, CopCycle.school_year, CopCycle.number, CopCycle.phase)
        .join(Cop, Cop.id == CopCycle.cop_id)
        .where(CopCycle.school_id == sid, cop_ok, year_ok)
        .order_by(CopCycle.school_year.desc(), Cop.name, CopCycle.number.desc())
    ).all()
    ids = [c[0] for c in cycles]
    if not ids:
        return []
    present = (
        select(Attendance.session_id, func.count().filter(Attendance.present).label("n"))
        .join(CopSession, CopSession.id == Attendance.session_id)
        .where(CopSession.cycle_id.in_(ids))
        .group_by(Attendance.session_id)
        .subquery()
    )
    sessions: dict[uuid.UUID, list[SessionPoint]] = {}
    for cid, on, kind, seq, status, n in session.execute(
        select(
            CopSession.cycle_id,
            CopSession.session_date,
            CopSession.kind,
            CopSession.sequence,
            CopSession.status,
            present.c.n,
        )
        .outerjoin(present, present.c.session_id == CopSession.id)
        .where(CopSession.cycle_id.in_(ids))
        .order_by(CopSession.session_date, CopSession.sequence)
    ):
        sessions.setdefault(cid, []).append(SessionPoint(on, kind, seq, status, int(n or 0)))
    facts = _facts(session, ids)
    return [
        CycleTimeline(str(cid), cop, year, number, phase, sessions.get(cid, []), activities_done(facts[cid]))
        for cid, cop, year, number, phase in cycles
    ]


def _count_by_cycle(session: Session, stmt: object) -> dict[uuid.UUID, int]:
    return {cid: int(n) for cid, n in session.execute(stmt).all()}  # type: ignore[arg-type]


def _facts(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, CycleFacts]:
    visible = (Challenge.cycle_id.in_(ids), Challenge.hidden.is_(False))
    challenges = _count_by_cycle(
        session, select(Challenge.cycle_id, func.count()).where(*visible).group_by(Challenge.cycle_id)
    )
    priorities = _count_by_cycle(
        session,
        select(Challenge.cycle_id, func.count())
        .where(*visible, Challenge.is_priority)
        .group_by(Challenge.cycle_id),
    )
    latest = (
        select(
            TryoutPlan.challenge_id,
            TryoutPlan.effective,
            func.row_number()
            .over(partition_by=TryoutPlan.challenge_id, order_by=TryoutPlan.attempt_no.desc())
            .label("rn"),
        )
        .join(Challenge, Challenge.id == TryoutPlan.challenge_id)
        .where(*visible, Challenge.is_priority)
        .subquery()
    )
    planned = _count_by_cycle(
        session,
        select(Challenge.cycle_id, func.count())
        .join(latest, latest.c.challenge_id == Challenge.id)
        .where(latest.c.rn == 1)
        .group_by(Challenge.cycle_id),
    )
    effective = _count_by_cycle(
        session,
        select(Challenge.cycle_id, func.count())
        .join(latest, latest.c.challenge_id == Challenge.id)
        .where(latest.c.rn == 1, latest.c.effective.is_(True))
        .group_by(Challenge.cycle_id),
    )
    judged = _count_by_cycle(
        session,
        select(Challenge.cycle_id, func.count())
        .join(TryoutPlan, TryoutPlan.challenge_id == Challenge.id)
        .where(*visible, TryoutPlan.effective.is_not(None))
        .group_by(Challenge.cycle_id),
    )
    outputs = _count_by_cycle(
        session,
        select(ConsolidationOutput.cycle_id, func.count())
        .where(ConsolidationOutput.cycle_id.in_(ids))
        .group_by(ConsolidationOutput.cycle_id),
    )
    dissem = _count_by_cycle(
        session,
        select(DisseminationPlan.cycle_id, func.count())
        .where(DisseminationPlan.cycle_id.in_(ids))
        .group_by(DisseminationPlan.cycle_id),
    )
    evaluated = set(
        session.scalars(select(CycleEvaluation.cycle_id).where(CycleEvaluation.cycle_id.in_(ids)))
    )
    return {
        cid: CycleFacts(
            challenges.get(cid, 0),
            priorities.get(cid, 0),
            planned.get(cid, 0),
            effective.get(cid, 0),
            judged.get(cid, 0),
            outputs.get(cid, 0),
            dissem.get(cid, 0),
            cid in evaluated,
        )
        for cid in ids
    }
