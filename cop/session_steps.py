"""The steps of each CoP session page, and what must be done before a session may start or end."""

from __future__ import annotations

from dataclasses import dataclass

from cop.cycle import Cycle
from cop.errors import InvalidTransition
from cop.vocab import SessionKind, SessionStatus

FIRST, MIDDLE, LAST = SessionKind.FIRST, SessionKind.MIDDLE, SessionKind.LAST

# The guidelines' agenda of each session, in the order the facilitator walks through it.
STEPS: dict[SessionKind, tuple[str, ...]] = {
    FIRST: ("Attendance", "Challenges", "Priorities", "Analysis", "Try-out plans", "AOB and actions"),
    MIDDLE: (
        "Attendance",
        "Try-out results",
        "Effective: consolidate",
        "Not effective: ALACT",
        "AOB and actions",
    ),
    LAST: (
        "Attendance",
        "Consolidation outputs",
        "Dissemination",
        "Evaluation",
        "Storage and closing",
        "AOB and actions",
    ),
}
PRIORITY_MINUTES, AOB_MINUTES = 60, 30


@dataclass(frozen=True)
class SessionFacts:
    """What a session's rules need beyond the cycle: its kind and status, and what was done in it."""

    kind: SessionKind
    status: SessionStatus
    judged_here: frozenset[str] = frozenset()  # challenge ids whose try-out was judged in this session
    open_at_start: frozenset[str] = frozenset()  # challenge ids awaiting results when the session began
    analysed: frozenset[str] = frozenset()  # priorities with root causes, goal and solutions
    alact_done: frozenset[str] = frozenset()  # challenge ids whose failed try-out has an ALACT
    outputs_planned: frozenset[str] = frozenset()  # challenge ids with a consolidation output
    has_attendance: bool = False


def check_can_plan(cycle: Cycle, kind: SessionKind, *, open_sessions: int) -> None:
    """Refuse planning a session while another is still open, or when the cycle's rules forbid it."""
    if kind == MIDDLE and not cycle.held(FIRST):
        raise InvalidTransition("Hold the first session before any middle session")
    if kind in (FIRST, LAST):
        cycle.check_can_hold(kind)
    if kind == MIDDLE and cycle.held(LAST):
        raise InvalidTransition("The last session has been held: there are no more middle sessions")
    if open_sessions:
        # After the rules, so a facilitator learns first what the cycle itself still needs.
        raise InvalidTransition("Finish the session already planned or running before planning another one")


def check_can_start(cycle: Cycle, kind: SessionKind) -> None:
    """A session starts when the cycle may hold it now (a planned middle session waits for try-out plans)."""
    cycle.check_can_hold(kind)


def why_not_finish(cycle: Cycle, facts: SessionFacts) -> list[str]:
    """What still has to be done before the session can be marked held (empty: it can)."""
    missing: list[str] = []
    if facts.status != SessionStatus.RUNNING:
        return ["Start the session first"]
    if not facts.has_attendance:
        missing.append("Take the attendance")
    names = cycle.titles
    if facts.kind == FIRST:
        if not cycle.priorities():
            missing.append("Choose the priority challenges")
        for c in cycle.priorities():
            if c.id not in facts.analysed:
                missing.append(f"Analyse '{names.get(c.id, c.id)}' (root causes, goal, solutions)")
            if not cycle.tryouts_of(c.id):
                missing.append(f"Plan a try-out for '{names.get(c.id, c.id)}'")
    elif facts.kind == MIDDLE:
        for c in cycle.priorities():
            name, latest = names.get(c.id, c.id), cycle.latest_tryout(c.id)
            if c.id in facts.open_at_start and c.id not in facts.judged_here:
                missing.append(f"Record whether the try-out of '{name}' was effective")
            elif latest is not None and latest.effective is False:
                if c.id not in facts.alact_done:
                    missing.append(f"Reflect on '{name}' with ALACT")
                missing.append(f"Plan the next try-out of '{name}'")
            elif c.id in facts.judged_here and cycle.is_effective(c.id) and c.id not in facts.outputs_planned:
                missing.append(f"Plan a consolidation output for '{name}'")
    elif facts.kind == LAST:
        if not cycle.dissemination_plans:
            missing.append("Plan the dissemination of the outputs")
        if not cycle.evaluated:
            missing.append("Evaluate the cycle")
    return missing


def check_can_finish(cycle: Cycle, facts: SessionFacts) -> None:
    """Raise InvalidTransition listing what the session still lacks."""
    missing = why_not_finish(cycle, facts)
    if missing:
        raise InvalidTransition("Before ending this session: " + "; ".join(missing))


def session_title(kind: SessionKind, sequence: int) -> str:
    """'First session', 'Middle session 2', 'Last session'."""
    name = {FIRST: "First session", MIDDLE: "Middle session", LAST: "Last session"}.get(kind, kind.label)
    return f"{name} {sequence}" if kind == MIDDLE else name


def next_kind(cycle: Cycle) -> SessionKind | None:
    """The session the cycle should plan next, or None once the last one is held."""
    if cycle.closed or cycle.held(LAST):
        return None
    if not cycle.held(FIRST):
        return FIRST
    return LAST if LAST in cycle.allowed_next_sessions() else MIDDLE


def vote_ranking(votes: dict[str, int], cycle: Cycle) -> list[str]:
    """Challenges that may be prioritised, most votes first (listing order breaks ties)."""
    order = {c.id: i for i, c in enumerate(cycle.challenges)}
    candidates = [c.id for c in cycle.challenges if c.in_control]
    return sorted(candidates, key=lambda cid: (-votes.get(cid, 0), order[cid]))


def check_priorities(cycle: Cycle, chosen: list[str]) -> None:
    """Check a ranked choice of priorities on a copy of the cycle, raising the rule broken first."""
    from copy import deepcopy

    trial = deepcopy(cycle)
    for c in list(trial.priorities()):
        if c.id not in chosen:
            trial.unprioritise(c.id)
    for cid in chosen:
        trial.prioritise(cid)
