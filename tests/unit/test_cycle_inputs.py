"""The cycle's forms: every wrong field is named with its message; good input becomes a clean dataclass."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cop.cycle_inputs import (
    ActionInput,
    AlactInput,
    ChallengeInput,
    DisseminationInput,
    EvaluationInput,
    JudgementInput,
    OutputInput,
    SessionNotesInput,
    StorageInput,
    TryoutInput,
    TryoutNoteInput,
    check_link,
)
from cop.errors import ValidationError
from cop.vocab import Enabler

TODAY = date(2026, 11, 26)


def errors_of(parse, **raw) -> dict[str, str]:  # noqa: ANN001
    with pytest.raises(ValidationError) as refused:
        parse(**raw)
    return refused.value.errors


def test_a_challenge_is_trimmed_and_kept() -> None:
    c = ChallengeInput.parse(
        title="  Large  classes ", evidence_kind="lesson_observation", topic="large_classes", control="direct"
    )
    assert c.title == "Large  classes" and c.control == "direct"


def test_an_empty_challenge_names_every_missing_field() -> None:
    errors = errors_of(ChallengeInput.parse, title=" ", evidence_kind=None, topic="x", control="maybe")
    assert set(errors) == {"title", "evidence_kind", "topic", "control"}
    assert errors["control"].startswith("Choose the control category")


def test_other_topic_and_other_evidence_need_words() -> None:
    errors = errors_of(
        ChallengeInput.parse, title="T", evidence_kind="other", topic="other", control="direct"
    )
    assert set(errors) == {"topic_other", "evidence_note"}


def test_a_try_out_needs_activities_and_implementers_and_ordered_dates() -> None:
    errors = errors_of(
        TryoutInput.parse,
        today=TODAY,
        activities="",
        implementer_ids=[],
        start_on=TODAY,
        end_on=TODAY - timedelta(days=1),
    )
    assert set(errors) == {"activities", "implementer_ids", "end_on"}


def test_a_try_out_with_other_resources_says_which() -> None:
    errors = errors_of(
        TryoutInput.parse, today=TODAY, activities="a", implementer_ids=["p"], resources=["other", "bogus"]
    )
    assert set(errors) == {"resources", "resources_other"}


def test_a_date_years_away_is_a_typo() -> None:
    errors = errors_of(
        TryoutInput.parse, today=TODAY, activities="a", implementer_ids=["p"], start_on=date(2062, 1, 1)
    )
    assert "check the year" in errors["start_on"]


def test_a_verdict_needs_effective_or_not_and_a_pro_or_con() -> None:
    assert set(errors_of(JudgementInput.parse, effective=None)) == {"effective", "pros"}
    assert JudgementInput.parse(effective=False, cons="slow").effective is False


def test_alact_asks_all_five_prompts() -> None:
    assert set(errors_of(AlactInput.parse, action="done")) == {
        "looking_back",
        "awareness",
        "alternatives",
        "trial",
    }


def test_an_output_needs_a_kind_a_title_and_an_owner() -> None:
    assert set(errors_of(OutputInput.parse, today=TODAY, kind="poster", title="")) == {
        "kind",
        "title",
        "owner_id",
    }


def test_dissemination_needs_audience_channel_and_who() -> None:
    assert set(errors_of(DisseminationInput.parse, today=TODAY, audience="world")) == {
        "audience",
        "channel",
        "owner_id",
    }


def test_the_evaluation_rates_each_enabler_from_one_to_five() -> None:
    ok = EvaluationInput.parse(
        effectiveness=5,
        lessons_for_all="l",
        improvements_next_cycle="i",
        **dict.fromkeys(Enabler.values(), 3),  # noqa: E501
    )
    assert ok.enablers == dict.fromkeys(Enabler.values(), 3)
    errors = errors_of(EvaluationInput.parse, effectiveness=6, purpose_focus=True, lessons_for_all="l")
    assert {"effectiveness", "purpose_focus", "relationships", "improvements_next_cycle"} <= set(errors)


def test_storage_elsewhere_says_where() -> None:
    assert set(errors_of(StorageInput.parse, place="other")) == {"note"}
    assert StorageInput.parse(place="library").place == "library"


def test_an_action_needs_an_owner_and_a_due_date_not_past() -> None:
    errors = errors_of(
        ActionInput.parse, today=TODAY, description="Do", owner_id=None, due_on=TODAY - timedelta(days=5)
    )
    assert set(errors) == {"owner_id", "due_on"}


def test_session_notes_need_a_date() -> None:
    assert set(errors_of(SessionNotesInput.parse, today=TODAY, session_date=None)) == {"session_date"}


def test_a_note_says_something_and_is_not_in_the_future() -> None:
    assert set(errors_of(TryoutNoteInput.parse, today=TODAY, notes="", result=None)) == {"notes"}
    assert set(
        errors_of(TryoutNoteInput.parse, today=TODAY, notes="x", tried_on=TODAY + timedelta(days=1))
    ) == {"tried_on"}


def test_links_are_web_addresses() -> None:
    assert check_link(" https://example.org/case ") == "https://example.org/case"
    assert check_link("") == ""
    with pytest.raises(ValidationError):
        check_link("javascript:alert(1)")
