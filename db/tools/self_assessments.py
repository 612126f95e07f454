"""SBM self-assessments: the SBM's own termly record, read by those the rules allow, and progress."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, exists, or_, select, true
from sqlalchemy.orm import Session

from cop import self_assessment as rules
from cop.access import AccessDenied, Viewer
from cop.errors import ValidationError
from cop.self_assessment import Indicator, ProgressPoint, SelfAssessmentInput
from cop.vocab import FormKind, Role, SbmStandard
from db.access import school_ids_in_reach
from db.models import Assignment, FormTemplate, Person, School, SelfAssessment
from db.records import check_version, current_template, existing_by_key

MAX_LIST = 1000
_FILL_ONLY = "Only SBMs and SSLs fill in a self-assessment, and only their own."
_NOT_YOURS = "You do not have access to that self-assessment."


@dataclass(frozen=True)
class FormQuestions:
    template_id: str
    revision: int
    title: str
    indicators: list[Indicator]


@dataclass(frozen=True)
class SelfAssessmentRow:
    id: str
    person_id: str
    person: str
    school: str
    school_year: int
    term: str
    revision: int
    averages: dict[SbmStandard, float | None]
    overall: float | None
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class SelfAssessmentDetail:
    row: SelfAssessmentRow
    questions: FormQuestions
    answers: dict[str, int]
    cpd_activities: str
    impact_reflection: str


@dataclass(frozen=True)
class PersonChoice:
    id: str
    label: str


def _uuid(value: object) -> uuid.UUID | None:
    """The id, or None when it is not one (a tampered or stale value finds nothing)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _me(viewer: Viewer) -> uuid.UUID:
    return uuid.UUID(viewer.person_id)


def _assigned_to(viewer: Viewer) -> ColumnElement[bool]:
    """Records of the SBMs (or schools) a field facilitator is assigned to."""
    mine = Assignment.person_id == _me(viewer)
    return or_(
        SelfAssessment.person_id.in_(select(Assignment.sbm_id).where(mine, Assignment.sbm_id.is_not(None))),
        SelfAssessment.school_id.in_(
            select(Assignment.school_id).where(mine, Assignment.school_id.is_not(None))
        ),
    )


def _readable(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL side of `cop.self_assessment.may_read`: the rows this viewer may read."""
    own = SelfAssessment.person_id == _me(viewer)
    match viewer.role:
        case Role.ADMIN | Role.NATIONAL_OFFICER:
            return true()
        case Role.DISTRICT_OFFICER | Role.HEAD_TEACHER:
            return or_(own, SelfAssessment.school_id.in_(school_ids_in_reach(viewer)))
        case Role.FIELD_FACILITATOR:
            return or_(own, _assigned_to(viewer))
    return own


def _questions(template: FormTemplate) -> FormQuestions:
    questions = rules.indicators(template.items)
    return FormQuestions(str(template.id), template.revision, template.title, questions)


def self_assessment_questions(session: Session, viewer: Viewer) -> FormQuestions:
    """The current indicators of the self-assessment form, grouped by SBM standard."""
    return _questions(current_template(session, FormKind.SELF_ASSESSMENT.value))


def _row(sa: SelfAssessment, person: str, school: str, questions: FormQuestions) -> SelfAssessmentRow:
    averages = rules.standard_averages(questions.indicators, sa.answers)
    return SelfAssessmentRow(
        str(sa.id),
        str(sa.person_id),
        person,
        school,
        sa.school_year,
        sa.term,
        questions.revision,
        averages,
        rules.overall_average(averages),
        sa.updated_at,
        sa.version,
    )


def _query(viewer: Viewer) -> Select[tuple[SelfAssessment, str, str, FormTemplate]]:
    """Readable self-assessments with their person, school and template revision."""
    return (
        select(SelfAssessment, Person.full_name, School.name, FormTemplate)
        .join(Person, Person.id == SelfAssessment.person_id)
        .join(School, School.id == SelfAssessment.school_id)
        .join(FormTemplate, FormTemplate.id == SelfAssessment.template_id)
        .where(_readable(viewer))
    )


def self_assessments(
    session: Session,
    viewer: Viewer,
    *,
    person_id: str | None = None,
    school_id: str | None = None,
    school_year: int | None = None,
    term: str | None = None,
    limit: int = 500,
) -> list[SelfAssessmentRow]:
    """The self-assessments the viewer may read, newest term first, with each standard's average."""
    query = _query(viewer)
    if person_id:
        query = query.where(SelfAssessment.person_id == _uuid(person_id))  # not an id: no rows
    if school_id:
        query = query.where(SelfAssessment.school_id == _uuid(school_id))
    if school_year is not None:
        query = query.where(SelfAssessment.school_year == school_year)
    if term:
        query = query.where(SelfAssessment.term == term)
    query = query.order_by(
        SelfAssessment.school_year.desc(), SelfAssessment.term.desc(), Person.full_name
    ).limit(min(limit, MAX_LIST))
    templates: dict[uuid.UUID, FormQuestions] = {}
    rows = []
    for sa, person, school, template in session.execute(query).all():
        questions = templates.setdefault(template.id, _questions(template))
        rows.append(_row(sa, person, school, questions))
    return rows


def assessed_people(session: Session, viewer: Viewer) -> list[PersonChoice]:
    """People with at least one self-assessment the viewer may read, by name (for the filter)."""
    rows = session.execute(
        select(Person.id, Person.full_name, School.name)
        .join(School, School.id == Person.school_id, isouter=True)
        .where(exists().where(SelfAssessment.person_id == Person.id, _readable(viewer)))
        .order_by(Person.full_name)
    ).all()
    return [PersonChoice(str(i), f"{name} ({school})" if school else name) for i, name, school in rows]


def _detail(session: Session, viewer: Viewer, where: ColumnElement[bool]) -> SelfAssessmentDetail | None:
    found = session.execute(_query(viewer).where(where)).first()
    if found is None:
        return None
    sa, person, school, template = found
    questions = _questions(template)
    return SelfAssessmentDetail(
        _row(sa, person, school, questions),
        questions,
        dict(sa.answers),
        sa.cpd_activities or "",
        sa.impact_reflection or "",
    )


def self_assessment(session: Session, viewer: Viewer, assessment_id: uuid.UUID | str) -> SelfAssessmentDetail:
    """One self-assessment with its own revision's questions; refused outside the viewer's reach."""
    wanted = _uuid(assessment_id)
    if wanted is None:
        raise AccessDenied(_NOT_YOURS)
    detail = _detail(session, viewer, SelfAssessment.id == wanted)
    if detail is None:
        raise AccessDenied(_NOT_YOURS)
    return detail


def own_self_assessment(
    session: Session, viewer: Viewer, *, school_year: int, term: str
) -> SelfAssessmentDetail | None:
    """The viewer's own record of one term, if they made one (the form edits it instead of adding one)."""
    return _detail(
        session,
        viewer,
        (SelfAssessment.person_id == _me(viewer))
        & (SelfAssessment.school_year == school_year)
        & (SelfAssessment.term == term),
    )


def progress(session: Session, viewer: Viewer, person_id: str) -> list[ProgressPoint]:
    """One person's average per standard per term, oldest first, from the records the viewer may read."""
    rows = session.execute(
        _query(viewer).where(SelfAssessment.person_id == _uuid(person_id)).limit(MAX_LIST)
    ).all()
    return rules.progress_points(
        (sa.school_year, sa.term, rules.indicators(template.items), sa.answers) for sa, _, _, template in rows
    )


def submit_self_assessment(
    session: Session,
    viewer: Viewer,
    *,
    data: SelfAssessmentInput,
    idempotency_key: str | None,
    today: date | None = None,
) -> uuid.UUID:
    """Record the viewer's self-assessment of a term on the current form; a repeated submit: the first."""
    if not rules.may_fill(viewer):
        raise AccessDenied(_FILL_ONLY)
    earlier = existing_by_key(session, SelfAssessment, idempotency_key)
    if earlier is not None:
        if earlier.person_id != _me(viewer):
            raise AccessDenied(_NOT_YOURS)
        return earlier.id
    person = session.get(Person, _me(viewer))
    if person is None or person.school_id is None:
        raise ValidationError({"school": "You need a home school: ask an administrator to set it."})
    template = current_template(session, FormKind.SELF_ASSESSMENT.value)
    clean = rules.clean_self_assessment(data, rules.indicators(template.items), today=today or date.today())
    clash = session.scalar(
        select(SelfAssessment.id).where(
            SelfAssessment.person_id == person.id,
            SelfAssessment.school_year == clean.school_year,
            SelfAssessment.term == clean.term,
        )
    )
    if clash is not None:
        label = rules.term_label(clean.school_year or 0, clean.term or "")
        raise ValidationError({"term": f"You already assessed {label}: open that record to change it."})
    row = SelfAssessment(
        person_id=person.id,
        school_id=person.school_id,
        template_id=template.id,
        school_year=clean.school_year,
        term=clean.term,
        answers=dict(clean.answers),
        cpd_activities=clean.cpd_activities,
        impact_reflection=clean.impact_reflection,
        idempotency_key=idempotency_key,
    )
    session.add(row)
    session.flush()
    return row.id


def update_self_assessment(
    session: Session,
    viewer: Viewer,
    *,
    assessment_id: uuid.UUID | str,
    version: int,
    data: SelfAssessmentInput,
    today: date | None = None,
) -> None:
    """Change one's own record of a term (same term, same questions), unless someone saved it meanwhile."""
    wanted = _uuid(assessment_id)
    row = session.get(SelfAssessment, wanted) if wanted else None
    if row is None or not rules.may_edit(viewer, str(row.person_id)):
        raise AccessDenied(_NOT_YOURS)
    check_version(
        row, version, "self-assessment", ("answers", "cpd_activities", "impact_reflection", "version")
    )
    template = session.get(FormTemplate, row.template_id)
    assert template is not None  # a foreign key
    # The term is what the record is: an edit keeps it (and the questions it was answered with).
    data = replace(data, school_year=row.school_year, term=row.term)
    clean = rules.clean_self_assessment(data, rules.indicators(template.items), today=today or date.today())
    row.answers = dict(clean.answers)  # a new dict: the ORM sees the change
    row.cpd_activities, row.impact_reflection = clean.cpd_activities, clean.impact_reflection
    session.flush()
