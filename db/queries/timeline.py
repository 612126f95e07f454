"""A school's timeline: every session, visit, observation and self-assessment in one stream, with flags."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Float, String, cast, func, literal, select, true, union_all
from sqlalchemy.orm import Session

from cop.access import Reach, Viewer
from cop.flags import Flag, OpenCycle, SelfAssessmentGap, TimelineFacts, timeline_flags
from db.access import cop_ids_of_member, ensure_school_in_reach
from db.models import (
    ActionItem,
    Cop,
    CopCycle,
    CopSession,
    FieldVisit,
    LessonObservation,
    MonitoringVisit,
    Person,
    SelfAssessment,
    TtcVisit,
)

_KIND_LABEL = {
    "first": "First session",
    "middle": "Middle session",
    "last": "Last session",
    "reflection": "Reflection session",
}


@dataclass(frozen=True)
class TimelineEvent:
    on: date
    kind: str
    what: str
    who: str | None


@dataclass(frozen=True)
class Timeline:
    events: list[TimelineEvent]
    flags: list[Flag]


def school_timeline(
    session: Session,
    viewer: Viewer,
    school_id: uuid.UUID | str,
    *,
    today: date | None = None,
    limit: int = 60,
    weeks_without_session: int = 4,
) -> Timeline:
    """The latest `limit` events of a school, newest first, and the flags its facts raise."""
    sid = ensure_school_in_reach(session, viewer, school_id)
    today = today or date.today()
    own = viewer.reach is Reach.OWN_COPS
    sess_ok = CopSession.cop_id.in_(cop_ids_of_member(viewer)) if own else true()
    text_ = lambda v: cast(v, String)  # noqa: E731
    parts = [
        select(
            CopSession.session_date.label("on"),
            literal("CoP session").label("kind"),
            func.coalesce(Cop.name, "Whole school")
            .concat(": ")
            .concat(CopSession.kind)
            .concat(" (")
            .concat(CopSession.status)
            .concat(")")
            .label("what"),
            text_(CopSession.led_by_id).label("who"),
        )
        .outerjoin(Cop, Cop.id == CopSession.cop_id)
        .where(CopSession.school_id == sid, sess_ok)
        .order_by(CopSession.session_date.desc())
        .limit(limit)
    ]
    if not own:
        parts += [
            select(
                MonitoringVisit.visit_date,
                literal("Monitoring visit"),
                literal("CoP monitoring form"),
                text_(MonitoringVisit.visitor_id),
            )
            .where(MonitoringVisit.school_id == sid)
            .order_by(MonitoringVisit.visit_date.desc())
            .limit(limit),
            select(
                FieldVisit.visit_date,
                literal("Field visit"),
                literal("Supportive field visit to the SBM"),
                text_(FieldVisit.facilitator_id),
            )
            .where(FieldVisit.school_id == sid)
            .order_by(FieldVisit.visit_date.desc())
            .limit(limit),
            select(
                TtcVisit.visit_date,
                literal("TTC visit"),
                literal("New-teacher induction"),
                text_(TtcVisit.tutor_id),
            )
            .where(TtcVisit.school_id == sid)
            .order_by(TtcVisit.visit_date.desc())
            .limit(limit),
            select(
                LessonObservation.observed_on,
                literal("Lesson observation"),
                LessonObservation.subject.concat(" ").concat(LessonObservation.grade),
                text_(LessonObservation.observer_id),
            )
            .where(LessonObservation.school_id == sid)
            .order_by(LessonObservation.observed_on.desc())
            .limit(limit),
            select(
                func.date(SelfAssessment.created_at),
                literal("Self-assessment"),
                literal("Term ")
                .concat(SelfAssessment.term)
                .concat(" of ")
                .concat(text_(SelfAssessment.school_year)),
                text_(SelfAssessment.person_id),
            )
            .where(SelfAssessment.school_id == sid)
            .order_by(SelfAssessment.created_at.desc())
            .limit(limit),
        ]
    u = union_all(*(p.subquery().select() for p in parts)).subquery()
    rows = session.execute(
        select(u.c.on, u.c.kind, u.c.what, Person.full_name)
        .outerjoin(Person, cast(Person.id, String) == u.c.who)
        .order_by(u.c.on.desc(), u.c.kind)
        .limit(limit)
    ).all()
    events = [TimelineEvent(on, kind, _pretty(what), who) for on, kind, what, who in rows]
    return Timeline(
        events,
        timeline_flags(_facts(session, viewer, sid, today), weeks_without_session=weeks_without_session),
    )


def _pretty(what: str) -> str:
    for kind, label in _KIND_LABEL.items():
        what = what.replace(f": {kind} (", f": {label} (")
    return what


def _facts(session: Session, viewer: Viewer, sid: uuid.UUID, today: date) -> TimelineFacts:
    own = viewer.reach is Reach.OWN_COPS
    cop_ok = Cop.id.in_(cop_ids_of_member(viewer)) if own else true()
    has_cop = bool(
        session.scalar(
            select(func.count()).select_from(Cop).where(Cop.school_id == sid, Cop.is_active, cop_ok)
        )
    )
    last_on = session.scalar(
        select(func.max(CopSession.session_date)).where(
            CopSession.school_id == sid,
            CopSession.status == "held",
            CopSession.kind != "reflection",
            CopSession.cop_id.in_(select(Cop.id).where(Cop.school_id == sid, cop_ok)),
        )
    )
    overdue_where = [ActionItem.school_id == sid, ActionItem.status == "open", ActionItem.due_on < today]
    if own:
        overdue_where.append(ActionItem.owner_id == uuid.UUID(viewer.person_id))
    overdue, oldest = session.execute(
        select(func.count(), func.min(ActionItem.due_on)).where(*overdue_where)
    ).one()
    middles = (
        select(
            CopSession.cycle_id,
            func.count().filter(CopSession.kind == "middle").label("middles"),
            func.max(CopSession.session_date).label("last_on"),
        )
        .where(CopSession.school_id == sid, CopSession.status == "held")
        .group_by(CopSession.cycle_id)
        .subquery()
    )
    open_cycles = [
        OpenCycle(f"{name}, cycle {number} of {year}/{str(year + 1)[-2:]}", int(m or 0), last)
        for name, number, year, m, last in session.execute(
            select(Cop.name, CopCycle.number, CopCycle.school_year, middles.c.middles, middles.c.last_on)
            .join(Cop, Cop.id == CopCycle.cop_id)
            .outerjoin(middles, middles.c.cycle_id == CopCycle.id)
            .where(
                CopCycle.school_id == sid,
                CopCycle.phase.in_(("trying_out", "reflecting")),
                cop_ok,
            )
        ).all()
    ]
    gaps = [] if own else _self_assessment_gaps(session, sid, today)
    return TimelineFacts(today, last_on, has_cop, int(overdue), oldest, open_cycles, gaps)


def _self_assessment_gaps(session: Session, sid: uuid.UUID, today: date) -> list[SelfAssessmentGap]:
    """Each SBM's latest self-assessment average beside the field visits' ratings of the last year."""
    rating = func.jsonb_each_text(SelfAssessment.answers).table_valued("key", "value").render_derived()
    latest = (
        select(
            SelfAssessment.person_id,
            func.avg(cast(rating.c.value, Float)).label("avg"),
            func.row_number()
            .over(
                partition_by=SelfAssessment.person_id,
                order_by=(SelfAssessment.school_year.desc(), SelfAssessment.term.desc()),
            )
            .label("rn"),
        )
        .select_from(SelfAssessment)
        .join(rating, true())
        .where(SelfAssessment.school_id == sid, rating.c.value.regexp_match(r"^[0-9]+(\.[0-9]+)?$"))
        .group_by(
            SelfAssessment.id, SelfAssessment.person_id, SelfAssessment.school_year, SelfAssessment.term
        )
        .subquery()
    )
    visits = (
        select(FieldVisit.sbm_id, func.avg(FieldVisit.practice_rating).label("avg"))
        .where(
            FieldVisit.school_id == sid,
            FieldVisit.practice_rating.is_not(None),
            FieldVisit.visit_date >= date(today.year - 1, today.month, 1),
        )
        .group_by(FieldVisit.sbm_id)
        .subquery()
    )
    return [
        SelfAssessmentGap(name, round(float(mine), 2), round(float(theirs), 2))
        for name, mine, theirs in session.execute(
            select(Person.full_name, latest.c.avg, visits.c.avg)
            .join(latest, latest.c.person_id == Person.id)
            .join(visits, visits.c.sbm_id == Person.id)
            .where(latest.c.rn == 1)
        ).all()
    ]
