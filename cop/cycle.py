"""The CoP cycle as an aggregate: sessions, priorities and try-outs under the guidelines' rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from cop.errors import (
    InvalidTransition,
    NotPrioritisable,
    TooManyPriorities,
    TryoutNotAllowed,
    ValidationError,
)
from cop.vocab import ControlCategory, CyclePhase, EssentialActivity, SessionKind

FIRST, MIDDLE, LAST = SessionKind.FIRST, SessionKind.MIDDLE, SessionKind.LAST
CYCLE_SESSIONS = (FIRST, MIDDLE, LAST)
_CLOSED = "This cycle is closed: nothing in it can change any more"


@dataclass
class ChallengeState:
    """A challenge as far as the cycle's rules care: its control category and whether it is a priority."""

    id: str
    control: ControlCategory
    is_priority: bool = False

    @property
    def in_control(self) -> bool:
        """Whether the members can act on it, directly or with the help of others."""
        return self.control != ControlCategory.OUT_OF_CONTROL


@dataclass
class TryoutState:
    """One try-out of a priority challenge; `effective` stays None until the group judges it."""

    challenge_id: str
    attempt_no: int
    effective: bool | None = None


@dataclass
class Cycle:
    """One CoP cycle; commands check the guidelines first and refuse with a named `CopRuleError`."""

    sessions: list[SessionKind] = field(default_factory=list)  # held sessions, in order; never REFLECTION
    challenges: list[ChallengeState] = field(default_factory=list)
    tryouts: list[TryoutState] = field(default_factory=list)
    consolidation_outputs: int = 0
    dissemination_plans: int = 0
    evaluated: bool = False
    closed: bool = False
    max_priorities: int = 2  # the guidelines say "about two"; a school may agree otherwise
    titles: dict[str, str] = field(default_factory=dict)  # challenge id -> title, used only in messages

    # --- commands: validate everything first, then mutate

    def add_challenge(self, challenge_id: str, control: ControlCategory) -> None:
        """List a challenge the members face (out-of-control ones go to the parking lot)."""
        self._check_open()
        if self.held(MIDDLE):
            raise InvalidTransition("Challenges are listed until the first middle session: keep it for later")
        errors = {}
        if not str(challenge_id).strip():
            errors["challenge_id"] = "A challenge needs an id"
        elif self._find(challenge_id) is not None:
            errors["challenge_id"] = f"{self._name(challenge_id)} is already listed in this cycle"
        if control not in ControlCategory.values():
            errors["control"] = "Choose direct control, indirect control or out of control"
        if errors:
            raise ValidationError(errors)
        self.challenges.append(ChallengeState(challenge_id, ControlCategory(control)))

    def prioritise(self, challenge_id: str) -> None:
        """Make a challenge in the members' control one of the cycle's priorities."""
        challenge = self._challenge_to_rank(challenge_id)
        if not challenge.in_control:
            raise NotPrioritisable(
                f"{self._name(challenge_id)} is out of your control: it goes to the parking lot"
            )
        if challenge.is_priority:
            return
        if len(self.priorities()) >= self.max_priorities:
            raise TooManyPriorities(
                f"This cycle already has {self.max_priorities} priorities, the most it may have: "
                f"unprioritise one before choosing {self._name(challenge_id)}"
            )
        challenge.is_priority = True

    def unprioritise(self, challenge_id: str) -> None:
        """Drop a challenge from the priorities, while nothing has been planned for it."""
        challenge = self._challenge_to_rank(challenge_id)
        if challenge.is_priority and self.tryouts_of(challenge_id):
            # Dropping it would orphan its try-outs, whose results are the CoP's record.
            raise InvalidTransition(f"{self._name(challenge_id)} has a try-out plan: it stays a priority")
        challenge.is_priority = False

    def plan_tryout(self, challenge_id: str) -> TryoutState:
        """Plan the next try-out of a priority that has none yet or whose latest one did not work."""
        challenge, name = self._challenge(challenge_id), self._name(challenge_id)
        latest = self.latest_tryout(challenge_id)
        if self.held(LAST):
            raise InvalidTransition("Try-outs are planned before the last session")
        if not challenge.is_priority:
            raise TryoutNotAllowed(f"{name} is not a priority: only prioritised challenges are tried out")
        if latest is not None and latest.effective is None:
            raise TryoutNotAllowed(
                f"{name} is still being tried out: record try-out {latest.attempt_no} first"
            )
        if latest is not None and latest.effective:
            raise TryoutNotAllowed(f"{name} already has an effective solution: consolidate it instead")
        tryout = TryoutState(challenge_id, latest.attempt_no + 1 if latest else 1)
        self.tryouts.append(tryout)
        return tryout

    def judge_tryout(self, challenge_id: str, effective: bool) -> None:
        """Record whether the latest try-out of a challenge worked, as the group judged it."""
        self._challenge(challenge_id)
        latest = self.latest_tryout(challenge_id)
        if not self.held(FIRST) or self.held(LAST):
            raise InvalidTransition("Try-out results are recorded between the first and the last session")
        if latest is None or latest.effective is not None:
            raise TryoutNotAllowed(f"{self._name(challenge_id)} has no try-out waiting for its results")
        latest.effective = bool(effective)

    def check_can_hold(self, kind: SessionKind) -> None:
        """Raise InvalidTransition saying why a session of this kind cannot be held now."""
        reason = self._why_not_hold(kind)
        if reason is not None:
            raise InvalidTransition(reason)

    def hold_session(self, kind: SessionKind) -> None:
        """Record that a session of this kind has been held."""
        self.check_can_hold(kind)
        self.sessions.append(SessionKind(kind))

    def record_consolidation_output(self) -> None:
        """Count one consolidation output (materials, case study, ...) of a solution that worked."""
        self._check_open()
        if not any(self.is_effective(c.id) for c in self.priorities()):
            raise InvalidTransition("Consolidation comes once a priority has an effective try-out")
        self.consolidation_outputs += 1

    def record_dissemination_plan(self) -> None:
        """Count one plan to share the lessons learnt beyond the CoP."""
        self._check_open()
        if self.phase not in (CyclePhase.CONSOLIDATING, CyclePhase.DISSEMINATING):
            raise InvalidTransition("Dissemination is planned once every priority has an effective solution")
        self.dissemination_plans += 1

    def record_evaluation(self) -> None:
        """Record that the members evaluated the cycle in its last session."""
        self._check_open()
        if not self.held(LAST):
            raise InvalidTransition("The cycle is evaluated in the last session: hold it first")
        self.evaluated = True

    def close(self) -> None:
        """Close the cycle once its last session is held and it is evaluated."""
        self._check_open()
        if not (self.held(LAST) and self.evaluated):
            raise InvalidTransition("A cycle closes after its last session, once it has been evaluated")
        self.closed = True

    # --- queries

    @property
    def phase(self) -> CyclePhase:
        """Where the cycle stands, derived from its sessions and try-outs."""
        if self.closed:
            return CyclePhase.CLOSED
        if self.held(LAST):
            return CyclePhase.DISSEMINATING
        if self.held(MIDDLE):
            return CyclePhase.CONSOLIDATING if self.all_priorities_effective() else CyclePhase.REFLECTING
        return CyclePhase.TRYING_OUT if self.held(FIRST) else CyclePhase.PLANNING

    def held(self, kind: SessionKind) -> bool:
        """Whether a session of this kind has been held in the cycle."""
        return kind in self.sessions

    def allowed_next_sessions(self) -> list[SessionKind]:
        """The session kinds that may be held now."""
        return [kind for kind in CYCLE_SESSIONS if self._why_not_hold(kind) is None]

    def priorities(self) -> list[ChallengeState]:
        """The challenges the cycle focuses on, in listing order."""
        return [c for c in self.challenges if c.is_priority]

    def parking_lot(self) -> list[ChallengeState]:
        """The challenges out of the members' control, set aside."""
        return [c for c in self.challenges if not c.in_control]

    def tryouts_of(self, challenge_id: str) -> list[TryoutState]:
        """The try-outs of one challenge, oldest first."""
        return [t for t in self.tryouts if t.challenge_id == challenge_id]

    def latest_tryout(self, challenge_id: str) -> TryoutState | None:
        """The most recent try-out of a challenge, if any."""
        tries = self.tryouts_of(challenge_id)
        return tries[-1] if tries else None

    def is_effective(self, challenge_id: str) -> bool:
        """Whether the latest try-out of a challenge was judged effective."""
        latest = self.latest_tryout(challenge_id)
        return latest is not None and latest.effective is True

    def all_priorities_effective(self) -> bool:
        """Whether the cycle has priorities and each has an effective solution."""
        return bool(self.priorities()) and all(self.is_effective(c.id) for c in self.priorities())

    def essential_activities(self) -> dict[EssentialActivity, bool]:
        """Which of the six essential activities of a cycle are done, in the guidelines' order."""
        planned = bool(self.priorities()) and all(self.tryouts_of(c.id) for c in self.priorities())
        consolidated = self.consolidation_outputs > 0 and self.all_priorities_effective()
        return {
            EssentialActivity.IDENTIFICATION: bool(self.challenges),
            EssentialActivity.PLANNING: planned,
            EssentialActivity.TRYOUT: any(t.effective is not None for t in self.tryouts),
            EssentialActivity.CONSOLIDATION: consolidated,
            EssentialActivity.DISSEMINATION: self.dissemination_plans > 0,
            EssentialActivity.EVALUATION: self.evaluated,
        }

    def next_step(self) -> str:
        """A short instruction for the facilitator: what the cycle needs next."""
        if self.closed:
            return "This cycle is closed: start the next cycle when the CoP is ready"
        if self.held(LAST):
            if not self.dissemination_plans:
                return "Plan how to share the consolidation outputs beyond the CoP"
            if not self.evaluated:
                return "Evaluate the cycle with the members"
            return "Send the cycle report to the DHT, store the outputs, then close the cycle"
        to_plan = [c for c in self.priorities() if not self.is_effective(c.id) and not self._pending(c.id)]
        pending = any(self._pending(c.id) for c in self.priorities())
        if not self.held(MIDDLE):
            if not self.challenges:
                return "List the challenges the members face, with their evidence"
            if not self.priorities():
                return f"Choose up to {self.max_priorities} challenges in your control as priorities"
            if to_plan:
                return f"Plan a try-out for {self._names(to_plan)}"
            if not self.held(FIRST):
                return "Hold the first session"
            return "Try out the planned activities in class, then hold a middle session"
        if to_plan:
            return f"Analyse {self._names(to_plan)} with ALACT and plan a new try-out"
        if pending:
            return "Record the try-out results, then hold a middle session"
        if not self.consolidation_outputs:
            return "Consolidate the lessons learnt (materials, case study...), then hold the last session"
        return "Hold the last session to review the consolidation outputs and plan their dissemination"

    # --- helpers

    def _name(self, challenge_id: str) -> str:
        return f"'{self.titles.get(challenge_id, challenge_id)}'"

    def _names(self, challenges: list[ChallengeState]) -> str:
        return " and ".join(self._name(c.id) for c in challenges)

    def _find(self, challenge_id: str) -> ChallengeState | None:
        return next((c for c in self.challenges if c.id == challenge_id), None)

    def _pending(self, challenge_id: str) -> bool:
        latest = self.latest_tryout(challenge_id)
        return latest is not None and latest.effective is None

    def _check_open(self) -> None:
        if self.closed:
            raise InvalidTransition(_CLOSED)

    def _challenge(self, challenge_id: str) -> ChallengeState:
        self._check_open()
        challenge = self._find(challenge_id)
        if challenge is None:
            raise ValidationError({"challenge_id": f"There is no challenge {self._name(challenge_id)} here"})
        return challenge

    def _challenge_to_rank(self, challenge_id: str) -> ChallengeState:
        challenge = self._challenge(challenge_id)
        if self.held(MIDDLE):
            raise InvalidTransition(
                "Priorities are chosen before the first middle session: they are now fixed"
            )
        return challenge

    def _why_not_hold(self, kind: SessionKind) -> str | None:
        if self.closed:
            return _CLOSED
        if kind == FIRST:
            return "The first session has already been held" if self.held(FIRST) else None
        if kind == MIDDLE:
            unplanned = [c for c in self.priorities() if not self.tryouts_of(c.id)]
            if not self.held(FIRST):
                return "Hold the first session before any middle session"
            if self.held(LAST):
                return "The last session has been held: there are no more middle sessions"
            if not self.priorities():
                return "A middle session needs at least one priority challenge"
            if unplanned:
                return (
                    f"Every priority needs a try-out plan before a middle session: {self._names(unplanned)}"
                )
            return None
        if kind == LAST:
            if self.held(LAST):
                return "The last session has already been held"
            if not self.held(MIDDLE):
                return "The last session comes after at least one middle session"
            return self._why_not_effective()
        if kind == SessionKind.REFLECTION:
            return "A reflection session is led by the head teacher, apart from the cycle's sessions"
        return f"'{kind}' is not a kind of CoP session"

    def _why_not_effective(self) -> str | None:
        missing = []
        for c in self.priorities():
            latest = self.latest_tryout(c.id)
            if latest is None:
                missing.append(f"{self._name(c.id)} has no try-out yet")
            elif latest.effective is None:
                missing.append(f"{self._name(c.id)} is still being tried out")
            elif not latest.effective:
                missing.append(f"the latest try-out of {self._name(c.id)} did not work")
        if missing or not self.priorities():
            return "The last session needs an effective try-out for every priority: " + (
                "; ".join(missing) or "there is no priority"
            )
        return None


def validate(cycle: Cycle) -> list[str]:
    """The rules a cycle breaks (empty when valid), for checking loaded data and for property tests."""
    sessions, priorities = cycle.sessions, cycle.priorities()
    ids = [c.id for c in cycle.challenges]
    tries = [cycle.tryouts_of(c.id) for c in priorities]
    all_effective = cycle.all_priorities_effective()
    numbered = all([t.attempt_no for t in ts] == list(range(1, len(ts) + 1)) for ts in tries)
    counts = (cycle.consolidation_outputs, cycle.dissemination_plans, cycle.max_priorities - 1)
    rules = [
        (all(k in CYCLE_SESSIONS for k in sessions), "only first, middle and last sessions are held"),
        (not sessions or sessions[0] == FIRST, "the first session comes first"),
        (sessions.count(FIRST) <= 1 and sessions.count(LAST) <= 1, "first and last sessions are held once"),
        (LAST not in sessions or (sessions[-1] == LAST and MIDDLE in sessions), "the last session ends it"),
        (len(set(ids)) == len(ids) and all(ids), "challenge ids are unique and not empty"),
        (all(c.in_control for c in priorities), "no out-of-control challenge is a priority"),
        (len(priorities) <= cycle.max_priorities, f"at most {cycle.max_priorities} priorities"),
        ({t.challenge_id for t in cycle.tryouts} <= {c.id for c in priorities}, "only priorities are tried"),
        (numbered, "the try-outs of a challenge are numbered 1, 2, 3..."),
        (all(t.effective is False for ts in tries for t in ts[:-1]), "only the latest try-out may be open"),
        (FIRST in sessions or {t.effective for t in cycle.tryouts} <= {None}, "no judging before the first"),
        (MIDDLE not in sessions or (bool(tries) and all(tries)), "a middle session needs all plans"),
        (LAST not in sessions or all_effective, "the last session needs every priority effective"),
        (not cycle.consolidation_outputs or any(map(cycle.is_effective, ids)), "consolidate what worked"),
        (not cycle.dissemination_plans or (MIDDLE in sessions and all_effective), "disseminate what worked"),
        (not cycle.evaluated or LAST in sessions, "the evaluation is in the last session"),
        (not cycle.closed or cycle.evaluated, "a closed cycle has been evaluated"),
        (min(counts) >= 0, "counts are not negative and at least one priority is allowed"),
    ]
    return [rule for holds, rule in rules if not holds]
