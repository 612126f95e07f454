"""The school dashboard's figures: small GROUP BY queries on one school, each through a per-school index."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, and_, case, cast, func, literal, select, true, union_all
from sqlalchemy.orm import Session, aliased

from cop.access import Reach, Viewer
from cop.dashboard import PracticeAverage, term_bounds, year_bounds
from cop.vocab import Term
from db.access import cop_ids_of_member, ensure_school_in_reach
from db.models import (
    ActionItem,
    AssessmentResult,
    Attendance,
    Challenge,
    ConsolidationOutput,
    CopCycle,
    CopSession,
    DisseminationPlan,
    FieldVisit,
    LessonObservation,
    MonitoringVisit,
    Person,
    PracticeRating,
    TeachingPractice,
    TryoutPlan,
    TtcVisit,
)


@dataclass(frozen=True)
class MonthActivity:
    month: date
    sessions: int
    reflection_sessions: int
    present: int
    attendance_records: int


@dataclass(frozen=True)
class OverdueAction:
    description: str
    owner: str | None
    due_on: date


@dataclass(frozen=True)
class VisitRow:
    visit_date: date
    kind: str
    visitor: str


@dataclass(frozen=True)
class AssessmentRow:
    school_year: int
    term: str
    subject: str
    grade: str
    mean_score: float | None
    pass_rate: float | None
    learners: int | None


@dataclass(frozen=True)
class SchoolDashboard:
    school_id: str
    teachers: int
    new_teachers: int
    cycles_by_phase: dict[str, int]
    activity: list[MonthActivity]
    challenges: list[tuple[str, str, int]]  # topic, control, count
    parking_lot: list[str]
    tryouts: dict[str, int]  # worked / did not work / not judged yet
    outputs: list[tuple[str, str, int]]  # kind, status, count
    disseminations_done: int
    disseminations_planned: int
    overdue_count: int
    overdue: list[OverdueAction]
    practices: list[PracticeAverage]
    assessments: list[AssessmentRow]
    visits: list[VisitRow]


def _period_bounds(school_year: int, term: str | None) -> tuple[date, date]:
    return year_bounds(school_year) if term is None else term_bounds(school_year, term)


def _previous(school_year: int, term: str | None) -> tuple[int, str | None]:
    if term is None:
        return school_year - 1, None
    if term == Term.T1:
        return school_year - 1, Term.T3.value
    return school_year, str(int(term) - 1)


def school_dashboard(
    session: Session,
    viewer: Viewer,
    school_id: uuid.UUID | str,
    *,
    school_year: int,
    term: str | None = None,
    today: date | None = None,
    overdue_shown: int = 15,
) -> SchoolDashboard:
    """Every figure of one school's dashboard for a school year (or one of its terms)."""
    sid = ensure_school_in_reach(session, viewer, school_id)
    today = today or date.today()
    start, end = _period_bounds(school_year, term)
    # A teacher reads the CoP work of their own CoPs only.
    own = viewer.reach is Reach.OWN_COPS
    cop_ok = CopCycle.cop_id.in_(cop_ids_of_member(viewer)) if own else true()
    cycles = select(CopCycle.id).where(CopCycle.school_id == sid, CopCycle.school_year == school_year, cop_ok)

    teachers, new_teachers = session.execute(
        select(func.count(), func.count().filter(Person.is_new_teacher)).where(
            Person.school_id == sid, Person.role == "teacher", Person.is_active
        )
    ).one()

    phases = dict(
        session.execute(
            select(CopCycle.phase, func.count())
            .where(CopCycle.school_id == sid, CopCycle.school_year == school_year, cop_ok)
            .group_by(CopCycle.phase)
        ).all()
    )

    sess_ok = CopSession.cop_id.in_(cop_ids_of_member(viewer)) if own else true()
    held = (
        select(CopSession.id, CopSession.kind, CopSession.session_date)
        .where(
            CopSession.school_id == sid,
            CopSession.status == "held",
            CopSession.session_date >= start,
            CopSession.session_date < end,
            sess_ok,
        )
        .subquery()
    )
    att = (
        select(
            Attendance.session_id,
            func.count().filter(Attendance.present).label("present"),
            func.count().label("records"),
        )
        .where(Attendance.session_id.in_(select(held.c.id)))
        .group_by(Attendance.session_id)
        .subquery()
    )
    month = cast(func.date_trunc("month", held.c.session_date), Date)
    activity = [
        MonthActivity(m, int(n), int(r), int(p or 0), int(a or 0))
        for m, n, r, p, a in session.execute(
            select(
                month,
                func.count().filter(held.c.kind != "reflection"),
                func.count().filter(held.c.kind == "reflection"),
                func.sum(att.c.present),
                func.sum(att.c.records),
            )
            .outerjoin(att, att.c.session_id == held.c.id)
            .group_by(month)
            .order_by(month)
        ).all()
    ]

    visible = and_(Challenge.school_id == sid, Challenge.cycle_id.in_(cycles), Challenge.hidden.is_(False))
    challenges = [
        (t, c, int(n))
        for t, c, n in session.execute(
            select(Challenge.topic, Challenge.control, func.count())
            .where(visible)
            .group_by(Challenge.topic, Challenge.control)
            .order_by(Challenge.topic, Challenge.control)
        ).all()
    ]
    parking = list(
        session.scalars(
            select(Challenge.title)
            .where(visible, Challenge.control == "out_of_control")
            .order_by(Challenge.created_at.desc())
            .limit(20)
        )
    )

    verdict = case(
        (TryoutPlan.effective.is_(True), "worked"),
        (TryoutPlan.effective.is_(False), "did not work"),
        else_="not judged yet",
    )
    tryouts = {
        v: int(n)
        for v, n in session.execute(
            select(verdict, func.count())
            .join(Challenge, Challenge.id == TryoutPlan.challenge_id)
            .where(visible)
            .group_by(verdict)
        ).all()
    }

    outputs = [
        (k, st, int(n))
        for k, st, n in session.execute(
            select(ConsolidationOutput.kind, ConsolidationOutput.status, func.count())
            .where(ConsolidationOutput.school_id == sid, ConsolidationOutput.cycle_id.in_(cycles))
            .group_by(ConsolidationOutput.kind, ConsolidationOutput.status)
        ).all()
    ]
    done, planned = session.execute(
        select(func.count().filter(DisseminationPlan.done), func.count()).where(
            DisseminationPlan.school_id == sid, DisseminationPlan.cycle_id.in_(cycles)
        )
    ).one()

    overdue_where = and_(ActionItem.school_id == sid, ActionItem.status == "open", ActionItem.due_on < today)
    if own:
        # A teacher's overdue list: actions of their CoPs' sessions, and their own.
        mine = ActionItem.session_id.in_(select(CopSession.id).where(CopSession.school_id == sid, sess_ok))
        overdue_where = and_(overdue_where, mine | (ActionItem.owner_id == uuid.UUID(viewer.person_id)))
    overdue_count = session.scalar(select(func.count()).select_from(ActionItem).where(overdue_where)) or 0
    owner = aliased(Person)
    overdue = [
        OverdueAction(d, o, due)
        for d, o, due in session.execute(
            select(ActionItem.description, owner.full_name, ActionItem.due_on)
            .outerjoin(owner, owner.id == ActionItem.owner_id)
            .where(overdue_where)
            .order_by(ActionItem.due_on)
            .limit(overdue_shown)
        ).all()
    ]

    practices = _practice_averages(session, sid, school_year, term)

    assessments = [
        AssessmentRow(
            y, t, subj, g, float(m) if m is not None else None, float(p) if p is not None else None, n
        )
        for y, t, subj, g, m, p, n in session.execute(
            select(
                AssessmentResult.school_year,
                AssessmentResult.term,
                AssessmentResult.subject,
                AssessmentResult.grade,
                AssessmentResult.mean_score,
                AssessmentResult.pass_rate,
                AssessmentResult.learners,
            )
            .where(AssessmentResult.school_id == sid, AssessmentResult.school_year >= school_year - 1)
            .order_by(
                AssessmentResult.school_year,
                AssessmentResult.term,
                AssessmentResult.subject,
                AssessmentResult.grade,
            )
        ).all()
    ]

    visits = _recent_visits(session, sid)
    return SchoolDashboard(
        str(sid),
        int(teachers),
        int(new_teachers),
        phases,
        activity,
        challenges,
        parking,
        tryouts,
        outputs,
        int(done),
        int(planned),
        int(overdue_count),
        overdue,
        practices,
        assessments,
        visits,
    )


def _practice_averages(
    session: Session, sid: uuid.UUID, school_year: int, term: str | None
) -> list[PracticeAverage]:
    """Average rating per teaching practice in the period, with the previous period's for the trend."""
    start, end = _period_bounds(school_year, term)
    prev_start, prev_end = _period_bounds(*_previous(school_year, term))
    in_now = and_(LessonObservation.observed_on >= start, LessonObservation.observed_on < end)
    in_prev = and_(LessonObservation.observed_on >= prev_start, LessonObservation.observed_on < prev_end)
    rows = session.execute(
        select(
            TeachingPractice.label,
            func.avg(PracticeRating.rating).filter(in_now),
            func.count().filter(in_now),
            func.avg(PracticeRating.rating).filter(in_prev),
        )
        .select_from(PracticeRating)
        .join(LessonObservation, LessonObservation.id == PracticeRating.observation_id)
        .join(TeachingPractice, TeachingPractice.id == PracticeRating.practice_id)
        .where(
            LessonObservation.school_id == sid,
            LessonObservation.observed_on >= prev_start,
            LessonObservation.observed_on < end,
        )
        .group_by(TeachingPractice.label, TeachingPractice.sort_order)
        .order_by(TeachingPractice.sort_order)
    ).all()
    return [
        PracticeAverage(
            label, round(float(avg), 2), int(n), round(float(prev), 2) if prev is not None else None
        )
        for label, avg, n, prev in rows
        if n
    ]


def _recent_visits(session: Session, sid: uuid.UUID, limit: int = 10) -> list[VisitRow]:
    parts = [
        select(
            MonitoringVisit.visit_date.label("d"),
            literal("CoP monitoring").label("k"),
            MonitoringVisit.visitor_id.label("p"),
        )
        .where(MonitoringVisit.school_id == sid)
        .order_by(MonitoringVisit.visit_date.desc())
        .limit(limit),
        select(FieldVisit.visit_date, literal("Supportive field visit"), FieldVisit.facilitator_id)
        .where(FieldVisit.school_id == sid)
        .order_by(FieldVisit.visit_date.desc())
        .limit(limit),
        select(TtcVisit.visit_date, literal("TTC tutor visit"), TtcVisit.tutor_id)
        .where(TtcVisit.school_id == sid)
        .order_by(TtcVisit.visit_date.desc())
        .limit(limit),
    ]
    u = union_all(*(p.subquery().select() for p in parts)).subquery()
    return [
        VisitRow(d, k, name)
        for d, k, name in session.execute(
            select(u.c.d, u.c.k, Person.full_name)
            .join(Person, Person.id == u.c.p)
            .order_by(u.c.d.desc())
            .limit(limit)
        ).all()
    ]
