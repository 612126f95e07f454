"""Actions people own: how urgent each one is, who may tick it off, and where it came from."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from cop.access import AccessDenied, Viewer
from cop.errors import ValidationError
from cop.vocab import ActionSource, ActionStatus, Labelled

# Schools keep Rwandan dates: "overdue" and "no future visit" turn over at midnight in Kigali, not in UTC.
KIGALI = ZoneInfo("Africa/Kigali")
# "Due soon": due today or within the coming week, before the next weekly CoP or staff meeting.
DUE_SOON_DAYS = 7

_SESSION_KINDS = {"first": "first session", "middle": "middle session", "last": "last session"}


class Urgency(Labelled):
    OVERDUE = "overdue", "Overdue"
    DUE_SOON = "due_soon", "Due soon"
    LATER = "later", "Later"
    DONE = "done", "Done"


class ActionFacts(Protocol):
    """What the grouping rules read of an action."""

    @property
    def status(self) -> str: ...

    @property
    def due_on(self) -> date | None: ...

    @property
    def done_at(self) -> datetime | None: ...


A = TypeVar("A", bound=ActionFacts)


def today_in_rwanda(now: datetime | None = None) -> date:
    """Today's date in Kigali."""
    return (now or datetime.now(KIGALI)).astimezone(KIGALI).date()


def day_label(day: date | None) -> str:
    """A date as people read it: 3 Mar 2026."""
    return f"{day.day} {day:%b %Y}" if day else ""


def urgency(status: str, due_on: date | None, today: date) -> Urgency | None:
    """Overdue: open and due before today; due soon: open and due within a week (today included);
    later: open, due after that or without a date; done. A cancelled action has none: it is not shown."""
    if status == ActionStatus.DONE:
        return Urgency.DONE
    if status != ActionStatus.OPEN:
        return None
    if due_on is None:
        return Urgency.LATER
    if due_on < today:
        return Urgency.OVERDUE
    if due_on <= today + timedelta(days=DUE_SOON_DAYS):
        return Urgency.DUE_SOON
    return Urgency.LATER


def group_by_urgency(actions: Iterable[A], today: date) -> dict[Urgency, list[A]]:
    """Every group in order, each sorted as people work through it: oldest due date first (undated last),
    and done ones most recently done first."""
    groups: dict[Urgency, list[A]] = {u: [] for u in Urgency}
    for action in actions:
        group = urgency(action.status, action.due_on, today)
        if group is not None:
            groups[group].append(action)
    for group, items in groups.items():
        if group is Urgency.DONE:
            items.sort(key=lambda a: a.done_at.timestamp() if a.done_at else 0.0, reverse=True)
        else:
            items.sort(key=lambda a: (a.due_on is None, a.due_on or today))
    return groups


def new_status(viewer: Viewer, *, owner_id: str | None, status: str, done: bool) -> ActionStatus:
    """The status an action takes when its owner marks it done (or reopens it); nobody else may."""
    if owner_id is None or owner_id != viewer.person_id:
        raise AccessDenied("Only the person who owns an action can mark it done or reopen it.")
    if status == ActionStatus.CANCELLED:
        raise ValidationError({"status": "This action was cancelled: it can no longer be marked done."})
    return ActionStatus.DONE if done else ActionStatus.OPEN


def origin_label(
    source: str,
    *,
    by: str | None = None,
    on: date | None = None,
    cop: str | None = None,
    session_kind: str | None = None,
) -> str:
    """Where an action came from, in a line: "Field visit by Alice Mukamana on 3 Mar 2026"."""
    when = f" on {day_label(on)}" if on else ""
    match source:
        case ActionSource.FIELD_VISIT:
            return f"Field visit by {by}{when}" if by else f"Field visit{when}"
        case ActionSource.MONITORING:
            return f"Monitoring visit by {by}{when}" if by else f"Monitoring visit{when}"
        case ActionSource.REFLECTION:
            return f"Reflection session led by {by}{when}" if by else f"Reflection session{when}"
        case ActionSource.SESSION:
            kind = _SESSION_KINDS.get(session_kind or "", "session")
            return f"{cop}, {kind}{when}" if cop else f"CoP {kind}{when}"
    return source
