"""Timeline flags: what a head teacher or an official should see about a school."""

from __future__ import annotations

from datetime import date

from cop.flags import FlagKind, OpenCycle, SelfAssessmentGap, TimelineFacts, cycle_is_stuck, timeline_flags

TODAY = date(2026, 12, 1)


def _facts(**kw: object) -> TimelineFacts:
    base = {
        "today": TODAY,
        "last_session_on": date(2026, 11, 25),
        "has_active_cop": True,
        "overdue_actions": 0,
        "oldest_overdue_on": None,
    }
    return TimelineFacts(**{**base, **kw})  # type: ignore[arg-type]


def test_a_regular_school_raises_no_flag() -> None:
    assert timeline_flags(_facts()) == []


def test_no_session_for_four_weeks_is_flagged_with_the_last_date() -> None:
    flags = timeline_flags(_facts(last_session_on=date(2026, 11, 2)))
    assert [f.kind for f in flags] == [FlagKind.NO_SESSION]
    assert "4 weeks" in flags[0].message and "02 Nov 2026" in flags[0].message


def test_the_number_of_weeks_can_be_chosen() -> None:
    assert timeline_flags(_facts(last_session_on=date(2026, 11, 2)), weeks_without_session=6) == []


def test_a_school_with_a_cop_but_no_session_yet_is_flagged_and_one_without_a_cop_is_not() -> None:
    assert [f.kind for f in timeline_flags(_facts(last_session_on=None))] == [FlagKind.NO_SESSION]
    assert timeline_flags(_facts(last_session_on=None, has_active_cop=False)) == []


def test_actions_past_due_are_counted_with_the_oldest() -> None:
    flags = timeline_flags(_facts(overdue_actions=3, oldest_overdue_on=date(2026, 10, 1)))
    assert [f.kind for f in flags] == [FlagKind.ACTIONS_PAST_DUE]
    assert flags[0].message.startswith("3 action(s)") and "01 Oct 2026" in flags[0].message


def test_a_cycle_is_stuck_after_three_middle_sessions_or_eight_quiet_weeks() -> None:
    assert cycle_is_stuck(OpenCycle("A", 3, date(2026, 11, 30)), TODAY)
    assert cycle_is_stuck(OpenCycle("B", 1, date(2026, 10, 1)), TODAY)
    assert not cycle_is_stuck(OpenCycle("C", 2, date(2026, 11, 1)), TODAY)
    flags = timeline_flags(_facts(open_cycles=[OpenCycle("P4 CoP, cycle 1", 3, date(2026, 11, 20))]))
    assert [f.kind for f in flags] == [FlagKind.CYCLE_STUCK] and "P4 CoP, cycle 1" in flags[0].message


def test_a_self_assessment_a_point_above_the_field_visits_is_flagged() -> None:
    gaps = [SelfAssessmentGap("Eric", 3.8, 2.0), SelfAssessmentGap("Alice", 3.0, 2.5)]
    flags = timeline_flags(_facts(self_assessments=gaps))
    assert [f.kind for f in flags] == [FlagKind.SELF_ASSESSMENT_GAP]
    assert "Eric" in flags[0].message and "3.8/4" in flags[0].message
