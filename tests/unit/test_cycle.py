"""The CoP cycle rules, as the guidelines state them (seed 000, section II)."""

from __future__ import annotations

import pickle

import pytest

from cop.cycle import ChallengeState, Cycle, TryoutState, validate
from cop.errors import (
    CopRuleError,
    InvalidTransition,
    NotPrioritisable,
    TooManyPriorities,
    TryoutNotAllowed,
    ValidationError,
)
from cop.vocab import ControlCategory, CyclePhase, EssentialActivity, SessionKind

DIRECT, INDIRECT, OUT = ControlCategory.DIRECT, ControlCategory.INDIRECT, ControlCategory.OUT_OF_CONTROL
FIRST, MIDDLE, LAST = SessionKind.FIRST, SessionKind.MIDDLE, SessionKind.LAST
TITLES = {
    "homework": "Motivating students to complete their homework",
    "large": "Formative assessment in large classes",
    "power": "Electricity cuts in the ICT room",
}


def planned_cycle(*priorities: str, **kwargs: object) -> Cycle:
    """A cycle whose first session chose these priorities and planned a try-out for each."""
    cycle = Cycle(titles=TITLES, **kwargs)
    for challenge_id in priorities or ("homework", "large"):
        cycle.add_challenge(challenge_id, DIRECT)
        cycle.prioritise(challenge_id)
        cycle.plan_tryout(challenge_id)
    cycle.hold_session(FIRST)
    return cycle


def ready_for_last_session() -> Cycle:
    """A cycle whose one middle session found an effective solution for every priority."""
    cycle = planned_cycle()
    cycle.hold_session(MIDDLE)
    for challenge in cycle.priorities():
        cycle.judge_tryout(challenge.id, effective=True)
    return cycle


def after_last_session() -> Cycle:
    cycle = ready_for_last_session()
    cycle.record_consolidation_output()
    cycle.hold_session(LAST)
    return cycle


# --- identification and prioritisation


def test_new_cycle_is_planning_and_can_only_hold_its_first_session() -> None:
    cycle = Cycle()
    assert cycle.phase is CyclePhase.PLANNING
    assert cycle.allowed_next_sessions() == [FIRST]


def test_out_of_control_challenge_goes_to_parking_lot_and_cannot_be_prioritised() -> None:
    cycle = Cycle(titles=TITLES)
    cycle.add_challenge("power", OUT)
    with pytest.raises(NotPrioritisable, match="'Electricity cuts in the ICT room' is out of your control"):
        cycle.prioritise("power")
    assert [c.id for c in cycle.parking_lot()] == ["power"]
    assert cycle.priorities() == []


def test_direct_and_indirect_challenges_can_be_prioritised() -> None:
    cycle = Cycle()
    cycle.add_challenge("homework", DIRECT)
    cycle.add_challenge("large", INDIRECT)
    cycle.prioritise("homework")
    cycle.prioritise("large")
    assert [c.id for c in cycle.priorities()] == ["homework", "large"]
    assert cycle.parking_lot() == []


def test_about_two_challenges_are_prioritised() -> None:
    cycle = Cycle(titles=TITLES)
    for challenge_id in ("homework", "large", "gender"):
        cycle.add_challenge(challenge_id, DIRECT)
    cycle.prioritise("homework")
    cycle.prioritise("large")
    with pytest.raises(TooManyPriorities, match="already has 2 priorities") as refused:
        cycle.prioritise("gender")
    assert "'gender'" in str(refused.value)
    assert len(cycle.priorities()) == 2


def test_a_school_may_agree_on_another_number_of_priorities() -> None:
    cycle = Cycle(max_priorities=3)
    for challenge_id in ("a", "b", "c"):
        cycle.add_challenge(challenge_id, INDIRECT)
        cycle.prioritise(challenge_id)
    assert len(cycle.priorities()) == 3


def test_prioritising_a_priority_again_changes_nothing() -> None:
    cycle = Cycle(max_priorities=1)
    cycle.add_challenge("homework", DIRECT)
    cycle.prioritise("homework")
    cycle.prioritise("homework")
    assert [c.id for c in cycle.priorities()] == ["homework"]


def test_unprioritising_frees_a_place_for_another_challenge() -> None:
    cycle = Cycle(max_priorities=1)
    cycle.add_challenge("homework", DIRECT)
    cycle.add_challenge("large", DIRECT)
    cycle.prioritise("homework")
    cycle.unprioritise("homework")
    cycle.prioritise("large")
    assert [c.id for c in cycle.priorities()] == ["large"]


def test_priority_with_a_tryout_plan_stays_a_priority() -> None:
    cycle = planned_cycle("homework")
    with pytest.raises(InvalidTransition, match="has a try-out plan: it stays a priority"):
        cycle.unprioritise("homework")
    assert cycle.priorities()[0].is_priority


def test_challenges_can_be_added_after_the_first_session_until_the_first_middle_session() -> None:
    cycle = planned_cycle("homework")
    cycle.add_challenge("power", OUT)
    cycle.hold_session(MIDDLE)
    with pytest.raises(InvalidTransition, match="until the first middle session"):
        cycle.add_challenge("gender", DIRECT)
    assert [c.id for c in cycle.challenges] == ["homework", "power"]


def test_priorities_are_fixed_once_a_middle_session_is_held() -> None:
    cycle = planned_cycle("homework")
    cycle.add_challenge("large", DIRECT)
    cycle.hold_session(MIDDLE)
    with pytest.raises(InvalidTransition, match="Priorities are chosen before the first middle session"):
        cycle.prioritise("large")
    with pytest.raises(InvalidTransition, match="Priorities are chosen before the first middle session"):
        cycle.unprioritise("homework")


def test_a_challenge_listed_twice_is_refused_with_a_field_error() -> None:
    cycle = Cycle(titles=TITLES)
    cycle.add_challenge("homework", DIRECT)
    with pytest.raises(ValidationError) as refused:
        cycle.add_challenge("homework", INDIRECT)
    assert refused.value.errors == {
        "challenge_id": "'Motivating students to complete their homework' is already listed in this cycle"
    }
    assert len(cycle.challenges) == 1


def test_a_challenge_needs_an_id_and_a_known_control_category() -> None:
    cycle = Cycle()
    with pytest.raises(ValidationError) as refused:
        cycle.add_challenge(" ", "somewhat")  # type: ignore[arg-type]
    assert set(refused.value.errors) == {"challenge_id", "control"}
    assert str(refused.value) == "; ".join(refused.value.errors.values())
    assert cycle.challenges == []


def test_control_category_given_as_stored_text_is_accepted() -> None:
    cycle = Cycle()
    cycle.add_challenge("power", "out_of_control")  # type: ignore[arg-type]
    assert cycle.challenges == [ChallengeState("power", OUT)]


def test_an_unknown_challenge_is_named_in_the_refusal() -> None:
    with pytest.raises(ValidationError, match="There is no challenge 'ghost'"):
        Cycle().prioritise("ghost")


# --- try-outs and the middle sessions


def test_only_priorities_are_tried_out() -> None:
    cycle = Cycle(titles=TITLES)
    cycle.add_challenge("large", DIRECT)
    with pytest.raises(TryoutNotAllowed, match="is not a priority"):
        cycle.plan_tryout("large")
    assert cycle.tryouts == []


def test_tryouts_are_planned_in_the_first_session() -> None:
    cycle = Cycle()
    cycle.add_challenge("homework", DIRECT)
    cycle.prioritise("homework")
    assert cycle.plan_tryout("homework") == TryoutState("homework", attempt_no=1)
    assert cycle.essential_activities()[EssentialActivity.PLANNING]


def test_a_new_tryout_waits_for_the_results_of_the_previous_one() -> None:
    cycle = planned_cycle("homework")
    with pytest.raises(TryoutNotAllowed, match="still being tried out: record try-out 1 first"):
        cycle.plan_tryout("homework")
    assert len(cycle.tryouts) == 1


def test_middle_session_needs_the_first_session() -> None:
    cycle = Cycle()
    with pytest.raises(InvalidTransition, match="Hold the first session before any middle session"):
        cycle.hold_session(MIDDLE)
    assert cycle.sessions == []


def test_middle_session_needs_a_priority() -> None:
    cycle = Cycle()
    cycle.add_challenge("power", OUT)
    cycle.hold_session(FIRST)
    with pytest.raises(InvalidTransition, match="at least one priority"):
        cycle.hold_session(MIDDLE)
    assert cycle.sessions == [FIRST]


def test_middle_session_needs_a_tryout_plan_for_every_priority() -> None:
    cycle = planned_cycle("homework")
    cycle.add_challenge("large", DIRECT)
    cycle.prioritise("large")
    with pytest.raises(InvalidTransition, match="try-out plan") as refused:
        cycle.check_can_hold(MIDDLE)
    assert "'Formative assessment in large classes'" in str(refused.value)
    assert "homework" not in str(refused.value)
    assert MIDDLE not in cycle.allowed_next_sessions()


def test_tryout_results_are_recorded_after_the_first_session() -> None:
    cycle = Cycle()
    cycle.add_challenge("homework", DIRECT)
    cycle.prioritise("homework")
    cycle.plan_tryout("homework")
    with pytest.raises(InvalidTransition, match="between the first and the last session"):
        cycle.judge_tryout("homework", effective=True)
    assert cycle.tryouts[0].effective is None


def test_judging_needs_a_tryout_waiting_for_its_results() -> None:
    cycle = planned_cycle("homework")
    cycle.judge_tryout("homework", effective=False)
    with pytest.raises(TryoutNotAllowed, match="no try-out waiting for its results"):
        cycle.judge_tryout("homework", effective=True)
    assert cycle.tryouts == [TryoutState("homework", 1, effective=False)]


def test_middle_session_repeats_until_tryout_succeeds() -> None:
    cycle = planned_cycle("homework")
    cycle.hold_session(MIDDLE)
    cycle.judge_tryout("homework", effective=False)
    assert cycle.phase is CyclePhase.REFLECTING
    assert cycle.plan_tryout("homework").attempt_no == 2  # ALACT, then a second try-out
    assert cycle.allowed_next_sessions() == [MIDDLE]
    cycle.hold_session(MIDDLE)
    cycle.judge_tryout("homework", effective=True)
    assert cycle.phase is CyclePhase.CONSOLIDATING
    assert cycle.allowed_next_sessions() == [MIDDLE, LAST]
    assert cycle.sessions == [FIRST, MIDDLE, MIDDLE]


def test_an_effective_solution_is_consolidated_not_tried_again() -> None:
    cycle = ready_for_last_session()
    with pytest.raises(TryoutNotAllowed, match="already has an effective solution"):
        cycle.plan_tryout("homework")
    assert len(cycle.tryouts_of("homework")) == 1


# --- the last session


def test_last_session_needs_a_middle_session() -> None:
    cycle = planned_cycle()
    with pytest.raises(InvalidTransition, match="after at least one middle session"):
        cycle.hold_session(LAST)
    assert cycle.sessions == [FIRST]


def test_last_session_refused_while_a_priority_is_ineffective() -> None:
    cycle = planned_cycle()
    cycle.hold_session(MIDDLE)
    cycle.judge_tryout("homework", effective=True)
    cycle.judge_tryout("large", effective=False)
    with pytest.raises(InvalidTransition) as refused:
        cycle.hold_session(LAST)
    assert str(refused.value) == (
        "The last session needs an effective try-out for every priority: "
        "the latest try-out of 'Formative assessment in large classes' did not work"
    )
    assert LAST not in cycle.sessions


def test_last_session_refusal_names_every_priority_still_being_tried_out() -> None:
    cycle = planned_cycle()
    cycle.hold_session(MIDDLE)
    message = str(pytest.raises(InvalidTransition, cycle.check_can_hold, LAST).value)
    assert "'Motivating students to complete their homework' is still being tried out" in message
    assert "'Formative assessment in large classes' is still being tried out" in message


def test_messages_use_challenge_ids_when_no_title_is_given() -> None:
    cycle = planned_cycle("g7-maths")
    cycle.hold_session(MIDDLE)
    with pytest.raises(InvalidTransition, match="'g7-maths' is still being tried out"):
        cycle.hold_session(LAST)


def test_last_session_is_held_once_every_priority_has_an_effective_solution() -> None:
    cycle = after_last_session()
    assert cycle.sessions == [FIRST, MIDDLE, LAST]
    assert cycle.phase is CyclePhase.DISSEMINATING


def test_only_evaluation_and_closing_follow_the_last_session() -> None:
    cycle = after_last_session()
    assert cycle.allowed_next_sessions() == []
    for refused_command in (
        lambda: cycle.hold_session(MIDDLE),
        lambda: cycle.hold_session(LAST),
        lambda: cycle.add_challenge("late", DIRECT),
        lambda: cycle.plan_tryout("homework"),
        lambda: cycle.judge_tryout("homework", effective=False),
    ):
        with pytest.raises(InvalidTransition):
            refused_command()
    cycle.record_dissemination_plan()
    cycle.record_evaluation()
    cycle.close()
    assert cycle.phase is CyclePhase.CLOSED


def test_the_cycle_is_evaluated_in_its_last_session() -> None:
    cycle = ready_for_last_session()
    with pytest.raises(InvalidTransition, match="evaluated in the last session"):
        cycle.record_evaluation()
    assert not cycle.evaluated


def test_a_cycle_closes_only_once_evaluated() -> None:
    cycle = after_last_session()
    with pytest.raises(InvalidTransition, match="once it has been evaluated"):
        cycle.close()
    assert not cycle.closed


def test_a_closed_cycle_refuses_every_command() -> None:
    cycle = after_last_session()
    cycle.record_evaluation()
    cycle.close()
    for command in (
        lambda: cycle.add_challenge("new", DIRECT),
        lambda: cycle.prioritise("homework"),
        lambda: cycle.hold_session(FIRST),
        lambda: cycle.record_consolidation_output(),
        lambda: cycle.record_evaluation(),
        lambda: cycle.close(),
    ):
        with pytest.raises(InvalidTransition, match="This cycle is closed"):
            command()
    assert cycle.allowed_next_sessions() == []


def test_a_reflection_session_is_not_one_of_the_cycle_sessions() -> None:
    with pytest.raises(InvalidTransition, match="led by the head teacher"):
        Cycle().hold_session(SessionKind.REFLECTION)


def test_the_first_session_is_held_once() -> None:
    cycle = planned_cycle()
    with pytest.raises(InvalidTransition, match="already been held"):
        cycle.hold_session(FIRST)
    assert cycle.sessions == [FIRST]


# --- consolidation and dissemination


def test_consolidation_comes_from_an_effective_solution() -> None:
    cycle = planned_cycle()
    with pytest.raises(InvalidTransition, match="Consolidation comes once a priority has an effective"):
        cycle.record_consolidation_output()
    cycle.judge_tryout("homework", effective=True)
    cycle.record_consolidation_output()
    assert cycle.consolidation_outputs == 1


def test_dissemination_is_planned_once_every_priority_is_effective() -> None:
    cycle = planned_cycle()
    cycle.hold_session(MIDDLE)
    cycle.judge_tryout("homework", effective=True)
    with pytest.raises(InvalidTransition, match="every priority has an effective solution"):
        cycle.record_dissemination_plan()
    cycle.judge_tryout("large", effective=True)
    cycle.record_dissemination_plan()
    assert cycle.dissemination_plans == 1


# --- progress: phase, essential activities, next step


def test_phase_follows_the_cycle_from_planning_to_closed() -> None:
    cycle = Cycle()
    phases = [cycle.phase]
    cycle.add_challenge("homework", DIRECT)
    cycle.prioritise("homework")
    cycle.plan_tryout("homework")
    for step in (
        lambda: cycle.hold_session(FIRST),
        lambda: cycle.hold_session(MIDDLE),
        lambda: cycle.judge_tryout("homework", effective=True),
        lambda: cycle.hold_session(LAST),
        lambda: (cycle.record_evaluation(), cycle.close()),
    ):
        step()
        phases.append(cycle.phase)
    assert phases == list(CyclePhase)


def test_essential_activities_show_the_progress_of_the_cycle() -> None:
    cycle = Cycle()
    assert not any(Cycle().essential_activities().values())
    cycle.add_challenge("homework", DIRECT)
    cycle.prioritise("homework")
    assert cycle.essential_activities()[EssentialActivity.IDENTIFICATION]
    assert not cycle.essential_activities()[EssentialActivity.PLANNING]
    cycle.plan_tryout("homework")
    cycle.hold_session(FIRST)
    cycle.judge_tryout("homework", effective=True)
    cycle.record_consolidation_output()
    cycle.hold_session(MIDDLE)
    cycle.hold_session(LAST)
    done = cycle.essential_activities()
    assert list(done) == list(EssentialActivity)
    assert [activity for activity, is_done in done.items() if not is_done] == [
        EssentialActivity.DISSEMINATION,
        EssentialActivity.EVALUATION,
    ]
    cycle.record_dissemination_plan()
    cycle.record_evaluation()
    assert all(cycle.essential_activities().values())


def test_tryout_activity_counts_once_a_result_is_recorded_even_if_it_did_not_work() -> None:
    cycle = planned_cycle("homework")
    assert not cycle.essential_activities()[EssentialActivity.TRYOUT]
    cycle.judge_tryout("homework", effective=False)
    assert cycle.essential_activities()[EssentialActivity.TRYOUT]
    assert not cycle.essential_activities()[EssentialActivity.CONSOLIDATION]


def _listed() -> Cycle:
    cycle = Cycle()
    cycle.add_challenge("homework", DIRECT)
    return cycle


def _prioritised() -> Cycle:
    cycle = _listed()
    cycle.prioritise("homework")
    return cycle


def _in_reflection(effective: bool | None) -> Cycle:
    cycle = planned_cycle("homework")
    cycle.hold_session(MIDDLE)
    if effective is not None:
        cycle.judge_tryout("homework", effective=effective)
    return cycle


def _second_tryout() -> Cycle:
    cycle = _in_reflection(effective=False)
    cycle.plan_tryout("homework")
    return cycle


def _consolidated() -> Cycle:
    cycle = ready_for_last_session()
    cycle.record_consolidation_output()
    return cycle


def _evaluated() -> Cycle:
    cycle = after_last_session()
    cycle.record_dissemination_plan()
    cycle.record_evaluation()
    return cycle


def _closed() -> Cycle:
    cycle = _evaluated()
    cycle.close()
    return cycle


@pytest.mark.parametrize(
    ("make_cycle", "expected"),
    [
        (Cycle, "List the challenges"),
        (_listed, "Choose up to 2 challenges in your control"),
        (_prioritised, "Plan a try-out for 'homework'"),
        (
            lambda: planned_cycle("homework"),
            "Try out the planned activities in class, then hold a middle session",
        ),
        (lambda: _in_reflection(effective=None), "Record the try-out results, then hold a middle session"),
        (lambda: _in_reflection(effective=False), "Analyse 'Motivating students"),
        (_second_tryout, "Record the try-out results, then hold a middle session"),
        (lambda: _in_reflection(effective=True), "Consolidate the lessons learnt"),
        (_consolidated, "Hold the last session"),
        (after_last_session, "Plan how to share the consolidation outputs"),
        (_evaluated, "close the cycle"),
        (_closed, "This cycle is closed"),
    ],
)
def test_next_step_tells_the_facilitator_what_the_cycle_needs(make_cycle: object, expected: str) -> None:
    assert expected in make_cycle().next_step()  # type: ignore[operator]


def test_next_step_before_the_first_session_is_to_hold_it() -> None:
    cycle = Cycle()
    cycle.add_challenge("homework", DIRECT)
    cycle.prioritise("homework")
    cycle.plan_tryout("homework")
    assert cycle.next_step() == "Hold the first session"


# --- validate: checking loaded data


@pytest.mark.parametrize(
    "make_cycle", [Cycle, planned_cycle, ready_for_last_session, after_last_session, _evaluated, _closed]
)
def test_cycles_built_by_commands_are_valid(make_cycle: object) -> None:
    assert validate(make_cycle()) == []  # type: ignore[operator]


@pytest.mark.parametrize(
    ("cycle", "broken_rule"),
    [
        (Cycle(sessions=[MIDDLE]), "the first session comes first"),
        (Cycle(sessions=[FIRST, FIRST]), "first and last sessions are held once"),
        (Cycle(sessions=[SessionKind.REFLECTION]), "only first, middle and last sessions are held"),
        (Cycle(challenges=[ChallengeState("x", OUT, is_priority=True)]), "no out-of-control challenge"),
        (Cycle(challenges=[ChallengeState(c, DIRECT, True) for c in "abc"]), "at most 2 priorities"),
        (Cycle(challenges=[ChallengeState("x", DIRECT)] * 2), "challenge ids are unique"),
        (Cycle(tryouts=[TryoutState("x", 1)]), "only priorities are tried"),
        (
            Cycle(challenges=[ChallengeState("x", DIRECT, True)], tryouts=[TryoutState("x", 2)]),
            "numbered 1, 2, 3",
        ),
        (
            Cycle(
                sessions=[FIRST],
                challenges=[ChallengeState("x", DIRECT, True)],
                tryouts=[TryoutState("x", 1, effective=True), TryoutState("x", 2)],
            ),
            "only the latest try-out may be open",
        ),
        (
            Cycle(challenges=[ChallengeState("x", DIRECT, True)], tryouts=[TryoutState("x", 1, True)]),
            "no judging before the first",
        ),
        (Cycle(sessions=[FIRST, MIDDLE]), "a middle session needs all plans"),
        (
            Cycle(
                sessions=[FIRST, MIDDLE, LAST],
                challenges=[ChallengeState("x", DIRECT, True)],
                tryouts=[TryoutState("x", 1, effective=False)],
            ),
            "the last session needs every priority effective",
        ),
        (Cycle(consolidation_outputs=1), "consolidate what worked"),
        (Cycle(dissemination_plans=1), "disseminate what worked"),
        (Cycle(evaluated=True), "the evaluation is in the last session"),
        (Cycle(closed=True), "a closed cycle has been evaluated"),
        (Cycle(max_priorities=0), "at least one priority is allowed"),
    ],
)
def test_validate_names_the_rule_loaded_data_breaks(cycle: Cycle, broken_rule: str) -> None:
    problems = validate(cycle)
    assert any(broken_rule in problem for problem in problems), problems


# --- errors


def test_every_refusal_is_a_cop_rule_error_with_a_message_for_teachers() -> None:
    for error_type in (InvalidTransition, NotPrioritisable, TooManyPriorities, TryoutNotAllowed):
        assert issubclass(error_type, CopRuleError)
        assert str(error_type("Hold the first session")) == "Hold the first session"


def test_validation_error_joins_its_field_messages() -> None:
    error = ValidationError({"challenge_id": "A challenge needs an id", "control": "Choose a control"})
    assert isinstance(error, CopRuleError)
    assert error.errors == {"challenge_id": "A challenge needs an id", "control": "Choose a control"}
    assert str(error) == "A challenge needs an id; Choose a control"


def test_validation_error_keeps_its_fields_when_copied() -> None:
    error = ValidationError({"control": "Choose a control"})
    assert pickle.loads(pickle.dumps(error)).errors == {"control": "Choose a control"}
