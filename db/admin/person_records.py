"""Adding people and changing their records: names, role, home school or district, new-teacher details."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.access import Viewer, may_administer
from cop.errors import ValidationError
from cop.passwords import check_new_password
from cop.validation import PersonInput, clean_person
from cop.vocab import Role
from db.admin.assignments import _add_home_assignments, _fit_assignments
from db.admin.common import (
    _check_role,
    _check_version,
    _district_by_name,
    _district_named,
    _person_to_administer,
    _Refused,
    _require_administrator,
)
from db.auth import hash_password
from db.models import District, Person, School


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


def _usernames_taken(session: Session, usernames: set[str]) -> set[str]:
    if not usernames:
        return set()
    return set(session.scalars(select(Person.username).where(Person.username.in_(usernames))))


def _check_username_free(username: str, taken: set[str]) -> None:
    if username in taken:
        raise ValidationError({"username": f"The username {username} is already taken."})


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
