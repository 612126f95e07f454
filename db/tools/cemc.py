"""CPD CEMC marks: the gradebook each person may read; marks entered by trainers, national staff, admins."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from cop import cemc as rules
from cop.access import AccessDenied, Viewer, district_ids_in_reach
from cop.cemc import CemcTotals, MarksInput
from cop.errors import ValidationError
from cop.vocab import Role, SessionKind
from db.access import school_ids_in_reach
from db.models import CemcMark, CopSession, District, Person, School
from db.records import check_version

MAX_LIST = 2000
_PARTICIPANT_ROLES = [r.value for r in rules.PARTICIPANT_ROLES]
_OUT_OF_REACH = "That participant is not in your reach."
_NOT_YOURS = "You do not have access to those marks."


@dataclass(frozen=True)
class GradebookRow:
    id: str
    participant_id: str
    participant: str
    participant_role: str
    cohort: str
    school: str | None
    district: str | None
    first_session_report: float | None
    first_session_id: str | None
    first_session_date: date | None
    first_session_school_id: str | None
    field_visit: float | None
    final_exam: float | None
    totals: CemcTotals
    roles: tuple[str, ...]  # CEMC roles this person can take part as
    assessor: str | None
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class ParticipantChoice:
    id: str
    label: str
    roles: tuple[str, ...]  # CEMC roles this person can take part as
    default_role: str | None


@dataclass(frozen=True)
class SessionChoice:
    id: str
    label: str


def _num(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def _uuid(value: object) -> uuid.UUID | None:
    """The id, or None when it is not one (a tampered or stale value finds nothing)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _dec(value: object) -> Decimal | None:
    """A mark as the column stores it (exact, so an unchanged mark is not seen as a change)."""
    return None if value is None else Decimal(str(value))


def _me(viewer: Viewer) -> uuid.UUID:
    return uuid.UUID(viewer.person_id)


def _districts_in_reach(viewer: Viewer) -> Select[tuple[uuid.UUID]]:
    """Districts whose participants without a school (SEIs, TTC tutors) the viewer reaches."""
    if viewer.role is Role.DISTRICT_OFFICER:
        ids = [uuid.UUID(d) for d in district_ids_in_reach(viewer) or ()]
        return select(District.id).where(District.id.in_(ids) if ids else false())
    if viewer.role is Role.FIELD_FACILITATOR:
        return select(School.district_id).where(School.id.in_(school_ids_in_reach(viewer)))
    return select(District.id).where(false())


def _in_trainer_reach(viewer: Viewer, school: ColumnElement, district: ColumnElement) -> ColumnElement[bool]:
    """A trainer reaches school staff through their schools, and people without a school by district."""
    return or_(
        and_(school.is_not(None), school.in_(school_ids_in_reach(viewer))),
        and_(school.is_(None), district.in_(_districts_in_reach(viewer))),
    )


def _readable(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL side of `cop.cemc.may_read_marks`."""
    own = CemcMark.participant_id == _me(viewer)
    if rules.reads_every_mark(viewer):
        return true()
    if viewer.role is Role.DISTRICT_OFFICER:
        return or_(own, CemcMark.district_id.in_(_districts_in_reach(viewer)))
    if viewer.role is Role.FIELD_FACILITATOR:
        return or_(own, _in_trainer_reach(viewer, CemcMark.school_id, CemcMark.district_id))
    return own


def _rows(session: Session, viewer: Viewer, *where: ColumnElement[bool], limit: int) -> list[GradebookRow]:
    participant, assessor = aliased(Person), aliased(Person)
    query = (
        select(CemcMark, participant.full_name, School.name, District.name, CopSession.session_date)
        .add_columns(CopSession.school_id, participant.role, assessor.full_name)
        .join(participant, participant.id == CemcMark.participant_id)
        .outerjoin(School, School.id == CemcMark.school_id)
        .outerjoin(District, District.id == CemcMark.district_id)
        .outerjoin(CopSession, CopSession.id == CemcMark.first_session_id)
        .outerjoin(assessor, assessor.id == CemcMark.assessor_id)
        .where(_readable(viewer), *where)
        .order_by(CemcMark.cohort.desc(), District.name, participant.full_name)
        .limit(min(limit, MAX_LIST))
    )
    out = []
    for mark, name, school, district, session_date, session_school, role, assessed_by in session.execute(
        query
    ):
        report, visit, exam = _num(mark.first_session_report), _num(mark.field_visit), _num(mark.final_exam)
        out.append(
            GradebookRow(
                str(mark.id),
                str(mark.participant_id),
                name,
                mark.participant_role,
                mark.cohort,
                school,
                district,
                report,
                str(mark.first_session_id) if mark.first_session_id else None,
                session_date,
                str(session_school) if session_school else None,
                visit,
                exam,
                rules.totals(report, visit, exam),
                tuple(r.value for r in rules.PARTICIPANT_ROLES.get(Role(role), ())),
                assessed_by,
                mark.updated_at,
                mark.version,
            )
        )
    return out


def gradebook(
    session: Session,
    viewer: Viewer,
    *,
    cohort: str | None = None,
    participant_role: str | None = None,
    search: str | None = None,
    limit: int = 1000,
) -> list[GradebookRow]:
    """The marks the viewer may read, newest cohort first, by district and name, with module totals."""
    where = []
    if cohort:
        where.append(CemcMark.cohort == cohort)
    if participant_role:
        where.append(CemcMark.participant_role == participant_role)
    if search and search.strip():
        escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        named = select(Person.id).where(Person.full_name.ilike(f"%{escaped}%", escape="\\"))
        where.append(CemcMark.participant_id.in_(named))
    return _rows(session, viewer, *where, limit=limit)


def cemc_marks(session: Session, viewer: Viewer, mark_id: uuid.UUID | str) -> GradebookRow:
    """One participant's marks in one cohort; refused outside the viewer's reach."""
    wanted = _uuid(mark_id)
    if wanted is None:
        raise AccessDenied(_NOT_YOURS)
    rows = _rows(session, viewer, CemcMark.id == wanted, limit=1)
    if not rows:
        raise AccessDenied(_NOT_YOURS)
    return rows[0]


def cohorts(session: Session, viewer: Viewer) -> list[str]:
    """The cohorts of the marks the viewer may read, newest first."""
    query = select(CemcMark.cohort).where(_readable(viewer)).distinct().order_by(CemcMark.cohort.desc())
    return list(session.scalars(query))


# --- participants and their scope ------------------------------------------------------------------------


def _scope_of(session: Session, person: Person) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """(school, district) a participant's marks are filed under: the school's district, else their own."""
    if person.school_id is None:
        return None, person.district_id
    return person.school_id, session.scalar(select(School.district_id).where(School.id == person.school_id))


def _may_write(
    session: Session, viewer: Viewer, school_id: uuid.UUID | None, district_id: uuid.UUID | None
) -> bool:
    if not rules.may_enter_marks(viewer):
        return False
    in_school = school_id is not None and session.scalar(
        select(func.count())
        .select_from(School)
        .where(School.id == school_id, School.id.in_(school_ids_in_reach(viewer)))
    )
    in_district = district_id is not None and session.scalar(
        select(func.count())
        .select_from(District)
        .where(District.id == district_id, District.id.in_(_districts_in_reach(viewer)))
    )
    return rules.may_write_marks(
        viewer,
        school_in_reach=bool(in_school),
        district_in_reach=bool(in_district),
        has_school=school_id is not None,
    )


def may_edit_marks(session: Session, viewer: Viewer, mark_id: uuid.UUID | str) -> bool:
    """Whether the viewer may change these marks (the page shows the edit form only then)."""
    wanted = _uuid(mark_id)
    mark = session.get(CemcMark, wanted) if wanted else None
    return mark is not None and _may_write(session, viewer, mark.school_id, mark.district_id)


def participants_to_mark(
    session: Session, viewer: Viewer, *, search: str | None = None, limit: int = 200
) -> list[ParticipantChoice]:
    """SBMs, SSLs, SEIs and TTC tutors the viewer may enter marks for, by name (search narrows them)."""
    if not rules.may_enter_marks(viewer):
        return []
    query = (
        select(Person, School.name, District.name)
        .outerjoin(School, School.id == Person.school_id)
        .outerjoin(District, District.id == Person.district_id)
        .where(Person.is_active, Person.role.in_(_PARTICIPANT_ROLES))
    )
    if not rules.reads_every_mark(viewer):
        query = query.where(_in_trainer_reach(viewer, Person.school_id, Person.district_id))
    if search and search.strip():
        escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Person.full_name.ilike(f"%{escaped}%", escape="\\"))
    out = []
    for person, school, district in session.execute(query.order_by(Person.full_name).limit(limit)):
        role = Role(person.role)
        where = school or (f"{district} district" if district else None)
        label = f"{person.full_name}, {person.job_title or role.label}" + (f" ({where})" if where else "")
        default = rules.default_participant_role(role, person.job_title)
        roles = tuple(r.value for r in rules.PARTICIPANT_ROLES[role])
        out.append(ParticipantChoice(str(person.id), label, roles, default.value if default else None))
    return out


def first_sessions_of(session: Session, viewer: Viewer, participant_id: str) -> list[SessionChoice]:
    """First CoP sessions the participant led, newest first: the session their report is about."""
    wanted = _uuid(participant_id)
    person = session.get(Person, wanted) if wanted else None
    if person is None or not _may_write(session, viewer, *_scope_of(session, person)):
        return []
    rows = session.execute(
        select(CopSession.id, CopSession.session_date, School.name)
        .join(School, School.id == CopSession.school_id)
        .where(CopSession.kind == SessionKind.FIRST.value, CopSession.led_by_id == person.id)
        .order_by(CopSession.session_date.desc())
        .limit(50)
    ).all()
    return [SessionChoice(str(i), f"{day:%d %b %Y}, {school}") for i, day, school in rows]


def _check_first_session(
    session: Session, participant_id: uuid.UUID, session_id: str | None
) -> uuid.UUID | None:
    if not session_id:
        return None
    try:
        sid = uuid.UUID(session_id)
    except ValueError:
        sid = None
    found = sid and session.scalar(
        select(CopSession.id).where(
            CopSession.id == sid,
            CopSession.kind == SessionKind.FIRST.value,
            CopSession.led_by_id == participant_id,
        )
    )
    if not found:
        raise ValidationError(
            {"first_session_id": "Choose one of the first CoP sessions this participant led."}
        )
    return sid


def _same(mark: CemcMark, data: MarksInput, first_session: uuid.UUID | None) -> bool:
    return (
        mark.participant_role == data.participant_role
        and all(_num(getattr(mark, n)) == getattr(data, n) for n in rules.MARKS)
        and mark.first_session_id == first_session
    )


def record_marks(
    session: Session, viewer: Viewer, *, participant_id: str, data: MarksInput, today: date | None = None
) -> uuid.UUID:
    """Enter a participant's marks for a cohort; the same marks submitted again return the first row."""
    wanted = _uuid(participant_id)
    person = session.get(Person, wanted) if wanted else None
    if person is None or not _may_write(session, viewer, *_scope_of(session, person)):
        raise AccessDenied(_OUT_OF_REACH)
    clean = rules.clean_marks(data, participant_role_of=Role(person.role), today=today or date.today())
    first_session = _check_first_session(session, person.id, clean.first_session_id)
    earlier = session.scalar(
        select(CemcMark).where(CemcMark.participant_id == person.id, CemcMark.cohort == clean.cohort)
    )
    if earlier is not None:
        # The (participant, cohort) pair is the natural key: a repeated submit finds its own row.
        if _same(earlier, clean, first_session):
            return earlier.id
        taken = f"{person.full_name} already has marks for cohort {clean.cohort}: open them to change them."
        raise ValidationError({"cohort": taken})
    school_id, district_id = _scope_of(session, person)
    mark = CemcMark(
        participant_id=person.id,
        participant_role=clean.participant_role,
        cohort=clean.cohort,
        assessor_id=_me(viewer),
        school_id=school_id,
        district_id=district_id,
        first_session_report=_dec(clean.first_session_report),
        first_session_id=first_session,
        field_visit=_dec(clean.field_visit),
        final_exam=_dec(clean.final_exam),
    )
    session.add(mark)
    session.flush()
    return mark.id


def update_marks(
    session: Session,
    viewer: Viewer,
    *,
    mark_id: uuid.UUID | str,
    version: int,
    data: MarksInput,
    today: date | None = None,
) -> None:
    """Change a participant's marks, unless someone saved them after the form was loaded."""
    wanted = _uuid(mark_id)
    mark = session.get(CemcMark, wanted) if wanted else None
    if mark is None or not _may_write(session, viewer, mark.school_id, mark.district_id):
        raise AccessDenied(_NOT_YOURS)
    check_version(mark, version, "marks", (*rules.MARKS, "participant_role", "cohort", "version"))
    person = session.get(Person, mark.participant_id)
    assert person is not None  # a foreign key
    clean = rules.clean_marks(data, participant_role_of=Role(person.role), today=today or date.today())
    first_session = _check_first_session(session, person.id, clean.first_session_id)
    clash = session.scalar(
        select(CemcMark.id).where(
            CemcMark.participant_id == person.id, CemcMark.cohort == clean.cohort, CemcMark.id != mark.id
        )
    )
    if clash is not None:
        raise ValidationError({"cohort": f"{person.full_name} already has marks for cohort {clean.cohort}."})
    mark.participant_role, mark.cohort, mark.first_session_id = (
        clean.participant_role,
        clean.cohort,
        first_session,
    )
    for name in rules.MARKS:
        setattr(mark, name, _dec(getattr(clean, name)))
    mark.assessor_id = _me(viewer)
    session.flush()
