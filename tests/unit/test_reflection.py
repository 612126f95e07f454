"""The head-teacher-led reflection session walks its steps in order (seed 004)."""

from __future__ import annotations

import pytest

from cop.errors import CopRuleError, InvalidTransition
from cop.reflection import card_kind_for, check_can_complete, next_step, previous_step, step_number
from cop.vocab import ReflectionCardKind, ReflectionStep

STEPS = list(ReflectionStep)


def test_the_session_walks_from_overview_to_completion_in_the_seed_order() -> None:
    walked = [ReflectionStep.OVERVIEW]
    while walked[-1] is not ReflectionStep.COMPLETE:
        walked.append(next_step(walked[-1]))
    assert walked == [
        ReflectionStep.OVERVIEW,
        ReflectionStep.STATISTICS,
        ReflectionStep.INSIGHTS,
        ReflectionStep.POSITIVES,
        ReflectionStep.IMPROVEMENTS,
        ReflectionStep.NEXT_STEPS,
        ReflectionStep.COMPLETE,
    ]


def test_steps_are_numbered_from_one() -> None:
    assert [step_number(step) for step in STEPS] == list(range(1, 8))
    assert step_number(ReflectionStep.INSIGHTS) == 3


def test_nothing_follows_completion() -> None:
    with pytest.raises(InvalidTransition, match="complete: there is no further step"):
        next_step(ReflectionStep.COMPLETE)


@pytest.mark.parametrize("step", STEPS[1:-1])
def test_going_back_returns_to_the_step_before(step: ReflectionStep) -> None:
    assert next_step(previous_step(step)) is step
    assert step_number(previous_step(step)) == step_number(step) - 1


def test_the_overview_is_the_first_step() -> None:
    with pytest.raises(InvalidTransition, match="overview is the first step"):
        previous_step(ReflectionStep.OVERVIEW)


def test_a_completed_session_cannot_go_back() -> None:
    with pytest.raises(InvalidTransition, match="complete: it cannot go back"):
        previous_step(ReflectionStep.COMPLETE)


def test_steps_given_as_stored_text_are_accepted() -> None:
    assert next_step("statistics") is ReflectionStep.INSIGHTS  # type: ignore[arg-type]
    assert step_number("complete") == 7  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("step", "card_kind"),
    [
        (ReflectionStep.OVERVIEW, None),
        (ReflectionStep.STATISTICS, None),
        (ReflectionStep.INSIGHTS, ReflectionCardKind.INSIGHT),
        (ReflectionStep.POSITIVES, ReflectionCardKind.POSITIVE),
        (ReflectionStep.IMPROVEMENTS, ReflectionCardKind.IMPROVEMENT),
        (ReflectionStep.NEXT_STEPS, ReflectionCardKind.NEXT_STEP),
        (ReflectionStep.COMPLETE, None),
    ],
)
def test_participants_write_cards_only_in_the_reflection_steps(
    step: ReflectionStep, card_kind: ReflectionCardKind | None
) -> None:
    assert card_kind_for(step) is card_kind


def test_every_card_kind_has_its_own_step() -> None:
    assert {card_kind_for(step) for step in STEPS} - {None} == set(ReflectionCardKind)


@pytest.mark.parametrize(
    "card_counts",
    [
        {},
        {ReflectionCardKind.INSIGHT: 3, ReflectionCardKind.POSITIVE: 2, ReflectionCardKind.IMPROVEMENT: 1},
        {ReflectionCardKind.NEXT_STEP: 0},
    ],
)
def test_completing_needs_at_least_one_agreed_next_step(card_counts: dict[ReflectionCardKind, int]) -> None:
    with pytest.raises(InvalidTransition) as refused:
        check_can_complete(card_counts)
    assert "Agree on at least one next step" in str(refused.value)
    assert isinstance(refused.value, CopRuleError)


def test_one_agreed_next_step_is_enough_to_complete() -> None:
    assert check_can_complete({ReflectionCardKind.NEXT_STEP: 1}) is None
    # Counts keyed by the stored text, as a GROUP BY returns them, count too.
    assert check_can_complete({"next_step": 2}) is None  # type: ignore[dict-item]
