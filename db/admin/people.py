"""The people an administrator or district officer manages, listed and filtered."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from cop.access import Viewer, assignable_roles
from db.admin.common import MAX_LIST, _district_uuids, _like, _require_administrator
from db.models import District, Person, School


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
