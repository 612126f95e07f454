"""What district officers, UR-CE facilitators and TTC tutors are assigned to: districts, schools, SBMs."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer, may_administer
from cop.errors import ValidationError
from cop.validation import ASSIGNMENT_TARGETS, check_assignments
from cop.vocab import Role
from db.admin.common import _administers_person, _person_to_administer, _school_to_administer
from db.models import Assignment, District, Person


@dataclass(frozen=True)
class AssignmentSet:
    district_ids: frozenset[str]
    school_ids: frozenset[str]
    sbm_ids: frozenset[str]


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


def _add_home_assignments(session: Session, people: Iterable[Person]) -> None:
    """A district officer reaches their home district through an assignment too (others can be added)."""
    session.add_all(
        Assignment(person_id=p.id, district_id=p.district_id)
        for p in people
        if p.role == Role.DISTRICT_OFFICER and p.district_id
    )
    session.flush()


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
