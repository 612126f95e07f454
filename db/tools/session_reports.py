"""CoP session reports: the list, one report with its session's records, saving and acknowledging."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from cop import session_report as rules
from cop.access import AccessDenied, Reach, Viewer
from cop.errors import EditConflict
from cop.vocab import SessionStatus
from db.access import cop_ids_of_member, school_ids_in_reach
from db.models import (
    ActionItem,
    Attendance,
    Challenge,
    Cop,
    CopSession,
    LessonLearnt,
    Person,
    School,
    SessionReport,
    TryoutImplementer,
    TryoutPlan,
)
from db.records import CONFLICT

MAX_LIST = 500
_NOT_IN_REACH = "That session report is not in your reach."
_TEXT_FIELDS = ("main_discussions", "decisions")


@dataclass(frozen=True)
class CopChoice:
    id: str
    label: str


@dataclass(frozen=True)
class ReportRow:
    session_id: str
    school: str
    cop: str
    kind: str
    sequence: int
    session_date: date
    present: int
    members: int
    status: rules.ReportStatus
    submitted_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class ReportView:
    """One report: the session, what its records say, the saved text, and what the viewer may do."""

    session_id: str
    school_id: str
    school: str
    cop: str
    kind: str
    sequence: int
    session_date: date
    duration_minutes: int | None
    facilitator: str | None
    facts: rules.SessionFacts
    generated_main_discussions: str
    generated_decisions: str
    main_discussions: str | None  # None: nobody has saved the report yet
    decisions: str | None
    version: int | None
    status: rules.ReportStatus
    edited_by: str | None
    submitted_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    may_edit: bool
    may_acknowledge: bool


def _reported_sessions(viewer: Viewer) -> Select[tuple[uuid.UUID]]:
    """Ids of the held CoP-cycle sessions the viewer may read (teachers: their own CoPs' only)."""
    query = select(CopSession.id).where(
        CopSession.school_id.in_(school_ids_in_reach(viewer)),
        CopSession.status == SessionStatus.HELD.value,
        CopSession.kind.in_([k.value for k in rules.REPORTED_KINDS]),
        CopSession.cop_id.is_not(None),
    )
    if viewer.reach is Reach.OWN_COPS:
        query = query.where(CopSession.cop_id.in_(cop_ids_of_member(viewer)))
    return query


def _session_in_reach(
    session: Session, viewer: Viewer, session_id: uuid.UUID | str
) -> tuple[CopSession, Cop]:
    try:
        sid = uuid.UUID(str(session_id))
    except ValueError:
        raise AccessDenied(_NOT_IN_REACH) from None
    found = session.execute(
        select(CopSession, Cop)
        .join(Cop, Cop.id == CopSession.cop_id)
        .where(CopSession.id == sid, CopSession.id.in_(_reported_sessions(viewer)))
    ).one_or_none()
    if found is None:
        raise AccessDenied(_NOT_IN_REACH)
    return found[0], found[1]


def report_cops(
    session: Session, viewer: Viewer, *, school_id: uuid.UUID | str | None = None
) -> list[CopChoice]:
    """CoPs whose session reports the viewer may read, for the list's filter."""
    query = (
        select(Cop.id, Cop.name, School.code)
        .join(School, School.id == Cop.school_id)
        .where(Cop.school_id.in_(school_ids_in_reach(viewer)))
        .order_by(School.code, Cop.name)
        .limit(MAX_LIST)
    )
    if school_id is not None:
        query = query.where(Cop.school_id == uuid.UUID(str(school_id)))
    if viewer.reach is Reach.OWN_COPS:
        query = query.where(Cop.id.in_(cop_ids_of_member(viewer)))
    return [CopChoice(str(i), f"{name} ({code})") for i, name, code in session.execute(query)]


def session_reports(
    session: Session,
    viewer: Viewer,
    *,
    school_id: uuid.UUID | str | None = None,
    cop_id: uuid.UUID | str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    acknowledged: bool | None = None,
    awaiting_only: bool = False,
    limit: int = MAX_LIST,
) -> list[ReportRow]:
    """Reports of held sessions in reach, newest first, filtered by school, CoP, dates and acknowledgement."""
    attendance = (
        select(
            Attendance.session_id,
            func.count().label("members"),
            func.count().filter(Attendance.present).label("present"),
        )
        .group_by(Attendance.session_id)
        .subquery()
    )
    acknowledger = aliased(Person)
    query = (
        select(
            CopSession,
            School.name,
            Cop.name,
            attendance.c.present,
            attendance.c.members,
            SessionReport,
            acknowledger.full_name,
        )
        .join(Cop, Cop.id == CopSession.cop_id)
        .join(School, School.id == CopSession.school_id)
        .outerjoin(attendance, attendance.c.session_id == CopSession.id)
        .outerjoin(SessionReport, SessionReport.session_id == CopSession.id)
        .outerjoin(acknowledger, acknowledger.id == SessionReport.acknowledged_by_id)
        .where(CopSession.id.in_(_reported_sessions(viewer)))
        .order_by(CopSession.session_date.desc(), Cop.name)
        .limit(limit)
    )
    if school_id is not None:
        query = query.where(CopSession.school_id == uuid.UUID(str(school_id)))
    if cop_id is not None:
        query = query.where(CopSession.cop_id == uuid.UUID(str(cop_id)))
    if date_from is not None:
        query = query.where(CopSession.session_date >= date_from)
    if date_to is not None:
        query = query.where(CopSession.session_date <= date_to)
    if acknowledged is not None:
        # No report row yet counts as not acknowledged (the outer join gives NULL).
        is_acknowledged = SessionReport.acknowledged_at.is_not(None)
        query = query.where(is_acknowledged if acknowledged else ~is_acknowledged)
    if awaiting_only:
        query = query.where(SessionReport.submitted_at.is_not(None), SessionReport.acknowledged_at.is_(None))
    rows = []
    for s, school, cop, present, members, report, ack_name in session.execute(query):
        submitted = report is not None and report.submitted_at is not None
        status = rules.report_status(submitted, report is not None and report.acknowledged_at is not None)
        rows.append(
            ReportRow(
                str(s.id),
                school,
                cop,
                s.kind,
                s.sequence,
                s.session_date,
                present or 0,
                members or 0,
                status,
                report.submitted_at if report else None,
                ack_name,
                report.acknowledged_at if report else None,
            )
        )
    return rows


def reports_to_acknowledge(session: Session, viewer: Viewer) -> list[ReportRow]:
    """For a head teacher: submitted reports of their school nobody has acknowledged yet."""
    if not rules.may_acknowledge(viewer.role, same_school=viewer.school_id is not None):
        return []
    return session_reports(session, viewer, school_id=viewer.school_id, awaiting_only=True)


def _facts(session: Session, s: CopSession) -> rules.SessionFacts:
    attendance = tuple(
        rules.AttendanceLine(name, present, new)
        for name, present, new in session.execute(
            select(Person.full_name, Attendance.present, Person.is_new_teacher)
            .join(Person, Person.id == Attendance.person_id)
            .where(Attendance.session_id == s.id)
            .order_by(Attendance.present.desc(), Person.full_name)
        )
    )
    challenges = tuple(
        rules.ChallengeLine(c.title, c.topic, c.topic_other, c.control, c.is_priority, c.priority_rank)
        for c in session.scalars(
            select(Challenge)
            .where(Challenge.session_id == s.id, Challenge.hidden.is_(False))
            .order_by(Challenge.is_priority.desc(), Challenge.priority_rank, Challenge.created_at)
        )
    )
    lessons = tuple(
        session.scalars(
            select(LessonLearnt.text).where(LessonLearnt.session_id == s.id).order_by(LessonLearnt.created_at)
        )
    )
    owner = aliased(Person)
    actions = tuple(
        rules.ActionLine(a.description, name, a.due_on, a.status)
        for a, name in session.execute(
            select(ActionItem, owner.full_name)
            .outerjoin(owner, owner.id == ActionItem.owner_id)
            .where(ActionItem.session_id == s.id)
            .order_by(ActionItem.due_on.nulls_last(), ActionItem.created_at)
        )
    )
    return rules.SessionFacts(
        summary=s.summary,
        aob_notes=s.aob_notes,
        attendance=attendance,
        challenges=challenges,
        tryouts_planned=_tryouts(session, TryoutPlan.planned_in_session_id == s.id),
        tryouts_judged=_tryouts(session, TryoutPlan.reviewed_in_session_id == s.id),
        lessons=lessons,
        actions=actions,
    )


def _tryouts(session: Session, where: ColumnElement[bool]) -> tuple[rules.TryoutLine, ...]:
    plans = session.execute(
        select(TryoutPlan, Challenge.title)
        .join(Challenge, Challenge.id == TryoutPlan.challenge_id)
        .where(where)
        .order_by(Challenge.priority_rank, TryoutPlan.attempt_no)
    ).all()
    names: dict[uuid.UUID, list[str]] = {}
    for plan_id, name in session.execute(
        select(TryoutImplementer.plan_id, Person.full_name)
        .join(Person, Person.id == TryoutImplementer.person_id)
        .where(TryoutImplementer.plan_id.in_([p.id for p, _ in plans]))
        .order_by(Person.full_name)
    ):
        names.setdefault(plan_id, []).append(name)
    return tuple(
        rules.TryoutLine(
            title,
            p.attempt_no,
            p.activities,
            p.start_on,
            p.end_on,
            tuple(names.get(p.id, ())),
            p.effective,
            p.pros,
            p.cons,
        )
        for p, title in plans
    )


def _name(session: Session, person_id: uuid.UUID | None) -> str | None:
    return session.scalar(select(Person.full_name).where(Person.id == person_id)) if person_id else None


def _may_edit(viewer: Viewer, s: CopSession, cop: Cop) -> bool:
    return rules.may_edit_report(
        viewer.role,
        same_school=viewer.school_id == str(s.school_id),
        facilitates_cop=str(cop.facilitator_id) == viewer.person_id,
    )


def session_report(session: Session, viewer: Viewer, session_id: uuid.UUID | str) -> ReportView:
    """One report in reach: the session's records, the report generated from them, and the saved text."""
    s, cop = _session_in_reach(session, viewer, session_id)
    report = session.scalar(select(SessionReport).where(SessionReport.session_id == s.id))
    facts = _facts(session, s)
    submitted = report is not None and report.submitted_at is not None
    acknowledged = report is not None and report.acknowledged_at is not None
    return ReportView(
        session_id=str(s.id),
        school_id=str(s.school_id),
        school=session.scalar(select(School.name).where(School.id == s.school_id)) or "",
        cop=cop.name,
        kind=s.kind,
        sequence=s.sequence,
        session_date=s.session_date,
        duration_minutes=s.duration_minutes,
        facilitator=_name(session, s.led_by_id or cop.facilitator_id),
        facts=facts,
        generated_main_discussions=rules.generated_main_discussions(facts),
        generated_decisions=rules.generated_decisions(facts),
        main_discussions=report.main_discussions if report else None,
        decisions=report.decisions if report else None,
        version=report.version if report else None,
        status=rules.report_status(submitted, acknowledged),
        edited_by=_name(session, report.edited_by_id) if report else None,
        submitted_at=report.submitted_at if report else None,
        acknowledged_by=_name(session, report.acknowledged_by_id) if report else None,
        acknowledged_at=report.acknowledged_at if report else None,
        may_edit=_may_edit(viewer, s, cop),
        may_acknowledge=rules.may_acknowledge(viewer.role, same_school=viewer.school_id == str(s.school_id))
        and submitted
        and not acknowledged,
    )


def _theirs(report: SessionReport) -> dict[str, object]:
    """The saved text and its version, for the person whose save was refused to compare and reapply."""
    return {name: getattr(report, name) for name in (*_TEXT_FIELDS, "version")}


def _flush(session: Session, report: SessionReport) -> None:
    """Flush; a save by someone else between our read and this write is a conflict, not an overwrite."""
    try:
        session.flush()
    except StaleDataError:
        raise EditConflict(CONFLICT.format(what="session report")) from None


def save_session_report(
    session: Session,
    viewer: Viewer,
    *,
    session_id: uuid.UUID | str,
    version: int | None,
    main_discussions: str,
    decisions: str,
) -> uuid.UUID:
    """Save (and submit) a session's report; `version` is the one the form was opened with (None: no report).

    Saving the same text again (a double click, a retry) changes nothing and succeeds.
    """
    s, cop = _session_in_reach(session, viewer, session_id)
    if not _may_edit(viewer, s, cop):
        raise AccessDenied("Only the CoP's facilitator or the head teacher may edit this report.")
    text = rules.clean_report(main_discussions, decisions)
    report = session.scalar(select(SessionReport).where(SessionReport.session_id == s.id))
    now = datetime.now(UTC)
    if report is None:
        report = SessionReport(
            session_id=s.id,
            main_discussions=text.main_discussions,
            decisions=text.decisions,
            edited_by_id=uuid.UUID(viewer.person_id),
            submitted_at=now,
        )
        session.add(report)
        session.flush()
        return report.id
    if (report.main_discussions, report.decisions) == (text.main_discussions, text.decisions):
        if report.submitted_at is None:
            report.submitted_at = now
            _flush(session, report)
        return report.id
    if version != report.version:
        raise EditConflict(CONFLICT.format(what="session report"), _theirs(report))
    report.main_discussions, report.decisions = text.main_discussions, text.decisions
    report.edited_by_id = uuid.UUID(viewer.person_id)
    report.submitted_at = now
    if report.acknowledged_at is not None and not rules.keeps_acknowledgement(viewer.role):
        report.acknowledged_at = report.acknowledged_by_id = None
    _flush(session, report)
    return report.id


def acknowledge_session_report(
    session: Session, viewer: Viewer, *, session_id: uuid.UUID | str, version: int | None
) -> uuid.UUID:
    """The head teacher's acknowledgement of a submitted report, as it was when they read it."""
    s, _ = _session_in_reach(session, viewer, session_id)
    if not rules.may_acknowledge(viewer.role, same_school=viewer.school_id == str(s.school_id)):
        raise AccessDenied("Only the head teacher or deputy of the school acknowledges its reports.")
    report = session.scalar(select(SessionReport).where(SessionReport.session_id == s.id))
    rules.check_acknowledgeable(report is not None and report.submitted_at is not None)
    assert report is not None
    if report.acknowledged_at is not None:
        return report.id  # already acknowledged: a double click, or a deputy was quicker
    if version != report.version:
        raise EditConflict(
            "The facilitator changed this report after you opened it: read it again, then acknowledge.",
            _theirs(report),
        )
    report.acknowledged_by_id, report.acknowledged_at = uuid.UUID(viewer.person_id), datetime.now(UTC)
    _flush(session, report)
    return report.id
