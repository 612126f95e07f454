"""What was done in one session, as `cop.session_steps.SessionFacts`, for the rules on ending it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.cycle import Cycle
from cop.session_steps import SessionFacts
from cop.vocab import SessionKind, SessionStatus
from db.models import (
    AlactReflection,
    Attendance,
    ChallengeAnalysis,
    ConsolidationOutput,
    CopSession,
    TryoutPlan,
)


def session_facts(s: Session, row: CopSession, state: Cycle) -> SessionFacts:
    """The facts of one session of a cycle whose rules' state is `state`."""
    priorities = [c.id for c in state.priorities()]
    plans = s.execute(
        select(
            TryoutPlan.challenge_id,
            TryoutPlan.id,
            TryoutPlan.reviewed_in_session_id,
            TryoutPlan.planned_in_session_id,
        ).where(TryoutPlan.challenge_id.in_(priorities or [None]))
    ).all()
    judged = frozenset(str(c) for c, _, reviewed, _ in plans if reviewed == row.id)
    # Awaiting results at the start: a plan made before this session and not judged before it.
    open_at_start = frozenset(
        str(c)
        for c, _, reviewed, planned in plans
        if planned != row.id and (reviewed is None or reviewed == row.id)
    )
    analysed = frozenset(
        str(c)
        for (c,) in s.execute(
            select(ChallengeAnalysis.challenge_id).where(
                ChallengeAnalysis.challenge_id.in_(priorities or [None]),
                ChallengeAnalysis.root_causes.is_not(None),
                ChallengeAnalysis.goal.is_not(None),
                ChallengeAnalysis.possible_solutions.is_not(None),
            )
        )
    )
    alact = frozenset(
        str(c)
        for (c,) in s.execute(
            select(TryoutPlan.challenge_id)
            .join(AlactReflection, AlactReflection.plan_id == TryoutPlan.id)
            .where(TryoutPlan.challenge_id.in_(priorities or [None]))
        )
    )
    outputs = frozenset(
        str(c)
        for (c,) in s.execute(
            select(ConsolidationOutput.challenge_id).where(ConsolidationOutput.cycle_id == row.cycle_id)
        )
        if c is not None
    )
    has_attendance = (
        s.scalar(select(Attendance.id).where(Attendance.session_id == row.id).limit(1)) is not None
    )
    return SessionFacts(
        kind=SessionKind(row.kind),
        status=SessionStatus(row.status),
        judged_here=judged,
        open_at_start=open_at_start,
        analysed=analysed,
        alact_done=alact,
        outputs_planned=outputs,
        has_attendance=has_attendance,
    )
