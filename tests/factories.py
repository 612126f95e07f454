"""Small factories for integration tests: each makes one row with sensible defaults and flushes it."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.auth import hash_password
from db.models import Assignment, Cop, CopCycle, CopMember, CopSession, District, Person, School

PASSWORD = "a long test password"
_HASH: str | None = None


def _short() -> str:
    return uuid.uuid4().hex[:8]


def district(session: Session, name: str = "Kirehe") -> District:
    found = session.scalar(select(District).where(District.name == name))
    assert found is not None, name
    return found


def school(session: Session, *, district_name: str = "Kirehe", name: str | None = None) -> School:
    row = School(
        code=f"T-{_short()}",
        name=name or f"School {_short()}",
        district_id=district(session, district_name).id,
        level="primary",
    )
    session.add(row)
    session.flush()
    return row


def person(
    session: Session,
    *,
    role: str,
    school: School | None = None,
    district_name: str | None = None,
    username: str | None = None,
    active: bool = True,
) -> Person:
    global _HASH
    _HASH = _HASH or hash_password(PASSWORD)
    row = Person(
        username=username or f"u{_short()}",
        full_name=f"Person {_short()}",
        role=role,
        school_id=school.id if school else None,
        district_id=district(session, district_name).id if district_name else None,
        password_hash=_HASH,
        is_active=active,
    )
    session.add(row)
    session.flush()
    return row


def assign(session: Session, who: Person, **target: uuid.UUID) -> Assignment:
    row = Assignment(person_id=who.id, **target)
    session.add(row)
    session.flush()
    return row


def cop(session: Session, school: School, *, name: str | None = None, members: list[Person] = ()) -> Cop:
    row = Cop(school_id=school.id, name=name or f"CoP {_short()}", kind="general", grade="P4")
    session.add(row)
    session.flush()
    for m in members:
        session.add(CopMember(cop_id=row.id, person_id=m.id))
    session.flush()
    return row


def cycle(session: Session, c: Cop, *, school_year: int = 2026, number: int = 1) -> CopCycle:
    row = CopCycle(cop_id=c.id, school_id=c.school_id, school_year=school_year, number=number)
    session.add(row)
    session.flush()
    return row


def held_session(
    session: Session, cy: CopCycle, *, kind: str = "first", on: date | None = None
) -> CopSession:
    row = CopSession(
        school_id=cy.school_id,
        cop_id=cy.cop_id,
        cycle_id=cy.id,
        kind=kind,
        status="held",
        session_date=on or date(2026, 10, 1),
    )
    session.add(row)
    session.flush()
    return row
