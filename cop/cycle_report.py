"""The short cycle report for the DHT: what a closed cycle did, found and produced, in one page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from cop.errors import CopRuleError
from cop.vocab import Audience, Enabler, OutputKind, OutputStatus, Role, SessionKind, StoragePlace


class NotAcknowledgeable(CopRuleError):
    """The cycle report cannot be acknowledged (the cycle is still running)."""


@dataclass(frozen=True)
class SessionLine:
    kind: str
    sequence: int
    session_date: date
    present: int
    listed: int
    new_teachers_present: int = 0

    @property
    def label(self) -> str:
        name = SessionKind(self.kind).label.split(":")[0]
        return f"{name} {self.sequence}" if self.kind == SessionKind.MIDDLE.value else name


@dataclass(frozen=True)
class TryoutLine:
    attempt_no: int
    activities: str
    start_on: date | None
    end_on: date | None
    effective: bool | None
    pros: str | None = None
    cons: str | None = None

    @property
    def verdict(self) -> str:
        return {True: "worked", False: "did not work", None: "not judged"}[self.effective]


@dataclass(frozen=True)
class PriorityLine:
    title: str
    topic: str
    goal: str | None
    tryouts: tuple[TryoutLine, ...]

    @property
    def effective(self) -> bool:
        return bool(self.tryouts) and self.tryouts[-1].effective is True


@dataclass(frozen=True)
class OutputLine:
    kind: str
    title: str
    status: str
    owner: str | None
    has_file: bool
    link_url: str | None

    @property
    def where(self) -> str:
        parts = ["file stored in the app"] if self.has_file else []
        if self.link_url:
            parts.append(self.link_url)
        return "; ".join(parts) or "no file or link yet"


@dataclass(frozen=True)
class DisseminationLine:
    audience: str
    channel: str
    planned_on: date | None
    owner: str | None
    done: bool


@dataclass(frozen=True)
class EvaluationLine:
    effectiveness: int | None
    enablers: dict[str, int | None]
    lessons_for_all: str | None
    improvements_next_cycle: str | None


@dataclass(frozen=True)
class CycleFacts:
    school: str
    cop: str
    school_year: int
    number: int
    title: str | None
    started_on: date | None
    closed_at: datetime | None
    facilitator: str | None
    sessions: tuple[SessionLine, ...]
    priorities: tuple[PriorityLine, ...]
    parking_lot: int
    lessons: tuple[str, ...]
    outputs: tuple[OutputLine, ...]
    storage_place: str | None
    storage_note: str | None
    dissemination: tuple[DisseminationLine, ...]
    evaluation: EvaluationLine | None

    @property
    def first_date(self) -> date | None:
        return min((s.session_date for s in self.sessions), default=self.started_on)

    @property
    def last_date(self) -> date | None:
        return max((s.session_date for s in self.sessions), default=None)

    @property
    def attendance_rate(self) -> float | None:
        listed = sum(s.listed for s in self.sessions)
        return sum(s.present for s in self.sessions) / listed if listed else None


def may_acknowledge(role: Role, *, same_school: bool) -> bool:
    """The head teacher or deputy of the cycle's school acknowledges its report; an administrator too."""
    return role is Role.ADMIN or (role is Role.HEAD_TEACHER and same_school)


def check_acknowledgeable(closed: bool) -> None:
    if not closed:
        raise NotAcknowledgeable("This cycle is not closed yet: its report comes after the last session.")


def storage_text(place: str | None, note: str | None) -> str:
    label = StoragePlace(place).label if place else "not recorded"
    return f"{label}: {note}" if note else label


def percent(value: float | None) -> str:
    return "-" if value is None else f"{round(value * 100)} %"


def summary_lines(facts: CycleFacts) -> list[str]:
    """The report as plain text lines: what the DHT files, and what the stored body keeps."""
    period = f"{facts.first_date or '?'} to {facts.last_date or '?'}"
    lines = [
        f"{facts.cop} ({facts.school}), cycle {facts.number} of {facts.school_year}"
        + (f": {facts.title}" if facts.title else ""),
        f"Sessions: {len(facts.sessions)} held, {period}; attendance {percent(facts.attendance_rate)}.",
    ]
    for p in facts.priorities:
        outcome = "effective" if p.effective else "not effective yet"
        lines.append(f"Priority: {p.title} - {len(p.tryouts)} try-out(s), {outcome}.")
    if facts.parking_lot:
        lines.append(f"Parking lot: {facts.parking_lot} challenge(s) outside the members' control.")
    lines += [f"Lesson learnt: {text}" for text in facts.lessons]
    for o in facts.outputs:
        lines.append(f"Output: {OutputKind(o.kind).label}, {o.title} ({OutputStatus(o.status).label}).")
    lines.append(f"Outputs kept: {storage_text(facts.storage_place, facts.storage_note)}.")
    done = sum(d.done for d in facts.dissemination)
    lines.append(f"Dissemination: {done} of {len(facts.dissemination)} planned activities done.")
    if facts.evaluation and facts.evaluation.effectiveness:
        lines.append(f"Evaluation: effectiveness {facts.evaluation.effectiveness} of 5.")
    return lines


def audience_label(value: str) -> str:
    return Audience(value).label


def enabler_rows(evaluation: EvaluationLine) -> list[tuple[str, str]]:
    return [
        (Enabler(key).label, "-" if score is None else f"{score} of 5")
        for key, score in evaluation.enablers.items()
    ]
