"""The password policy: length, not common, not the username; no composition rules."""

from __future__ import annotations

import pytest

from cop.errors import ValidationError
from cop.passwords import COMMON_PASSWORDS, DEMO_PASSWORD, MAX_LENGTH, MIN_LENGTH, check_new_password


def _refusal(password: str, **kwargs: str | None) -> str:
    with pytest.raises(ValidationError) as caught:
        check_new_password(password, **kwargs)
    assert list(caught.value.errors) == ["password"]
    return caught.value.errors["password"]


def test_the_minimum_length_is_ten_characters() -> None:
    assert MIN_LENGTH == 10


def test_a_password_one_character_too_short_is_refused_with_the_minimum_named() -> None:
    assert "10" in _refusal("abcdefghi")


def test_a_password_of_exactly_the_minimum_length_is_accepted() -> None:
    check_new_password("tea-at-six")


def test_no_composition_rules_a_long_lowercase_sentence_is_accepted() -> None:
    check_new_password("the goats ate my lesson plan again")


def test_length_counts_characters_not_bytes() -> None:
    check_new_password("umwarimu wé")
    _refusal("é" * (MIN_LENGTH - 1))


def test_the_maximum_length_is_accepted_and_one_more_is_refused() -> None:
    check_new_password("x" * (MAX_LENGTH - 12) + "lesson-study")
    assert str(MAX_LENGTH) in _refusal("y" * (MAX_LENGTH + 1))


def test_the_maximum_counts_bytes_because_bcrypt_reads_at_most_72() -> None:
    assert MAX_LENGTH == 72
    _refusal("é" * 37)  # 37 characters, 74 bytes


@pytest.mark.parametrize("password", [DEMO_PASSWORD, "COP-DEMO-2026", " Cop-Demo-2026 "])
def test_the_demo_password_is_refused_in_any_case(password: str) -> None:
    assert "common" in _refusal(password)


@pytest.mark.parametrize(
    "password",
    [
        "password123",
        "1234567890",
        "qwertyuiop",
        "iloveyou12",
        "rwanda2026",
        "kigali1234",
        "teacher123",
        "school2026",
        "mwarimu123",
        "Password123",
        "QWERTYUIOP",
    ],
)
def test_common_passwords_are_refused_in_any_case(password: str) -> None:
    assert "common" in _refusal(password)


def test_the_common_list_is_small_lowercase_and_not_shorter_than_the_minimum() -> None:
    assert 80 <= len(COMMON_PASSWORDS) <= 150
    assert all(p == p.casefold() and len(p) >= MIN_LENGTH for p in COMMON_PASSWORDS)


def test_a_common_password_inside_a_longer_one_is_accepted() -> None:
    check_new_password("password123 for the staff room")


def test_a_password_containing_the_username_is_refused_in_any_case() -> None:
    assert "username" in _refusal("my-HT.Mahama-pass", username="ht.mahama")


def test_the_username_check_is_skipped_without_a_username() -> None:
    check_new_password("ht.mahama-lessons", username=None)
    check_new_password("ht.mahama-lessons", username="")


def test_a_very_short_username_does_not_refuse_passwords_containing_it() -> None:
    check_new_password("above the lake", username="ab")


def test_the_message_does_not_echo_the_password() -> None:
    assert "qwertyuiop" not in _refusal("qwertyuiop")
