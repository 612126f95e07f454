"""The rules of "My actions": urgency groups, who ticks an action off, and where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop.access import AccessDenied, Viewer
from cop.actions import (
    Urgency,
    day_label,
    group_by_urgency,
    new_status,
    origin_label,
    today_in_rwanda,
    urgency,
)
from cop.errors import ValidationError
from cop.vocab import ActionStatus, Role

TODAY = date(2026, 11, 20)
ME = Viewer(person_id="me", role=Role.FACILITATOR, school_id="s")


@dataclass(frozen=True)
class Item:
    name: str
    status: str
    due_on: date | None
    done_at: datetime | None = None


def _in(days: int) -> date:
    return TODAY + timedelta(days=days)


def test_an_open_action_due_before_today_is_overdue_and_one_due_today_is_due_soon() -> None:
    assert urgency("open", _in(-1), TODAY) is Urgency.OVERDUE
    assert urgency("open", TODAY, TODAY) is Urgency.DUE_SOON
    assert urgency("open", _in(7), TODAY) is Urgency.DUE_SOON
    assert urgency("open", _in(8), TODAY) is Urgency.LATER
    assert urgency("open", None, TODAY) is Urgency.LATER


def test_done_actions_are_done_whatever_their_date_and_cancelled_ones_are_not_shown() -> None:
    assert urgency("done", _in(-30), TODAY) is Urgency.DONE
    assert urgency("cancelled", _in(-30), TODAY) is None


def test_groups_come_in_order_and_each_is_sorted_as_people_work_through_it() -> None:
    items = [
        Item("late", "open", _in(-2)),
        Item("later late", "open", _in(-9)),
        Item("undated", "open", None),
        Item("next month", "open", _in(30)),
        Item("tomorrow", "open", _in(1)),
        Item("done long ago", "done", _in(-40), datetime(2026, 10, 1, tzinfo=UTC)),
        Item("done yesterday", "done", _in(-1), datetime(2026, 11, 19, tzinfo=UTC)),
        Item("dropped", "cancelled", _in(-1)),
    ]
    groups = group_by_urgency(items, TODAY)
    assert list(groups) == [Urgency.OVERDUE, Urgency.DUE_SOON, Urgency.LATER, Urgency.DONE]
    assert [[i.name for i in g] for g in groups.values()] == [
        ["later late", "late"],
        ["tomorrow"],
        ["next month", "undated"],
        ["done yesterday", "done long ago"],
    ]


@given(
    st.lists(
        st.tuples(st.sampled_from(["open", "done", "cancelled"]), st.one_of(st.none(), st.integers(-60, 60))),
        max_size=30,
    )
)
def test_every_action_but_cancelled_ones_lands_in_exactly_one_group(
    rows: list[tuple[str, int | None]],
) -> None:
    items = [Item(str(i), s, None if d is None else _in(d)) for i, (s, d) in enumerate(rows)]
    groups = group_by_urgency(items, TODAY)
    shown = [i.name for g in groups.values() for i in g]
    assert sorted(shown) == sorted(i.name for i in items if i.status != "cancelled")
    assert all(i.due_on is not None and i.due_on < TODAY for i in groups[Urgency.OVERDUE])


def test_only_the_owner_marks_an_action_done_or_reopens_it() -> None:
    assert new_status(ME, owner_id="me", status="open", done=True) is ActionStatus.DONE
    assert new_status(ME, owner_id="me", status="done", done=False) is ActionStatus.OPEN
    with pytest.raises(AccessDenied):
        new_status(ME, owner_id="someone else", status="open", done=True)
    with pytest.raises(AccessDenied):
        new_status(ME, owner_id=None, status="open", done=True)


def test_a_cancelled_action_cannot_be_ticked_off() -> None:
    with pytest.raises(ValidationError):
        new_status(ME, owner_id="me", status="cancelled", done=True)


def test_each_source_says_where_the_action_came_from() -> None:
    on = date(2026, 3, 3)
    assert origin_label("field_visit", by="Alice M", on=on) == "Field visit by Alice M on 3 Mar 2026"
    assert origin_label("monitoring", by="Eric N", on=on) == "Monitoring visit by Eric N on 3 Mar 2026"
    assert origin_label("reflection", by="Jean H", on=on) == "Reflection session led by Jean H on 3 Mar 2026"
    assert (
        origin_label("session", cop="P4 teachers CoP", session_kind="middle", on=on)
        == "P4 teachers CoP, middle session on 3 Mar 2026"
    )
    assert origin_label("field_visit") == "Field visit"


def test_today_is_kigali_today_even_late_in_the_utc_evening() -> None:
    assert today_in_rwanda(datetime(2026, 11, 20, 22, 30, tzinfo=UTC)) == date(2026, 11, 21)
    assert day_label(date(2026, 1, 5)) == "5 Jan 2026"
