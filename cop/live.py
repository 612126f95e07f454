"""Live sessions: join codes, who may join and moderate, what members add at each step of a session.

A facilitator projects a running session; members join it from their phones with a short code (or its
QR code). The code lives as long as the session runs. What a phone may add depends on the session and
the step the facilitator has it on (first session: challenges, then votes; middle: try-out results,
then lessons; last: lessons; reflection: the card of the current step).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from cop.errors import CopRuleError, InvalidTransition
from cop.reflection import card_kind_for
from cop.vocab import Labelled, ReflectionCardKind, ReflectionStep, Role, SessionKind, SessionStatus

# No 0/O, 1/I/L, 5/S, 8/B: a code read from the back of a classroom or typed on a phone is unambiguous.
JOIN_ALPHABET = "ACDEFGHJKMNPQRTUVWXY234679"
CODE_LENGTH = 6
_NOT_CODE = re.compile(r"[\s\-_.]")


class LiveStep(Labelled):
    """The steps of a cycle session a projector shows (reflection sessions use ReflectionStep)."""

    CHALLENGES = "challenges", "List challenges"
    VOTING = "voting", "Vote on priorities"
    TRYOUT_RESULTS = "tryout_results", "Try-out results"
    LESSONS = "lessons", "Lessons learnt"
    # Reflection steps where people write, mirrored so one column can name any live step.
    INSIGHTS = "insights", "Reflection insights"
    POSITIVES = "positives", "Positive strategies"
    IMPROVEMENTS = "improvements", "Improvements"
    NEXT_STEPS = "next_steps", "Agreed next steps"


class Contribution(Labelled):
    """What a member adds from a phone."""

    CHALLENGE = "challenge", "Challenge"
    VOTE = "vote", "Vote"
    TRYOUT_RESULT = "tryout_result", "Try-out result"
    LESSON = "lesson", "Lesson learnt"
    INSIGHT = "insight", "Reflection insight"
    POSITIVE = "positive", "Positive strategy"
    IMPROVEMENT = "improvement", "Improvement"
    NEXT_STEP = "next_step", "Agreed next step"


STEPS: dict[SessionKind, tuple[LiveStep, ...]] = {
    SessionKind.FIRST: (LiveStep.CHALLENGES, LiveStep.VOTING),
    SessionKind.MIDDLE: (LiveStep.TRYOUT_RESULTS, LiveStep.LESSONS),
    SessionKind.LAST: (LiveStep.LESSONS,),
    SessionKind.REFLECTION: (),
}
_OPEN_AT: dict[LiveStep, frozenset[Contribution]] = {
    # Votes stay open while challenges are listed: people vote as ideas come in.
    LiveStep.CHALLENGES: frozenset({Contribution.CHALLENGE, Contribution.VOTE}),
    LiveStep.VOTING: frozenset({Contribution.VOTE}),
    LiveStep.TRYOUT_RESULTS: frozenset({Contribution.TRYOUT_RESULT}),
    LiveStep.LESSONS: frozenset({Contribution.LESSON}),
}
_CARD = {
    ReflectionCardKind.INSIGHT: Contribution.INSIGHT,
    ReflectionCardKind.POSITIVE: Contribution.POSITIVE,
    ReflectionCardKind.IMPROVEMENT: Contribution.IMPROVEMENT,
    ReflectionCardKind.NEXT_STEP: Contribution.NEXT_STEP,
}
CONTRIBUTION_OF_CARD = dict(_CARD)
CARD_OF = {v: k for k, v in _CARD.items()}

NO_SESSION = "That code does not open a running session for you. Check the code on the projector."
ENDED = "This session has ended: its code no longer works."


class NotOpenNow(CopRuleError):
    """The session is not at a step where this can be added."""


def new_join_code(choice: Callable[[str], str] = secrets.choice) -> str:
    """A fresh code, e.g. 'K7MPQ3' (shown as 'K7M-PQ3')."""
    return "".join(choice(JOIN_ALPHABET) for _ in range(CODE_LENGTH))


def show_code(code: str) -> str:
    """The code as the projector shows it: two groups of three for a six-letter code."""
    plain = normalise_code(code)
    return f"{plain[:3]}-{plain[3:]}" if len(plain) == CODE_LENGTH else code


def normalise_code(text: str) -> str:
    """What a person typed, as stored codes compare: upper case, spaces and dashes dropped."""
    return _NOT_CODE.sub("", text or "").upper()


def looks_like_code(text: str) -> bool:
    """Worth a look-up: 4 to 12 letters or digits (older codes, like the demo's, may use any)."""
    plain = normalise_code(text)
    return 4 <= len(plain) <= 12 and plain.isalnum() and plain.isascii()


def code_works(status: str) -> bool:
    """A join code lives as long as its session runs."""
    return status == SessionStatus.RUNNING.value


def may_join(role: Role, *, same_school: bool, is_member: bool, kind: SessionKind) -> bool:
    """Members of the CoP, its facilitators and the school's head teacher (any of the school's staff and
    teachers for a reflection session), and administrators."""
    if role is Role.ADMIN:
        return True
    if not same_school:
        return False
    if role in (Role.HEAD_TEACHER, Role.FACILITATOR):
        return True
    # Officials follow from their dashboards; in the room it is the school's own people.
    return role is Role.TEACHER and (is_member or kind is SessionKind.REFLECTION)


def may_moderate(role: Role, *, same_school: bool) -> bool:
    """Edit, merge and hide others' contributions: the school's facilitators and head teacher, admins."""
    return role is Role.ADMIN or (same_school and role in (Role.HEAD_TEACHER, Role.FACILITATOR))


def may_edit(*, moderator: bool, is_author: bool) -> bool:
    """A moderator edits any contribution; a member their own."""
    return moderator or is_author


def open_kinds(kind: SessionKind, step: str | None) -> frozenset[Contribution]:
    """What phones may add now. A cycle session with no step chosen yet opens all of its steps."""
    if kind is SessionKind.REFLECTION:
        try:
            card = card_kind_for(ReflectionStep(step)) if step else None
        except ValueError:
            card = None
        return frozenset({_CARD[card]}) if card else frozenset()
    steps = STEPS[kind]
    if step is None:
        return frozenset().union(*(_OPEN_AT[s] for s in steps)) if steps else frozenset()
    try:
        live = LiveStep(step)
    except ValueError:
        return frozenset()
    return _OPEN_AT[live] if live in steps else frozenset()


def check_open(kind: SessionKind, status: str, step: str | None, what: Contribution) -> None:
    """Refuse a contribution the session does not take now, saying what it does take."""
    if not code_works(status):
        raise NotOpenNow(ENDED)
    allowed = open_kinds(kind, step)
    if what not in allowed:
        now = ", ".join(sorted(c.label.lower() for c in allowed)) or "nothing from phones"
        raise NotOpenNow(f"This step takes {now}; {what.label.lower()} is not open now.")


def check_step(kind: SessionKind, step: str) -> LiveStep:
    """A step the facilitator may move a cycle session to."""
    try:
        live = LiveStep(step)
    except ValueError:
        raise InvalidTransition("Choose one of the session's steps") from None
    if live not in STEPS[kind]:
        raise InvalidTransition(f"A {kind.label.split(':')[0].lower()} has no step '{live.label}'")
    return live


@dataclass(frozen=True)
class MergePlan:
    """Merging a duplicate: the source is hidden and points at the target, which receives its votes."""

    source_id: str
    target_id: str


def check_merge(
    source_id: str,
    target_id: str,
    *,
    source_hidden: bool,
    target_hidden: bool,
    source_priority: bool,
    same_session: bool,
) -> MergePlan:
    """A challenge merges into another visible one of the same session; a priority is not merged away."""
    if source_id == target_id:
        raise InvalidTransition("A challenge cannot be merged into itself")
    if not same_session:
        raise InvalidTransition("Only challenges of the same session are merged")
    if source_hidden:
        raise InvalidTransition("That challenge is already hidden or merged")
    if target_hidden:
        raise InvalidTransition("Merge into a challenge that is still shown")
    if source_priority:
        raise InvalidTransition("A priority cannot be merged away: unprioritise it first")
    return MergePlan(source_id, target_id)


def changed_fields(theirs: dict[str, object], yours: dict[str, object]) -> list[str]:
    """The fields where the saved version differs from what this person tried to save."""
    return [k for k in yours if k in theirs and theirs[k] != yours[k]]


def submission_key(*parts: object) -> str:
    """A stable idempotency key for one submit: the same parts give the same key (64 characters max)."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:48]
