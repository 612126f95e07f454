"""The TTC school visit's rules: who records and reads it, the checklist per new teacher, and its checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop import ttc_visit as tv
from cop.access import Viewer
from cop.errors import ValidationError
from cop.vocab import Role

TODAY = date(2026, 11, 20)
ITEMS = tv.checklist_items(
    [
        {"key": "orientation", "label": "Welcomed and oriented", "group": "induction"},
        {"key": "portfolio", "label": "Keeps a portfolio", "group": "induction"},
    ]
)
TEACHERS = {"t1": "Patrick Mugisha", "t2": "Aimee Uwase"}
FACILITATORS = {"f1": "Eric Niyonzima (SBM)"}


def _visit(**changes: object) -> tv.TtcVisitInput:
    base = tv.TtcVisitInput(
        school_id="s1",
        visit_date=TODAY - timedelta(days=1),
        template_id="tpl",
        facilitator_id="f1",
        feedback="  Invite new teachers to bring one challenge each.  ",
        marks={
            ("t1", "orientation"): tv.Mark(True, None),
            ("t1", "portfolio"): tv.Mark(False, " next week "),
        },
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _clean(data: tv.TtcVisitInput, **kwargs: object) -> tv.TtcVisitInput:
    args: dict = {"new_teachers": TEACHERS, "facilitators": FACILITATORS, "today": TODAY, **kwargs}
    return tv.clean_ttc_visit(data, ITEMS, **args)


def test_every_new_teacher_gets_a_mark_for_every_activity_unchecked_ones_as_not_done() -> None:
    clean = _clean(_visit())
    assert set(clean.marks) == {(t, i.key) for t in TEACHERS for i in ITEMS}
    assert clean.marks[("t1", "orientation")] == tv.Mark(True, None)
    assert clean.marks[("t1", "portfolio")] == tv.Mark(False, "next week")
    assert clean.marks[("t2", "portfolio")] == tv.Mark(False, None)
    assert clean.feedback == "Invite new teachers to bring one challenge each."


def test_missing_school_date_facilitator_and_feedback_are_named_at_once() -> None:
    with pytest.raises(ValidationError) as refused:
        _clean(_visit(school_id=None, visit_date=None, facilitator_id=None, feedback="  "))
    assert set(refused.value.errors) == {"school_id", "visit_date", "facilitator_id", "feedback"}


def test_a_school_without_an_sbm_or_ssl_may_be_visited_without_naming_one() -> None:
    assert _clean(_visit(facilitator_id=None), facilitators={}).facilitator_id is None


def test_a_facilitator_of_another_school_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        _clean(_visit(facilitator_id="someone-else"))
    assert set(refused.value.errors) == {"facilitator_id"}


def test_future_and_implausibly_old_dates_are_refused() -> None:
    for day in (TODAY + timedelta(days=1), date(2010, 5, 1)):
        with pytest.raises(ValidationError) as refused:
            _clean(_visit(visit_date=day))
        assert set(refused.value.errors) == {"visit_date"}


def test_a_mark_for_a_teacher_who_is_not_new_at_this_school_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        _clean(_visit(marks={("stranger", "orientation"): tv.Mark(True)}))
    assert "not part of this visit" in refused.value.errors["checklist"]


def test_a_long_note_is_refused_naming_the_teacher_and_the_activity() -> None:
    with pytest.raises(ValidationError) as refused:
        _clean(_visit(marks={("t2", "portfolio"): tv.Mark(False, "n" * (tv.MAX_NOTE + 1))}))
    assert refused.value.errors["checklist"] == (
        "The note on 'Keeps a portfolio' for Aimee Uwase is longer than 500 characters."
    )


def test_a_visit_needs_a_checklist_template() -> None:
    with pytest.raises(ValidationError) as refused:
        _clean(_visit(template_id=None))
    assert set(refused.value.errors) == {"template_id"}


def test_a_school_without_new_teachers_has_an_empty_checklist() -> None:
    assert _clean(_visit(marks={}), new_teachers={}).marks == {}


def test_progress_counts_activities_done_per_teacher() -> None:
    marks = _clean(_visit()).marks
    result = tv.progress(marks, TEACHERS)
    assert (result["t1"].done, result["t1"].total) == (1, 2)
    assert result["t2"].share == 0.0
    assert tv.progress({}, ["t9"])["t9"].share == 0.0


def test_weeks_in_service_count_whole_weeks_since_the_start_date() -> None:
    assert tv.weeks_in_service(date(2026, 10, 1), date(2026, 10, 15)) == 2
    assert tv.weeks_in_service(None, TODAY) is None
    assert tv.weeks_in_service(TODAY, TODAY - timedelta(days=1)) is None


def test_a_malformed_checklist_template_is_read_without_crashing() -> None:
    assert tv.checklist_items([{"key": ""}, {"key": "a"}, {"key": "a", "label": "dup"}, {}]) == [
        tv.ChecklistItem("a", "a", None)
    ]


@pytest.mark.parametrize(
    ("role", "records", "reads"),
    [
        (Role.TTC_TUTOR, True, True),
        (Role.ADMIN, False, True),
        (Role.NATIONAL_OFFICER, False, True),
        (Role.DISTRICT_OFFICER, False, True),
        (Role.HEAD_TEACHER, False, True),
        (Role.FACILITATOR, False, True),
        (Role.FIELD_FACILITATOR, False, False),
        (Role.TEACHER, False, False),
    ],
)
def test_tutors_record_visits_and_the_school_and_officials_read_them(
    role: Role, records: bool, reads: bool
) -> None:
    viewer = Viewer(person_id="p", role=role)
    assert (tv.may_record(viewer), tv.may_read(viewer)) == (records, reads)


def test_only_the_tutor_or_an_administrator_edits_a_visit() -> None:
    assert tv.may_edit(Viewer("me", Role.TTC_TUTOR), "me")
    assert not tv.may_edit(Viewer("me", Role.TTC_TUTOR), "other tutor")
    assert tv.may_edit(Viewer("a", Role.ADMIN), "other tutor")
    assert not tv.may_edit(Viewer("me", Role.HEAD_TEACHER), "me")


@given(
    marks=st.dictionaries(
        st.tuples(st.sampled_from(["t1", "t2", "t3"]), st.sampled_from(["orientation", "portfolio", "zz"])),
        st.builds(tv.Mark, st.booleans(), st.one_of(st.none(), st.text(max_size=600))),
        max_size=6,
    ),
    feedback=st.text(max_size=20),
)
def test_any_checklist_is_either_complete_and_clean_or_refused_by_field(
    marks: dict[tuple[str, str], tv.Mark], feedback: str
) -> None:
    try:
        clean = _clean(_visit(marks=marks, feedback=feedback))
    except ValidationError as refused:
        assert refused.errors and set(refused.errors) <= set(tv.FIELD_LABELS)
    else:
        assert set(clean.marks) == {(t, i.key) for t in TEACHERS for i in ITEMS}
        assert all(m.note is None or 0 < len(m.note) <= tv.MAX_NOTE for m in clean.marks.values())
