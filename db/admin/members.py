"""Who belongs to a CoP: members listed, joining (again) and leaving, with the dates kept."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.access import Viewer
from cop.errors import ValidationError
from cop.validation import SCHOOL_ROLES
from cop.vocab import Role
from db.admin.common import _cop_to_administer
from db.models import CopMember, Person


@dataclass(frozen=True)
class MemberRow:
    person_id: str
    username: str
    full_name: str
    role: str
    is_new_teacher: bool
    joined_on: date | None
    left_on: date | None


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
