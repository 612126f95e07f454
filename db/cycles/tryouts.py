"""Try-outs: plans with their implementers, implementers' notes between sessions, the group's judgement
and ALACT for a try-out that did not work."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer
from cop.cycle_inputs import AlactInput, JudgementInput, TryoutInput, TryoutNoteInput
from cop.errors import InvalidTransition, ValidationError
from cop.vocab import SessionKind, SessionStatus
from db.cycles.scope import load_cycle, load_session
from db.cycles.state import cycle_state, refresh_phase
from db.models import (
    AlactReflection,
    Challenge,
    CopCycle,
    CopMember,
    TryoutImplementer,
    TryoutNote,
    TryoutPlan,
)
from db.records import check_version, existing_by_key

_PLAN = "That try-out is not in your reach."
_OPEN = (SessionStatus.PLANNED.value, SessionStatus.RUNNING.value)


def _members(s: Session, cop_id: uuid.UUID, ids: tuple[str, ...]) -> list[uuid.UUID]:
    """Implementers must be members of the CoP: a try-out is tried in the members' own classes."""
    wanted = {uuid.UUID(i) for i in ids}
    found = set(
        s.scalars(
            select(CopMember.person_id).where(
                CopMember.cop_id == cop_id, CopMember.person_id.in_(wanted), CopMember.left_on.is_(None)
            )
        )
    )
    if found != wanted:
        raise ValidationError({"implementer_ids": "Choose implementers among the CoP's members"})
    return sorted(found)


def plan_tryout(
    s: Session,
    viewer: Viewer,
    session_id: uuid.UUID | str,
    challenge_id: uuid.UUID | str,
    data: TryoutInput,
    *,
    idempotency_key: str,
) -> uuid.UUID:
    """Plan the next try-out of a priority in a first or middle session (attempt 1, 2, ...)."""
    if (done := existing_by_key(s, TryoutPlan, idempotency_key)) is not None:
        return done.id
    row, cycle = load_session(s, viewer, session_id, run=True)
    if row.kind not in (SessionKind.FIRST, SessionKind.MIDDLE) or row.status not in _OPEN:
        raise InvalidTransition("Try-outs are planned in the first session or a middle session")
    challenge = _challenge_of(s, cycle, challenge_id)
    state = cycle_state(s, cycle)
    attempt = state.plan_tryout(str(challenge.id))
    plan = TryoutPlan(
        challenge_id=challenge.id,
        attempt_no=attempt.attempt_no,
        planned_in_session_id=row.id,
        activities=data.activities,
        resources=list(data.resources),
        resources_other=data.resources_other or None,
        start_on=data.start_on,
        end_on=data.end_on,
        idempotency_key=idempotency_key,
    )
    s.add(plan)
    s.flush()
    for person_id in _members(s, cycle.cop_id, data.implementer_ids):
        s.add(TryoutImplementer(plan_id=plan.id, person_id=person_id))
    s.flush()
    refresh_phase(s, cycle)
    return plan.id


def _challenge_of(s: Session, cycle: CopCycle, challenge_id: uuid.UUID | str) -> Challenge:
    try:
        cid = uuid.UUID(str(challenge_id))
    except ValueError:
        raise AccessDenied("That challenge is not in this cycle.") from None
    challenge = s.scalar(select(Challenge).where(Challenge.id == cid, Challenge.cycle_id == cycle.id))
    if challenge is None:
        raise AccessDenied("That challenge is not in this cycle.")
    return challenge


def _plan(s: Session, viewer: Viewer, plan_id: uuid.UUID | str, *, run: bool) -> tuple[TryoutPlan, CopCycle]:
    try:
        pid = uuid.UUID(str(plan_id))
    except ValueError:
        raise AccessDenied(_PLAN) from None
    found = s.execute(
        select(TryoutPlan, Challenge.cycle_id)
        .join(Challenge, Challenge.id == TryoutPlan.challenge_id)
        .where(TryoutPlan.id == pid)
    ).one_or_none()
    if found is None:
        raise AccessDenied(_PLAN)
    cycle = load_cycle(s, viewer, found[1], run=run)
    return found[0], cycle


def record_tryout_note(
    s: Session,
    viewer: Viewer,
    plan_id: uuid.UUID | str,
    data: TryoutNoteInput,
    *,
    version: int | None,
) -> uuid.UUID:
    """An implementer's own notes and verdict on their try-out, kept until the group judges it."""
    plan, cycle = _plan(s, viewer, plan_id, run=False)
    person = uuid.UUID(viewer.person_id)
    is_implementer = s.scalar(
        select(TryoutImplementer.id).where(
            TryoutImplementer.plan_id == plan.id, TryoutImplementer.person_id == person
        )
    )
    if is_implementer is None:
        raise AccessDenied("Only the try-out's implementers write its notes.")
    if plan.effective is not None or cycle_state(s, cycle).closed:
        raise InvalidTransition("The group has already judged this try-out: its notes are closed")
    note = s.scalar(select(TryoutNote).where(TryoutNote.plan_id == plan.id, TryoutNote.person_id == person))
    if note is None:
        note = TryoutNote(plan_id=plan.id, person_id=person)
        s.add(note)
    elif (note.notes, note.result, note.tried_on) == (data.notes or None, data.result, data.tried_on):
        return note.id
    else:
        check_version(note, version, "try-out note", ("notes", "result", "tried_on", "version"))
    note.notes, note.result, note.tried_on = data.notes or None, data.result, data.tried_on
    s.flush()
    return note.id


def judge_tryout(
    s: Session,
    viewer: Viewer,
    session_id: uuid.UUID | str,
    plan_id: uuid.UUID | str,
    data: JudgementInput,
    *,
    version: int | None,
) -> None:
    """The group's verdict on the latest try-out of a priority, in a middle session: pros, cons, effective."""
    row, cycle = load_session(s, viewer, session_id, run=True)
    plan, plan_cycle = _plan(s, viewer, plan_id, run=True)
    if plan_cycle.id != cycle.id:
        raise AccessDenied(_PLAN)
    if row.kind != SessionKind.MIDDLE or row.status != SessionStatus.RUNNING:
        raise InvalidTransition("Try-out results are judged in a running middle session")
    check_version(plan, version, "try-out", ("pros", "cons", "effective", "version"))
    state = cycle_state(s, cycle)
    latest = state.latest_tryout(str(plan.challenge_id))
    if latest is None or latest.attempt_no != plan.attempt_no:
        raise InvalidTransition("Only the latest try-out of a priority is judged")
    if plan.effective is not None and plan.reviewed_in_session_id == row.id:
        # Changing the verdict given in this same session (a slip of the finger) is allowed until a next plan.
        if len(state.tryouts_of(str(plan.challenge_id))) > plan.attempt_no:
            raise InvalidTransition("A next try-out is already planned: this verdict stays")
        latest.effective = None
    state.judge_tryout(str(plan.challenge_id), data.effective)
    plan.effective, plan.pros, plan.cons = data.effective, data.pros or None, data.cons or None
    plan.reviewed_in_session_id = row.id
    s.flush()
    refresh_phase(s, cycle)


def save_alact(
    s: Session,
    viewer: Viewer,
    session_id: uuid.UUID | str,
    plan_id: uuid.UUID | str,
    data: AlactInput,
    *,
    version: int | None,
) -> uuid.UUID:
    """The five ALACT prompts for a try-out the group judged not effective."""
    row, cycle = load_session(s, viewer, session_id, run=True)
    plan, plan_cycle = _plan(s, viewer, plan_id, run=True)
    if plan_cycle.id != cycle.id:
        raise AccessDenied(_PLAN)
    if plan.effective is not False:
        raise InvalidTransition("ALACT is for a try-out the group judged not effective")
    if cycle_state(s, cycle).closed:
        raise InvalidTransition("This cycle is closed: nothing in it can change any more")
    alact = s.scalar(select(AlactReflection).where(AlactReflection.plan_id == plan.id))
    fields = ("action", "looking_back", "awareness", "alternatives", "trial")
    if alact is None:
        alact = AlactReflection(plan_id=plan.id, session_id=row.id)
        s.add(alact)
    elif all(getattr(alact, f) == getattr(data, f) for f in fields):
        return alact.id
    else:
        check_version(alact, version, "ALACT reflection", (*fields, "version"))
    for f in fields:
        setattr(alact, f, getattr(data, f))
    s.flush()
    return alact.id
