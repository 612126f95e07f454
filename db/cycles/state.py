"""The cycle's facts loaded from the database into `cop.cycle.Cycle`, so every write asks the rules first."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.cycle import ChallengeState, Cycle, TryoutState
from cop.vocab import ControlCategory, CyclePhase, SessionKind, SessionStatus
from db.models import (
    Challenge,
    ConsolidationOutput,
    CopCycle,
    CopSession,
    CycleEvaluation,
    DisseminationPlan,
    TryoutPlan,
)

# A running session counts as held for the rules: its steps are the ones being done now.
HELD_OR_RUNNING = (SessionStatus.HELD.value, SessionStatus.RUNNING.value)


def cycle_state(session: Session, cycle: CopCycle) -> Cycle:
    """The rules' view of one cycle: held sessions in order, visible challenges, try-outs and counts."""
    kinds = session.scalars(
        select(CopSession.kind)
        .where(CopSession.cycle_id == cycle.id, CopSession.status.in_(HELD_OR_RUNNING))
        .order_by(CopSession.sequence, CopSession.session_date, CopSession.created_at)
    ).all()
    challenges = session.scalars(
        select(Challenge)
        .where(Challenge.cycle_id == cycle.id, Challenge.hidden.is_(False))
        .order_by(Challenge.created_at, Challenge.id)
    ).all()
    tryouts = session.execute(
        select(TryoutPlan.challenge_id, TryoutPlan.attempt_no, TryoutPlan.effective)
        .join(Challenge, Challenge.id == TryoutPlan.challenge_id)
        .where(Challenge.cycle_id == cycle.id)
        .order_by(TryoutPlan.challenge_id, TryoutPlan.attempt_no)
    ).all()
    outputs = session.scalar(
        select(func.count()).select_from(ConsolidationOutput).where(ConsolidationOutput.cycle_id == cycle.id)
    )
    plans = session.scalar(
        select(func.count()).select_from(DisseminationPlan).where(DisseminationPlan.cycle_id == cycle.id)
    )
    evaluated = session.scalar(
        select(CycleEvaluation.id).where(
            CycleEvaluation.cycle_id == cycle.id, CycleEvaluation.effectiveness.is_not(None)
        )
    )
    return Cycle(
        sessions=[SessionKind(k) for k in kinds if k != SessionKind.REFLECTION],
        challenges=[ChallengeState(str(c.id), ControlCategory(c.control), c.is_priority) for c in challenges],
        tryouts=[TryoutState(str(cid), n, eff) for cid, n, eff in tryouts],
        consolidation_outputs=outputs or 0,
        dissemination_plans=plans or 0,
        evaluated=evaluated is not None,
        closed=cycle.phase == CyclePhase.CLOSED,
        max_priorities=cycle.max_priorities,
        titles={str(c.id): c.title for c in challenges},
    )


def refresh_phase(session: Session, cycle: CopCycle) -> Cycle:
    """Store the phase the rules derive (a cached column dashboards group by); return the state."""
    state = cycle_state(session, cycle)
    if cycle.phase != state.phase.value:
        cycle.phase = state.phase.value
        session.flush()
    return state


def session_uuid(value: uuid.UUID | str) -> uuid.UUID:
    return uuid.UUID(str(value))
