"""The data layer's side of access control: who the viewer is, and which rows lie in their reach."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, false, select, true
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Reach, Viewer, district_ids_in_reach
from cop.vocab import Role
from db.audit import Actor
from db.models import Assignment, CopMember, Person, School


def load_viewer(session: Session, person_id: uuid.UUID | str) -> Viewer:
    """Build the viewer of an active person, with their assignments."""
    person = session.get(Person, uuid.UUID(str(person_id)))
    if person is None or not person.is_active:
        raise AccessDenied("Your account is not active.")
    rows = session.execute(
        select(Assignment.district_id, Assignment.school_id, Assignment.sbm_id).where(
            Assignment.person_id == person.id
        )
    ).all()
    district_ids = {str(d) for d, _, _ in rows if d}
    school_ids = {str(s) for _, s, _ in rows if s}
    sbm_ids = [sbm for _, _, sbm in rows if sbm]
    if sbm_ids:
        # A field facilitator assigned to SBMs reaches those SBMs' schools.
        school_ids |= {
            str(s) for s in session.scalars(select(Person.school_id).where(Person.id.in_(sbm_ids))).all() if s
        }
    return Viewer(
        person_id=str(person.id),
        role=Role(person.role),
        school_id=str(person.school_id) if person.school_id else None,
        district_id=str(person.district_id) if person.district_id else None,
        assigned_district_ids=frozenset(district_ids),
        assigned_school_ids=frozenset(school_ids),
    )


def school_ids_in_reach(viewer: Viewer) -> Select[tuple[uuid.UUID]]:
    """A SELECT of the ids of every school the viewer may read (use it as a subquery)."""
    base = select(School.id)
    match viewer.reach:
        case Reach.EVERYTHING:
            return base.where(true())
        case Reach.DISTRICTS:
            ids = [uuid.UUID(d) for d in district_ids_in_reach(viewer) or ()]
            return base.where(School.district_id.in_(ids)) if ids else base.where(false())
        case Reach.ASSIGNED:
            ids = [uuid.UUID(s) for s in viewer.assigned_school_ids]
            return base.where(School.id.in_(ids)) if ids else base.where(false())
        case Reach.SCHOOL | Reach.OWN_COPS:
            if viewer.school_id is None:
                return base.where(false())
            return base.where(School.id == uuid.UUID(viewer.school_id))
    raise AssertionError(viewer.reach)  # pragma: no cover


def cop_ids_of_member(viewer: Viewer) -> Select[tuple[uuid.UUID]]:
    """The CoPs a person is a member of (a teacher's reach inside their school)."""
    return select(CopMember.cop_id).where(
        CopMember.person_id == uuid.UUID(viewer.person_id), CopMember.left_on.is_(None)
    )


def ensure_school_in_reach(session: Session, viewer: Viewer, school_id: uuid.UUID | str) -> uuid.UUID:
    """Return the school id if the viewer may read it; otherwise refuse without saying whether it exists."""
    sid = uuid.UUID(str(school_id))
    found = session.scalar(
        select(School.id).where(School.id == sid, School.id.in_(school_ids_in_reach(viewer)))
    )
    if found is None:
        raise AccessDenied("You do not have access to that school.")
    return sid


def actor_of(viewer: Viewer) -> Actor:
    """Who the audit trail names for this viewer's writes."""
    return Actor(viewer.person_id, viewer.role.value)
