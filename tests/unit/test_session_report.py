"""Session report rules: text generated from a session's records, its checks, who edits and acknowledges."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop.errors import ValidationError
from cop.session_report import (
    MAX_TEXT,
    ActionLine,
    AttendanceLine,
    ChallengeLine,
    NotAcknowledgeable,
    ReportStatus,
    SessionFacts,
    TryoutLine,
    attendance_line,
    check_acknowledgeable,
    clean_report,
    generated_decisions,
    generated_main_discussions,
    keeps_acknowledgement,
    may_acknowledge,
    may_edit_report,
    record_rows,
    report_status,
)
from cop.vocab import Role

FIRST_SESSION = SessionFacts(
    summary="Members listed five challenges with their evidence.",
    aob_notes="Sports day moves to Friday.",
    attendance=(
        AttendanceLine("Grace Uwase", True, False),
        AttendanceLine("Patrick Mugisha", True, True),
        AttendanceLine("Jean Paul Habimana", False, False),
    ),
    challenges=(
        ChallengeLine("Learners do not check their answers", "formative_assessment", None, "direct", True, 1),
        ChallengeLine("Too few textbooks", "other", "Materials", "out_of_control", False, None),
    ),
    tryouts_planned=(
        TryoutLine(
            "Learners do not check their answers",
            1,
            "Exit tickets at the end of every lesson",
            date(2026, 10, 5),
            date(2026, 10, 23),
            ("Grace Uwase",),
        ),
    ),
    actions=(
        ActionLine("Share the try-out plan with the DoS", "Eric Niyonzima", date(2026, 10, 8), "open"),
        ActionLine("Print exit tickets", None, None, "open"),
    ),
)


def test_the_main_discussions_tell_the_summary_attendance_challenges_and_any_other_business() -> None:
    text = generated_main_discussions(FIRST_SESSION)
    assert text.startswith("Members listed five challenges")
    assert "2 of 3 members present (1 new teacher); absent: Jean Paul Habimana." in text
    assert "- Learners do not check their answers (Formative assessment; direct control; priority 1)" in text
    assert "- Too few textbooks (Other: Materials; out of control)" in text
    assert text.endswith("Any other business: Sports day moves to Friday.")


def test_the_decisions_list_priorities_try_outs_with_who_and_when_and_actions_with_owner_and_due_date() -> (
    None
):
    text = generated_decisions(FIRST_SESSION)
    assert "Priorities:\n1. Learners do not check their answers" in text
    assert (
        "(attempt 1): Exit tickets at the end of every lesson, 05 Oct to 23 Oct 2026, by Grace Uwase." in text
    )
    assert "- Share the try-out plan with the DoS (Eric Niyonzima, due 08 Oct 2026)" in text
    assert "- Print exit tickets (no owner, no due date)" in text
    assert "Too few textbooks" not in text  # out of control: not a decision of the cycle


def test_a_middle_session_reports_each_verdict_and_what_follows_from_it() -> None:
    judged = (
        TryoutLine("Homework", 1, "Buddies", None, None, (), True, "Learners helped each other", "Noisy."),
        TryoutLine("Large classes", 2, "Rows", None, None, (), False),
    )
    facts = SessionFacts(summary=None, aob_notes=None, tryouts_judged=judged, lessons=("Plan roles first",))
    main, decisions = generated_main_discussions(facts), generated_decisions(facts)
    assert "- Homework, attempt 1: worked. Pros: Learners helped each other. Cons: Noisy." in main
    assert "- Homework, attempt 1 worked: consolidate the lessons learnt." in decisions
    assert (
        "- Large classes, attempt 2 did not work: deeper analysis (ALACT), then a new try-out." in decisions
    )
    assert "Lessons learnt:\n- Plan roles first" in decisions


def test_the_printed_report_lists_each_record_under_its_heading() -> None:
    rows = record_rows(FIRST_SESSION)
    assert list(rows) == ["Attendance", "Challenges raised", "Try-outs planned", "Actions"]
    assert rows["Attendance"] == [
        ("Present", "Grace Uwase, Patrick Mugisha (new teacher)"),
        ("Absent", "Jean Paul Habimana"),
    ]
    assert [label for label, _ in rows["Challenges raised"]] == ["Priority 1", "Out of control"]
    assert rows["Actions"][0] == (
        "Due 08 Oct 2026",
        "Share the try-out plan with the DoS (Eric Niyonzima)",
    )
    assert rows["Try-outs planned"] == [
        (
            "Attempt 1",
            "Learners do not check their answers: Exit tickets at the end of every lesson, "
            "05 Oct to 23 Oct 2026, by Grace Uwase.",
        ),
    ]
    assert record_rows(SessionFacts(summary=None, aob_notes=None)) == {}


def test_a_session_without_records_still_gets_a_report_to_complete() -> None:
    empty = SessionFacts(summary=None, aob_notes=None)
    assert generated_main_discussions(empty) == "Attendance: No attendance was recorded."
    assert generated_decisions(empty) == "No decision was recorded in this session."
    assert attendance_line(empty) == "No attendance was recorded."


def test_a_report_needs_both_texts_and_names_each_missing_one() -> None:
    with pytest.raises(ValidationError) as refused:
        clean_report("  ", None)
    assert set(refused.value.errors) == {"main_discussions", "decisions"}
    assert "main discussions" in refused.value.errors["main_discussions"]


def test_a_report_text_is_trimmed_and_its_line_ends_made_plain() -> None:
    text = clean_report("  We talked.\r\nA lot. ", "Exit tickets")
    assert (text.main_discussions, text.decisions) == ("We talked.\nA lot.", "Exit tickets")


@pytest.mark.parametrize("bad", ["x" * (MAX_TEXT + 1), "a\x00b", "broken \ud800 surrogate"])
def test_too_long_or_unstorable_text_is_refused_by_field(bad: str) -> None:
    with pytest.raises(ValidationError) as refused:
        clean_report("Fine", bad)
    assert list(refused.value.errors) == ["decisions"]


@given(st.text(max_size=300), st.text(max_size=300))
def test_any_text_is_either_clean_or_refused_with_named_fields(main: str, decisions: str) -> None:
    try:
        text = clean_report(main, decisions)
    except ValidationError as refused:
        assert set(refused.errors) <= {"main_discussions", "decisions"} and refused.errors
    else:
        assert text.main_discussions and text.decisions and "\x00" not in text.main_discussions


def test_a_report_moves_from_not_submitted_to_awaiting_to_acknowledged() -> None:
    assert report_status(False, False) is ReportStatus.NOT_SUBMITTED
    assert report_status(True, False) is ReportStatus.AWAITING
    assert report_status(True, True) is ReportStatus.ACKNOWLEDGED


@pytest.mark.parametrize(
    ("role", "same_school", "facilitates", "allowed"),
    [
        (Role.FACILITATOR, True, True, True),
        (Role.FACILITATOR, True, False, False),  # another CoP's SBM or SSL
        (Role.HEAD_TEACHER, True, False, True),
        (Role.HEAD_TEACHER, False, False, False),
        (Role.TEACHER, True, False, False),
        (Role.DISTRICT_OFFICER, False, False, False),
        (Role.ADMIN, False, False, False),
    ],
)
def test_the_cops_facilitator_and_the_head_teacher_edit_the_report(
    role: Role, same_school: bool, facilitates: bool, allowed: bool
) -> None:
    assert may_edit_report(role, same_school=same_school, facilitates_cop=facilitates) is allowed


def test_only_the_head_teacher_of_the_school_acknowledges_a_submitted_report() -> None:
    assert may_acknowledge(Role.HEAD_TEACHER, same_school=True)
    assert not may_acknowledge(Role.HEAD_TEACHER, same_school=False)
    assert not may_acknowledge(Role.FACILITATOR, same_school=True)
    with pytest.raises(NotAcknowledgeable, match="not been submitted"):
        check_acknowledgeable(False)
    check_acknowledgeable(True)


def test_a_facilitators_change_after_acknowledgement_sends_the_report_back_to_the_head_teacher() -> None:
    assert not keeps_acknowledgement(Role.FACILITATOR)
    assert keeps_acknowledgement(Role.HEAD_TEACHER)
