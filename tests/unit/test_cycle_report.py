"""The cycle report's rules: who acknowledges, when, and what the short report says."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cop import cycle_report as rules
from cop.vocab import Role


def facts(**changes: object) -> rules.CycleFacts:
    base = {
        "school": "Nyakarambi PS",
        "cop": "P4 CoP",
        "school_year": 2026,
        "number": 1,
        "title": "Reading in P4",
        "started_on": date(2026, 2, 1),
        "closed_at": datetime(2026, 6, 20, tzinfo=UTC),
        "facilitator": "SBM",
        "sessions": (
            rules.SessionLine("first", 1, date(2026, 2, 3), 8, 10, 1),
            rules.SessionLine("middle", 2, date(2026, 3, 10), 9, 10),
            rules.SessionLine("last", 3, date(2026, 5, 30), 10, 10),
        ),
        "priorities": (
            rules.PriorityLine(
                "Girls rarely answer",
                "gender",
                "Half the answers from girls",
                (
                    rules.TryoutLine(1, "Name sticks", None, None, False),
                    rules.TryoutLine(2, "Think-pair-share", None, None, True),
                ),
            ),
        ),
        "parking_lot": 1,
        "lessons": ("Pairs help shy learners",),
        "outputs": (rules.OutputLine("lesson_plan", "Pair-work plan", "reviewed", "SBM", True, None),),
        "storage_place": "library",
        "storage_note": "Shelf 3",
        "dissemination": (rules.DisseminationLine("colleagues", "Staff meeting", None, "SBM", True),),
        "evaluation": rules.EvaluationLine(4, {"purpose_focus": 5, "inquiry": None}, "x", "y"),
    }
    return rules.CycleFacts(**(base | changes))  # type: ignore[arg-type]


def test_only_the_head_teacher_of_the_school_or_an_administrator_acknowledges() -> None:
    assert rules.may_acknowledge(Role.HEAD_TEACHER, same_school=True)
    assert rules.may_acknowledge(Role.ADMIN, same_school=False)
    assert not rules.may_acknowledge(Role.HEAD_TEACHER, same_school=False)
    for role in (Role.FACILITATOR, Role.TEACHER, Role.DISTRICT_OFFICER, Role.NATIONAL_OFFICER):
        assert not rules.may_acknowledge(role, same_school=True)


def test_a_cycle_still_running_has_no_report_to_acknowledge() -> None:
    with pytest.raises(rules.NotAcknowledgeable, match="not closed yet"):
        rules.check_acknowledgeable(closed=False)
    rules.check_acknowledgeable(closed=True)


def test_the_report_counts_sessions_attendance_try_outs_outputs_and_dissemination() -> None:
    f = facts()
    assert (f.first_date, f.last_date) == (date(2026, 2, 3), date(2026, 5, 30))
    assert f.attendance_rate == pytest.approx(27 / 30)
    text = "\n".join(rules.summary_lines(f))
    assert "Sessions: 3 held, 2026-02-03 to 2026-05-30; attendance 90 %." in text
    assert "Priority: Girls rarely answer - 2 try-out(s), effective." in text
    assert "Parking lot: 1 challenge(s)" in text
    assert "Outputs kept: School library: Shelf 3." in text
    assert "Dissemination: 1 of 1 planned activities done." in text
    assert "Evaluation: effectiveness 4 of 5." in text


def test_a_priority_whose_last_try_out_failed_is_not_effective() -> None:
    failed = rules.PriorityLine("P", "gender", None, (rules.TryoutLine(1, "a", None, None, False),))
    assert not failed.effective
    assert not rules.PriorityLine("Q", "gender", None, ()).effective


def test_a_cycle_without_sessions_or_storage_says_so_instead_of_failing() -> None:
    text = "\n".join(rules.summary_lines(facts(sessions=(), storage_place=None, storage_note=None)))
    assert "attendance -" in text and "Outputs kept: not recorded." in text


def test_the_middle_sessions_are_numbered_and_enablers_are_labelled() -> None:
    assert rules.SessionLine("middle", 2, date(2026, 3, 1), 1, 1).label.endswith(" 2")
    assert rules.enabler_rows(facts().evaluation) == [("Purpose and focus", "5 of 5"), ("Inquiry", "-")]
