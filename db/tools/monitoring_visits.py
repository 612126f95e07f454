"""CoP monitoring visits: recorded by officials, read in reach, and by the school's HT and SBM / SSL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from cop import monitoring_visit as rules
from cop.access import AccessDenied, Viewer
from cop.errors import ValidationError
from cop.monitoring_visit import FormItem, MonitoringInput
from cop.vocab import FormKind, Role
from db.access import ensure_school_in_reach, school_ids_in_reach
from db.models import Cop, District, FormTemplate, MonitoringVisit, Person, School
from db.records import check_version, existing_by_key, one_in_reach

MAX_LIST = 1000
RATING_COLUMNS = (*rules.PRACTICE_FIELDS, *rules.ENABLER_FIELDS)
# What an edit conflict shows of the other person's save.
CONFLICT_FIELDS = ("visit_date", *RATING_COLUMNS, "answers", *rules.TEXT_FIELDS, "version")


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class MonitoringForm:
    """The questions a new visit is recorded with: the current template's revision, or none."""

    template_id: str | None
    revision: int | None
    items: list[FormItem]


@dataclass(frozen=True)
class MonitoringVisitRow:
    id: str
    visit_date: date
    school_id: str
    school: str
    district: str
    cop: str | None
    visitor_id: str
    visitor: str
    ratings: dict[str, int | None]
    answers: dict[str, Any]

    @property
    def enabler_mean(self) -> float | None:
        return rules.enabler_mean(self.ratings)


@dataclass(frozen=True)
class MonitoringVisitDetail:
    id: str
    visit_date: date
    school_id: str
    school: str
    school_code: str
    district: str
    cop_id: str | None
    cop: str | None
    visitor_id: str
    visitor: str
    visitor_role: str
    template_id: str | None
    revision: int | None
    items: list[FormItem]
    ratings: dict[str, int | None]
    answers: dict[str, Any]
    texts: dict[str, str | None]
    version: int

    def as_input(self) -> MonitoringInput:
        """The visit as the form edits it."""
        return MonitoringInput(
            school_id=self.school_id,
            visit_date=self.visit_date,
            cop_id=self.cop_id,
            template_id=self.template_id,
            ratings=dict(self.ratings),
            answers=dict(self.answers),
            **self.texts,
        )


@dataclass(frozen=True)
class Recommendation:
    visit_id: str
    visit_date: date
    visitor: str
    cop: str | None
    text: str


def _require_reader(viewer: Viewer) -> None:
    if not rules.may_read(viewer):
        raise AccessDenied("CoP monitoring visits are not available for your role.")


def _uuid(value: object, name: str, message: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError({name: message}) from None


def _in_reach(viewer: Viewer) -> ColumnElement[bool]:
    return MonitoringVisit.school_id.in_(school_ids_in_reach(viewer))


def monitoring_form(session: Session) -> MonitoringForm:
    """The current monitoring template (an empty form of extra items when there is none)."""
    row = session.scalar(
        select(FormTemplate)
        .where(FormTemplate.kind == FormKind.MONITORING.value, FormTemplate.is_current)
        .order_by(FormTemplate.revision.desc())
        .limit(1)
    )
    if row is None:
        return MonitoringForm(None, None, [])
    return MonitoringForm(str(row.id), row.revision, rules.form_items(row.items))


def _template(session: Session, template_id: uuid.UUID | str | None) -> FormTemplate | None:
    if template_id is None:
        return None
    row = session.get(FormTemplate, _uuid(template_id, "template_id", "This form's questions are unknown."))
    if row is None or row.kind != FormKind.MONITORING.value:
        raise ValidationError({"template_id": "This form's questions are unknown: reload the page."})
    return row


def school_cops(session: Session, viewer: Viewer, school_id: uuid.UUID | str) -> list[Choice]:
    """The active CoPs of a school in reach, by name, for the "CoP observed" picker."""
    _require_reader(viewer)
    sid = ensure_school_in_reach(session, viewer, school_id)
    rows = session.execute(
        select(Cop.id, Cop.name).where(Cop.school_id == sid, Cop.is_active).order_by(Cop.name)
    ).all()
    return [Choice(str(i), name) for i, name in rows]


def monitoring_visitors(session: Session, viewer: Viewer) -> list[Choice]:
    """Everyone who recorded a visit the viewer may read, by name (for the history's filter)."""
    _require_reader(viewer)
    rows = session.execute(
        select(Person.id, Person.full_name)
        .where(Person.id.in_(select(MonitoringVisit.visitor_id).where(_in_reach(viewer))))
        .order_by(Person.full_name)
    ).all()
    return [Choice(str(i), name) for i, name in rows]


def _ratings(visit: MonitoringVisit) -> dict[str, int | None]:
    return {name: getattr(visit, name) for name in RATING_COLUMNS}


def monitoring_visits(
    session: Session,
    viewer: Viewer,
    *,
    school_id: uuid.UUID | str | None = None,
    visitor_id: uuid.UUID | str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 500,
) -> list[MonitoringVisitRow]:
    """Visits in the viewer's reach, newest first, filtered by school, visitor and date range."""
    _require_reader(viewer)
    query = (
        select(MonitoringVisit, School.name, District.name, Cop.name, Person.full_name)
        .join(School, School.id == MonitoringVisit.school_id)
        .join(District, District.id == School.district_id)
        .join(Person, Person.id == MonitoringVisit.visitor_id)
        .outerjoin(Cop, Cop.id == MonitoringVisit.cop_id)
        .where(_in_reach(viewer))
    )
    if school_id:
        query = query.where(MonitoringVisit.school_id == _uuid(school_id, "school_id", "Unknown school."))
    if visitor_id:
        query = query.where(MonitoringVisit.visitor_id == _uuid(visitor_id, "visitor_id", "Unknown visitor."))
    if since:
        query = query.where(MonitoringVisit.visit_date >= since)
    if until:
        query = query.where(MonitoringVisit.visit_date <= until)
    query = query.order_by(MonitoringVisit.visit_date.desc(), School.name).limit(min(limit, MAX_LIST))
    return [
        MonitoringVisitRow(
            str(v.id),
            v.visit_date,
            str(v.school_id),
            school,
            district,
            cop,
            str(v.visitor_id),
            visitor,
            _ratings(v),
            dict(v.answers or {}),
        )
        for v, school, district, cop, visitor in session.execute(query)
    ]


def _visit_in_reach(session: Session, viewer: Viewer, visit_id: uuid.UUID | str) -> MonitoringVisit:
    """The visit, if the viewer may read it; otherwise a refusal that does not say whether it exists."""
    _require_reader(viewer)
    return one_in_reach(session, MonitoringVisit, visit_id, _in_reach(viewer), "monitoring visit")


def monitoring_visit(session: Session, viewer: Viewer, visit_id: uuid.UUID | str) -> MonitoringVisitDetail:
    """One visit in reach, with the questions of the template revision it was recorded with."""
    visit = _visit_in_reach(session, viewer, visit_id)
    school, code, district = session.execute(
        select(School.name, School.code, District.name)
        .join(District, District.id == School.district_id)
        .where(School.id == visit.school_id)
    ).one()
    visitor = session.get(Person, visit.visitor_id)
    assert visitor is not None  # a foreign key
    cop = session.get(Cop, visit.cop_id) if visit.cop_id else None
    template = session.get(FormTemplate, visit.template_id) if visit.template_id else None
    return MonitoringVisitDetail(
        id=str(visit.id),
        visit_date=visit.visit_date,
        school_id=str(visit.school_id),
        school=school,
        school_code=code,
        district=district,
        cop_id=str(cop.id) if cop else None,
        cop=cop.name if cop else None,
        visitor_id=str(visitor.id),
        visitor=visitor.full_name,
        visitor_role=visitor.role,
        template_id=str(template.id) if template else None,
        revision=template.revision if template else None,
        items=rules.form_items(template.items if template else None),
        ratings=_ratings(visit),
        answers=dict(visit.answers or {}),
        texts={name: getattr(visit, name) for name in rules.TEXT_FIELDS},
        version=visit.version,
    )


def recommendations_for_me(session: Session, viewer: Viewer, *, limit: int = 5) -> list[Recommendation]:
    """The latest recommendations addressed to a head teacher (leadership) or an SBM / SSL (their CoPs)."""
    column_name = rules.RECOMMENDATION_FOR.get(viewer.role)
    if column_name is None or viewer.school_id is None:
        return []
    column = getattr(MonitoringVisit, column_name)
    query = (
        select(MonitoringVisit.id, MonitoringVisit.visit_date, Person.full_name, Cop.name, column)
        .join(Person, Person.id == MonitoringVisit.visitor_id)
        .outerjoin(Cop, Cop.id == MonitoringVisit.cop_id)
        .where(
            MonitoringVisit.school_id == uuid.UUID(viewer.school_id),
            func.coalesce(func.trim(column), "") != "",
        )
    )
    if viewer.role is Role.FACILITATOR:
        # An SBM / SSL: visits of the CoPs they facilitate, and visits of the school as a whole.
        me = uuid.UUID(viewer.person_id)
        query = query.where(or_(MonitoringVisit.cop_id.is_(None), Cop.facilitator_id == me))
    rows = session.execute(query.order_by(MonitoringVisit.visit_date.desc()).limit(limit)).all()
    return [Recommendation(str(i), d, visitor, cop, text) for i, d, visitor, cop, text in rows]


def _checked_cop(
    session: Session, school_id: uuid.UUID, cop_id: str | None, keep: uuid.UUID | None = None
) -> uuid.UUID | None:
    """The CoP observed: an active CoP of the visited school (an edit may keep a CoP closed since)."""
    if not cop_id:
        return None
    cid = _uuid(cop_id, "cop_id", "Choose a CoP of the school you visited.")
    cop = session.get(Cop, cid)
    if cop is None or cop.school_id != school_id or not (cop.is_active or cid == keep):
        raise ValidationError({"cop_id": "Choose a CoP of the school you visited."})
    return cid


def _apply(visit: MonitoringVisit, data: MonitoringInput, cop_id: uuid.UUID | None) -> None:
    visit.cop_id = cop_id
    visit.visit_date = data.visit_date  # type: ignore[assignment]  # checked by clean_monitoring
    for name in RATING_COLUMNS:
        setattr(visit, name, data.ratings[name])
    visit.answers = dict(data.answers)
    for name in rules.TEXT_FIELDS:
        setattr(visit, name, getattr(data, name))


def record_monitoring_visit(
    session: Session,
    viewer: Viewer,
    *,
    data: MonitoringInput,
    idempotency_key: str | None,
    today: date | None = None,
) -> uuid.UUID:
    """Record a visit by the viewer; a submit repeated with the same key returns the first one's id."""
    if not rules.may_record(viewer):
        raise AccessDenied("Only REB, district officials and UR-CE facilitators record monitoring visits.")
    existing = existing_by_key(session, MonitoringVisit, idempotency_key)
    if existing is not None:
        if str(existing.visitor_id) != viewer.person_id:
            raise AccessDenied("This form was already used: reload the page.")
        return existing.id
    template = _template(session, data.template_id)
    items = rules.form_items(template.items if template else None)
    data = rules.clean_monitoring(data, items, today=today or date.today())
    school_id = ensure_school_in_reach(
        session, viewer, _uuid(data.school_id, "school_id", "Choose the school you visited.")
    )
    visit = MonitoringVisit(
        school_id=school_id,
        visitor_id=uuid.UUID(viewer.person_id),
        template_id=template.id if template else None,
        idempotency_key=idempotency_key,
    )
    _apply(visit, data, _checked_cop(session, school_id, data.cop_id))
    session.add(visit)
    session.flush()
    return visit.id


def update_monitoring_visit(
    session: Session,
    viewer: Viewer,
    *,
    visit_id: uuid.UUID | str,
    version: int,
    data: MonitoringInput,
    today: date | None = None,
) -> None:
    """Correct a visit (its visitor, or an administrator), refused if someone saved it since `version`."""
    visit = _visit_in_reach(session, viewer, visit_id)
    if not rules.may_edit(viewer, str(visit.visitor_id)):
        raise AccessDenied("Only the visitor who recorded this visit, or an administrator, can change it.")
    check_version(visit, version, "monitoring visit", CONFLICT_FIELDS)
    template = session.get(FormTemplate, visit.template_id) if visit.template_id else None
    data = rules.clean_monitoring(
        data, rules.form_items(template.items if template else None), today=today or date.today()
    )
    school_id = ensure_school_in_reach(
        session, viewer, _uuid(data.school_id, "school_id", "Choose the school you visited.")
    )
    cop_id = _checked_cop(session, school_id, data.cop_id, keep=visit.cop_id)
    visit.school_id = school_id
    _apply(visit, data, cop_id)
    session.flush()
