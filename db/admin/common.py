"""What every administration module shares: the administrator check, reach, refusals, district lookups."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer, assignable_roles, district_ids_in_reach, may_administer
from cop.errors import ValidationError
from cop.vocab import Role
from db.models import Cop, District, Person, School

MAX_LIST = 1000
STALE = "Someone else changed this {what} since you opened it: look at their change, then save yours again."


class _Refused(AccessDenied):
    """Access refused about one field, so a CSV import can report it against that column."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


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


@dataclass(frozen=True)
class DistrictChoice:
    id: str
    name: str


def districts_in_admin_reach(session: Session, viewer: Viewer) -> list[DistrictChoice]:
    """Districts the viewer may add schools and people to, by name."""
    _require_administrator(viewer)
    query = select(District.id, District.name).order_by(District.name)
    districts = _district_uuids(viewer)
    if districts is not None:
        query = query.where(District.id.in_(districts))
    return [DistrictChoice(str(i), name) for i, name in session.execute(query)]


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


def _district_by_name(session: Session, name: str | None) -> District | None:
    if not name:
        return None
    return session.scalar(select(District).where(func.lower(District.name) == name.lower()))
