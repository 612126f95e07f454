"""Rules of running a reflection session: who leads and who contributes, cards, next steps, the term.

The order of the steps is in `cop.reflection`; this module holds what a step may record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from cop.errors import InvalidTransition, ValidationError
from cop.reflection import check_can_complete as _check_has_next_step
from cop.vocab import ReflectionCardKind, ReflectionStep, Role

MAX_CARD_TEXT = 600
LEADERS = frozenset({Role.HEAD_TEACHER, Role.FACILITATOR, Role.ADMIN})
CONTRIBUTORS = frozenset({Role.HEAD_TEACHER, Role.FACILITATOR, Role.TEACHER, Role.ADMIN})
STEP_HINTS: dict[ReflectionStep, str] = {
    ReflectionStep.OVERVIEW: "What we will do together in this session, step by step.",
    ReflectionStep.STATISTICS: "The school's figures: where do we stand, and what should we focus on?",
    ReflectionStep.INSIGHTS: "What did we learn about effective teaching? Write one insight per card; "
    "add a photo of the board or of learners' work if it helps.",
    ReflectionStep.POSITIVES: "Which strategies worked in our classrooms? Say what was done and with whom.",
    ReflectionStep.IMPROVEMENTS: "What needs to improve? Name the practice, not the person.",
    ReflectionStep.NEXT_STEPS: "The actions we agree on: each has one owner and a due date.",
    ReflectionStep.COMPLETE: "Done: the next steps are now actions in everyone's “My actions”.",
}


@dataclass(frozen=True)
class NextStepFacts:
    text: str
    owner_id: str | None
    due_on: date | None


def may_lead(role: Role, *, same_school: bool) -> bool:
    """The head teacher leads, with the school's facilitators; an administrator may step in anywhere."""
    return role is Role.ADMIN or (role in LEADERS and same_school)


def may_contribute(role: Role, *, same_school: bool) -> bool:
    """Staff and teachers of the school write cards (teachers from their phones)."""
    return role is Role.ADMIN or (role in CONTRIBUTORS and same_school)


def clean_card_text(text: str | None) -> str:
    """The card's text without surrounding space; refuse empty or overlong text."""
    value = (text or "").replace("\x00", "").strip()
    if not value:
        raise ValidationError({"text": "Write something on the card first."})
    if len(value) > MAX_CARD_TEXT:
        too_long = f"A card holds at most {MAX_CARD_TEXT} characters ({len(value)} written): split it in two."
        raise ValidationError({"text": too_long})
    return value


def check_open(step: ReflectionStep | str | None) -> None:
    """Cards and steps change only while the session runs."""
    if step is not None and ReflectionStep(step) is ReflectionStep.COMPLETE:
        raise InvalidTransition("This reflection session is complete: nothing can be added or changed.")


def check_next_step(owner_id: str | None, due_on: date | None, *, session_date: date) -> None:
    """A next step's due date, when given, lies on or after the session day."""
    if due_on is not None and due_on < session_date:
        raise ValidationError({"due_on": "The due date is before the session: choose a later date."})


def check_can_complete(next_steps: Iterable[NextStepFacts]) -> None:
    """At least one agreed next step, and every next step with an owner and a due date."""
    steps = list(next_steps)
    _check_has_next_step({ReflectionCardKind.NEXT_STEP: len(steps)})
    missing = [s.text for s in steps if s.owner_id is None or s.due_on is None]
    if missing:
        first = missing[0] if len(missing[0]) <= 60 else missing[0][:57] + "..."
        raise InvalidTransition(
            f"Give every next step an owner and a due date before completing ({len(missing)} missing, "
            f"e.g. “{first}”)."
        )


def term_start(day: date) -> date:
    """The first day of the school term `day` falls in (Rwanda: terms from September, January, April)."""
    if day.month >= 9:
        return date(day.year, 9, 1)
    if day.month >= 4 and not (day.month == 4 and day.day < 15):
        return date(day.year, 4, 15)
    return date(day.year, 1, 1)


def rate(part: int, whole: int) -> float | None:
    """A share in [0, 1], or None when there is nothing to count."""
    return part / whole if whole else None


def percent_text(value: float | None) -> str:
    """A share for a metric tile: "83 %", or a dash when there is nothing to count yet."""
    return "-" if value is None else f"{round(value * 100)} %"
