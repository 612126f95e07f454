"""The timer's HTML: the start and the two parts reach the browser; the key cannot break out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from ui.timer import timer_html


def test_the_start_time_and_the_two_parts_are_written_into_the_page() -> None:
    started = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)
    page = timer_html(started, key="s1")
    assert f"const SERVER_START = {int(started.timestamp() * 1000)};" in page
    assert "const FIRST = 60 * 60000, SECOND = 30 * 60000;" in page
    assert "of 90:00 used" in page and "__" not in page


def test_a_session_not_started_leaves_the_timer_to_the_start_button() -> None:
    assert "const SERVER_START = null;" in timer_html(None, key="s1", first_minutes=45, second_minutes=15)


def test_a_local_start_time_is_the_same_instant_in_utc() -> None:
    kigali = timezone(timedelta(hours=2))
    local = datetime(2026, 10, 5, 10, 0, tzinfo=kigali)
    assert timer_html(local, key="k") == timer_html(local.astimezone(UTC), key="k")


def test_a_hostile_key_stays_a_string() -> None:
    page = timer_html(None, key='x"</script><script>alert(1)</script>')
    assert "</script><script>alert(1)" not in page
