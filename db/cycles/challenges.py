"""A first session's challenges: listing, votes, priorities and analysis (live input uses them too)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from cop import session_steps
from cop.access import AccessDenied, Viewer
from cop.cycle_inputs import AnalysisInput, ChallengeInput
from cop.errors import InvalidTransition
from cop.vocab import SessionKind, SessionStatus
from db.cycles.scope import check_contributor, load_cycle, load_session
from db.cycles.state import cycle_state, refresh_phase
from db.models import (
    AssessmentResult,
    Challenge,
    ChallengeAnalysis,
    ChallengeVote,
    CopCycle,
    LessonObservation,
)
from db.records import check_version, existing_by_key

_CHALLENGE = "That challenge is not in your reach."
OPEN = (SessionStatus.PLANNED.value, SessionStatus.RUNNING.value)


def _evidence_link(
    session: Session, model: type, record_id: str | None, school_id: uuid.UUID
) -> uuid.UUID | None:
    """A linked observation or result must be the same school's: links never reach another school."""
    if record_id is None:
        return None
    try:
        rid = uuid.UUID(record_id)
    except ValueError:
        raise AccessDenied("That evidence is not in this school.") from None
    if session.scalar(select(model.id).where(model.id == rid, model.school_id == school_id)) is None:
        raise AccessDenied("That evidence is not in this school.")
    return rid


def add_challenge(
    s: Session, viewer: Viewer, session_id: uuid.UUID | str, data: ChallengeInput, *, idempotency_key: str
) -> uuid.UUID:
    """List a challenge in the cycle's first session (a member from a phone, or the facilitator)."""
    if (done := existing_by_key(s, Challenge, idempotency_key)) is not None:
        return done.id
    row, cycle = load_session(s, viewer, session_id)
    check_contributor(s, viewer, cycle)
    # Serialise with the facilitator's priority choice: the rules see one consistent list.
    s.execute(select(CopCycle.id).where(CopCycle.id == cycle.id).with_for_update())
    if row.kind != SessionKind.FIRST or row.status not in OPEN:
        raise InvalidTransition("Challenges are listed during the first session")
    state = cycle_state(s, cycle)
    challenge_id = uuid.uuid4()
    state.add_challenge(str(challenge_id), data.control)
    challenge = Challenge(
        id=challenge_id,
        school_id=cycle.school_id,
        cycle_id=cycle.id,
        session_id=row.id,
        title=data.title,
        description=data.description or None,
        evidence_kind=data.evidence_kind,
        evidence_note=data.evidence_note or None,
        lesson_observation_id=_evidence_link(
            s, LessonObservation, data.lesson_observation_id, cycle.school_id
        ),
        assessment_result_id=_evidence_link(s, AssessmentResult, data.assessment_result_id, cycle.school_id),
        topic=data.topic,
        topic_other=data.topic_other or None,
        control=data.control,
        created_by_id=uuid.UUID(viewer.person_id),
        idempotency_key=idempotency_key,
    )
    s.add(challenge)
    s.flush()
    return challenge.id


def _challenge(
    s: Session, viewer: Viewer, challenge_id: uuid.UUID | str, *, run: bool
) -> tuple[Challenge, CopCycle]:
    try:
        cid = uuid.UUID(str(challenge_id))
    except ValueError:
        raise AccessDenied(_CHALLENGE) from None
    cycle_id = s.scalar(select(Challenge.cycle_id).where(Challenge.id == cid))
    if cycle_id is None:
        raise AccessDenied(_CHALLENGE)
    cycle = load_cycle(s, viewer, cycle_id, run=run)
    challenge = s.get(Challenge, cid)
    assert challenge is not None
    return challenge, cycle


def vote(
    s: Session, viewer: Viewer, challenge_id: uuid.UUID | str, *, idempotency_key: str | None = None
) -> bool:
    """The viewer votes for a challenge to become a priority; voting twice counts once. True if new."""
    challenge, cycle = _challenge(s, viewer, challenge_id, run=False)
    check_contributor(s, viewer, cycle)
    state = cycle_state(s, cycle)
    if state.held(SessionKind.MIDDLE) or state.closed:
        raise InvalidTransition("Priorities are chosen before the first middle session: they are now fixed")
    if challenge.control == "out_of_control":
        raise InvalidTransition(f"'{challenge.title}' is out of your control: it goes to the parking lot")
    person = uuid.UUID(viewer.person_id)
    if s.scalar(
        select(ChallengeVote.id).where(
            ChallengeVote.challenge_id == challenge.id, ChallengeVote.person_id == person
        )
    ):
        return False
    s.add(ChallengeVote(challenge_id=challenge.id, person_id=person))
    s.flush()
    return True


def unvote(s: Session, viewer: Viewer, challenge_id: uuid.UUID | str) -> None:
    """Take back the viewer's vote (nothing happens when there is none)."""
    challenge, cycle = _challenge(s, viewer, challenge_id, run=False)
    check_contributor(s, viewer, cycle)
    s.execute(
        delete(ChallengeVote).where(
            ChallengeVote.challenge_id == challenge.id, ChallengeVote.person_id == uuid.UUID(viewer.person_id)
        )
    )


def set_priorities(
    s: Session, viewer: Viewer, cycle_id: uuid.UUID | str, ranked: list[str], *, version: int | None
) -> None:
    """Make exactly these challenges the priorities, in this rank order, under the cycle's rules."""
    cycle = load_cycle(s, viewer, cycle_id, run=True)
    check_version(cycle, version, "cycle")
    state = cycle_state(s, cycle)
    chosen = list(dict.fromkeys(str(c) for c in ranked))
    session_steps.check_priorities(state, chosen)
    rows = {str(c.id): c for c in s.scalars(select(Challenge).where(Challenge.cycle_id == cycle.id))}
    for cid, c in rows.items():
        rank = chosen.index(cid) + 1 if cid in chosen else None
        if (c.is_priority, c.priority_rank) != (rank is not None, rank):
            c.is_priority, c.priority_rank = rank is not None, rank
    s.flush()
    # The cycle's version moves too, so a second facilitator's choice made on an older list is refused.
    flag_modified(cycle, "max_priorities")
    s.flush()
    refresh_phase(s, cycle)


def hide_challenge(s: Session, viewer: Viewer, challenge_id: uuid.UUID | str, *, version: int | None) -> None:
    """The facilitator hides a duplicate or off-topic challenge (a priority cannot be hidden)."""
    challenge, cycle = _challenge(s, viewer, challenge_id, run=True)
    check_version(challenge, version, "challenge")
    if challenge.is_priority:
        raise InvalidTransition(f"'{challenge.title}' is a priority: unprioritise it before hiding it")
    challenge.hidden = True
    s.flush()


def save_analysis(
    s: Session, viewer: Viewer, challenge_id: uuid.UUID | str, data: AnalysisInput, *, version: int | None
) -> uuid.UUID:
    """Root causes, goal and possible solutions of a priority; `version` is the one the form showed."""
    challenge, cycle = _challenge(s, viewer, challenge_id, run=True)
    state = cycle_state(s, cycle)
    if state.closed:
        raise InvalidTransition("This cycle is closed: nothing in it can change any more")
    if not challenge.is_priority:
        raise InvalidTransition(f"'{challenge.title}' is not a priority: only priorities are analysed")
    row = s.scalar(select(ChallengeAnalysis).where(ChallengeAnalysis.challenge_id == challenge.id))
    if row is None:
        row = ChallengeAnalysis(challenge_id=challenge.id)
        s.add(row)
    else:
        same = (row.root_causes, row.goal, row.possible_solutions) == (
            data.root_causes,
            data.goal,
            data.possible_solutions,
        )
        if same:
            return row.id
        check_version(row, version, "analysis", ("root_causes", "goal", "possible_solutions", "version"))
    row.root_causes, row.goal, row.possible_solutions = data.root_causes, data.goal, data.possible_solutions
    s.flush()
    return row.id
