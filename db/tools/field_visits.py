"""Supportive field visit reports: recorded by UR-CE facilitators with their next steps as actions, read
by the SBM, their head teacher and officials in reach; every read and write scoped to the viewer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, Select, Subquery, and_, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from cop.access import AccessDenied, Viewer
from cop.actions import today_in_rwanda
from cop.errors import EditConflict, ValidationError
from cop.field_visit import (
    LOOKBACK,
    TEXT_FIELDS,
    ExistingAction,
    FieldVisitInput,
    ReadScope,
    StepInput,
    VisitParties,
    clean_field_visit,
    may_edit,
    may_read,
    may_record,
    next_steps_summary,
    plan_action_changes,
    read_scope,
)
from cop.vocab import ActionSource, ActionStatus, Role
from db.access import school_ids_in_reach
from db.models import ActionItem, Assignment, District, FieldVisit, Person, School
from db.records import CONFLICT, check_version, existing_by_key

MAX_LIST = 1000
NOT_IN_REACH = "That field visit report is not in your reach."
_COMPARED = (*TEXT_FIELDS, "visit_date", "practice_rating", "next_steps")


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class SbmChoice:
    id: str
    name: str
    school_id: str
    school: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.school})"


@dataclass(frozen=True)
class FieldVisitRow:
    id: str
    visit_date: date
    school: str
    school_code: str
    sbm: str
    facilitator: str
    practice_rating: int | None
    priority_challenges: str | None
    steps_open: int
    steps_done: int


@dataclass(frozen=True)
class StepRow:
    action_id: str
    description: str
    owner_id: str | None
    owner: str | None
    due_on: date | None
    status: str
    version: int


@dataclass(frozen=True)
class FieldVisitDetail:
    id: str
    version: int
    visit_date: date
    school_id: str
    school: str
    school_code: str
    district: str
    sbm_id: str
    sbm: str
    facilitator_id: str
    facilitator: str
    priority_challenges: str
    coaching_given: str
    sbm_cpd_progress: str
    school_cpd_activities: str
    practice_rating: int | None
    steps: list[StepRow]
    editable: bool


@dataclass(frozen=True)
class VisitFilters:
    """The SBMs and schools of the reports a viewer reads: the options of the history's filters."""

    sbms: list[Choice]
    schools: list[Choice]


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _me(viewer: Viewer) -> uuid.UUID:
    return uuid.UUID(viewer.person_id)


def _assigned_sbm_ids(viewer: Viewer) -> Select[tuple[uuid.UUID | None]]:
    return select(Assignment.sbm_id).where(
        Assignment.person_id == _me(viewer), Assignment.sbm_id.is_not(None)
    )


def _visible(viewer: Viewer) -> ColumnElement[bool]:
    """The reports this viewer reads, as a WHERE clause (cop.field_visit.read_scope says which)."""
    match read_scope(viewer):
        case ReadScope.REACH:
            return FieldVisit.school_id.in_(school_ids_in_reach(viewer))
        case ReadScope.VISITOR:
            # Within reach: a visit made before a reassignment stays with the school, not the visitor.
            return and_(
                FieldVisit.school_id.in_(school_ids_in_reach(viewer)),
                or_(
                    FieldVisit.facilitator_id == _me(viewer), FieldVisit.sbm_id.in_(_assigned_sbm_ids(viewer))
                ),
            )
        case ReadScope.SCHOOL if viewer.school_id:
            return FieldVisit.school_id == uuid.UUID(viewer.school_id)
        case ReadScope.SBM:
            return FieldVisit.sbm_id == _me(viewer)
    return false()


def _parties(visit: FieldVisit) -> VisitParties:
    return VisitParties(str(visit.facilitator_id), str(visit.sbm_id), str(visit.school_id))


def _school_in_reach(session: Session, viewer: Viewer, school_id: uuid.UUID) -> bool:
    found = session.scalar(
        select(School.id).where(School.id == school_id, School.id.in_(school_ids_in_reach(viewer)))
    )
    return found is not None


def _may_edit(session: Session, viewer: Viewer, visit: FieldVisit) -> bool:
    """The author, while the visit's school is in their reach (not after the SBM was reassigned)."""
    return may_edit(viewer, _parties(visit)) and _school_in_reach(session, viewer, visit.school_id)


def assigned_sbms(session: Session, viewer: Viewer) -> list[SbmChoice]:
    """The active SBMs / SSLs assigned to this UR-CE facilitator, with their schools, by name."""
    if viewer.role is not Role.FIELD_FACILITATOR:
        return []
    rows = session.execute(
        select(Person.id, Person.full_name, School.id, School.name)
        .join(School, School.id == Person.school_id)
        .where(
            Person.id.in_(_assigned_sbm_ids(viewer)), Person.is_active, Person.role == Role.FACILITATOR.value
        )
        .order_by(Person.full_name)
    ).all()
    return [SbmChoice(str(p), name, str(s), school) for p, name, s, school in rows]


def _sbm_to_visit(session: Session, viewer: Viewer, sbm_id: object) -> Person:
    """The SBM, if this viewer may record a visit to them; otherwise a refusal that reveals nothing."""
    sid = _uuid(sbm_id)
    assigned = sid is not None and sid in {uuid.UUID(c.id) for c in assigned_sbms(session, viewer)}
    if not may_record(viewer, sbm_assigned=assigned):
        raise AccessDenied("Field visits are recorded by the UR-CE facilitator the SBM is assigned to.")
    sbm = session.get(Person, sid)
    if sbm is None or sbm.school_id is None:  # assigned_sbms joins the school: only a concurrent change
        raise AccessDenied("Field visits are recorded by the UR-CE facilitator the SBM is assigned to.")
    return sbm


def step_owners(
    session: Session, viewer: Viewer, *, sbm_id: str, visit_id: str | None = None
) -> list[Choice]:
    """Who may own a next step: the SBM first, their school's head teachers, the visitor (and whoever
    already owns a step of the visit); asked by the facilitator the SBM is assigned to, or the author."""
    sid, vid = _uuid(sbm_id), _uuid(visit_id) if visit_id else None
    visit = session.get(FieldVisit, vid) if vid else None
    authored = visit is not None and visit.sbm_id == sid and _may_edit(session, viewer, visit)
    if not authored:
        _sbm_to_visit(session, viewer, sid)
    sbm = session.get(Person, sid)
    if sbm is None or sbm.school_id is None:
        return []
    heads = session.execute(
        select(Person.id, Person.full_name)
        .where(Person.school_id == sbm.school_id, Person.role == Role.HEAD_TEACHER.value, Person.is_active)
        .order_by(Person.full_name)
    ).all()
    choices = [Choice(str(sbm.id), f"{sbm.full_name} (SBM)")]
    choices += [Choice(str(i), f"{name} (head teacher)") for i, name in heads]
    me = session.get(Person, _me(viewer))
    if me is not None and viewer.role is Role.FIELD_FACILITATOR:
        choices.append(Choice(str(me.id), f"{me.full_name} (UR-CE facilitator)"))
    if authored:
        known = {c.id for c in choices}
        current = session.execute(
            select(Person.id, Person.full_name)
            .join(ActionItem, ActionItem.owner_id == Person.id)
            .where(ActionItem.field_visit_id == vid)
            .distinct()
        ).all()
        choices += [Choice(str(i), name) for i, name in current if str(i) not in known]
    return choices


def _new_action(visit: FieldVisit, step: StepInput, viewer: Viewer) -> ActionItem:
    return ActionItem(
        school_id=visit.school_id,
        source=ActionSource.FIELD_VISIT.value,
        field_visit_id=visit.id,
        description=step.description,
        owner_id=uuid.UUID(str(step.owner_id)),
        due_on=step.due_on,
        status=ActionStatus.OPEN.value,
        created_by_id=_me(viewer),
    )


def record_field_visit(
    session: Session,
    viewer: Viewer,
    *,
    data: FieldVisitInput,
    idempotency_key: str | None = None,
    today: date | None = None,
) -> uuid.UUID:
    """Save a visit report and its next steps as the SBM's actions, in one transaction; a repeated submit
    (same key) returns the report it already saved."""
    earlier = existing_by_key(session, FieldVisit, idempotency_key)
    if earlier is not None:
        if str(earlier.facilitator_id) != viewer.person_id:
            raise AccessDenied(NOT_IN_REACH)
        return earlier.id
    today = today or today_in_rwanda()
    owner_ids: set[str] | None = None
    if data.sbm_id:
        sbm = _sbm_to_visit(session, viewer, data.sbm_id)
        owner_ids = {c.id for c in step_owners(session, viewer, sbm_id=str(sbm.id))}
    elif viewer.role is not Role.FIELD_FACILITATOR:
        raise AccessDenied("Field visits are recorded by the UR-CE facilitator the SBM is assigned to.")
    data = clean_field_visit(data, today=today, owner_ids=owner_ids)
    visit = FieldVisit(
        school_id=sbm.school_id,
        facilitator_id=_me(viewer),
        sbm_id=sbm.id,
        visit_date=data.visit_date,
        priority_challenges=data.priority_challenges,
        coaching_given=data.coaching_given,
        sbm_cpd_progress=data.sbm_cpd_progress,
        school_cpd_activities=data.school_cpd_activities,
        practice_rating=data.practice_rating,
        next_steps=next_steps_summary(data.steps),
        idempotency_key=idempotency_key,
    )
    try:
        with session.begin_nested():
            session.add(visit)
            session.flush()
    except IntegrityError:
        # The same submit arrived twice at once; the other one committed first: it is the saved report.
        twin = existing_by_key(session, FieldVisit, idempotency_key)
        if twin is None:
            raise
        return twin.id
    session.add_all([_new_action(visit, step, viewer) for step in data.steps])
    session.flush()
    return visit.id


def _actions_of(session: Session, visit_id: uuid.UUID) -> list[ActionItem]:
    return list(
        session.scalars(
            select(ActionItem)
            .where(ActionItem.field_visit_id == visit_id)
            .order_by(ActionItem.due_on, ActionItem.created_at, ActionItem.description)
        )
    )


def _theirs(visit: FieldVisit) -> dict[str, object]:
    return {name: getattr(visit, name) for name in (*_COMPARED, "version")}


def update_field_visit(
    session: Session,
    viewer: Viewer,
    *,
    visit_id: str,
    version: int,
    data: FieldVisitInput,
    today: date | None = None,
) -> None:
    """Change a report and bring its actions in line (add, change, cancel), refusing to overwrite a
    version saved since the form was opened; saving the same content twice changes nothing."""
    vid = _uuid(visit_id)
    visit = session.get(FieldVisit, vid) if vid else None
    if visit is None or not _may_edit(session, viewer, visit):
        raise AccessDenied("Only the UR-CE facilitator who wrote this report can change it.")
    if data.sbm_id and data.sbm_id != str(visit.sbm_id):
        raise ValidationError({"sbm_id": "The SBM of a visit cannot change: record a new visit instead."})
    today = today or today_in_rwanda()
    owners = {c.id for c in step_owners(session, viewer, sbm_id=str(visit.sbm_id), visit_id=str(visit.id))}
    data = clean_field_visit(
        replace(data, sbm_id=str(visit.sbm_id)),
        today=today,
        owner_ids=owners,
        earliest=min(visit.visit_date, today - LOOKBACK),
    )
    actions = {str(a.id): a for a in _actions_of(session, visit.id)}
    changes = plan_action_changes(
        [
            ExistingAction(
                i, a.description, str(a.owner_id) if a.owner_id else None, a.due_on, a.status, a.version
            )
            for i, a in actions.items()
        ],
        data.steps,
    )
    wanted = {name: getattr(data, name) for name in (*TEXT_FIELDS, "visit_date", "practice_rating")}
    wanted["next_steps"] = next_steps_summary(data.steps)
    if changes.empty and all(getattr(visit, k) == v for k, v in wanted.items()):
        return  # already saved as it is (a repeated click): nothing to do, nothing to conflict with
    check_version(visit, version, "field visit report", (*_COMPARED, "version"))
    for existing, step in changes.change:
        if step.action_version is not None and existing.version != step.action_version:
            raise EditConflict(CONFLICT.format(what="next step"), _theirs(visit))
    for name, value in wanted.items():
        setattr(visit, name, value)
    for existing, step in changes.change:
        action = actions[existing.id]
        action.description, action.due_on = step.description, step.due_on
        action.owner_id = uuid.UUID(str(step.owner_id))
    for existing in changes.cancel:
        actions[existing.id].status = ActionStatus.CANCELLED.value
    session.add_all([_new_action(visit, step, viewer) for step in changes.add])
    # Bumps the report's version even when only its steps changed: a form opened before is now stale.
    visit.updated_at = datetime.now(UTC)
    try:
        session.flush()
    except StaleDataError:  # saved by someone else between our read and our write
        raise EditConflict(CONFLICT.format(what="field visit report")) from None


def _steps_counts() -> Subquery:
    return (
        select(
            ActionItem.field_visit_id.label("visit_id"),
            func.count().filter(ActionItem.status == ActionStatus.OPEN.value).label("open"),
            func.count().filter(ActionItem.status == ActionStatus.DONE.value).label("done"),
        )
        .where(ActionItem.field_visit_id.is_not(None))
        .group_by(ActionItem.field_visit_id)
        .subquery()
    )


def field_visits(
    session: Session,
    viewer: Viewer,
    *,
    sbm_id: str | None = None,
    school_id: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 500,
) -> list[FieldVisitRow]:
    """The reports this viewer reads, newest first, filtered by SBM, school and visit dates."""
    sbm, visitor, counts = aliased(Person), aliased(Person), _steps_counts()
    where = [_visible(viewer)]
    for column, value in ((FieldVisit.sbm_id, sbm_id), (FieldVisit.school_id, school_id)):
        if value:
            wanted = _uuid(value)
            where.append(column == wanted if wanted else false())
    if since:
        where.append(FieldVisit.visit_date >= since)
    if until:
        where.append(FieldVisit.visit_date <= until)
    rows = session.execute(
        select(
            FieldVisit,
            School.name,
            School.code,
            sbm.full_name,
            visitor.full_name,
            counts.c.open,
            counts.c.done,
        )
        .join(School, School.id == FieldVisit.school_id)
        .join(sbm, sbm.id == FieldVisit.sbm_id)
        .join(visitor, visitor.id == FieldVisit.facilitator_id)
        .outerjoin(counts, counts.c.visit_id == FieldVisit.id)
        .where(*where)
        .order_by(FieldVisit.visit_date.desc(), FieldVisit.created_at.desc())
        .limit(min(limit, MAX_LIST))
    ).all()
    return [
        FieldVisitRow(
            str(v.id),
            v.visit_date,
            school,
            code,
            sbm_name,
            visitor_name,
            v.practice_rating,
            v.priority_challenges,
            n_open or 0,
            n_done or 0,
        )
        for v, school, code, sbm_name, visitor_name, n_open, n_done in rows
    ]


def field_visit_filters(session: Session, viewer: Viewer) -> VisitFilters:
    """The SBMs and schools that the viewer's readable reports concern, by name."""
    sbms = session.execute(
        select(Person.id, Person.full_name)
        .where(Person.id.in_(select(FieldVisit.sbm_id).where(_visible(viewer))))
        .order_by(Person.full_name)
    ).all()
    schools = session.execute(
        select(School.id, School.name, School.code)
        .where(School.id.in_(select(FieldVisit.school_id).where(_visible(viewer))))
        .order_by(School.name)
    ).all()
    return VisitFilters(
        [Choice(str(i), name) for i, name in sbms],
        [Choice(str(i), f"{name} ({code})") for i, name, code in schools],
    )


def field_visit(session: Session, viewer: Viewer, visit_id: str) -> FieldVisitDetail:
    """One report with its next steps, if the viewer may read it (one refusal, whether or not it exists)."""
    vid = _uuid(visit_id)
    visit = session.get(FieldVisit, vid) if vid else None
    if visit is None:
        raise AccessDenied(NOT_IN_REACH)
    in_reach = _school_in_reach(session, viewer, visit.school_id)
    assigned = session.scalar(
        select(Assignment.id).where(Assignment.person_id == _me(viewer), Assignment.sbm_id == visit.sbm_id)
    )
    parties = _parties(visit)
    if not may_read(viewer, parties, school_in_reach=in_reach, sbm_assigned=assigned is not None):
        raise AccessDenied(NOT_IN_REACH)
    if read_scope(viewer) is ReadScope.VISITOR and not in_reach:  # as _visible: the school stays in reach
        raise AccessDenied(NOT_IN_REACH)
    sbm, visitor = session.get(Person, visit.sbm_id), session.get(Person, visit.facilitator_id)
    school, district = session.execute(
        select(School, District.name)
        .join(District, District.id == School.district_id)
        .where(School.id == visit.school_id)
    ).one()
    owner = aliased(Person)
    steps = [
        StepRow(
            str(a.id),
            a.description,
            str(a.owner_id) if a.owner_id else None,
            name,
            a.due_on,
            a.status,
            a.version,
        )
        for a, name in session.execute(
            select(ActionItem, owner.full_name)
            .outerjoin(owner, owner.id == ActionItem.owner_id)
            .where(ActionItem.field_visit_id == visit.id, ActionItem.status != ActionStatus.CANCELLED.value)
            .order_by(ActionItem.due_on, ActionItem.created_at, ActionItem.description)
        ).all()
    ]
    return FieldVisitDetail(
        id=str(visit.id),
        version=visit.version,
        visit_date=visit.visit_date,
        school_id=str(school.id),
        school=school.name,
        school_code=school.code,
        district=district,
        sbm_id=str(visit.sbm_id),
        sbm=sbm.full_name if sbm else "",
        facilitator_id=str(visit.facilitator_id),
        facilitator=visitor.full_name if visitor else "",
        priority_challenges=visit.priority_challenges or "",
        coaching_given=visit.coaching_given or "",
        sbm_cpd_progress=visit.sbm_cpd_progress or "",
        school_cpd_activities=visit.school_cpd_activities or "",
        practice_rating=visit.practice_rating,
        steps=steps,
        editable=_may_edit(session, viewer, visit),
    )
