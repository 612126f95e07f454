"""Flags on a school's timeline that a head teacher or an official should see, from plain facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from cop.vocab import Labelled

# Defaults a head teacher would expect; the page lets the reader change the first.
WEEKS_WITHOUT_SESSION = 4
STUCK_MIDDLE_SESSIONS = 3
STUCK_WEEKS = 8
# On a 1-4 scale: a self-assessment a full point above the visitor's view is worth a conversation.
SELF_ASSESSMENT_GAP = 1.0


class FlagKind(Labelled):
    NO_SESSION = "no_session", "No CoP session recently"
    ACTIONS_PAST_DUE = "actions_past_due", "Actions past due"
    CYCLE_STUCK = "cycle_stuck", "Cycle stuck in middle sessions"
    SELF_ASSESSMENT_GAP = "self_assessment_gap", "Self-assessment above field-visit findings"


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    message: str


@dataclass(frozen=True)
class OpenCycle:
    """A cycle still between its first and its last session."""

    name: str  # "P4 teachers CoP, cycle 1"
    middle_sessions: int
    last_session_on: date | None


@dataclass(frozen=True)
class SelfAssessmentGap:
    """An SBM's latest self-assessment average beside the average of field visits' practice ratings."""

    sbm: str
    self_average: float
    visit_average: float


@dataclass(frozen=True)
class TimelineFacts:
    today: date
    last_session_on: date | None
    has_active_cop: bool
    overdue_actions: int
    oldest_overdue_on: date | None
    open_cycles: list[OpenCycle] = field(default_factory=list)
    self_assessments: list[SelfAssessmentGap] = field(default_factory=list)


def _weeks(since: date, today: date) -> int:
    return (today - since).days // 7


def cycle_is_stuck(cycle: OpenCycle, today: date) -> bool:
    """Stuck: many middle sessions without reaching the last, or no session of it for weeks."""
    if cycle.middle_sessions >= STUCK_MIDDLE_SESSIONS:
        return True
    return cycle.last_session_on is not None and _weeks(cycle.last_session_on, today) >= STUCK_WEEKS


def timeline_flags(facts: TimelineFacts, *, weeks_without_session: int = WEEKS_WITHOUT_SESSION) -> list[Flag]:
    """Every flag the facts raise, most urgent kind first."""
    flags: list[Flag] = []
    if facts.has_active_cop:
        if facts.last_session_on is None:
            flags.append(Flag(FlagKind.NO_SESSION, "No CoP session has been held yet."))
        elif (weeks := _weeks(facts.last_session_on, facts.today)) >= weeks_without_session:
            flags.append(
                Flag(
                    FlagKind.NO_SESSION,
                    f"No CoP session for {weeks} weeks (last on {facts.last_session_on:%d %b %Y}).",
                )
            )
    if facts.overdue_actions:
        oldest = f", the oldest due {facts.oldest_overdue_on:%d %b %Y}" if facts.oldest_overdue_on else ""
        flags.append(
            Flag(FlagKind.ACTIONS_PAST_DUE, f"{facts.overdue_actions} action(s) past their due date{oldest}.")
        )
    for cycle in facts.open_cycles:
        if cycle_is_stuck(cycle, facts.today):
            since = f", last session {cycle.last_session_on:%d %b %Y}" if cycle.last_session_on else ""
            flags.append(
                Flag(
                    FlagKind.CYCLE_STUCK,
                    f"{cycle.name}: {cycle.middle_sessions} middle session(s), not yet at the last{since}.",
                )
            )
    for gap in facts.self_assessments:
        if gap.self_average - gap.visit_average >= SELF_ASSESSMENT_GAP:
            flags.append(
                Flag(
                    FlagKind.SELF_ASSESSMENT_GAP,
                    f"{gap.sbm} rates their own practice {gap.self_average:.1f}/4; "
                    f"field visits found {gap.visit_average:.1f}/4.",
                )
            )
    return flags
