"""Administration of people, assignments, schools, CoPs and members, and CSV imports; reach checked here."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

import bcrypt
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer, assignable_roles, district_ids_in_reach, may_administer
from cop.errors import ValidationError
from cop.passwords import check_new_password
from cop.validation import (
    ASSIGNMENT_TARGETS,
    SCHOOL_ROLES,
    CopInput,
    PersonInput,
    RowError,
    SchoolInput,
    check_assignments,
    clean_cop,
    clean_person,
    clean_school,
    parse_people_csv,
    parse_schools_csv,
)
from cop.vocab import Role
from db.auth import hash_password, revoke_signins
from db.models import Assignment, Cop, CopMember, District, Person, School

R = TypeVar("R")
MAX_LIST = 1000
STALE = "Someone else changed this {what} since you opened it: look at their change, then save yours again."
# No 0/o, 1/l/i: one-time passwords are read aloud and copied from paper.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# Generated one-time passwords carry about 79 random bits, which no work factor needs to protect, while
# cost 12 (~0.3 s a hash, and threads do not help) would make a 5,000-row import take 25 minutes; cost 6
# takes ~5 ms. The person replaces the password at first sign-in, hashed at full cost by db.auth.
_ONE_TIME_COST = 6


class _Refused(AccessDenied):
    """Access refused about one field, so a CSV import can report it against that column."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


# --- reads --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    id: str
    username: str
    full_name: str
    email: str | None
    role: str
    school_code: str | None
    school: str | None
    district: str | None
    job_title: str | None
    subject: str | None
    is_new_teacher: bool
    teacher_start_date: date | None
    is_active: bool
    must_change_password: bool
    last_signed_in_at: datetime | None
    version: int


@dataclass(frozen=True)
class AssignmentSet:
    district_ids: frozenset[str]
    school_ids: frozenset[str]
    sbm_ids: frozenset[str]


@dataclass(frozen=True)
class DistrictChoice:
    id: str
    name: str


@dataclass(frozen=True)
class SchoolRow:
    id: str
    code: str
    name: str
    district: str
    sector: str | None
    level: str
    is_active: bool
    people: int
    cops: int
    version: int


@dataclass(frozen=True)
class CopAdminRow:
    id: str
    name: str
    kind: str
    grade: str | None
    subject: str | None
    facilitator_username: str | None
    facilitator: str | None
    members: int
    is_active: bool
    version: int


@dataclass(frozen=True)
class MemberRow:
    person_id: str
    username: str
    full_name: str
    role: str
    is_new_teacher: bool
    joined_on: date | None
    left_on: date | None


@dataclass(frozen=True)
class ImportReport:
    """What an import did: nothing at all unless `errors` is empty; passwords are shown to the admin once."""

    rows_read: int
    rows_imported: int
    errors: list[RowError]
    one_time_passwords: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _require_administrator(viewer: Viewer) -> None:
    if not viewer.rule.can_administer:
        raise AccessDenied("Only administrators and district officers manage people, schools and CoPs.")


def _district_uuids(viewer: Viewer) -> list[uuid.UUID] | None:
    """Districts a district officer administers; None for an administrator (no limit)."""
    ids = district_ids_in_reach(viewer)
    return None if ids is None else [uuid.UUID(d) for d in ids]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def people_in_reach(
    session: Session,
    viewer: Viewer,
    *,
    school_id: uuid.UUID | str | None = None,
    role: str | None = None,
    active: bool | None = True,
    search: str | None = None,
    limit: int = 200,
) -> list[PersonRow]:
    """People the viewer administers, filtered, by name; a district officer sees their schools' staff."""
    _require_administrator(viewer)
    query = (
        select(Person, School.code, School.name, District.name)
        .outerjoin(School, School.id == Person.school_id)
        .outerjoin(District, District.id == func.coalesce(School.district_id, Person.district_id))
    )
    districts = _district_uuids(viewer)
    if districts is not None:
        query = query.where(
            Person.role.in_([r.value for r in assignable_roles(viewer)]),
            or_(
                School.district_id.in_(districts),
                and_(Person.school_id.is_(None), Person.district_id.in_(districts)),
            ),
        )
    if school_id:
        query = query.where(Person.school_id == uuid.UUID(str(school_id)))
    if role:
        query = query.where(Person.role == role)
    if active is not None:
        query = query.where(Person.is_active.is_(active))
    if search and search.strip():
        pattern = _like(search.strip())
        query = query.where(
            or_(*(c.ilike(pattern, escape="\\") for c in (Person.username, Person.full_name, Person.email)))
        )
    rows = session.execute(query.order_by(Person.full_name, Person.username).limit(min(limit, MAX_LIST)))
    return [
        PersonRow(
            str(p.id),
            p.username,
            p.full_name,
            p.email,
            p.role,
            code,
            school,
            district,
            p.job_title,
            p.subject,
            p.is_new_teacher,
            p.teacher_start_date,
            p.is_active,
            p.must_change_password,
            p.last_signed_in_at,
            p.version,
        )
        for p, code, school, district in rows
    ]


def assignments_of(session: Session, viewer: Viewer, *, person_id: uuid.UUID | str) -> AssignmentSet:
    """The districts, schools and SBMs a person is assigned to."""
    person = _person_to_administer(session, viewer, person_id)
    rows = session.execute(
        select(Assignment.district_id, Assignment.school_id, Assignment.sbm_id).where(
            Assignment.person_id == person.id
        )
    ).all()
    return AssignmentSet(
        frozenset(str(d) for d, _, _ in rows if d),
        frozenset(str(s) for _, s, _ in rows if s),
        frozenset(str(b) for _, _, b in rows if b),
    )


def districts_in_admin_reach(session: Session, viewer: Viewer) -> list[DistrictChoice]:
    """Districts the viewer may add schools and people to, by name."""
    _require_administrator(viewer)
    query = select(District.id, District.name).order_by(District.name)
    districts = _district_uuids(viewer)
    if districts is not None:
        query = query.where(District.id.in_(districts))
    return [DistrictChoice(str(i), name) for i, name in session.execute(query)]


def schools_in_admin_reach(
    session: Session,
    viewer: Viewer,
    *,
    search: str | None = None,
    active: bool | None = None,
    limit: int = 500,
) -> list[SchoolRow]:
    """Schools the viewer administers, by district and name, with their staff and CoP counts."""
    _require_administrator(viewer)
    staff = (
        select(Person.school_id, func.count().label("n"))
        .where(Person.is_active, Person.school_id.is_not(None))
        .group_by(Person.school_id)
        .subquery()
    )
    cops = (
        select(Cop.school_id, func.count().label("n")).where(Cop.is_active).group_by(Cop.school_id).subquery()
    )
    query = (
        select(School, District.name, staff.c.n, cops.c.n)
        .join(District, District.id == School.district_id)
        .outerjoin(staff, staff.c.school_id == School.id)
        .outerjoin(cops, cops.c.school_id == School.id)
    )
    districts = _district_uuids(viewer)
    if districts is not None:
        query = query.where(School.district_id.in_(districts))
    if active is not None:
        query = query.where(School.is_active.is_(active))
    if search and search.strip():
        pattern = _like(search.strip())
        query = query.where(
            or_(School.code.ilike(pattern, escape="\\"), School.name.ilike(pattern, escape="\\"))
        )
    rows = session.execute(query.order_by(District.name, School.name).limit(min(limit, MAX_LIST)))
    return [
        SchoolRow(
            str(s.id),
            s.code,
            s.name,
            district,
            s.sector,
            s.level,
            s.is_active,
            people or 0,
            n or 0,
            s.version,
        )
        for s, district, people, n in rows
    ]


def cops_of_school(session: Session, viewer: Viewer, *, school_id: uuid.UUID | str) -> list[CopAdminRow]:
    """Every CoP of a school the viewer administers (closed ones too), with facilitator and members."""
    school = _school_to_administer(session, viewer, school_id)
    members = (
        select(CopMember.cop_id, func.count().label("n"))
        .where(CopMember.left_on.is_(None))
        .group_by(CopMember.cop_id)
        .subquery()
    )
    rows = session.execute(
        select(Cop, Person.username, Person.full_name, members.c.n)
        .outerjoin(Person, Person.id == Cop.facilitator_id)
        .outerjoin(members, members.c.cop_id == Cop.id)
        .where(Cop.school_id == school.id)
        .order_by(Cop.is_active.desc(), Cop.name)
    )
    return [
        CopAdminRow(
            str(c.id), c.name, c.kind, c.grade, c.subject, uname, fname, n or 0, c.is_active, c.version
        )
        for c, uname, fname, n in rows
    ]


def members_of_cop(
    session: Session, viewer: Viewer, *, cop_id: uuid.UUID | str, include_past: bool = False
) -> list[MemberRow]:
    """A CoP's members by name; with `include_past`, also those who left."""
    cop = _cop_to_administer(session, viewer, cop_id)
    query = (
        select(CopMember, Person)
        .join(Person, Person.id == CopMember.person_id)
        .where(CopMember.cop_id == cop.id)
        .order_by(Person.full_name)
    )
    if not include_past:
        query = query.where(CopMember.left_on.is_(None))
    return [
        MemberRow(str(p.id), p.username, p.full_name, p.role, p.is_new_teacher, m.joined_on, m.left_on)
        for m, p in session.execute(query)
    ]


# --- reach of writes ----------------------------------------------------------------------------------


def _administers_person(session: Session, viewer: Viewer, person: Person) -> bool:
    """An admin administers everyone; a district officer the school staff of their district."""
    if district_ids_in_reach(viewer) is None:
        return True
    if person.role not in {r.value for r in assignable_roles(viewer)}:
        return False
    district = (
        session.scalar(select(School.district_id).where(School.id == person.school_id))
        if person.school_id
        else person.district_id
    )
    return may_administer(viewer, str(district) if district else None)


def _person_to_administer(session: Session, viewer: Viewer, person_id: uuid.UUID | str) -> Person:
    _require_administrator(viewer)
    person = session.get(Person, uuid.UUID(str(person_id)))
    if person is None or not _administers_person(session, viewer, person):
        raise AccessDenied("That person is not in your reach.")
    return person


def _school_to_administer(session: Session, viewer: Viewer, school_id: uuid.UUID | str) -> School:
    _require_administrator(viewer)
    school = session.get(School, uuid.UUID(str(school_id)))
    if school is None or not may_administer(viewer, str(school.district_id)):
        raise AccessDenied("That school is not in your reach.")
    return school


def _cop_to_administer(session: Session, viewer: Viewer, cop_id: uuid.UUID | str) -> Cop:
    _require_administrator(viewer)
    cop = session.get(Cop, uuid.UUID(str(cop_id)))
    district = session.scalar(select(School.district_id).where(School.id == cop.school_id)) if cop else None
    if cop is None or not may_administer(viewer, str(district)):
        raise AccessDenied("That CoP is not in your reach.")
    return cop


def _check_version(row: Person | School | Cop, version: int, what: str) -> None:
    if row.version != version:
        raise ValidationError({"version": STALE.format(what=what)})


def _check_role(viewer: Viewer, role: Role) -> None:
    if role not in assignable_roles(viewer):
        raise _Refused("role", f"You may not give the role {role.label}.")


def _district_named(viewer: Viewer, name: str, district: District | None) -> District:
    """The district a school or person goes to: it must exist and be the viewer's to administer."""
    if district is None:
        raise ValidationError({"district": f'There is no district "{name}": check the spelling.'})
    if not may_administer(viewer, str(district.id)):
        raise _Refused("district", f"You may not add or move anything to {district.name} district.")
    return district


def _home(
    viewer: Viewer, data: PersonInput, school: School | None, district: District | None
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """(school id, district id) to store: school staff keep only their school (it has the district)."""
    if data.school_code is not None:
        if school is None or not may_administer(viewer, str(school.district_id)):
            # Same words whether the code exists or not: a district officer learns nothing about others.
            raise _Refused("school_code", f"No school with code {data.school_code} is in your reach.")
        if data.district is not None and (district is None or district.id != school.district_id):
            message = f"{school.code} is not in the district {data.district}: leave the district empty."
            raise ValidationError({"district": message})
        return school.id, None
    if data.district is None:
        return None, None
    return None, _district_named(viewer, data.district, district).id


def _school_by_code(session: Session, code: str | None) -> School | None:
    return session.scalar(select(School).where(func.upper(School.code) == code)) if code else None


def _district_by_name(session: Session, name: str | None) -> District | None:
    if not name:
        return None
    return session.scalar(select(District).where(func.lower(District.name) == name.lower()))


def _usernames_taken(session: Session, usernames: set[str]) -> set[str]:
    if not usernames:
        return set()
    return set(session.scalars(select(Person.username).where(Person.username.in_(usernames))))


def _check_username_free(username: str, taken: set[str]) -> None:
    if username in taken:
        raise ValidationError({"username": f"The username {username} is already taken."})


# --- people -------------------------------------------------------------------------------------------


def new_one_time_password(username: str | None = None) -> str:
    """A random password that reads well aloud and on paper: four groups of four (about 79 bits)."""
    while True:
        password = "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))
        try:
            check_new_password(password, username=username)
        except ValidationError:  # it happened to contain the username: draw again
            continue
        return password


def _new_person(data: PersonInput, school_id: uuid.UUID | None, district_id: uuid.UUID | None) -> Person:
    return Person(
        id=uuid.uuid4(),
        username=data.username,
        full_name=data.full_name,
        email=data.email,
        role=data.role,
        school_id=school_id,
        district_id=district_id,
        job_title=data.job_title,
        subject=data.subject,
        is_new_teacher=data.is_new_teacher,
        teacher_start_date=data.teacher_start_date,
        must_change_password=True,
        is_active=True,
    )


def _add_home_assignments(session: Session, people: Iterable[Person]) -> None:
    """A district officer reaches their home district through an assignment too (others can be added)."""
    session.add_all(
        Assignment(person_id=p.id, district_id=p.district_id)
        for p in people
        if p.role == Role.DISTRICT_OFFICER and p.district_id
    )
    session.flush()


def create_person(session: Session, viewer: Viewer, *, data: PersonInput, password: str) -> uuid.UUID:
    """Add a person with a one-time password, which they must change at their first sign-in."""
    _require_administrator(viewer)
    errors: dict[str, str] = {}
    try:
        data = clean_person(data)
    except ValidationError as invalid:
        errors.update(invalid.errors)
    try:
        check_new_password(password, username=data.username.strip().lower())
    except ValidationError as invalid:
        errors.update(invalid.errors)
    if errors:
        raise ValidationError(errors)
    _check_role(viewer, Role(data.role))
    school_id, district_id = _home(
        viewer, data, _school_by_code(session, data.school_code), _district_by_name(session, data.district)
    )
    _check_username_free(data.username, _usernames_taken(session, {data.username}))
    person = _new_person(data, school_id, district_id)
    person.password_hash = hash_password(password)
    session.add(person)
    session.flush()
    _add_home_assignments(session, [person])
    return person.id


def update_person(
    session: Session, viewer: Viewer, *, person_id: uuid.UUID | str, version: int, data: PersonInput
) -> None:
    """Change a person's names, role, home school or district and new-teacher details (not the username)."""
    person = _person_to_administer(session, viewer, person_id)
    _check_version(person, version, "person")
    data = clean_person(data)
    if data.username != person.username:
        raise ValidationError({"username": "A username cannot be changed: it is how the person signs in."})
    role = Role(data.role)
    if str(person.id) == viewer.person_id and role != person.role:
        raise ValidationError({"role": "You cannot change your own role: ask another administrator."})
    _check_role(viewer, role)
    school_id, district_id = _home(
        viewer, data, _school_by_code(session, data.school_code), _district_by_name(session, data.district)
    )
    old_district = person.district_id
    person.full_name, person.email, person.role = data.full_name, data.email, data.role
    person.school_id, person.district_id = school_id, district_id
    person.job_title, person.subject = data.job_title, data.subject
    person.is_new_teacher, person.teacher_start_date = data.is_new_teacher, data.teacher_start_date
    session.flush()
    _fit_assignments(session, person, old_district)


def _target(a: Assignment) -> tuple[str, uuid.UUID]:
    if a.district_id:
        return "districts", a.district_id
    if a.school_id:
        return "schools", a.school_id
    return "sbms", a.sbm_id  # type: ignore[return-value]  # the CHECK constraint guarantees one target


def _fit_assignments(session: Session, person: Person, old_district: uuid.UUID | None) -> None:
    """After a change of role or district: drop assignments the role cannot have; move a home district."""
    allowed = ASSIGNMENT_TARGETS.get(Role(person.role), frozenset())
    kept = set()
    for a in session.scalars(select(Assignment).where(Assignment.person_id == person.id)):
        kind, target = _target(a)
        moved_home = kind == "districts" and target == old_district and old_district != person.district_id
        if kind not in allowed or moved_home:
            session.delete(a)
        else:
            kept.add((kind, target))
    session.flush()
    if person.role == Role.DISTRICT_OFFICER and ("districts", person.district_id) not in kept:
        _add_home_assignments(session, [person])


def set_assignments(
    session: Session,
    viewer: Viewer,
    *,
    person_id: uuid.UUID | str,
    district_ids: Iterable[uuid.UUID | str] = (),
    school_ids: Iterable[uuid.UUID | str] = (),
    sbm_ids: Iterable[uuid.UUID | str] = (),
) -> None:
    """Replace what a district officer, UR-CE facilitator or TTC tutor is assigned to."""
    person = _person_to_administer(session, viewer, person_id)
    wanted = {
        *(("districts", uuid.UUID(str(i))) for i in district_ids),
        *(("schools", uuid.UUID(str(i))) for i in school_ids),
        *(("sbms", uuid.UUID(str(i))) for i in sbm_ids),
    }
    count = {kind: sum(1 for k, _ in wanted if k == kind) for kind in ("districts", "schools", "sbms")}
    check_assignments(Role(person.role), **count)
    for kind, target in wanted:
        if kind == "districts" and (
            session.get(District, target) is None or not may_administer(viewer, str(target))
        ):
            raise AccessDenied("That district is not in your reach.")
        if kind == "schools":
            _school_to_administer(session, viewer, target)
        if kind == "sbms":
            sbm = session.get(Person, target)
            if sbm is None or sbm.role != Role.FACILITATOR or not _administers_person(session, viewer, sbm):
                raise ValidationError({"sbm_ids": "Only SBMs and SSLs (CoP facilitators) can be assigned."})
    existing = {
        _target(a): a for a in session.scalars(select(Assignment).where(Assignment.person_id == person.id))
    }
    for target, row in existing.items():
        if target not in wanted:
            session.delete(row)
    column = {"districts": "district_id", "schools": "school_id", "sbms": "sbm_id"}
    session.add_all(Assignment(person_id=person.id, **{column[k]: t}) for k, t in wanted - existing.keys())
    session.flush()


def deactivate_person(session: Session, viewer: Viewer, *, person_id: uuid.UUID | str) -> None:
    """Stop a person signing in, and end their open sign-ins at once; their records stay."""
    person = _person_to_administer(session, viewer, person_id)
    if str(person.id) == viewer.person_id:
        raise ValidationError(
            {"person": "You cannot deactivate your own account: ask another administrator."}
        )
    person.is_active = False
    session.flush()
    _revoke(session, person)


def reactivate_person(session: Session, viewer: Viewer, *, person_id: uuid.UUID | str) -> None:
    """Let a deactivated person sign in again (sign-ins from before stay void)."""
    person = _person_to_administer(session, viewer, person_id)
    person.is_active = True
    session.flush()


def reset_password(session: Session, viewer: Viewer, *, person_id: uuid.UUID | str, password: str) -> None:
    """Give a person a new one-time password to change at next sign-in; their open sign-ins end."""
    person = _person_to_administer(session, viewer, person_id)
    if str(person.id) == viewer.person_id:
        raise ValidationError({"password": "Change your own password on the Account page."})
    check_new_password(password, username=person.username)
    person.password_hash = hash_password(password)
    person.must_change_password = True
    session.flush()
    _revoke(session, person)


def _revoke(session: Session, person: Person) -> None:
    revoke_signins(session, str(person.id))
    # revoke_signins writes with a Core UPDATE: reload the value instead of trusting the stale one.
    session.expire(person, ["signins_valid_after"])


# --- schools ------------------------------------------------------------------------------------------


def _check_code_free(session: Session, code: str, school_id: uuid.UUID | None = None) -> None:
    # Codes are compared in capitals: "krh-001" and "KRH-001" would be the same school to people.
    clash = session.scalar(select(School.id).where(func.upper(School.code) == code))
    if clash is not None and clash != school_id:
        raise ValidationError({"code": f"A school with code {code} already exists."})


def create_school(session: Session, viewer: Viewer, *, data: SchoolInput) -> uuid.UUID:
    """Add a school in a district the viewer administers."""
    _require_administrator(viewer)
    data = clean_school(data)
    district = _district_named(viewer, data.district, _district_by_name(session, data.district))
    _check_code_free(session, data.code)
    school = _new_school(data, district.id)
    session.add(school)
    session.flush()
    return school.id


def _new_school(data: SchoolInput, district_id: uuid.UUID) -> School:
    return School(
        code=data.code,
        name=data.name,
        district_id=district_id,
        sector=data.sector,
        level=data.level,
        is_active=data.is_active,
    )


def update_school(
    session: Session, viewer: Viewer, *, school_id: uuid.UUID | str, version: int, data: SchoolInput
) -> None:
    """Change a school's code, name, district, sector, level or whether it is active."""
    school = _school_to_administer(session, viewer, school_id)
    _check_version(school, version, "school")
    data = clean_school(data)
    district = _district_named(viewer, data.district, _district_by_name(session, data.district))
    _check_code_free(session, data.code, school.id)
    school.code, school.name, school.district_id = data.code, data.name, district.id
    school.sector, school.level, school.is_active = data.sector, data.level, data.is_active
    session.flush()


# --- CoPs and members ---------------------------------------------------------------------------------


def _facilitator_id(session: Session, school_id: uuid.UUID, username: str | None) -> uuid.UUID | None:
    if username is None:
        return None
    found = session.scalar(
        select(Person.id).where(
            Person.username == username,
            Person.school_id == school_id,
            Person.role == Role.FACILITATOR,
            Person.is_active,
        )
    )
    if found is None:
        raise ValidationError({"facilitator": f"{username} is not an active SBM / SSL of this school."})
    return found


def _check_cop_name_free(session: Session, school_id: uuid.UUID, name: str, cop_id: uuid.UUID | None) -> None:
    clash = session.scalar(select(Cop.id).where(Cop.school_id == school_id, Cop.name == name))
    if clash is not None and clash != cop_id:
        raise ValidationError({"name": f"This school already has a CoP called {name}."})


def create_cop(session: Session, viewer: Viewer, *, school_id: uuid.UUID | str, data: CopInput) -> uuid.UUID:
    """Add a CoP to a school the viewer administers."""
    school = _school_to_administer(session, viewer, school_id)
    data = clean_cop(data)
    _check_cop_name_free(session, school.id, data.name, None)
    cop = Cop(
        school_id=school.id,
        name=data.name,
        kind=data.kind,
        grade=data.grade,
        subject=data.subject,
        facilitator_id=_facilitator_id(session, school.id, data.facilitator),
        is_active=data.is_active,
    )
    session.add(cop)
    session.flush()
    return cop.id


def update_cop(
    session: Session, viewer: Viewer, *, cop_id: uuid.UUID | str, version: int, data: CopInput
) -> None:
    """Change a CoP's name, kind, grade or subject, facilitator, or close it."""
    cop = _cop_to_administer(session, viewer, cop_id)
    _check_version(cop, version, "CoP")
    data = clean_cop(data)
    _check_cop_name_free(session, cop.school_id, data.name, cop.id)
    cop.name, cop.kind, cop.grade, cop.subject = data.name, data.kind, data.grade, data.subject
    cop.facilitator_id = _facilitator_id(session, cop.school_id, data.facilitator)
    cop.is_active = data.is_active
    session.flush()


def add_member(
    session: Session,
    viewer: Viewer,
    *,
    cop_id: uuid.UUID | str,
    person_id: uuid.UUID | str,
    joined_on: date | None = None,
) -> None:
    """Make a member of the CoP's school a member of the CoP (again, if they had left)."""
    cop = _cop_to_administer(session, viewer, cop_id)
    person = session.get(Person, uuid.UUID(str(person_id)))
    staff = person is not None and person.school_id == cop.school_id and Role(person.role) in SCHOOL_ROLES
    if person is None or not staff or not person.is_active:
        raise ValidationError({"person": "Only active staff of this school can join its CoPs."})
    joined_on = joined_on or date.today()
    member = session.scalar(
        select(CopMember).where(CopMember.cop_id == cop.id, CopMember.person_id == person.id)
    )
    if member is None:
        session.add(CopMember(cop_id=cop.id, person_id=person.id, joined_on=joined_on))
    elif member.left_on is None:
        raise ValidationError({"person": f"{person.full_name} is already a member of this CoP."})
    else:
        member.joined_on, member.left_on = joined_on, None
    session.flush()


def remove_member(
    session: Session,
    viewer: Viewer,
    *,
    cop_id: uuid.UUID | str,
    person_id: uuid.UUID | str,
    left_on: date | None = None,
) -> None:
    """Record that a member left the CoP; their contributions and attendance stay."""
    cop = _cop_to_administer(session, viewer, cop_id)
    member = session.scalar(
        select(CopMember).where(
            CopMember.cop_id == cop.id,
            CopMember.person_id == uuid.UUID(str(person_id)),
            CopMember.left_on.is_(None),
        )
    )
    if member is None:
        raise ValidationError({"person": "This person is not a member of this CoP."})
    left_on = left_on or date.today()
    if member.joined_on is not None and left_on < member.joined_on:
        raise ValidationError({"left_on": "A member cannot leave before the day they joined."})
    member.left_on = left_on
    session.flush()


# --- CSV imports --------------------------------------------------------------------------------------


def _collect(errors: list[RowError], row: int, check: Callable[[], R]) -> R | None:
    """Run one check of an imported row, turning a refusal into that row's errors."""
    try:
        return check()
    except _Refused as refused:
        errors.append(RowError(row, refused.field, str(refused)))
    except ValidationError as invalid:
        errors.extend(RowError(row, name, message) for name, message in invalid.errors.items())
    return None


def _districts_by_name(session: Session) -> dict[str, District]:
    return {d.name.lower(): d for d in session.scalars(select(District))}


def _codes_taken(session: Session, codes: set[str]) -> set[str]:
    if not codes:
        return set()
    return set(session.scalars(select(func.upper(School.code)).where(func.upper(School.code).in_(codes))))


def import_schools_csv(session: Session, viewer: Viewer, text: str, *, dry_run: bool = False) -> ImportReport:
    """Create every school of a CSV file or none: all rows are checked, against the database too, first."""
    _require_administrator(viewer)
    parsed = parse_schools_csv(text)
    errors = list(parsed.errors)
    districts = _districts_by_name(session)
    taken = _codes_taken(session, {s.code for _, s in parsed.rows})
    schools = []
    for row, data in parsed.rows:
        district = _collect(
            errors,
            row,
            lambda d=data: _district_named(viewer, d.district, districts.get(d.district.lower())),
        )
        if data.code in taken:
            errors.append(RowError(row, "code", f"A school with code {data.code} already exists."))
        if district is not None:
            schools.append(_new_school(data, district.id))
    if errors or dry_run:
        return ImportReport(parsed.rows_read, 0, sorted(errors))
    session.add_all(schools)
    session.flush()
    return ImportReport(parsed.rows_read, len(schools), [])


def import_people_csv(session: Session, viewer: Viewer, text: str, *, dry_run: bool = False) -> ImportReport:
    """Create every person of a CSV file or none, each with a generated one-time password returned once."""
    _require_administrator(viewer)
    parsed = parse_people_csv(text)
    errors = list(parsed.errors)
    taken = _usernames_taken(session, {p.username for _, p in parsed.rows})
    codes = {p.school_code for _, p in parsed.rows if p.school_code}
    schools = (
        {s.code.upper(): s for s in session.scalars(select(School).where(func.upper(School.code).in_(codes)))}
        if codes
        else {}
    )
    districts = _districts_by_name(session)
    people = []
    for row, data in parsed.rows:
        _collect(errors, row, lambda d=data: _check_role(viewer, Role(d.role)))
        _collect(errors, row, lambda d=data: _check_username_free(d.username, taken))
        home = _collect(
            errors,
            row,
            lambda d=data: _home(
                viewer, d, schools.get(d.school_code or ""), districts.get((d.district or "").lower())
            ),
        )
        if home is not None:
            people.append(_new_person(data, *home))
    if errors or dry_run:
        return ImportReport(parsed.rows_read, 0, sorted(errors))
    passwords = {}
    for person in people:
        passwords[person.username] = new_one_time_password(person.username)
        salt = bcrypt.gensalt(rounds=_ONE_TIME_COST)
        person.password_hash = bcrypt.hashpw(passwords[person.username].encode(), salt).decode()
    session.add_all(people)
    session.flush()
    _add_home_assignments(session, people)
    return ImportReport(parsed.rows_read, len(people), [], passwords)
