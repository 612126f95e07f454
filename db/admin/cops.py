"""A school's CoPs: listed with facilitator and member counts, added, changed and closed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.access import Viewer
from cop.errors import ValidationError
from cop.validation import CopInput, clean_cop
from cop.vocab import Role
from db.admin.common import _check_version, _cop_to_administer, _school_to_administer
from db.models import Cop, CopMember, Person


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
