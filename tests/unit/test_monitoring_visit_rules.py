"""The CoP monitoring form's rules: who records, edits and reads visits, the 1-4 scale, and its checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop import monitoring_visit as mv
from cop.access import Viewer
from cop.errors import ValidationError
from cop.vocab import Role

TODAY = date(2026, 11, 20)
TEMPLATE = [
    {"key": "regularity", "label": "Sessions are regular", "group": "practice", "scale": [1, 4]},
    {"key": "cycle_followed", "label": "Cycle followed", "group": "practice", "scale": [1, 4]},
    {"key": "documentation", "label": "Documented", "group": "practice", "scale": [1, 4]},
    {"key": "outputs", "label": "Outputs stored and used", "group": "practice", "scale": [1, 4]},
    {"key": "comment", "label": "Anything else seen", "group": "other"},
]
ITEMS = mv.form_items(TEMPLATE)
ALL_RATINGS = dict.fromkeys((*mv.PRACTICE_FIELDS, *mv.ENABLER_FIELDS), 3)


def _visit(**changes: object) -> mv.MonitoringInput:
    base = mv.MonitoringInput(
        school_id="school-1",
        visit_date=TODAY - timedelta(days=2),
        cop_id="cop-1",
        ratings=dict(ALL_RATINGS),
        answers={"outputs": 2},
        observations="  Members brought evidence.  ",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _viewer(role: Role, person: str = "p1") -> Viewer:
    return Viewer(person_id=person, role=role)


def test_a_complete_visit_is_accepted_with_its_text_trimmed_and_empty_text_as_none() -> None:
    clean = mv.clean_monitoring(_visit(), ITEMS, today=TODAY)
    assert clean.observations == "Members brought evidence."
    assert clean.recommendations_leadership is None
    assert clean.answers == {"outputs": 2}


def test_every_missing_rating_is_named_at_once() -> None:
    with pytest.raises(ValidationError) as refused:
        mv.clean_monitoring(_visit(ratings={}, answers={}), ITEMS, today=TODAY)
    expected = {*mv.PRACTICE_FIELDS, *mv.ENABLER_FIELDS, "answer_outputs"}
    assert set(refused.value.errors) == expected


def test_a_school_and_a_date_are_required() -> None:
    with pytest.raises(ValidationError) as refused:
        mv.clean_monitoring(_visit(school_id=None, visit_date=None), ITEMS, today=TODAY)
    assert set(refused.value.errors) == {"school_id", "visit_date"}


def test_a_visit_cannot_be_dated_in_the_future_or_before_the_programme() -> None:
    for day in (TODAY + timedelta(days=1), date(2017, 12, 31)):
        with pytest.raises(ValidationError) as refused:
            mv.clean_monitoring(_visit(visit_date=day), ITEMS, today=TODAY)
        assert set(refused.value.errors) == {"visit_date"}
    assert mv.clean_monitoring(_visit(visit_date=TODAY), ITEMS, today=TODAY).visit_date == TODAY


@pytest.mark.parametrize("bad", [0, 5, -1, True, "3", 2.5])
def test_a_rating_outside_one_to_four_is_refused(bad: object) -> None:
    with pytest.raises(ValidationError) as refused:
        mv.clean_monitoring(_visit(ratings={**ALL_RATINGS, "enabler_inquiry": bad}), ITEMS, today=TODAY)
    assert set(refused.value.errors) == {"enabler_inquiry"}


def test_long_text_is_refused_with_its_length() -> None:
    with pytest.raises(ValidationError) as refused:
        mv.clean_monitoring(_visit(observations="x" * (mv.MAX_TEXT + 1)), ITEMS, today=TODAY)
    assert "now 4001" in refused.value.errors["observations"]


def test_an_unscaled_template_item_is_optional_text_and_unknown_answers_are_dropped() -> None:
    clean = mv.clean_monitoring(
        _visit(answers={"outputs": 4, "comment": " tidy staff room ", "stray": 9}), ITEMS, today=TODAY
    )
    assert clean.answers == {"outputs": 4, "comment": "tidy staff room"}


def test_the_template_words_the_column_questions_and_the_enablers_come_from_the_vocabulary() -> None:
    labels = mv.field_labels(ITEMS)
    assert labels["regularity"] == "Sessions are regular"
    assert labels["enabler_purpose_focus"] == "Purpose and focus"
    assert labels["answer_outputs"] == "Outputs stored and used"
    assert [i.key for i in mv.extra_items(ITEMS)] == ["outputs", "comment"]
    # Without a template the columns keep their built-in wording.
    assert mv.practice_labels([])["documentation"] == mv.PRACTICE_FIELDS["documentation"]


def test_a_malformed_template_is_read_without_crashing() -> None:
    items = mv.form_items(
        [
            {"key": ""},
            {"key": "a", "scale": [4, 1]},
            {"key": "a"},
            {"key": "b", "scale": "1-4"},
            {"label": "x"},
        ]
    )
    assert items == [mv.FormItem("a", "a", None, None), mv.FormItem("b", "b", None, None)]


def test_ratings_read_with_their_labels_and_enablers_average() -> None:
    assert mv.rating_text(3) == "3 - Established"
    assert mv.rating_text(None) == "-"
    assert mv.rating_text(5, (1, 5)) == "5"
    ratings = {"enabler_inquiry": 2, "enabler_leadership": 4, "regularity": 1, "enabler_relationships": None}
    assert mv.enabler_mean(ratings) == 3.0
    assert mv.enabler_mean({}) is None


@pytest.mark.parametrize(
    ("role", "records"),
    [
        (Role.NATIONAL_OFFICER, True),
        (Role.DISTRICT_OFFICER, True),
        (Role.FIELD_FACILITATOR, True),
        (Role.ADMIN, False),
        (Role.TTC_TUTOR, False),
        (Role.HEAD_TEACHER, False),
        (Role.FACILITATOR, False),
        (Role.TEACHER, False),
    ],
)
def test_officials_record_visits_and_school_staff_only_read_them(role: Role, records: bool) -> None:
    viewer = _viewer(role)
    assert mv.may_record(viewer) is records
    assert mv.may_read(viewer) is (role not in {Role.TTC_TUTOR, Role.TEACHER})


def test_only_the_visitor_or_an_administrator_edits_a_visit() -> None:
    assert mv.may_edit(_viewer(Role.DISTRICT_OFFICER, "me"), "me")
    assert not mv.may_edit(_viewer(Role.DISTRICT_OFFICER, "me"), "someone else")
    assert mv.may_edit(_viewer(Role.ADMIN, "admin"), "someone else")
    assert not mv.may_edit(_viewer(Role.HEAD_TEACHER, "me"), "me")


def test_a_visitor_is_named_with_their_role() -> None:
    assert mv.visitor_label("Innocent", "national_officer") == "Innocent (REB / programme staff)"
    assert mv.visitor_label("Someone", "retired") == "Someone"


def test_recommendations_speak_to_the_head_teacher_and_the_facilitator() -> None:
    assert mv.RECOMMENDATION_FOR[Role.HEAD_TEACHER] == "recommendations_leadership"
    assert mv.RECOMMENDATION_FOR[Role.FACILITATOR] == "recommendations_facilitator"


ratings = st.one_of(st.none(), st.integers(-5, 9), st.booleans(), st.text(max_size=3))


@given(
    values=st.dictionaries(st.sampled_from(sorted(ALL_RATINGS)), ratings),
    day=st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2030, 12, 31))),
    text=st.text(max_size=50),
)
def test_any_input_is_either_accepted_clean_or_refused_by_field(
    values: dict[str, object], day: date | None, text: str
) -> None:
    data = _visit(ratings={**ALL_RATINGS, **values}, visit_date=day, observations=text)
    try:
        clean = mv.clean_monitoring(data, ITEMS, today=TODAY)
    except ValidationError as refused:
        assert refused.errors and set(refused.errors) <= set(mv.field_labels(ITEMS))
    else:
        assert all(isinstance(v, int) and 1 <= v <= 4 for v in clean.ratings.values())
        assert clean.visit_date is not None and clean.visit_date <= TODAY
