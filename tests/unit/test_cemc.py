"""CEMC rules: marks in their ranges, named when refused; module totals that never invent a half."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop import cemc as rules
from cop.access import Viewer
from cop.cemc import MarksInput
from cop.errors import ValidationError
from cop.vocab import CemcParticipantRole, Role

TODAY = date(2026, 11, 25)


def _input(**changes: object) -> MarksInput:
    values: dict[str, object] = {
        "participant_role": "sbm",
        "cohort": "2026",
        "first_session_report": 24.5,
        "field_visit": 21,
        "final_exam": "31",
    }
    values.update(changes)
    return MarksInput(**values)  # type: ignore[arg-type]


def _errors(data: MarksInput, role: Role = Role.FACILITATOR) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        rules.clean_marks(data, participant_role_of=role, today=TODAY)
    return caught.value.errors


def test_marks_are_cleaned_to_numbers_and_blanks_mean_not_marked_yet() -> None:
    clean = rules.clean_marks(
        _input(field_visit="", final_exam="31,5"), participant_role_of=Role.FACILITATOR, today=TODAY
    )
    assert (clean.first_session_report, clean.field_visit, clean.final_exam) == (24.5, None, 31.5)
    assert clean.cohort == "2026" and clean.first_session_id is None


@pytest.mark.parametrize(
    ("name", "bad", "top"),
    [
        ("first_session_report", 30.5, 30),
        ("first_session_report", -1, 30),
        ("field_visit", 31, 30),
        ("final_exam", 41, 40),
        ("final_exam", "forty", 40),
        ("field_visit", float("inf"), 30),
        ("final_exam", float("nan"), 40),
        ("final_exam", True, 40),
    ],
)
def test_a_mark_outside_its_range_is_refused_naming_the_mark(name: str, bad: object, top: int) -> None:
    message = _errors(_input(**{name: bad}))[name]
    assert rules.mark_name(name) in message and f"from 0 to {top}" in message and str(bad) in message


def test_the_boundaries_are_allowed() -> None:
    clean = rules.clean_marks(
        _input(first_session_report=0, field_visit=30, final_exam=40),
        participant_role_of=Role.FACILITATOR,
        today=TODAY,
    )
    assert (clean.first_session_report, clean.field_visit, clean.final_exam) == (0, 30, 40)


def test_more_than_one_decimal_is_refused_as_the_column_keeps_one() -> None:
    assert "one decimal" in _errors(_input(final_exam=31.25))["final_exam"]


@pytest.mark.parametrize("cohort", ["", "26", "2014", "2028", "abcd", None])
def test_the_cohort_is_a_plausible_year(cohort: str | None) -> None:
    assert "from 2015 to 2027" in _errors(_input(cohort=cohort))["cohort"]


def test_the_participant_role_must_fit_the_persons_role() -> None:
    assert _errors(_input(participant_role="sei"))["participant_role"] == (
        "Choose School-Based Mentor or School Subject Leader."
    )
    assert (
        "Sector Education Inspector"
        in _errors(_input(participant_role="sbm"), Role.DISTRICT_OFFICER)["participant_role"]
    )
    assert "participant" in _errors(_input(), Role.TEACHER)
    rules.clean_marks(_input(participant_role="ttc_tutor"), participant_role_of=Role.TTC_TUTOR, today=TODAY)


@given(
    report=st.one_of(st.none(), st.floats(allow_nan=True), st.integers(-50, 80), st.text(max_size=5)),
    exam=st.one_of(st.none(), st.floats(allow_nan=True), st.integers(-50, 80), st.text(max_size=5)),
)
def test_any_marks_are_either_clean_and_in_range_or_refused_by_name(report: object, exam: object) -> None:
    try:
        clean = rules.clean_marks(
            _input(first_session_report=report, final_exam=exam),
            participant_role_of=Role.FACILITATOR,
            today=TODAY,
        )
    except ValidationError as invalid:
        assert set(invalid.errors) <= {"first_session_report", "final_exam"} and invalid.errors
    else:
        assert clean.first_session_report is None or 0 <= clean.first_session_report <= 30
        assert clean.final_exam is None or 0 <= clean.final_exam <= 40


def test_module_one_is_the_report_and_the_exam_with_the_other_formative_half_missing() -> None:
    t = rules.totals(24.5, 21.0, 31.0)
    assert (t.module1.known, t.module1.known_of) == (55.5, 70)
    assert t.module1.missing == ("other half of the formative score",)
    assert (t.module2.known, t.module2.known_of) == (21.0, 30)
    assert "other half of the formative score" in t.module2.missing
    assert (t.recorded, t.recorded_of, t.marks_missing) == (76.5, 100, ())
    assert t.module1.describe() == "Module 1: 55.5 / 70; still missing: other half of the formative score"


def test_marks_not_entered_are_listed_as_missing_not_counted_as_zero() -> None:
    t = rules.totals(26.0, None, None)
    assert (t.module1.known, t.module1.known_of) == (26.0, 30)
    assert "final exam of module 1 (/40)" in t.module1.missing
    assert t.module2.known is None and "field-visit assessment of practice (/30)" in t.module2.missing
    assert (t.recorded, t.recorded_of) == (26.0, 30)
    assert t.marks_missing == ("Field-visit assessment of practice", "Final exam of module 1")
    assert rules.totals(None, None, None).module2.describe().startswith("Module 2: nothing marked yet")


def _viewer(role: Role, person: str = "me") -> Viewer:
    return Viewer(person_id=person, role=role)


@pytest.mark.parametrize(
    ("role", "school", "district", "has_school", "reads", "writes"),
    [
        (Role.ADMIN, False, False, True, True, True),
        (Role.NATIONAL_OFFICER, False, False, False, True, True),
        (Role.DISTRICT_OFFICER, True, True, True, True, False),
        (Role.DISTRICT_OFFICER, False, False, True, False, False),
        (Role.FIELD_FACILITATOR, True, True, True, True, True),
        (Role.FIELD_FACILITATOR, False, True, True, False, False),  # an SBM of a school not theirs
        (Role.FIELD_FACILITATOR, False, True, False, True, True),  # an SEI / tutor of their district
        (Role.FACILITATOR, True, True, True, False, False),
        (Role.TTC_TUTOR, True, True, False, False, False),
        (Role.HEAD_TEACHER, True, True, True, False, False),
    ],
)
def test_who_reads_and_writes_someone_elses_marks(
    role: Role, school: bool, district: bool, has_school: bool, reads: bool, writes: bool
) -> None:
    flags = {"school_in_reach": school, "district_in_reach": district, "has_school": has_school}
    assert rules.may_read_marks(_viewer(role), participant_id="other", **flags) is reads
    assert rules.may_write_marks(_viewer(role), **flags) is writes


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.TTC_TUTOR, Role.DISTRICT_OFFICER])
def test_participants_read_their_own_marks_but_do_not_enter_them(role: Role) -> None:
    flags = {"school_in_reach": False, "district_in_reach": False, "has_school": False}
    assert rules.may_read_marks(_viewer(role), participant_id="me", **flags)
    assert not rules.may_enter_marks(_viewer(role))


def test_the_default_cemc_role_follows_role_and_job_title() -> None:
    assert rules.default_participant_role(Role.FACILITATOR, "SSL Mathematics") is CemcParticipantRole.SSL
    assert rules.default_participant_role(Role.FACILITATOR, "SBM") is CemcParticipantRole.SBM
    assert rules.default_participant_role(Role.DISTRICT_OFFICER, None) is CemcParticipantRole.SEI
    assert rules.default_participant_role(Role.TEACHER, None) is None
