"""The rules of each session page, read like the guidelines."""

from __future__ import annotations

import pytest

from cop import session_steps as steps
from cop.cycle import Cycle
from cop.errors import InvalidTransition, NotPrioritisable, TooManyPriorities
from cop.session_steps import SessionFacts
from cop.vocab import ControlCategory, SessionKind, SessionStatus

FIRST, MIDDLE, LAST = SessionKind.FIRST, SessionKind.MIDDLE, SessionKind.LAST
RUNNING = SessionStatus.RUNNING


def planned_cycle() -> Cycle:
    """A first session held with two priorities, each with a try-out planned."""
    cycle = Cycle(titles={"a": "Large classes", "b": "Homework", "c": "No textbooks"})
    cycle.hold_session(FIRST)
    cycle.add_challenge("a", ControlCategory.DIRECT)
    cycle.add_challenge("b", ControlCategory.INDIRECT)
    cycle.add_challenge("c", ControlCategory.OUT_OF_CONTROL)
    for cid in "ab":
        cycle.prioritise(cid)
        cycle.plan_tryout(cid)
    return cycle


def test_an_out_of_control_challenge_is_refused_as_a_priority_with_the_parking_lot_reason() -> None:
    cycle = planned_cycle()
    with pytest.raises(
        NotPrioritisable, match="'No textbooks' is out of your control: it goes to the parking lot"
    ):
        steps.check_priorities(cycle, ["a", "b", "c"])


def test_more_priorities_than_the_cycle_allows_are_refused() -> None:
    cycle = Cycle()
    for cid in "xyz":
        cycle.add_challenge(cid, ControlCategory.DIRECT)
    with pytest.raises(TooManyPriorities):
        steps.check_priorities(cycle, ["x", "y", "z"])


def test_checking_priorities_leaves_the_cycle_unchanged() -> None:
    cycle = Cycle()
    cycle.add_challenge("x", ControlCategory.DIRECT)
    steps.check_priorities(cycle, ["x"])
    assert cycle.priorities() == []


def test_the_last_session_cannot_be_planned_while_a_priority_did_not_work() -> None:
    cycle = planned_cycle()
    cycle.hold_session(MIDDLE)
    cycle.judge_tryout("a", True)
    cycle.judge_tryout("b", False)
    with pytest.raises(InvalidTransition, match="the latest try-out of 'Homework' did not work"):
        steps.check_can_plan(cycle, LAST, open_sessions=0)


def test_the_last_session_is_planned_once_every_priority_worked() -> None:
    cycle = planned_cycle()
    cycle.hold_session(MIDDLE)
    cycle.judge_tryout("a", True)
    cycle.judge_tryout("b", True)
    steps.check_can_plan(cycle, LAST, open_sessions=0)
    assert steps.next_kind(cycle) == LAST


def test_a_session_is_not_planned_while_another_is_open() -> None:
    with pytest.raises(InvalidTransition, match="Finish the session already planned"):
        steps.check_can_plan(planned_cycle(), MIDDLE, open_sessions=1)


def test_a_middle_session_needs_the_first_one() -> None:
    with pytest.raises(InvalidTransition, match="Hold the first session"):
        steps.check_can_plan(Cycle(), MIDDLE, open_sessions=0)


def test_a_first_session_ends_only_with_attendance_analysis_and_plans() -> None:
    cycle = Cycle(titles={"a": "Large classes"}, sessions=[FIRST])
    cycle.add_challenge("a", ControlCategory.DIRECT)
    cycle.prioritise("a")
    missing = steps.why_not_finish(cycle, SessionFacts(FIRST, RUNNING))
    assert missing == [
        "Take the attendance",
        "Analyse 'Large classes' (root causes, goal, solutions)",
        "Plan a try-out for 'Large classes'",
    ]
    cycle.plan_tryout("a")
    steps.check_can_finish(cycle, SessionFacts(FIRST, RUNNING, analysed=frozenset("a"), has_attendance=True))


def test_a_middle_session_asks_for_alact_and_a_next_try_out_when_one_failed() -> None:
    cycle = planned_cycle()
    cycle.hold_session(MIDDLE)
    cycle.judge_tryout("a", True)
    cycle.judge_tryout("b", False)
    facts = SessionFacts(
        MIDDLE, RUNNING, judged_here=frozenset("ab"), open_at_start=frozenset("ab"), has_attendance=True
    )
    assert steps.why_not_finish(cycle, facts) == [
        "Plan a consolidation output for 'Large classes'",
        "Reflect on 'Homework' with ALACT",
        "Plan the next try-out of 'Homework'",
    ]


def test_a_middle_session_waits_for_every_verdict() -> None:
    cycle = planned_cycle()
    cycle.hold_session(MIDDLE)
    facts = SessionFacts(MIDDLE, RUNNING, open_at_start=frozenset("ab"), has_attendance=True)
    assert "Record whether the try-out of 'Large classes' was effective" in steps.why_not_finish(cycle, facts)


def test_a_last_session_ends_with_dissemination_and_evaluation() -> None:
    cycle = planned_cycle()
    cycle.hold_session(MIDDLE)
    cycle.judge_tryout("a", True)
    cycle.judge_tryout("b", True)
    cycle.hold_session(LAST)
    facts = SessionFacts(LAST, RUNNING, has_attendance=True)
    assert steps.why_not_finish(cycle, facts) == [
        "Plan the dissemination of the outputs",
        "Evaluate the cycle",
    ]


def test_a_planned_session_must_start_before_it_ends() -> None:
    assert steps.why_not_finish(Cycle(), SessionFacts(FIRST, SessionStatus.PLANNED)) == [
        "Start the session first"
    ]


def test_votes_rank_only_challenges_in_control() -> None:
    cycle = planned_cycle()
    assert steps.vote_ranking({"b": 3, "a": 1, "c": 9}, cycle) == ["b", "a"]


def test_every_session_kind_has_its_steps_between_attendance_and_aob() -> None:
    for kind in (FIRST, MIDDLE, LAST):
        assert steps.STEPS[kind][0] == "Attendance" and steps.STEPS[kind][-1] == "AOB and actions"
    assert steps.session_title(MIDDLE, 2) == "Middle session 2"
    assert steps.PRIORITY_MINUTES + steps.AOB_MINUTES == 90
