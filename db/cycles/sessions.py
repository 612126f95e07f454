"""Cycles and their sessions: start a cycle, plan, start and end a session, and every session's records
(attendance, notes, actions)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop import session_steps
from cop.access import Viewer
from cop.cycle_inputs import ActionInput, SessionNotesInput
from cop.errors import InvalidTransition, ValidationError
from cop.vocab import ActionSource, CyclePhase, SessionKind, SessionStatus
from db.cycles.facts import session_facts
from db.cycles.scope import load_cop, load_cycle, load_session
from db.cycles.state import cycle_state, refresh_phase
from db.models import ActionItem, Attendance, CopCycle, CopMember, CopSession
from db.records import check_version, existing_by_key

_OPEN = (SessionStatus.PLANNED.value, SessionStatus.RUNNING.value)


def start_cycle(
    s: Session,
    viewer: Viewer,
    cop_id: uuid.UUID | str,
    *,
    school_year: int,
    title: str = "",
    max_priorities: int = 2,
    idempotency_key: str,
) -> uuid.UUID:
    """Open a new cycle of a CoP; refused while another cycle of that CoP is still open."""
    if (done := existing_by_key(s, CopCycle, idempotency_key)) is not None:
        return done.id
    cop = load_cop(s, viewer, cop_id, run=True)
    if not 1 <= max_priorities <= 5:
        raise ValidationError(
            {"max_priorities": "Choose between 1 and 5 priorities (the guidelines say about 2)"}
        )
    if not 2000 <= school_year <= 2100:
        raise ValidationError({"school_year": "Give the school year, for example 2026"})
    open_cycle = s.scalar(
        select(CopCycle.id).where(CopCycle.cop_id == cop.id, CopCycle.phase != CyclePhase.CLOSED.value)
    )
    if open_cycle is not None:
        raise InvalidTransition("This CoP already has a cycle under way: close it before starting another")
    number = (
        s.scalar(
            select(func.max(CopCycle.number)).where(
                CopCycle.cop_id == cop.id, CopCycle.school_year == school_year
            )
        )
        or 0
    ) + 1
    cycle = CopCycle(
        cop_id=cop.id,
        school_id=cop.school_id,
        school_year=school_year,
        number=number,
        title=" ".join(title.split())[:160] or None,
        max_priorities=max_priorities,
        started_on=datetime.now(UTC).date(),
        idempotency_key=idempotency_key,
    )
    s.add(cycle)
    s.flush()
    return cycle.id


def plan_session(
    s: Session,
    viewer: Viewer,
    cycle_id: uuid.UUID | str,
    kind: SessionKind | str,
    session_date: date,
    *,
    idempotency_key: str,
) -> uuid.UUID:
    """Plan the cycle's next session; the rules say whether that kind may come next, and why not."""
    if (done := existing_by_key(s, CopSession, idempotency_key)) is not None:
        return done.id
    cycle = load_cycle(s, viewer, cycle_id, run=True)
    try:
        kind = SessionKind(kind)
    except ValueError:
        raise ValidationError({"kind": "Choose a first, middle or last session"}) from None
    open_sessions = s.scalar(
        select(func.count())
        .select_from(CopSession)
        .where(CopSession.cycle_id == cycle.id, CopSession.status.in_(_OPEN))
    )
    session_steps.check_can_plan(cycle_state(s, cycle), kind, open_sessions=open_sessions or 0)
    sequence = (
        s.scalar(
            select(func.count())
            .select_from(CopSession)
            .where(CopSession.cycle_id == cycle.id, CopSession.kind == kind.value)
        )
        or 0
    ) + 1
    row = CopSession(
        school_id=cycle.school_id,
        cop_id=cycle.cop_id,
        cycle_id=cycle.id,
        kind=kind.value,
        sequence=sequence,
        status=SessionStatus.PLANNED.value,
        session_date=session_date,
        led_by_id=uuid.UUID(viewer.person_id),
        idempotency_key=idempotency_key,
    )
    s.add(row)
    s.flush()
    return row.id


def start_session(s: Session, viewer: Viewer, session_id: uuid.UUID | str, *, version: int | None) -> None:
    """Start a planned session now (the timer counts from here); starting twice is harmless."""
    row, cycle = load_session(s, viewer, session_id, run=True)
    if row.status == SessionStatus.RUNNING:
        return
    if row.status != SessionStatus.PLANNED:
        raise InvalidTransition("This session has already been held")
    check_version(row, version, "session")
    session_steps.check_can_start(cycle_state(s, cycle), SessionKind(row.kind))
    row.status, row.started_at = SessionStatus.RUNNING.value, datetime.now(UTC)
    s.flush()
    refresh_phase(s, cycle)


def finish_session(s: Session, viewer: Viewer, session_id: uuid.UUID | str, *, version: int | None) -> None:
    """Mark a running session held, once its steps are done (the rule lists what is missing)."""
    row, cycle = load_session(s, viewer, session_id, run=True)
    if row.status == SessionStatus.HELD:
        return
    check_version(row, version, "session")
    state = cycle_state(s, cycle)
    session_steps.check_can_finish(state, session_facts(s, row, state))
    ended = datetime.now(UTC)
    row.status, row.ended_at = SessionStatus.HELD.value, ended
    if row.started_at is not None:
        row.duration_minutes = max(1, min(600, round((ended - row.started_at).total_seconds() / 60)))
    s.flush()
    refresh_phase(s, cycle)


def _check_editable(row: CopSession, cycle: CopCycle) -> None:
    if cycle.phase == CyclePhase.CLOSED:
        raise InvalidTransition("This cycle is closed: nothing in it can change any more")


def set_attendance(s: Session, viewer: Viewer, session_id: uuid.UUID | str, present_ids: list[str]) -> None:
    """Record who was present; every current member gets a row (absent unless ticked)."""
    row, cycle = load_session(s, viewer, session_id, run=True)
    _check_editable(row, cycle)
    members = set(
        s.scalars(
            select(CopMember.person_id).where(CopMember.cop_id == cycle.cop_id, CopMember.left_on.is_(None))
        )
    )
    try:
        present = {uuid.UUID(p) for p in present_ids}
    except ValueError:
        raise ValidationError({"present": "Tick members of the CoP only"}) from None
    if not present <= members:
        raise ValidationError({"present": "Tick members of the CoP only"})
    existing = {a.person_id: a for a in s.scalars(select(Attendance).where(Attendance.session_id == row.id))}
    for person_id in members | set(existing):
        mark = person_id in present
        if person_id in existing:
            if existing[person_id].present != mark:
                existing[person_id].present = mark
        else:
            s.add(Attendance(session_id=row.id, person_id=person_id, present=mark))
    s.flush()


def save_session_notes(
    s: Session, viewer: Viewer, session_id: uuid.UUID | str, data: SessionNotesInput, *, version: int | None
) -> None:
    """The session's date, AOB notes and summary (the start of the CoP session report)."""
    row, cycle = load_session(s, viewer, session_id, run=True)
    _check_editable(row, cycle)
    new = (data.session_date, data.aob_notes or None, data.summary or None)
    if (row.session_date, row.aob_notes, row.summary) == new:
        return
    check_version(row, version, "session", ("session_date", "aob_notes", "summary", "version"))
    row.session_date, row.aob_notes, row.summary = new
    s.flush()


def add_action(
    s: Session, viewer: Viewer, session_id: uuid.UUID | str, data: ActionInput, *, idempotency_key: str
) -> uuid.UUID:
    """An action agreed in the session, owned by a member (or the facilitator) with a due date."""
    if (done := existing_by_key(s, ActionItem, idempotency_key)) is not None:
        return done.id
    row, cycle = load_session(s, viewer, session_id, run=True)
    _check_editable(row, cycle)
    owner = uuid.UUID(data.owner_id or "")
    allowed = set(s.scalars(select(CopMember.person_id).where(CopMember.cop_id == cycle.cop_id)))
    allowed.add(uuid.UUID(viewer.person_id))
    if row.led_by_id:
        allowed.add(row.led_by_id)
    if owner not in allowed:
        raise ValidationError({"owner_id": "The owner is a member of the CoP or its facilitator"})
    action = ActionItem(
        school_id=cycle.school_id,
        source=ActionSource.SESSION.value,
        session_id=row.id,
        cycle_id=cycle.id,
        description=data.description,
        owner_id=owner,
        due_on=data.due_on,
        created_by_id=uuid.UUID(viewer.person_id),
        idempotency_key=idempotency_key,
    )
    s.add(action)
    s.flush()
    return action.id
