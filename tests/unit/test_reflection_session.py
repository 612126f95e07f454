"""Rules of a reflection session: who leads and contributes, cards, next steps, completion, the term."""

from __future__ import annotations

from datetime import date

import pytest

from cop import reflection_session as rules
from cop.errors import InvalidTransition, ValidationError
from cop.vocab import ReflectionStep, Role

DAY = date(2026, 10, 5)


def test_the_head_teacher_and_facilitators_of_the_school_lead_teachers_contribute() -> None:
    assert rules.may_lead(Role.HEAD_TEACHER, same_school=True)
    assert rules.may_lead(Role.FACILITATOR, same_school=True)
    assert rules.may_lead(Role.ADMIN, same_school=False)
    assert not rules.may_lead(Role.TEACHER, same_school=True)
    assert not rules.may_lead(Role.HEAD_TEACHER, same_school=False)
    assert rules.may_contribute(Role.TEACHER, same_school=True)
    assert not rules.may_contribute(Role.TEACHER, same_school=False)
    assert not rules.may_contribute(Role.DISTRICT_OFFICER, same_school=True)


def test_a_card_needs_text_and_fits_on_a_card() -> None:
    assert rules.clean_card_text("  Pairs help \n") == "Pairs help"
    with pytest.raises(ValidationError, match="Write something"):
        rules.clean_card_text(" \x00 ")
    with pytest.raises(ValidationError, match="at most 600"):
        rules.clean_card_text("x" * 601)


def test_a_completed_session_takes_no_more_cards() -> None:
    rules.check_open(ReflectionStep.INSIGHTS)
    with pytest.raises(InvalidTransition, match="complete"):
        rules.check_open(ReflectionStep.COMPLETE)


def test_a_next_step_is_due_on_or_after_the_session_day() -> None:
    rules.check_next_step("p", DAY, session_date=DAY)
    with pytest.raises(ValidationError, match="before the session"):
        rules.check_next_step("p", date(2026, 10, 4), session_date=DAY)


def test_completion_needs_next_steps_each_with_an_owner_and_a_due_date() -> None:
    with pytest.raises(InvalidTransition, match="at least one next step"):
        rules.check_can_complete([])
    with pytest.raises(InvalidTransition, match=r"1 missing, e.g. “Mark homework”"):
        rules.check_can_complete(
            [rules.NextStepFacts("Exit tickets", "p", DAY), rules.NextStepFacts("Mark homework", None, DAY)]
        )
    rules.check_can_complete([rules.NextStepFacts("Exit tickets", "p", DAY)])


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (date(2026, 10, 5), date(2026, 9, 1)),
        (date(2026, 2, 10), date(2026, 1, 1)),
        (date(2026, 4, 14), date(2026, 1, 1)),
        (date(2026, 4, 15), date(2026, 4, 15)),
        (date(2026, 7, 1), date(2026, 4, 15)),
    ],
)
def test_the_term_starts_in_september_january_or_mid_april(day: date, start: date) -> None:
    assert rules.term_start(day) == start


def test_shares_read_as_percentages_or_a_dash() -> None:
    assert rules.percent_text(rules.rate(1, 3)) == "33 %"
    assert rules.percent_text(rules.rate(0, 0)) == "-"
