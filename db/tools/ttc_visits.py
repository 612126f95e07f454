"""TTC tutors' school visits: the induction checklist per new teacher and feedback, read in reach."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, Integer, cast, func, select
from sqlalchemy.orm import Session, aliased

from cop import ttc_visit as rules
from cop.access import AccessDenied, Viewer
from cop.errors import ValidationError
from cop.ttc_visit import ChecklistItem, Mark, TtcVisitInput
from cop.vocab import FormKind, Role
from db.access import ensure_school_in_reach, school_ids_in_reach
from db.models import District, FormTemplate, Person, School, TtcVisit, TtcVisitItem
from db.records import check_version, existing_by_key, one_in_reach

MAX_LIST = 1000
CONFLICT_FIELDS = ("visit_date", "facilitator_id", "feedback_to_facilitator", "version")


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class NewTeacher:
    id: str
    name: str
    start_date: date | None


@dataclass(frozen=True)
class TtcForm:
    """What a visit's form asks: the checklist revision, the school's new teachers, its SBMs / SSLs."""

    template_id: str | None
    revision: int | None
    items: list[ChecklistItem]
    new_teachers: list[NewTeacher]
    facilitators: list[Choice]


@dataclass(frozen=True)
class TtcVisitRow:
    id: str
    visit_date: date
    school_id: str
    school: str
    district: str
    tutor_id: str
    tutor: str
    facilitator: str | None
    new_teachers: int
    done: int
    checked: int


@dataclass(frozen=True)
class TtcVisitDetail:
    id: str
    visit_date: date
    school_id: str
    school: str
    school_code: str
    district: str
    tutor_id: str
    tutor: str
    facilitator_id: str | None
    facilitator: str | None
    template_id: str
    revision: int
    items: list[ChecklistItem]
    teachers: list[NewTeacher]
    marks: dict[tuple[str, str], Mark]
    feedback: str | None
    version: int

    def as_input(self) -> TtcVisitInput:
        """The visit as the form edits it."""
        return TtcVisitInput(
            school_id=self.school_id,
            visit_date=self.visit_date,
            template_id=self.template_id,
            facilitator_id=self.facilitator_id,
            feedback=self.feedback,
            marks=dict(self.marks),
        )


@dataclass(frozen=True)
class Feedback:
    visit_id: str
    visit_date: date
    tutor: str
    text: str


def _require_reader(viewer: Viewer) -> None:
    if not rules.may_read(viewer):
        raise AccessDenied("TTC school visits are not available for your role.")


def _uuid(value: object, name: str, message: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError({name: message}) from None


def _in_reach(viewer: Viewer) -> ColumnElement[bool]:
    return TtcVisit.school_id.in_(school_ids_in_reach(viewer))


def _new_teachers(session: Session, school_id: uuid.UUID) -> list[NewTeacher]:
    rows = session.execute(
        select(Person.id, Person.full_name, Person.teacher_start_date)
        .where(
            Person.school_id == school_id,
            Person.role == Role.TEACHER.value,
            Person.is_new_teacher,
            Person.is_active,
        )
        .order_by(Person.full_name)
    ).all()
    return [NewTeacher(str(i), name, start) for i, name, start in rows]


def _facilitators(session: Session, school_id: uuid.UUID) -> list[Choice]:
    rows = session.execute(
        select(Person.id, Person.full_name, Person.job_title)
        .where(Person.school_id == school_id, Person.role == Role.FACILITATOR.value, Person.is_active)
        .order_by(Person.full_name)
    ).all()
    return [Choice(str(i), f"{name} ({job})" if job else name) for i, name, job in rows]


def _current_template(session: Session) -> FormTemplate | None:
    return session.scalar(
        select(FormTemplate)
        .where(FormTemplate.kind == FormKind.TTC_CHECKLIST.value, FormTemplate.is_current)
        .order_by(FormTemplate.revision.desc())
        .limit(1)
    )


def ttc_form(session: Session, viewer: Viewer, school_id: uuid.UUID | str) -> TtcForm:
    """The form of a new visit to a school in reach: the current checklist and the school's people."""
    _require_reader(viewer)
    sid = ensure_school_in_reach(session, viewer, school_id)
    template = _current_template(session)
    return TtcForm(
        str(template.id) if template else None,
        template.revision if template else None,
        rules.checklist_items(template.items if template else None),
        _new_teachers(session, sid),
        _facilitators(session, sid),
    )


def ttc_tutors(session: Session, viewer: Viewer) -> list[Choice]:
    """Every tutor who recorded a visit the viewer may read, by name (for the history's filter)."""
    _require_reader(viewer)
    rows = session.execute(
        select(Person.id, Person.full_name)
        .where(Person.id.in_(select(TtcVisit.tutor_id).where(_in_reach(viewer))))
        .order_by(Person.full_name)
    ).all()
    return [Choice(str(i), name) for i, name in rows]


def ttc_visits(
    session: Session,
    viewer: Viewer,
    *,
    school_id: uuid.UUID | str | None = None,
    tutor_id: uuid.UUID | str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 500,
) -> list[TtcVisitRow]:
    """Visits in reach, newest first, with how much of the checklist the new teachers had done."""
    _require_reader(viewer)
    counts = (
        select(
            TtcVisitItem.visit_id,
            func.count(func.distinct(TtcVisitItem.new_teacher_id)).label("teachers"),
            func.sum(cast(TtcVisitItem.done, Integer)).label("done"),
            func.count().label("checked"),
        )
        .group_by(TtcVisitItem.visit_id)
        .subquery()
    )
    tutor, facilitator = aliased(Person), aliased(Person)
    query = (
        select(
            TtcVisit,
            School.name,
            District.name,
            tutor.full_name,
            facilitator.full_name,
            counts.c.teachers,
            counts.c.done,
            counts.c.checked,
        )
        .join(School, School.id == TtcVisit.school_id)
        .join(District, District.id == School.district_id)
        .join(tutor, tutor.id == TtcVisit.tutor_id)
        .outerjoin(facilitator, facilitator.id == TtcVisit.facilitator_id)
        .outerjoin(counts, counts.c.visit_id == TtcVisit.id)
        .where(_in_reach(viewer))
    )
    if school_id:
        query = query.where(TtcVisit.school_id == _uuid(school_id, "school_id", "Unknown school."))
    if tutor_id:
        query = query.where(TtcVisit.tutor_id == _uuid(tutor_id, "tutor_id", "Unknown tutor."))
    if since:
        query = query.where(TtcVisit.visit_date >= since)
    if until:
        query = query.where(TtcVisit.visit_date <= until)
    query = query.order_by(TtcVisit.visit_date.desc(), School.name).limit(min(limit, MAX_LIST))
    return [
        TtcVisitRow(
            str(v.id),
            v.visit_date,
            str(v.school_id),
            school,
            district,
            str(v.tutor_id),
            tutor_name,
            facilitator_name,
            teachers or 0,
            done or 0,
            checked or 0,
        )
        for v, school, district, tutor_name, facilitator_name, teachers, done, checked in session.execute(
            query
        )
    ]


def _visit_in_reach(session: Session, viewer: Viewer, visit_id: uuid.UUID | str) -> TtcVisit:
    """The visit, if the viewer may read it; otherwise a refusal that does not say whether it exists."""
    _require_reader(viewer)
    return one_in_reach(session, TtcVisit, visit_id, _in_reach(viewer), "TTC visit")


def ttc_visit(session: Session, viewer: Viewer, visit_id: uuid.UUID | str) -> TtcVisitDetail:
    """One visit in reach: its checklist revision, the new teachers it covers and every mark."""
    visit = _visit_in_reach(session, viewer, visit_id)
    school, code, district = session.execute(
        select(School.name, School.code, District.name)
        .join(District, District.id == School.district_id)
        .where(School.id == visit.school_id)
    ).one()
    template = session.get(FormTemplate, visit.template_id)
    assert template is not None  # a foreign key
    tutor = session.get(Person, visit.tutor_id)
    facilitator = session.get(Person, visit.facilitator_id) if visit.facilitator_id else None
    rows = session.execute(
        select(TtcVisitItem, Person.full_name, Person.teacher_start_date)
        .join(Person, Person.id == TtcVisitItem.new_teacher_id)
        .where(TtcVisitItem.visit_id == visit.id)
        .order_by(Person.full_name)
    ).all()
    teachers = {str(r.new_teacher_id): NewTeacher(str(r.new_teacher_id), n, start) for r, n, start in rows}
    return TtcVisitDetail(
        id=str(visit.id),
        visit_date=visit.visit_date,
        school_id=str(visit.school_id),
        school=school,
        school_code=code,
        district=district,
        tutor_id=str(visit.tutor_id),
        tutor=tutor.full_name if tutor else "",
        facilitator_id=str(facilitator.id) if facilitator else None,
        facilitator=facilitator.full_name if facilitator else None,
        template_id=str(template.id),
        revision=template.revision,
        items=rules.checklist_items(template.items),
        teachers=list(teachers.values()),
        marks={(str(r.new_teacher_id), r.item_key): Mark(r.done, r.note) for r, _, _ in rows},
        feedback=visit.feedback_to_facilitator,
        version=visit.version,
    )


def edit_form(session: Session, viewer: Viewer, detail: TtcVisitDetail) -> TtcForm:
    """The form of an edit: the visit's own checklist revision; its teachers and any new teacher since."""
    _require_reader(viewer)
    # The detail is the caller's: the form names the school's people, so its school must be in reach.
    sid = ensure_school_in_reach(session, viewer, detail.school_id)
    teachers = {t.id: t for t in detail.teachers}
    for t in _new_teachers(session, sid):
        teachers.setdefault(t.id, t)
    ordered = sorted(teachers.values(), key=lambda t: t.name)
    return TtcForm(detail.template_id, detail.revision, detail.items, ordered, _facilitators(session, sid))


def feedback_for_me(session: Session, viewer: Viewer, *, limit: int = 5) -> list[Feedback]:
    """The latest feedback TTC tutors addressed to this SBM / SSL."""
    if viewer.role is not Role.FACILITATOR:
        return []
    rows = session.execute(
        select(TtcVisit.id, TtcVisit.visit_date, Person.full_name, TtcVisit.feedback_to_facilitator)
        .join(Person, Person.id == TtcVisit.tutor_id)
        .where(
            TtcVisit.facilitator_id == uuid.UUID(viewer.person_id),
            _in_reach(viewer),
            func.coalesce(func.trim(TtcVisit.feedback_to_facilitator), "") != "",
        )
        .order_by(TtcVisit.visit_date.desc())
        .limit(limit)
    ).all()
    return [Feedback(str(i), d, tutor, text) for i, d, tutor, text in rows]


def _clean(data: TtcVisitInput, form: TtcForm, today: date | None) -> TtcVisitInput:
    return rules.clean_ttc_visit(
        data,
        form.items,
        new_teachers={t.id: t.name for t in form.new_teachers},
        facilitators={f.id: f.label for f in form.facilitators},
        today=today or date.today(),
    )


def record_ttc_visit(
    session: Session,
    viewer: Viewer,
    *,
    data: TtcVisitInput,
    idempotency_key: str | None,
    today: date | None = None,
) -> uuid.UUID:
    """Record the tutor's visit with a mark per new teacher and activity; a repeated submit saves once."""
    if not rules.may_record(viewer):
        raise AccessDenied("Only TTC tutors record TTC school visits.")
    existing = existing_by_key(session, TtcVisit, idempotency_key)
    if existing is not None:
        if str(existing.tutor_id) != viewer.person_id:
            raise AccessDenied("This form was already used: reload the page.")
        return existing.id
    if not data.school_id:
        # Name every other missing field too, as far as they can be checked without a school.
        template = _current_template(session)
        data = replace(data, template_id=data.template_id or (str(template.id) if template else None))
        _clean(data, TtcForm(None, None, [], [], []), today)  # raises: the school is missing
    sid = ensure_school_in_reach(session, viewer, _uuid(data.school_id, "school_id", "Unknown school."))
    form = ttc_form(session, viewer, sid)
    if data.template_id and data.template_id != form.template_id:
        # Answered against a revision replaced while the form was open: its questions still hold.
        template = session.get(FormTemplate, _uuid(data.template_id, "template_id", "Unknown checklist."))
        if template is None or template.kind != FormKind.TTC_CHECKLIST.value:
            raise ValidationError({"template_id": "This checklist is unknown: reload the page."})
        form = TtcForm(
            str(template.id),
            template.revision,
            rules.checklist_items(template.items),
            form.new_teachers,
            form.facilitators,
        )
    data = _clean(data, form, today)
    visit = TtcVisit(
        school_id=sid,
        tutor_id=uuid.UUID(viewer.person_id),
        facilitator_id=uuid.UUID(data.facilitator_id) if data.facilitator_id else None,
        template_id=uuid.UUID(str(data.template_id)),
        visit_date=data.visit_date,
        feedback_to_facilitator=data.feedback,
        idempotency_key=idempotency_key,
    )
    session.add(visit)
    session.flush()
    for (teacher, key), mark in data.marks.items():
        session.add(
            TtcVisitItem(
                visit_id=visit.id,
                new_teacher_id=uuid.UUID(teacher),
                item_key=key,
                done=mark.done,
                note=mark.note,
            )
        )
    session.flush()
    return visit.id


def update_ttc_visit(
    session: Session,
    viewer: Viewer,
    *,
    visit_id: uuid.UUID | str,
    version: int,
    data: TtcVisitInput,
    today: date | None = None,
) -> None:
    """Correct a visit (its tutor, or an administrator), refused if someone saved it since `version`."""
    visit = _visit_in_reach(session, viewer, visit_id)
    if not rules.may_edit(viewer, str(visit.tutor_id)):
        raise AccessDenied("Only the tutor who recorded this visit, or an administrator, can change it.")
    check_version(visit, version, "TTC visit", CONFLICT_FIELDS)
    detail = ttc_visit(session, viewer, visit.id)
    form = edit_form(session, viewer, detail)
    # The school and the checklist revision are the visit's own: an edit changes only what was seen there.
    data = TtcVisitInput(
        school_id=detail.school_id,
        visit_date=data.visit_date,
        template_id=detail.template_id,
        facilitator_id=data.facilitator_id,
        feedback=data.feedback,
        marks=data.marks,
    )
    data = _clean(data, form, today)
    visit.visit_date = data.visit_date  # type: ignore[assignment]  # checked by clean_ttc_visit
    visit.facilitator_id = uuid.UUID(data.facilitator_id) if data.facilitator_id else None
    visit.feedback_to_facilitator = data.feedback
    # The marks live in their own rows: touching the visit bumps its version, so a checklist-only edit
    # still conflicts with another person's save.
    visit.updated_at = datetime.now(UTC)
    existing = {
        (str(r.new_teacher_id), r.item_key): r
        for r in session.scalars(select(TtcVisitItem).where(TtcVisitItem.visit_id == visit.id))
    }
    for (teacher, key), mark in data.marks.items():
        row = existing.get((teacher, key))
        if row is None:
            session.add(
                TtcVisitItem(
                    visit_id=visit.id,
                    new_teacher_id=uuid.UUID(teacher),
                    item_key=key,
                    done=mark.done,
                    note=mark.note,
                )
            )
        elif (row.done, row.note) != (mark.done, mark.note):
            row.done, row.note = mark.done, mark.note
    session.flush()
