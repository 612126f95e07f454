"""The rules of the supportive field visit report: who writes and reads it, what it needs, and how its
next steps follow its edits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop.access import Viewer
from cop.errors import ValidationError
from cop.field_visit import (
    MAX_STEPS,
    MAX_TEXT,
    ExistingAction,
    FieldVisitInput,
    ReadScope,
    StepInput,
    VisitParties,
    clean_field_visit,
    clean_text,
    may_edit,
    may_read,
    may_record,
    next_steps_summary,
    plan_action_changes,
    rating_label,
    read_scope,
)
from cop.vocab import Role

TODAY = date(2026, 11, 20)
SBM, HT, URCE, OTHER = "sbm-1", "ht-1", "urce-1", "someone"
SCHOOL = "school-1"
VISIT = VisitParties(facilitator_id=URCE, sbm_id=SBM, school_id=SCHOOL)
OWNERS = {SBM, HT, URCE}


def _viewer(role: Role, person_id: str = OTHER, school_id: str | None = None) -> Viewer:
    return Viewer(person_id=person_id, role=role, school_id=school_id)


def _report(**changes: object) -> FieldVisitInput:
    values: dict[str, object] = {
        "sbm_id": SBM,
        "visit_date": TODAY - timedelta(days=1),
        "priority_challenges": "Learners wait while faster ones finish.",
        "coaching_given": "Planned a differentiated task with the SBM.",
        "sbm_cpd_progress": "Portfolio up to date.",
        "school_cpd_activities": "Weekly CoP sessions.",
        "practice_rating": 3,
        "steps": (StepInput("Observe two P4 lessons", SBM, TODAY + timedelta(days=14)),),
    }
    values.update(changes)
    return FieldVisitInput(**values)  # type: ignore[arg-type]


def _errors(data: FieldVisitInput, **kwargs: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        clean_field_visit(data, today=TODAY, owner_ids=OWNERS, **kwargs)  # type: ignore[arg-type]
    return caught.value.errors


# --- who


def test_only_a_urce_facilitator_records_and_only_for_an_assigned_sbm() -> None:
    assert may_record(_viewer(Role.FIELD_FACILITATOR, URCE), sbm_assigned=True)
    assert not may_record(_viewer(Role.FIELD_FACILITATOR, URCE), sbm_assigned=False)
    for role in Role:
        if role is not Role.FIELD_FACILITATOR:
            assert not may_record(_viewer(role), sbm_assigned=True), role


def test_only_the_visitor_who_wrote_a_report_edits_it() -> None:
    assert may_edit(_viewer(Role.FIELD_FACILITATOR, URCE), VISIT)
    assert not may_edit(_viewer(Role.FIELD_FACILITATOR, "another-urce"), VISIT)
    assert not may_edit(_viewer(Role.ADMIN, URCE), VISIT)
    assert not may_edit(_viewer(Role.FACILITATOR, SBM, SCHOOL), VISIT)


def test_the_report_is_shared_with_the_sbm_and_their_head_teacher_only_at_school() -> None:
    assert may_read(_viewer(Role.FACILITATOR, SBM, SCHOOL), VISIT, school_in_reach=True, sbm_assigned=False)
    assert may_read(_viewer(Role.HEAD_TEACHER, HT, SCHOOL), VISIT, school_in_reach=True, sbm_assigned=False)
    # A colleague SBM / SSL of the same school does not read another SBM's coaching.
    assert not may_read(
        _viewer(Role.FACILITATOR, "ssl", SCHOOL), VISIT, school_in_reach=True, sbm_assigned=False
    )
    assert not may_read(
        _viewer(Role.HEAD_TEACHER, "other-ht", "school-2"), VISIT, school_in_reach=False, sbm_assigned=False
    )
    assert not may_read(_viewer(Role.TEACHER, "t", SCHOOL), VISIT, school_in_reach=True, sbm_assigned=False)
    assert not may_read(_viewer(Role.TTC_TUTOR, "ttc"), VISIT, school_in_reach=True, sbm_assigned=False)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.NATIONAL_OFFICER, Role.DISTRICT_OFFICER])
def test_officials_read_the_reports_of_schools_in_their_reach(role: Role) -> None:
    assert read_scope(_viewer(role)) is ReadScope.REACH
    assert may_read(_viewer(role), VISIT, school_in_reach=True, sbm_assigned=False)
    assert not may_read(_viewer(role), VISIT, school_in_reach=False, sbm_assigned=False)


def test_a_urce_facilitator_reads_their_own_reports_and_those_on_their_sbms() -> None:
    me = _viewer(Role.FIELD_FACILITATOR, URCE)
    colleague = _viewer(Role.FIELD_FACILITATOR, "another-urce")
    assert may_read(me, VISIT, school_in_reach=False, sbm_assigned=False)
    assert may_read(colleague, VISIT, school_in_reach=True, sbm_assigned=True)
    assert not may_read(colleague, VISIT, school_in_reach=True, sbm_assigned=False)


# --- what a report needs


def test_a_complete_report_is_trimmed_and_kept() -> None:
    data = _report(coaching_given="  Co-planned the session.\r\nPractised ALACT.  ")
    cleaned = clean_field_visit(data, today=TODAY, owner_ids=OWNERS)
    assert cleaned.coaching_given == "Co-planned the session.\nPractised ALACT."
    assert cleaned.steps[0].description == "Observe two P4 lessons"


def test_an_empty_report_names_every_missing_field() -> None:
    errors = _errors(FieldVisitInput(sbm_id=None, visit_date=None))
    assert set(errors) == {
        "sbm_id",
        "visit_date",
        "priority_challenges",
        "coaching_given",
        "sbm_cpd_progress",
        "school_cpd_activities",
        "practice_rating",
        "steps",
    }


def test_a_visit_cannot_be_in_the_future_or_more_than_a_year_ago() -> None:
    assert "future" in _errors(_report(visit_date=TODAY + timedelta(days=1)))["visit_date"]
    assert "year" in _errors(_report(visit_date=TODAY - timedelta(days=400)))["visit_date"]
    # An edit keeps an older visit's own date.
    old = TODAY - timedelta(days=400)
    kept = _report(visit_date=old, steps=(StepInput("Keep notes", SBM, old + timedelta(days=7)),))
    assert clean_field_visit(kept, today=TODAY, owner_ids=OWNERS, earliest=old).visit_date == old


@pytest.mark.parametrize("rating", [0, 5, -1, None, True])
def test_the_practice_rating_is_1_to_4(rating: object) -> None:
    assert "1 to 4" in _errors(_report(practice_rating=rating))["practice_rating"]


def test_each_step_needs_what_who_and_a_due_date_on_or_after_the_visit() -> None:
    visit_on = TODAY - timedelta(days=1)
    steps = (
        StepInput("   ", None, None),
        StepInput("Share the role cards", "a stranger", visit_on - timedelta(days=1)),
        StepInput("Plan the next session", SBM, visit_on + timedelta(days=400)),
    )
    errors = _errors(_report(steps=steps))
    assert set(errors) == {
        "step_1_description",
        "step_1_owner",
        "step_1_due_on",
        "step_2_owner",
        "step_2_due_on",
        "step_3_due_on",
    }
    assert "before the visit" in errors["step_2_due_on"]


def test_too_much_text_or_too_many_steps_is_refused() -> None:
    assert "4,000" in _errors(_report(coaching_given="x" * (MAX_TEXT + 1)))["coaching_given"]
    steps = tuple(StepInput(f"Step {i}", SBM, TODAY) for i in range(MAX_STEPS + 1))
    assert "at most" in _errors(_report(steps=steps))["steps"]


@given(st.text(max_size=60))
def test_any_typed_text_is_kept_without_control_characters(text: str) -> None:
    cleaned = clean_text(text)
    assert "\x00" not in cleaned and "\r" not in cleaned
    assert cleaned == cleaned.strip()


@given(
    rating=st.one_of(st.none(), st.integers(-5, 10)),
    days=st.integers(-800, 30),
    text=st.text(max_size=20),
)
def test_clean_either_accepts_or_names_fields_never_crashes(rating: int | None, days: int, text: str) -> None:
    data = _report(practice_rating=rating, visit_date=TODAY + timedelta(days=days), coaching_given=text)
    try:
        cleaned = clean_field_visit(data, today=TODAY, owner_ids=OWNERS)
    except ValidationError as error:
        assert error.errors and set(error.errors) <= {"practice_rating", "visit_date", "coaching_given"} | {
            "step_1_due_on"
        }
    else:
        assert cleaned.practice_rating in {1, 2, 3, 4} and cleaned.coaching_given


def test_rating_labels_read_as_words() -> None:
    assert rating_label(2) == "2 - Developing"
    assert rating_label(None) == ""


# --- next steps and their actions


def _action(i: str, status: str = "open", **changes: object) -> ExistingAction:
    values: dict[str, object] = {
        "id": i,
        "description": f"Step {i}",
        "owner_id": SBM,
        "due_on": TODAY,
        "status": status,
        "version": 1,
    }
    values.update(changes)
    return ExistingAction(**values)  # type: ignore[arg-type]


def _step(a: ExistingAction, **changes: object) -> StepInput:
    return replace(StepInput(a.description, a.owner_id, a.due_on, a.id, a.version), **changes)


def test_editing_adds_changes_and_cancels_actions_and_leaves_untouched_ones_alone() -> None:
    same, changed, removed, done = _action("a"), _action("b"), _action("c"), _action("d", "done")
    new = StepInput("Invite the head teacher", HT, TODAY)
    plan = plan_action_changes(
        [same, changed, removed, done, _action("e", "cancelled")],
        [_step(same), _step(changed, due_on=TODAY + timedelta(days=3)), _step(done), new],
    )
    assert plan.add == (new,)
    assert [a.id for a, _ in plan.change] == ["b"]
    assert [a.id for a in plan.cancel] == ["c"]


def test_a_done_step_can_be_neither_changed_nor_removed() -> None:
    done = _action("d", "done")
    with pytest.raises(ValidationError) as changed:
        plan_action_changes([done], [_step(done, description="Something else")])
    assert "done already" in changed.value.errors["step_1_description"]
    with pytest.raises(ValidationError) as removed:
        plan_action_changes([done], [StepInput("Another", SBM, TODAY)])
    assert "stays on the report" in removed.value.errors["steps"]


def test_a_step_whose_action_was_cancelled_meanwhile_is_refused() -> None:
    gone = _action("g", "cancelled")
    with pytest.raises(ValidationError):
        plan_action_changes([gone], [_step(gone)])


def test_saving_unchanged_steps_plans_nothing() -> None:
    a, b = _action("a"), _action("b", "done")
    assert plan_action_changes([a, b], [_step(a), _step(b)]).empty
    assert next_steps_summary([_step(a), _step(b)]) == "Step a; Step b"
