"""The head-teacher-led reflection session: its steps in order and what completing it needs."""

from __future__ import annotations

from collections.abc import Mapping

from cop.errors import InvalidTransition
from cop.vocab import ReflectionCardKind, ReflectionStep

STEPS: tuple[ReflectionStep, ...] = tuple(ReflectionStep)

# The steps where participants write cards; the others only show or summarise.
_CARD_KINDS = {
    ReflectionStep.INSIGHTS: ReflectionCardKind.INSIGHT,
    ReflectionStep.POSITIVES: ReflectionCardKind.POSITIVE,
    ReflectionStep.IMPROVEMENTS: ReflectionCardKind.IMPROVEMENT,
    ReflectionStep.NEXT_STEPS: ReflectionCardKind.NEXT_STEP,
}


def step_number(step: ReflectionStep) -> int:
    """The 1-based position of a step, for "step 3 of 7" labels."""
    return STEPS.index(ReflectionStep(step)) + 1


def next_step(step: ReflectionStep) -> ReflectionStep:
    """The step after this one; there is none after completion."""
    if ReflectionStep(step) is ReflectionStep.COMPLETE:
        raise InvalidTransition("This reflection session is complete: there is no further step")
    return STEPS[step_number(step)]


def previous_step(step: ReflectionStep) -> ReflectionStep:
    """The step before this one; the overview is the first, and a completed session stays complete."""
    step = ReflectionStep(step)
    if step is ReflectionStep.OVERVIEW:
        raise InvalidTransition("The overview is the first step: there is no step before it")
    if step is ReflectionStep.COMPLETE:
        # Completion is recorded, and its next steps may already be actions: reopening would hide that.
        raise InvalidTransition("This reflection session is complete: it cannot go back")
    return STEPS[step_number(step) - 2]


def card_kind_for(step: ReflectionStep) -> ReflectionCardKind | None:
    """The kind of card participants write at this step, or None where they write none."""
    return _CARD_KINDS.get(ReflectionStep(step))


def check_can_complete(card_counts: Mapping[ReflectionCardKind, int]) -> None:
    """Raise InvalidTransition unless the session has at least one agreed next step."""
    if card_counts.get(ReflectionCardKind.NEXT_STEP, 0) < 1:
        raise InvalidTransition(
            "Agree on at least one next step before completing the reflection session: "
            "it is what teachers take back to their classrooms"
        )
