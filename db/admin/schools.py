"""Schools: listed with their staff and CoP counts, added to a district, changed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cop.access import Viewer
from cop.errors import ValidationError
from cop.validation import SchoolInput, clean_school
from db.admin.common import (
    MAX_LIST,
    _check_version,
    _district_by_name,
    _district_named,
    _district_uuids,
    _like,
    _require_administrator,
    _school_to_administer,
)
from db.models import Cop, District, Person, School


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


def _check_code_free(session: Session, code: str, school_id: uuid.UUID | None = None) -> None:
    # Codes are compared in capitals: "krh-001" and "KRH-001" would be the same school to people.
    clash = session.scalar(select(School.id).where(func.upper(School.code) == code))
    if clash is not None and clash != school_id:
        raise ValidationError({"code": f"A school with code {code} already exists."})


def _new_school(data: SchoolInput, district_id: uuid.UUID) -> School:
    return School(
        code=data.code,
        name=data.name,
        district_id=district_id,
        sector=data.sector,
        level=data.level,
        is_active=data.is_active,
    )


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
