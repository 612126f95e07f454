"""Consolidation, dissemination, evaluation and closing: the middle sessions' outputs and the last session."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop import session_steps
from cop.access import AccessDenied, Viewer
from cop.cycle_inputs import DisseminationInput, EvaluationInput, LessonInput, OutputInput, StorageInput
from cop.errors import InvalidTransition, ValidationError
from cop.vocab import CyclePhase, OutputStatus, SessionKind, SessionStatus
from db.cycle_reports import produce_cycle_report
from db.cycles.facts import session_facts
from db.cycles.scope import load_cycle, load_session
from db.cycles.state import cycle_state, refresh_phase
from db.models import (
    Challenge,
    ConsolidationOutput,
    CopCycle,
    CopMember,
    CopSession,
    CycleEvaluation,
    CycleReport,
    DisseminationPlan,
    LessonLearnt,
    Person,
    StoredFile,
)
from db.records import check_version, existing_by_key

_CLOSED = "This cycle is closed: nothing in it can change any more"
_OPEN = (SessionStatus.PLANNED.value, SessionStatus.RUNNING.value)


def _open_session(s: Session, viewer: Viewer, session_id: uuid.UUID | str, *kinds: SessionKind):
    row, cycle = load_session(s, viewer, session_id, run=True)
    if cycle.phase == CyclePhase.CLOSED:
        raise InvalidTransition(_CLOSED)
    if row.kind not in kinds or row.status not in _OPEN:
        names = " or ".join(k.label.split(":")[0].lower() for k in kinds)
        raise InvalidTransition(f"This is done in a {names} that is not over yet")
    return row, cycle


def _member(s: Session, cycle: CopCycle, person_id: str | None, field: str) -> uuid.UUID | None:
    if person_id is None:
        return None
    try:
        pid = uuid.UUID(person_id)
    except ValueError:
        raise ValidationError({field: "Choose a member of the CoP"}) from None
    found = s.scalar(
        select(CopMember.person_id).where(CopMember.cop_id == cycle.cop_id, CopMember.person_id == pid)
    )
    if (
        found is None
        and s.scalar(select(Person.id).where(Person.id == pid, Person.school_id == cycle.school_id)) is None
    ):
        raise ValidationError({field: "Choose a member of the CoP"})
    return pid


def add_lesson(
    s: Session,
    viewer: Viewer,
    session_id: uuid.UUID | str,
    data: LessonInput,
    *,
    challenge_id: uuid.UUID | str | None = None,
    idempotency_key: str,
) -> uuid.UUID:
    """A lesson learnt: for a priority whose try-out worked (middle session), or for all (last session)."""
    if (done := existing_by_key(s, LessonLearnt, idempotency_key)) is not None:
        return done.id
    row, cycle = _open_session(s, viewer, session_id, SessionKind.MIDDLE, SessionKind.LAST)
    cid = None
    if challenge_id is not None:
        cid = uuid.UUID(str(challenge_id))
        if s.scalar(select(Challenge.id).where(Challenge.id == cid, Challenge.cycle_id == cycle.id)) is None:
            raise AccessDenied("That challenge is not in this cycle.")
        if not cycle_state(s, cycle).is_effective(str(cid)):
            raise InvalidTransition("Lessons learnt are drawn from a try-out that worked")
    lesson = LessonLearnt(
        cycle_id=cycle.id,
        challenge_id=cid,
        session_id=row.id,
        text=data.text,
        created_by_id=uuid.UUID(viewer.person_id),
        idempotency_key=idempotency_key,
    )
    s.add(lesson)
    s.flush()
    return lesson.id


def plan_output(
    s: Session,
    viewer: Viewer,
    session_id: uuid.UUID | str,
    challenge_id: uuid.UUID | str,
    data: OutputInput,
    *,
    idempotency_key: str,
) -> uuid.UUID:
    """Plan a consolidation output (materials, case study...) of a priority whose try-out worked."""
    if (done := existing_by_key(s, ConsolidationOutput, idempotency_key)) is not None:
        return done.id
    row, cycle = _open_session(s, viewer, session_id, SessionKind.MIDDLE, SessionKind.LAST)
    cid = uuid.UUID(str(challenge_id))
    title = s.scalar(select(Challenge.title).where(Challenge.id == cid, Challenge.cycle_id == cycle.id))
    if title is None:
        raise AccessDenied("That challenge is not in this cycle.")
    state = cycle_state(s, cycle)
    if not state.is_effective(str(cid)):
        raise InvalidTransition(f"'{title}' has no effective try-out yet: consolidate what worked")
    state.record_consolidation_output()
    output = ConsolidationOutput(
        school_id=cycle.school_id,
        cycle_id=cycle.id,
        challenge_id=cid,
        planned_in_session_id=row.id,
        kind=data.kind,
        title=data.title,
        owner_id=_member(s, cycle, data.owner_id, "owner_id"),
        due_on=data.due_on,
        idempotency_key=idempotency_key,
    )
    s.add(output)
    s.flush()
    refresh_phase(s, cycle)
    return output.id


def review_output(
    s: Session,
    viewer: Viewer,
    session_id: uuid.UUID | str,
    output_id: uuid.UUID | str,
    *,
    link_url: str = "",
    file_id: uuid.UUID | str | None = None,
    version: int | None,
) -> None:
    """Mark an output reviewed in the last session, with its file (uploaded) and/or a link."""
    row, cycle = _open_session(s, viewer, session_id, SessionKind.LAST)
    output = s.scalar(
        select(ConsolidationOutput).where(
            ConsolidationOutput.id == uuid.UUID(str(output_id)), ConsolidationOutput.cycle_id == cycle.id
        )
    )
    if output is None:
        raise AccessDenied("That output is not in this cycle.")
    fid = uuid.UUID(str(file_id)) if file_id else output.file_id
    if fid is not None and fid != output.file_id:
        ok = s.scalar(
            select(StoredFile.id).where(StoredFile.id == fid, StoredFile.school_id == cycle.school_id)
        )
        if ok is None:
            raise AccessDenied("That file is not in this school.")
    link = link_url or output.link_url
    if fid is None and not link:
        raise ValidationError({"link_url": "Upload the output's file or give a link to it"})
    new = (fid, link, OutputStatus.REVIEWED.value)
    if (output.file_id, output.link_url, output.status) == new:
        return
    check_version(output, version, "consolidation output")
    output.file_id, output.link_url, output.status = new
    s.flush()


def add_dissemination(
    s: Session,
    viewer: Viewer,
    session_id: uuid.UUID | str,
    data: DisseminationInput,
    *,
    output_id: uuid.UUID | str | None = None,
    idempotency_key: str,
) -> uuid.UUID:
    """Plan how the outputs reach colleagues, the school community or beyond the school."""
    if (done := existing_by_key(s, DisseminationPlan, idempotency_key)) is not None:
        return done.id
    row, cycle = _open_session(s, viewer, session_id, SessionKind.LAST)
    cycle_state(s, cycle).record_dissemination_plan()
    oid = None
    if output_id:
        oid = uuid.UUID(str(output_id))
        found = s.scalar(
            select(ConsolidationOutput.id).where(
                ConsolidationOutput.id == oid, ConsolidationOutput.cycle_id == cycle.id
            )
        )
        if found is None:
            raise AccessDenied("That output is not in this cycle.")
    plan = DisseminationPlan(
        school_id=cycle.school_id,
        cycle_id=cycle.id,
        output_id=oid,
        audience=data.audience,
        channel=data.channel,
        planned_on=data.planned_on,
        owner_id=_member(s, cycle, data.owner_id, "owner_id"),
        idempotency_key=idempotency_key,
    )
    s.add(plan)
    s.flush()
    refresh_phase(s, cycle)
    return plan.id


def set_dissemination_done(
    s: Session, viewer: Viewer, plan_id: uuid.UUID | str, *, done: bool, version: int | None
) -> None:
    """Tick a dissemination as done (or undo it); it may happen after the cycle closed."""
    plan = s.scalar(select(DisseminationPlan).where(DisseminationPlan.id == uuid.UUID(str(plan_id))))
    if plan is None:
        raise AccessDenied("That dissemination plan is not in your reach.")
    load_cycle(s, viewer, plan.cycle_id, run=True)
    if plan.done == done:
        return
    check_version(plan, version, "dissemination plan")
    plan.done, plan.done_on = done, datetime.now(UTC).date() if done else None
    s.flush()


def save_evaluation(
    s: Session, viewer: Viewer, session_id: uuid.UUID | str, data: EvaluationInput, *, version: int | None
) -> None:
    """The cycle's evaluation in its last session: effectiveness, six enablers, lessons, improvements."""
    row, cycle = _open_session(s, viewer, session_id, SessionKind.LAST)
    cycle_state(s, cycle).record_evaluation()
    evaluation = s.scalar(select(CycleEvaluation).where(CycleEvaluation.cycle_id == cycle.id))
    values = {
        "effectiveness": data.effectiveness,
        **data.enablers,
        "lessons_for_all": data.lessons_for_all,
        "improvements_next_cycle": data.improvements_next_cycle,
    }
    if evaluation is None:
        evaluation = CycleEvaluation(cycle_id=cycle.id, session_id=row.id)
        s.add(evaluation)
    elif all(getattr(evaluation, k) == v for k, v in values.items()):
        return
    else:
        check_version(evaluation, version, "evaluation", (*values, "version"))
    for key, value in values.items():
        setattr(evaluation, key, value)
    s.flush()
    refresh_phase(s, cycle)


def save_storage(
    s: Session, viewer: Viewer, cycle_id: uuid.UUID | str, data: StorageInput, *, version: int | None
) -> None:
    """Where the cycle's outputs are kept (staff room, library...)."""
    cycle = load_cycle(s, viewer, cycle_id, run=True)
    if (cycle.storage_place, cycle.storage_note) == (data.place, data.note or None):
        return
    check_version(cycle, version, "cycle", ("storage_place", "storage_note", "version"))
    cycle.storage_place, cycle.storage_note = data.place, data.note or None
    s.flush()


def close_cycle(s: Session, viewer: Viewer, cycle_id: uuid.UUID | str, *, version: int | None) -> uuid.UUID:
    """End the last session, close the cycle and send its short report to the head teacher."""
    cycle = load_cycle(s, viewer, cycle_id, run=True)
    report = s.scalar(select(CycleReport).where(CycleReport.cycle_id == cycle.id))
    if cycle.phase == CyclePhase.CLOSED and report is not None:
        return report.id
    check_version(cycle, version, "cycle")
    if not cycle.storage_place:
        raise InvalidTransition("Record where the cycle's outputs are kept before closing it")
    state = cycle_state(s, cycle)
    last = s.scalar(
        select(CopSession).where(CopSession.cycle_id == cycle.id, CopSession.kind == SessionKind.LAST.value)
    )
    if last is not None and last.status == SessionStatus.RUNNING:
        session_steps.check_can_finish(state, session_facts(s, last, state))
    state.close()
    now = datetime.now(UTC)
    if last is not None and last.status == SessionStatus.RUNNING:
        last.status, last.ended_at = SessionStatus.HELD.value, now
        if last.started_at is not None:
            last.duration_minutes = max(1, min(600, round((now - last.started_at).total_seconds() / 60)))
    cycle.phase, cycle.closed_at = CyclePhase.CLOSED.value, now
    s.flush()
    # The short report for the head teacher / DHT, in the form the cycle reports page shows and prints.
    return produce_cycle_report(s, viewer, cycle.id)
