"""Self-assessment rules: terms, required ratings and texts, who reads it, averages per standard."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop import self_assessment as rules
from cop.access import Viewer
from cop.errors import ValidationError
from cop.self_assessment import Indicator, SelfAssessmentInput
from cop.vocab import Role, SbmStandard
from ui.charts_self_assessment import progress_chart, progress_frame

TODAY = date(2026, 11, 25)  # term 1 of 2026/27
ITEMS = [
    {"key": f"{s.value}_{i}", "label": f"{s.label} {i}", "group": s.value, "scale": [1, 4]}
    for s in SbmStandard
    for i in (1, 2)
]
QUESTIONS = rules.indicators(ITEMS)


def _input(**changes: object) -> SelfAssessmentInput:
    values: dict[str, object] = {
        "school_year": 2026,
        "term": "1",
        "answers": {q.key: 3 for q in QUESTIONS},
        "cpd_activities": "Two CoP sessions; three lesson observations.",
        "impact_reflection": "Teachers bring evidence to the CoP.",
    }
    values.update(changes)
    return SelfAssessmentInput(**values)  # type: ignore[arg-type]


def _errors(data: SelfAssessmentInput) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        rules.clean_self_assessment(data, QUESTIONS, today=TODAY)
    return caught.value.errors


def test_terms_follow_rwandas_school_year_from_september() -> None:
    assert (rules.school_year_of(date(2026, 11, 25)), rules.term_of(date(2026, 11, 25))) == (2026, "1")
    assert (rules.school_year_of(date(2027, 2, 1)), rules.term_of(date(2027, 2, 1))) == (2026, "2")
    assert (rules.school_year_of(date(2027, 8, 10)), rules.term_of(date(2027, 8, 10))) == (2026, "3")
    assert rules.term_label(2026, "2") == "2026/27 term 2"
    assert rules.term_order(2025, "3") < rules.term_order(2026, "1") < rules.term_order(2026, "2")


def test_indicators_are_grouped_standard_by_standard_keeping_their_order() -> None:
    shuffled = list(reversed(ITEMS))
    standards = [q.standard for q in rules.indicators(shuffled)]
    assert standards == [s for s in SbmStandard for _ in (1, 2)]


def test_a_complete_form_is_cleaned_with_texts_trimmed() -> None:
    clean = rules.clean_self_assessment(_input(cpd_activities="  CoP sessions  "), QUESTIONS, today=TODAY)
    assert clean.cpd_activities == "CoP sessions" and clean.answers == {q.key: 3 for q in QUESTIONS}


def test_every_unrated_indicator_and_missing_text_is_named() -> None:
    answers = {q.key: 3 for q in QUESTIONS[1:]}
    errors = _errors(_input(answers=answers, cpd_activities=" ", impact_reflection=None))
    assert set(errors) == {f"answer_{QUESTIONS[0].key}", "cpd_activities", "impact_reflection"}
    assert errors[f"answer_{QUESTIONS[0].key}"] == "Give a rating from 1 to 4."


@pytest.mark.parametrize("bad", [0, 5, 2.5, "x", True, float("nan"), -1])
def test_a_rating_outside_the_items_scale_is_refused(bad: object) -> None:
    answers = {q.key: 3 for q in QUESTIONS} | {QUESTIONS[2].key: bad}
    assert "whole number from 1 to 4" in _errors(_input(answers=answers))[f"answer_{QUESTIONS[2].key}"]


def test_a_rating_of_a_question_not_on_the_form_is_refused() -> None:
    answers = {q.key: 3 for q in QUESTIONS} | {"invented": 2}
    assert "invented" in _errors(_input(answers=answers))["answers"]


def test_a_term_that_has_not_started_and_a_far_year_are_refused() -> None:
    assert "not started yet" in _errors(_input(term="2"))["term"]
    assert "not started yet" in _errors(_input(school_year=2026, term="3"))["term"]
    assert "from 2015 to 2026" in _errors(_input(school_year=2027))["school_year"]
    assert "from 2015" in _errors(_input(school_year=1999))["school_year"]
    assert _errors(_input(term="4"))["term"] == "Choose term 1, 2 or 3."
    rules.clean_self_assessment(_input(school_year=2025, term="3"), QUESTIONS, today=TODAY)


def test_too_long_a_reflection_is_refused() -> None:
    errors = _errors(_input(impact_reflection="x" * (rules.TEXT_MAX + 1)))
    assert errors == {"impact_reflection": f"Use at most {rules.TEXT_MAX} characters."}


@given(
    answers=st.dictionaries(
        st.sampled_from([q.key for q in QUESTIONS]),
        st.one_of(st.none(), st.integers(-5, 9), st.text(max_size=3), st.floats(allow_nan=True)),
    ),
    cpd=st.one_of(st.none(), st.text(max_size=20)),
)
def test_any_input_is_either_clean_or_refused_with_named_fields(answers: dict, cpd: str | None) -> None:
    try:
        clean = rules.clean_self_assessment(
            _input(answers=answers, cpd_activities=cpd), QUESTIONS, today=TODAY
        )
    except ValidationError as invalid:
        assert invalid.errors and all(isinstance(m, str) and m for m in invalid.errors.values())
    else:
        assert set(clean.answers) == {q.key for q in QUESTIONS}
        assert all(1 <= v <= 4 for v in clean.answers.values())


def _viewer(role: Role, person: str = "p-viewer") -> Viewer:
    return Viewer(person_id=person, role=role)


def test_only_a_facilitator_fills_and_only_their_own_record_is_editable() -> None:
    sbm = _viewer(Role.FACILITATOR, "sbm")
    assert rules.may_fill(sbm) and rules.may_edit(sbm, "sbm") and not rules.may_edit(sbm, "other")
    for role in set(Role) - {Role.FACILITATOR}:
        assert not rules.may_fill(_viewer(role)) and not rules.may_edit(_viewer(role, "x"), "x")


@pytest.mark.parametrize(
    ("role", "in_reach", "assigned", "reads"),
    [
        (Role.ADMIN, False, False, True),
        (Role.NATIONAL_OFFICER, False, False, True),
        (Role.DISTRICT_OFFICER, True, False, True),
        (Role.DISTRICT_OFFICER, False, False, False),
        (Role.HEAD_TEACHER, True, False, True),
        (Role.HEAD_TEACHER, False, False, False),
        (Role.FIELD_FACILITATOR, True, False, False),  # the school alone is not enough: assigned to the SBM
        (Role.FIELD_FACILITATOR, False, True, True),
        (Role.FACILITATOR, True, False, False),  # a colleague at the same school
        (Role.TEACHER, True, False, False),
        (Role.TTC_TUTOR, True, True, False),
    ],
)
def test_who_reads_someone_elses_self_assessment(
    role: Role, in_reach: bool, assigned: bool, reads: bool
) -> None:
    viewer = _viewer(role)
    assert (
        rules.may_read(viewer, owner_id="sbm", school_in_reach=in_reach, assigned_to_viewer=assigned) is reads
    )
    assert rules.may_read(viewer, owner_id=viewer.person_id, school_in_reach=False, assigned_to_viewer=False)


def test_averages_per_standard_put_other_scales_on_one_to_four() -> None:
    questions = [
        Indicator("a", "A", SbmStandard.COACH_IN_ENGLISH, 1, 4),
        Indicator("b", "B", SbmStandard.COACH_IN_ENGLISH, 1, 4),
        Indicator("c", "C", SbmStandard.EXPERT_TEACHING, 0, 10),
    ]
    averages = rules.standard_averages(questions, {"a": 2, "b": 3, "c": 10})
    assert averages[SbmStandard.COACH_IN_ENGLISH] == 2.5
    assert averages[SbmStandard.EXPERT_TEACHING] == 4.0
    assert averages[SbmStandard.CPD_ORGANISER] is None
    assert rules.overall_average(averages) == 3.25


def test_progress_points_run_oldest_term_first_one_per_standard() -> None:
    low = {q.key: 2 for q in QUESTIONS}
    high = {q.key: 4 for q in QUESTIONS}
    points = rules.progress_points([(2026, "1", QUESTIONS, high), (2025, "3", QUESTIONS, low)])
    assert [p.term for p in points] == ["2025/26 term 3"] * 4 + ["2026/27 term 1"] * 4
    assert [p.standard for p in points[:4]] == [s.label for s in SbmStandard]
    assert {p.average for p in points[:4]} == {2.0} and {p.average for p in points[4:]} == {4.0}


def test_the_progress_chart_is_a_line_per_standard_over_terms_in_time_order() -> None:
    low = {q.key: 2 for q in QUESTIONS}
    points = rules.progress_points([(2026, "1", QUESTIONS, low), (2025, "3", QUESTIONS, low)])
    frame = progress_frame(points)
    assert list(frame.columns) == ["Term", "Standard", "Average"] and len(frame) == 8
    spec = progress_chart(frame).to_dict()
    assert spec["mark"]["type"] == "line" and spec["mark"]["point"] is True
    enc = spec["encoding"]
    assert enc["x"]["field"] == "Term" and enc["x"]["sort"] == ["2025/26 term 3", "2026/27 term 1"]
    assert enc["y"]["field"] == "Average" and enc["y"]["scale"]["domain"] == [1, 4]
    assert enc["color"]["field"] == "Standard" and enc["color"]["sort"] == [s.label for s in SbmStandard]
    (dataset,) = spec["datasets"].values()
    assert len(dataset) == 8


def test_the_chart_of_no_points_is_still_a_valid_chart() -> None:
    spec = progress_chart(progress_frame([])).to_dict()
    assert spec["encoding"]["x"]["sort"] == []
