"""Cycle reports: the closed cycles in reach, one report built from the cycle's records, acknowledging."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from cop import cycle_report as rules
from cop.access import AccessDenied, Reach, Viewer, may_write_school_data
from cop.vocab import ControlCategory, CyclePhase, Enabler, SessionStatus
from db.access import cop_ids_of_member, school_ids_in_reach
from db.models import (
    Attendance,
    Challenge,
    ChallengeAnalysis,
    ConsolidationOutput,
    Cop,
    CopCycle,
    CopSession,
    CycleEvaluation,
    CycleReport,
    DisseminationPlan,
    LessonLearnt,
    Person,
    School,
    TryoutPlan,
)

MAX_LIST = 500
_NOT_IN_REACH = "That cycle report is not in your reach."


@dataclass(frozen=True)
class CycleReportRow:
    cycle_id: str
    school: str
    cop: str
    school_year: int
    number: int
    closed_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class CycleReportView:
    cycle_id: str
    school_id: str
    facts: rules.CycleFacts
    body: str
    submitted_by: str | None
    submitted_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    may_acknowledge: bool


def _closed_cycles(viewer: Viewer) -> Select[tuple[uuid.UUID]]:
    """Ids of closed cycles the viewer may read (teachers: their own CoPs' only)."""
    query = select(CopCycle.id).where(
        CopCycle.school_id.in_(school_ids_in_reach(viewer)),
        CopCycle.phase == CyclePhase.CLOSED.value,
        CopCycle.closed_at.is_not(None),
    )
    if viewer.reach is Reach.OWN_COPS:
        query = query.where(CopCycle.cop_id.in_(cop_ids_of_member(viewer)))
    return query


def _cycle_in_reach(s: Session, viewer: Viewer, cycle_id: uuid.UUID | str) -> CopCycle:
    try:
        cid = uuid.UUID(str(cycle_id))
    except ValueError:
        raise AccessDenied(_NOT_IN_REACH) from None
    reachable = school_ids_in_reach(viewer)
    query = select(CopCycle).where(CopCycle.id == cid, CopCycle.school_id.in_(reachable))
    if viewer.reach is Reach.OWN_COPS:
        query = query.where(CopCycle.cop_id.in_(cop_ids_of_member(viewer)))
    row = s.scalar(query)
    if row is None:
        raise AccessDenied(_NOT_IN_REACH)
    return row


def cycle_reports(
    s: Session,
    viewer: Viewer,
    *,
    school_id: uuid.UUID | str | None = None,
    awaiting_only: bool = False,
    limit: int = MAX_LIST,
) -> list[CycleReportRow]:
    """Reports of closed cycles in reach, newest first; `awaiting_only`: not acknowledged yet."""
    acknowledger = aliased(Person)
    query = (
        select(CopCycle, School.name, Cop.name, CycleReport, acknowledger.full_name)
        .join(Cop, Cop.id == CopCycle.cop_id)
        .join(School, School.id == CopCycle.school_id)
        .outerjoin(CycleReport, CycleReport.cycle_id == CopCycle.id)
        .outerjoin(acknowledger, acknowledger.id == CycleReport.acknowledged_by_id)
        .where(CopCycle.id.in_(_closed_cycles(viewer)))
        .order_by(CopCycle.closed_at.desc(), Cop.name)
        .limit(limit)
    )
    if school_id is not None:
        query = query.where(CopCycle.school_id == uuid.UUID(str(school_id)))
    if awaiting_only:
        query = query.where(CycleReport.acknowledged_at.is_(None))
    return [
        CycleReportRow(
            str(c.id),
            school,
            cop,
            c.school_year,
            c.number,
            c.closed_at,
            ack_name,
            report.acknowledged_at if report else None,
        )
        for c, school, cop, report, ack_name in s.execute(query)
    ]


def _sessions(s: Session, cycle_id: uuid.UUID) -> tuple[rules.SessionLine, ...]:
    counts = (
        select(
            Attendance.session_id,
            func.count().label("listed"),
            func.count().filter(Attendance.present).label("present"),
            func.count().filter(Attendance.present, Person.is_new_teacher).label("new"),
        )
        .join(Person, Person.id == Attendance.person_id)
        .group_by(Attendance.session_id)
        .subquery()
    )
    query = (
        select(CopSession, counts.c.present, counts.c.listed, counts.c.new)
        .outerjoin(counts, counts.c.session_id == CopSession.id)
        .where(CopSession.cycle_id == cycle_id, CopSession.status == SessionStatus.HELD.value)
        .order_by(CopSession.session_date, CopSession.sequence)
    )
    return tuple(
        rules.SessionLine(x.kind, x.sequence, x.session_date, present or 0, listed or 0, new or 0)
        for x, present, listed, new in s.execute(query)
    )


def _priorities(s: Session, cycle_id: uuid.UUID) -> tuple[rules.PriorityLine, ...]:
    challenges = s.execute(
        select(Challenge, ChallengeAnalysis.goal)
        .outerjoin(ChallengeAnalysis, ChallengeAnalysis.challenge_id == Challenge.id)
        .where(Challenge.cycle_id == cycle_id, Challenge.is_priority, Challenge.hidden.is_(False))
        .order_by(Challenge.priority_rank, Challenge.created_at)
    ).all()
    plans: dict[uuid.UUID, list[rules.TryoutLine]] = {}
    for p in s.scalars(
        select(TryoutPlan)
        .where(TryoutPlan.challenge_id.in_([c.id for c, _ in challenges]))
        .order_by(TryoutPlan.attempt_no)
    ):
        line = rules.TryoutLine(p.attempt_no, p.activities, p.start_on, p.end_on, p.effective, p.pros, p.cons)
        plans.setdefault(p.challenge_id, []).append(line)
    return tuple(
        rules.PriorityLine(c.title, c.topic, goal, tuple(plans.get(c.id, ()))) for c, goal in challenges
    )


def _facts(s: Session, cycle: CopCycle) -> rules.CycleFacts:
    cop = s.get(Cop, cycle.cop_id)
    assert cop is not None
    owner = aliased(Person)
    outputs = tuple(
        rules.OutputLine(o.kind, o.title, o.status, name, o.file_id is not None, o.link_url)
        for o, name in s.execute(
            select(ConsolidationOutput, owner.full_name)
            .outerjoin(owner, owner.id == ConsolidationOutput.owner_id)
            .where(ConsolidationOutput.cycle_id == cycle.id)
            .order_by(ConsolidationOutput.created_at)
        )
    )
    dissemination = tuple(
        rules.DisseminationLine(d.audience, d.channel, d.planned_on, name, d.done)
        for d, name in s.execute(
            select(DisseminationPlan, owner.full_name)
            .outerjoin(owner, owner.id == DisseminationPlan.owner_id)
            .where(DisseminationPlan.cycle_id == cycle.id)
            .order_by(DisseminationPlan.planned_on.nulls_last(), DisseminationPlan.created_at)
        )
    )
    ev = s.scalar(select(CycleEvaluation).where(CycleEvaluation.cycle_id == cycle.id))
    evaluation = None
    if ev is not None:
        enablers = {e.value: getattr(ev, e.value) for e in Enabler}
        evaluation = rules.EvaluationLine(
            ev.effectiveness, enablers, ev.lessons_for_all, ev.improvements_next_cycle
        )
    parked = s.scalar(
        select(func.count()).where(
            Challenge.cycle_id == cycle.id,
            Challenge.control == ControlCategory.OUT_OF_CONTROL.value,
            Challenge.hidden.is_(False),
        )
    )
    return rules.CycleFacts(
        school=s.scalar(select(School.name).where(School.id == cycle.school_id)) or "",
        cop=cop.name,
        school_year=cycle.school_year,
        number=cycle.number,
        title=cycle.title,
        started_on=cycle.started_on,
        closed_at=cycle.closed_at,
        facilitator=_name(s, cop.facilitator_id),
        sessions=_sessions(s, cycle.id),
        priorities=_priorities(s, cycle.id),
        parking_lot=parked or 0,
        lessons=tuple(
            s.scalars(
                select(LessonLearnt.text)
                .where(LessonLearnt.cycle_id == cycle.id)
                .order_by(LessonLearnt.created_at)
            )
        ),
        outputs=outputs,
        storage_place=cycle.storage_place,
        storage_note=cycle.storage_note,
        dissemination=dissemination,
        evaluation=evaluation,
    )


def _name(s: Session, person_id: uuid.UUID | None) -> str | None:
    return s.scalar(select(Person.full_name).where(Person.id == person_id)) if person_id else None


def _closed(cycle: CopCycle) -> bool:
    return cycle.phase == CyclePhase.CLOSED.value and cycle.closed_at is not None


def cycle_report(s: Session, viewer: Viewer, cycle_id: uuid.UUID | str) -> CycleReportView:
    """The report of a closed cycle in reach, built from the cycle's records."""
    cycle = _cycle_in_reach(s, viewer, cycle_id)
    if not _closed(cycle):
        raise AccessDenied("This cycle is not closed yet: its report comes after the last session.")
    report = s.scalar(select(CycleReport).where(CycleReport.cycle_id == cycle.id))
    facts = _facts(s, cycle)
    acknowledged = report is not None and report.acknowledged_at is not None
    return CycleReportView(
        cycle_id=str(cycle.id),
        school_id=str(cycle.school_id),
        facts=facts,
        body=report.body if report else "\n".join(rules.summary_lines(facts)),
        submitted_by=_name(s, report.submitted_by_id) if report else None,
        submitted_at=report.submitted_at if report else cycle.closed_at,
        acknowledged_by=_name(s, report.acknowledged_by_id) if report else None,
        acknowledged_at=report.acknowledged_at if report else None,
        may_acknowledge=rules.may_acknowledge(
            viewer.role, same_school=viewer.school_id == str(cycle.school_id)
        )
        and not acknowledged,
    )


def produce_cycle_report(s: Session, viewer: Viewer, cycle_id: uuid.UUID | str) -> uuid.UUID:
    """Store the report of a just-closed cycle (call it when closing); again later, it changes nothing."""
    cycle = _cycle_in_reach(s, viewer, cycle_id)
    if not may_write_school_data(viewer, reachable=True):
        raise AccessDenied("Only the school's staff store its cycle reports.")
    rules.check_acknowledgeable(_closed(cycle))
    report = s.scalar(select(CycleReport).where(CycleReport.cycle_id == cycle.id))
    if report is not None:
        return report.id
    report = CycleReport(
        id=uuid.uuid4(),
        cycle_id=cycle.id,
        body="\n".join(rules.summary_lines(_facts(s, cycle))),
        submitted_by_id=uuid.UUID(viewer.person_id),
        submitted_at=datetime.now(UTC),
    )
    s.add(report)
    s.flush()
    return report.id


def acknowledge_cycle_report(s: Session, viewer: Viewer, cycle_id: uuid.UUID | str) -> uuid.UUID:
    """The head teacher's (or deputy's) acknowledgement: who and when; a second click changes nothing."""
    cycle = _cycle_in_reach(s, viewer, cycle_id)
    if not rules.may_acknowledge(viewer.role, same_school=viewer.school_id == str(cycle.school_id)):
        raise AccessDenied("Only the head teacher or deputy of the school acknowledges its cycle reports.")
    rules.check_acknowledgeable(_closed(cycle))
    report = s.scalar(select(CycleReport).where(CycleReport.cycle_id == cycle.id))
    if report is None:
        # Nobody stored the report when the cycle closed: store it now, as it is acknowledged.
        report = s.get(CycleReport, produce_cycle_report(s, viewer, cycle.id))
        assert report is not None
    if report.acknowledged_at is None:
        report.acknowledged_by_id, report.acknowledged_at = uuid.UUID(viewer.person_id), datetime.now(UTC)
        s.flush()
    return report.id
