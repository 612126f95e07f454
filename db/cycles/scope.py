"""Which cycles and sessions a viewer reaches, and who may run them (facilitator, head teacher, admin)."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Reach, Viewer
from cop.vocab import Role
from db.access import cop_ids_of_member, school_ids_in_reach
from db.models import Cop, CopCycle, CopMember, CopSession

_CYCLE = "That cycle is not in your reach."
_SESSION = "That session is not in your reach."
_COP = "That CoP is not in your reach."
RUNNERS = frozenset({Role.FACILITATOR, Role.HEAD_TEACHER, Role.ADMIN})
NOT_RUNNER = "Only the CoP's facilitator, the head teacher or an administrator runs the cycle's sessions."


def cops_in_reach(viewer: Viewer) -> Select[tuple[uuid.UUID]]:
    """Ids of the CoPs the viewer may read (teachers: those they are members of)."""
    query = select(Cop.id).where(Cop.school_id.in_(school_ids_in_reach(viewer)))
    if viewer.reach is Reach.OWN_COPS:
        query = query.where(Cop.id.in_(cop_ids_of_member(viewer)))
    return query


def cycles_in_reach(viewer: Viewer) -> Select[tuple[uuid.UUID]]:
    """Ids of the cycles the viewer may read."""
    return select(CopCycle.id).where(CopCycle.cop_id.in_(cops_in_reach(viewer)))


def _uuid(value: uuid.UUID | str, refusal: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise AccessDenied(refusal) from None


def may_run(viewer: Viewer, school_id: uuid.UUID | str) -> bool:
    """Running a session: a facilitator or head teacher of that school, or an administrator."""
    if viewer.role not in RUNNERS or not viewer.rule.can_write_school_data:
        return False
    return viewer.role is Role.ADMIN or viewer.school_id == str(school_id)


def check_runner(viewer: Viewer, school_id: uuid.UUID | str) -> None:
    if not may_run(viewer, school_id):
        raise AccessDenied(NOT_RUNNER)


def load_cop(session: Session, viewer: Viewer, cop_id: uuid.UUID | str, *, run: bool = False) -> Cop:
    """A CoP in reach; with `run`, one the viewer may run sessions of."""
    cop = session.scalar(select(Cop).where(Cop.id == _uuid(cop_id, _COP), Cop.id.in_(cops_in_reach(viewer))))
    if cop is None:
        raise AccessDenied(_COP)
    if run:
        check_runner(viewer, cop.school_id)
    return cop


def load_cycle(session: Session, viewer: Viewer, cycle_id: uuid.UUID | str, *, run: bool = False) -> CopCycle:
    """A cycle in reach (locked for update when it will be written); with `run`, refuse non-runners."""
    query = select(CopCycle).where(
        CopCycle.id == _uuid(cycle_id, _CYCLE), CopCycle.id.in_(cycles_in_reach(viewer))
    )
    if run:
        # Serialise writes to one cycle: two facilitators' rule checks never interleave.
        query = query.with_for_update()
    cycle = session.scalar(query)
    if cycle is None:
        raise AccessDenied(_CYCLE)
    if run:
        check_runner(viewer, cycle.school_id)
    return cycle


def load_session(
    session: Session, viewer: Viewer, session_id: uuid.UUID | str, *, run: bool = False
) -> tuple[CopSession, CopCycle]:
    """A cycle session in reach with its cycle; with `run`, refuse non-runners."""
    row = session.scalar(
        select(CopSession).where(
            CopSession.id == _uuid(session_id, _SESSION),
            CopSession.cycle_id.in_(cycles_in_reach(viewer)),
        )
    )
    if row is None or row.cycle_id is None:
        raise AccessDenied(_SESSION)
    return row, load_cycle(session, viewer, row.cycle_id, run=run)


def is_member(session: Session, viewer: Viewer, cop_id: uuid.UUID) -> bool:
    """Whether the viewer is a current member of the CoP (members add challenges and vote)."""
    return (
        session.scalar(
            select(CopMember.id).where(
                CopMember.cop_id == cop_id,
                CopMember.person_id == uuid.UUID(viewer.person_id),
                CopMember.left_on.is_(None),
            )
        )
        is not None
    )


def check_contributor(session: Session, viewer: Viewer, cycle: CopCycle) -> None:
    """Members contribute from their phones; runners on the projector."""
    if may_run(viewer, cycle.school_id):
        return
    if viewer.school_id == str(cycle.school_id) and is_member(session, viewer, cycle.cop_id):
        return
    raise AccessDenied("Only the CoP's members and its facilitator add to this session.")
