"""Rules of a live session: join codes, who joins and moderates, what each step takes, merges, keys."""

from __future__ import annotations

import random

import pytest

from cop import live
from cop.errors import InvalidTransition
from cop.live import Contribution, LiveStep, NotOpenNow
from cop.vocab import ReflectionStep, Role, SessionKind

RUNNING, PLANNED, HELD = "running", "planned", "held"


def test_codes_use_only_unambiguous_characters_and_show_in_two_groups() -> None:
    rng = random.Random(7)
    codes = {live.new_join_code(rng.choice) for _ in range(500)}
    assert len(codes) == 500  # 26^6 codes: collisions are rare (and the data layer retries)
    for code in codes:
        assert len(code) == live.CODE_LENGTH
        assert not set(code) & set("0O1IL5S8B")
    assert live.show_code("K7MPQ3") == "K7M-PQ3"
    assert live.show_code("KMB-1234") == "KMB-1234"  # an older code is shown as stored


@pytest.mark.parametrize(
    ("typed", "plain"), [(" k7m-pq3 ", "K7MPQ3"), ("K7M PQ3", "K7MPQ3"), ("kmb-1234", "KMB1234")]
)
def test_typed_codes_compare_whatever_the_case_spaces_and_dashes(typed: str, plain: str) -> None:
    assert live.normalise_code(typed) == plain
    assert live.looks_like_code(typed)


@pytest.mark.parametrize("typed", ["", "ab", "K7M-PQ3-K7M-PQ3X", "K7M;DROP", "ÉCOLE1"])
def test_text_that_is_no_code_is_not_looked_up(typed: str) -> None:
    assert not live.looks_like_code(typed)


def test_a_code_lives_as_long_as_its_session_runs() -> None:
    assert live.code_works(RUNNING)
    assert not live.code_works(PLANNED)
    assert not live.code_works(HELD)


@pytest.mark.parametrize(
    ("role", "same_school", "member", "kind", "joins"),
    [
        (Role.TEACHER, True, True, SessionKind.FIRST, True),
        (Role.TEACHER, True, False, SessionKind.FIRST, False),  # not a member of this CoP
        (Role.TEACHER, False, True, SessionKind.FIRST, False),
        (Role.TEACHER, True, False, SessionKind.REFLECTION, True),  # the school's reflection is everyone's
        (Role.FACILITATOR, True, False, SessionKind.MIDDLE, True),
        (Role.FACILITATOR, False, False, SessionKind.MIDDLE, False),
        (Role.HEAD_TEACHER, True, False, SessionKind.LAST, True),
        (Role.HEAD_TEACHER, False, False, SessionKind.LAST, False),
        (Role.ADMIN, False, False, SessionKind.FIRST, True),
        (Role.DISTRICT_OFFICER, True, False, SessionKind.FIRST, False),
        (Role.NATIONAL_OFFICER, False, False, SessionKind.REFLECTION, False),
        (Role.FIELD_FACILITATOR, True, True, SessionKind.FIRST, False),
        (Role.TTC_TUTOR, True, False, SessionKind.FIRST, False),
    ],
)
def test_who_may_join(role: Role, same_school: bool, member: bool, kind: SessionKind, joins: bool) -> None:
    assert live.may_join(role, same_school=same_school, is_member=member, kind=kind) is joins


def test_facilitators_head_teachers_and_admins_moderate_members_edit_their_own() -> None:
    assert live.may_moderate(Role.FACILITATOR, same_school=True)
    assert live.may_moderate(Role.HEAD_TEACHER, same_school=True)
    assert live.may_moderate(Role.ADMIN, same_school=False)
    assert not live.may_moderate(Role.FACILITATOR, same_school=False)
    assert not live.may_moderate(Role.TEACHER, same_school=True)
    assert live.may_edit(moderator=False, is_author=True)
    assert live.may_edit(moderator=True, is_author=False)
    assert not live.may_edit(moderator=False, is_author=False)


def test_each_step_takes_its_own_contributions() -> None:
    first = SessionKind.FIRST
    assert live.open_kinds(first, LiveStep.CHALLENGES) == {Contribution.CHALLENGE, Contribution.VOTE}
    assert live.open_kinds(first, LiveStep.VOTING) == {Contribution.VOTE}
    assert live.open_kinds(first, None) == {Contribution.CHALLENGE, Contribution.VOTE}
    assert live.open_kinds(first, LiveStep.LESSONS) == frozenset()  # not a step of a first session
    assert live.open_kinds(SessionKind.MIDDLE, None) == {Contribution.TRYOUT_RESULT, Contribution.LESSON}
    assert live.open_kinds(SessionKind.LAST, LiveStep.LESSONS) == {Contribution.LESSON}
    reflection = SessionKind.REFLECTION
    assert live.open_kinds(reflection, ReflectionStep.POSITIVES) == {Contribution.POSITIVE}
    assert live.open_kinds(reflection, ReflectionStep.NEXT_STEPS) == {Contribution.NEXT_STEP}
    assert live.open_kinds(reflection, ReflectionStep.STATISTICS) == frozenset()
    assert live.open_kinds(reflection, None) == frozenset()
    assert live.open_kinds(first, "nonsense") == frozenset()


def test_a_closed_step_or_an_ended_session_refuses_saying_what_is_open() -> None:
    live.check_open(SessionKind.FIRST, RUNNING, LiveStep.CHALLENGES, Contribution.CHALLENGE)
    with pytest.raises(NotOpenNow, match="vote"):
        live.check_open(SessionKind.FIRST, RUNNING, LiveStep.VOTING, Contribution.CHALLENGE)
    with pytest.raises(NotOpenNow, match="ended"):
        live.check_open(SessionKind.FIRST, HELD, LiveStep.CHALLENGES, Contribution.CHALLENGE)
    with pytest.raises(NotOpenNow, match="nothing from phones"):
        live.check_open(SessionKind.REFLECTION, RUNNING, ReflectionStep.OVERVIEW, Contribution.INSIGHT)


def test_a_session_moves_only_to_its_own_steps() -> None:
    assert live.check_step(SessionKind.FIRST, "voting") is LiveStep.VOTING
    with pytest.raises(InvalidTransition):
        live.check_step(SessionKind.FIRST, "lessons")
    with pytest.raises(InvalidTransition):
        live.check_step(SessionKind.MIDDLE, "whatever")


def _merge(**kw: bool) -> live.MergePlan:
    args = {"source_hidden": False, "target_hidden": False, "source_priority": False, "same_session": True}
    return live.check_merge("a", kw.pop("target", "b"), **{**args, **kw})  # type: ignore[arg-type]


def test_merging_rules() -> None:
    assert _merge() == live.MergePlan("a", "b")
    for bad, message in [
        ({"target": "a"}, "itself"),
        ({"same_session": False}, "same session"),
        ({"source_hidden": True}, "already hidden"),
        ({"target_hidden": True}, "still shown"),
        ({"source_priority": True}, "priority"),
    ]:
        with pytest.raises(InvalidTransition, match=message):
            _merge(**bad)


def test_submission_keys_are_stable_per_content_and_fit_the_column() -> None:
    a = live.submission_key("person", "session", "challenge", "Large classes")
    assert a == live.submission_key("person", "session", "challenge", "Large classes")
    assert a != live.submission_key("person", "session", "challenge", "Large classes!")
    assert a != live.submission_key("other", "session", "challenge", "Large classes")
    assert len(a) <= 64


def test_changed_fields_name_what_differs() -> None:
    theirs = {"title": "Large classes", "topic": "large_classes", "version": 3}
    assert live.changed_fields(theirs, {"title": "Big classes", "topic": "large_classes"}) == ["title"]


def test_the_migration_lists_every_live_step() -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "db/migrations/versions/0006_live.py"
    spec = importlib.util.spec_from_file_location("m0006", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert set(module.LIVE_STEPS) == set(LiveStep.values())
