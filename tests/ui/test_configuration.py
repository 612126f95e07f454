"""Outside demo mode the app refuses to serve without a strong cookie key, and says why."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ui.resources import cookie_settings


@pytest.fixture
def fresh_cookie_settings() -> Iterator[None]:
    cookie_settings.clear()
    yield
    cookie_settings.clear()


@pytest.mark.parametrize("key", [None, "some_key", "too short to sign anything"])
def test_a_missing_default_or_short_key_stops_the_app_with_a_clear_message(
    app_as: Callable, monkeypatch: pytest.MonkeyPatch, fresh_cookie_settings: None, key: str | None
) -> None:
    if key is None:
        monkeypatch.delenv("COP_COOKIE_KEY", raising=False)
    else:
        monkeypatch.setenv("COP_COOKIE_KEY", key)
    monkeypatch.setenv("COP_DEMO", "0")
    for script in ("app.py", "pages/school_overview.py"):
        at = app_as(script, None).run()
        assert not at.exception
        assert "cookie signing key of at least 32 characters" in at.error[0].value
        assert not at.button  # no sign-in form, nothing else


def test_a_strong_key_from_the_environment_is_accepted(
    app_as: Callable, monkeypatch: pytest.MonkeyPatch, fresh_cookie_settings: None
) -> None:
    monkeypatch.setenv("COP_COOKIE_KEY", "k" * 40)
    at = app_as("app.py", None).run()
    assert not at.exception and not at.error
    assert [b.label for b in at.button] == ["Sign in"]
