"""Lesson observation rules: every practice rated 1-5, sensible dates, who records and edits, strengths."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop.errors import ValidationError
from cop.observation import (
    MAX_NOTES,
    ObservationInput,
    Practice,
    PracticeStanding,
    clean_observation,
    may_edit,
    may_record,
    mean_rating,
    standing,
)
from cop.vocab import Role

TODAY = date(2026, 11, 20)
PRACTICES = [
    Practice("p1", "Objectives shared"),
    Practice("p2", "Group work"),
    Practice("p3", "Checks understanding"),
]
TEACHERS = {"t1", "t2"}


def _input(**changes: object) -> ObservationInput:
    values: dict[str, object] = {
        "teacher_id": "t1",
        "subject": " Mathematics ",
        "grade": "P4",
        "observed_on": TODAY - timedelta(days=1),
        "ratings": {"p1": 4, "p2": 5, "p3": 2},
        "notes": "  Good pace.  ",
    }
    values.update(changes)
    return ObservationInput(**values)  # type: ignore[arg-type]


def _errors(data: ObservationInput, practices: list[Practice] = PRACTICES) -> dict[str, str]:
    with pytest.raises(ValidationError) as refused:
        clean_observation(data, practices, teacher_ids=TEACHERS, today=TODAY)
    return refused.value.errors


def test_a_complete_observation_is_trimmed_and_keeps_one_rating_per_practice() -> None:
    clean = clean_observation(_input(), PRACTICES, teacher_ids=TEACHERS, today=TODAY)
    assert (clean.subject, clean.grade, clean.notes) == ("Mathematics", "P4", "Good pace.")
    assert clean.ratings == {"p1": 4, "p2": 5, "p3": 2}


def test_every_missing_field_is_named_at_once() -> None:
    errors = _errors(ObservationInput(None, "", "  ", None, {}, None))
    assert set(errors) == {"teacher", "subject", "grade", "observed_on", "ratings"}


def test_an_unrated_practice_is_named_in_the_message() -> None:
    errors = _errors(_input(ratings={"p1": 4, "p2": None, "p3": 6}))
    assert errors == {
        "ratings": "Rate every practice from 1 to 5; not rated: Group work; Checks understanding."
    }


def test_ratings_of_practices_not_on_the_form_are_ignored() -> None:
    clean = clean_observation(
        _input(ratings={"p1": 4, "p2": 5, "p3": 2, "retired": 1}),
        PRACTICES,
        teacher_ids=TEACHERS,
        today=TODAY,
    )
    assert "retired" not in clean.ratings


@pytest.mark.parametrize(
    ("day", "message"),
    [(TODAY + timedelta(days=1), "future"), (TODAY - timedelta(days=800), "two years")],
)
def test_a_lesson_in_the_future_or_years_ago_is_refused(day: date, message: str) -> None:
    assert message in _errors(_input(observed_on=day))["observed_on"]


def test_a_teacher_of_another_school_or_the_observer_is_refused() -> None:
    assert "this school" in _errors(_input(teacher_id="someone else"))["teacher"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("subject", "x" * 81), ("grade", "g" * 33), ("notes", "n" * (MAX_NOTES + 1)), ("notes", "a\x00b")],
)
def test_too_long_or_unstorable_text_is_refused(field: str, value: str) -> None:
    assert field in _errors(_input(**{field: value}))


def test_an_empty_practice_list_is_explained() -> None:
    assert "No teaching practice is active" in _errors(_input(), [])["ratings"]


@given(
    teacher=st.one_of(st.none(), st.sampled_from(["t1", "x", ""])),
    subject=st.one_of(st.none(), st.text(max_size=90)),
    grade=st.one_of(st.none(), st.text(max_size=40)),
    days=st.one_of(st.none(), st.integers(-1000, 1000)),
    ratings=st.dictionaries(st.sampled_from(["p1", "p2", "p3"]), st.one_of(st.none(), st.integers(-3, 9))),
    notes=st.one_of(st.none(), st.text(max_size=50)),
)
def test_any_input_is_either_clean_or_refused_with_named_fields(
    teacher: str | None,
    subject: str | None,
    grade: str | None,
    days: int | None,
    ratings: dict,
    notes: str | None,
) -> None:
    day = None if days is None else TODAY - timedelta(days=days)
    data = ObservationInput(teacher, subject, grade, day, ratings, notes)
    try:
        clean = clean_observation(data, PRACTICES, teacher_ids=TEACHERS, today=TODAY)
    except ValidationError as refused:
        assert refused.errors and set(refused.errors) <= {
            "teacher",
            "subject",
            "grade",
            "observed_on",
            "ratings",
            "notes",
        }
    else:
        assert set(clean.ratings.values()) <= {1, 2, 3, 4, 5} and len(clean.ratings) == 3
        assert clean.observed_on is not None and clean.observed_on <= TODAY


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.FACILITATOR, True),
        (Role.HEAD_TEACHER, True),
        (Role.TEACHER, False),
        (Role.DISTRICT_OFFICER, False),
    ],
)
def test_sbms_ssls_and_head_teachers_record_observations(role: Role, allowed: bool) -> None:
    assert may_record(role) is allowed


def test_the_observer_or_the_head_teacher_of_the_school_edits_an_observation() -> None:
    assert may_edit(Role.FACILITATOR, is_observer=True, same_school=True)
    assert not may_edit(Role.FACILITATOR, is_observer=False, same_school=True)
    assert may_edit(Role.HEAD_TEACHER, is_observer=False, same_school=True)
    assert not may_edit(Role.HEAD_TEACHER, is_observer=True, same_school=False)
    assert not may_edit(Role.NATIONAL_OFFICER, is_observer=False, same_school=False)


def test_practices_averaging_four_or_more_are_strengths_the_others_areas_to_improve() -> None:
    assert standing(4.0) is PracticeStanding.STRENGTH
    assert standing(3.99) is PracticeStanding.IMPROVE
    assert mean_rating([4, 5, 2]) == 3.67
    assert mean_rating([]) is None
