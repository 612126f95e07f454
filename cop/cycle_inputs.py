"""What the cycle's forms may hold: each form's input checked field by field into a dataclass."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from cop.errors import ValidationError
from cop.vocab import (
    Audience,
    ControlCategory,
    Enabler,
    EvidenceKind,
    OutputKind,
    Resource,
    StoragePlace,
    Topic,
    TryoutResult,
)

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_CHANNEL = 160
# A date this far from today is a typo (a wrong year), not a plan.
_FAR = timedelta(days=2 * 366)
_URL_RE = re.compile(r"https?://[^\s]+\.[^\s]+", re.IGNORECASE)


def clean_text(value: object) -> str:
    """Trimmed text; None and blanks become the empty string."""
    return str(value or "").replace("\x00", "").strip()


def _needed(errors: dict[str, str], name: str, value: str, label: str, limit: int = MAX_TEXT) -> None:
    if not value:
        errors[name] = f"Write the {label}"
    elif len(value) > limit:
        errors[name] = f"The {label} is too long: at most {limit} characters"


def _optional(errors: dict[str, str], name: str, value: str, label: str, limit: int = MAX_TEXT) -> None:
    if len(value) > limit:
        errors[name] = f"The {label} is too long: at most {limit} characters"


def _choice(errors: dict[str, str], name: str, value: object, vocab: type, what: str) -> None:
    if value not in vocab.values():  # type: ignore[attr-defined]
        labels = ", ".join(v.label.lower() for v in vocab)  # type: ignore[attr-defined]
        errors[name] = f"Choose the {what}: {labels}"


def _near(errors: dict[str, str], name: str, value: date | None, today: date, label: str) -> None:
    if value is not None and abs(value - today) > _FAR:
        errors[name] = f"The {label} {value:%d %b %Y} is more than two years away: check the year"


@dataclass(frozen=True)
class ChallengeInput:
    """A challenge as a member states it: what it is, the evidence, the topic and who can act on it."""

    title: str
    evidence_kind: str
    topic: str
    control: str
    evidence_note: str = ""
    description: str = ""
    topic_other: str = ""
    lesson_observation_id: str | None = None
    assessment_result_id: str | None = None

    @classmethod
    def parse(cls, **raw: object) -> ChallengeInput:
        """Check every field; raise ValidationError naming each one that is wrong."""
        data = cls(
            title=clean_text(raw.get("title")),
            evidence_kind=clean_text(raw.get("evidence_kind")),
            topic=clean_text(raw.get("topic")),
            control=clean_text(raw.get("control")),
            evidence_note=clean_text(raw.get("evidence_note")),
            description=clean_text(raw.get("description")),
            topic_other=clean_text(raw.get("topic_other")),
            lesson_observation_id=clean_text(raw.get("lesson_observation_id")) or None,
            assessment_result_id=clean_text(raw.get("assessment_result_id")) or None,
        )
        errors: dict[str, str] = {}
        _needed(errors, "title", data.title, "challenge", MAX_TITLE)
        _choice(errors, "evidence_kind", data.evidence_kind, EvidenceKind, "kind of evidence")
        _choice(errors, "topic", data.topic, Topic, "topic")
        _choice(errors, "control", data.control, ControlCategory, "control category")
        _optional(errors, "evidence_note", data.evidence_note, "evidence note")
        _optional(errors, "description", data.description, "description")
        if data.topic == Topic.OTHER and not data.topic_other:
            errors["topic_other"] = "Say which other topic"
        if data.evidence_kind == EvidenceKind.OTHER and not data.evidence_note:
            errors["evidence_note"] = "Describe the evidence when its kind is 'other'"
        if errors:
            raise ValidationError(errors)
        return data


@dataclass(frozen=True)
class AnalysisInput:
    """The analysis of a priority: root causes, the goal and possible solutions."""

    root_causes: str
    goal: str
    possible_solutions: str

    @classmethod
    def parse(cls, **raw: object) -> AnalysisInput:
        data = cls(*(clean_text(raw.get(n)) for n in ("root_causes", "goal", "possible_solutions")))
        errors: dict[str, str] = {}
        _needed(errors, "root_causes", data.root_causes, "root causes")
        _needed(errors, "goal", data.goal, "goal")
        _needed(errors, "possible_solutions", data.possible_solutions, "possible solutions")
        if errors:
            raise ValidationError(errors)
        return data


@dataclass(frozen=True)
class TryoutInput:
    """A try-out plan: the activities, resources, dates and who tries it out in class."""

    activities: str
    implementer_ids: tuple[str, ...]
    resources: tuple[str, ...] = ()
    resources_other: str = ""
    start_on: date | None = None
    end_on: date | None = None

    @classmethod
    def parse(cls, *, today: date, **raw: object) -> TryoutInput:
        resources = tuple(str(r) for r in (raw.get("resources") or ()))  # type: ignore[attr-defined]
        implementers = tuple(dict.fromkeys(str(p) for p in (raw.get("implementer_ids") or ())))  # type: ignore[attr-defined]
        data = cls(
            activities=clean_text(raw.get("activities")),
            implementer_ids=implementers,
            resources=resources,
            resources_other=clean_text(raw.get("resources_other")),
            start_on=raw.get("start_on") or None,  # type: ignore[arg-type]
            end_on=raw.get("end_on") or None,  # type: ignore[arg-type]
        )
        errors: dict[str, str] = {}
        _needed(errors, "activities", data.activities, "activities")
        if not data.implementer_ids:
            errors["implementer_ids"] = "Choose at least one member who tries it out in class"
        bad = [r for r in data.resources if r not in Resource.values()]
        if bad:
            errors["resources"] = "Choose resources from the list, or write them under 'other resources'"
        if Resource.OTHER in data.resources and not data.resources_other:
            errors["resources_other"] = "Say which other resources"
        if data.start_on and data.end_on and data.end_on < data.start_on:
            errors["end_on"] = "The try-out ends before it starts"
        _near(errors, "start_on", data.start_on, today, "start date")
        _near(errors, "end_on", data.end_on, today, "end date")
        if errors:
            raise ValidationError(errors)
        return data


@dataclass(frozen=True)
class TryoutNoteInput:
    """An implementer's notes on their try-out and their own verdict."""

    notes: str
    result: str | None = None
    tried_on: date | None = None

    @classmethod
    def parse(cls, *, today: date, **raw: object) -> TryoutNoteInput:
        data = cls(
            clean_text(raw.get("notes")), clean_text(raw.get("result")) or None, raw.get("tried_on") or None
        )  # type: ignore[arg-type]
        errors: dict[str, str] = {}
        if not data.notes and data.result is None:
            errors["notes"] = "Write what happened, or choose how it went"
        _optional(errors, "notes", data.notes, "notes")
        if data.result is not None and data.result not in TryoutResult.values():
            errors["result"] = "Choose worked, partly worked or did not work"
        if data.tried_on is not None and data.tried_on > today:
            errors["tried_on"] = "The try-out date is in the future"
        if errors:
            raise ValidationError(errors)
        return data


@dataclass(frozen=True)
class JudgementInput:
    """The group's judgement of a try-out in a middle session."""

    effective: bool
    pros: str = ""
    cons: str = ""

    @classmethod
    def parse(cls, **raw: object) -> JudgementInput:
        effective = raw.get("effective")
        errors: dict[str, str] = {}
        if effective not in (True, False):
            errors["effective"] = "Say whether the try-out was effective or not"
        pros, cons = clean_text(raw.get("pros")), clean_text(raw.get("cons"))
        if not pros and not cons:
            errors["pros"] = "Write at least one pro or con the implementers reported"
        _optional(errors, "pros", pros, "pros")
        _optional(errors, "cons", cons, "cons")
        if errors:
            raise ValidationError(errors)
        return cls(bool(effective), pros, cons)


ALACT_FIELDS = ("action", "looking_back", "awareness", "alternatives", "trial")


@dataclass(frozen=True)
class AlactInput:
    """The five ALACT prompts for a try-out that did not work."""

    action: str
    looking_back: str
    awareness: str
    alternatives: str
    trial: str

    @classmethod
    def parse(cls, **raw: object) -> AlactInput:
        data = cls(*(clean_text(raw.get(n)) for n in ALACT_FIELDS))
        errors: dict[str, str] = {}
        labels = ("action", "looking back", "awareness", "alternative methods", "trial")
        for name, label in zip(ALACT_FIELDS, labels, strict=True):
            _needed(errors, name, getattr(data, name), label)
        if errors:
            raise ValidationError(errors)
        return data


@dataclass(frozen=True)
class LessonInput:
    text: str

    @classmethod
    def parse(cls, **raw: object) -> LessonInput:
        text = clean_text(raw.get("text"))
        errors: dict[str, str] = {}
        _needed(errors, "text", text, "lesson learnt")
        if errors:
            raise ValidationError(errors)
        return cls(text)


@dataclass(frozen=True)
class OutputInput:
    """A consolidation output planned for a solution that worked."""

    kind: str
    title: str
    owner_id: str | None = None
    due_on: date | None = None

    @classmethod
    def parse(cls, *, today: date, **raw: object) -> OutputInput:
        data = cls(
            clean_text(raw.get("kind")),
            clean_text(raw.get("title")),
            clean_text(raw.get("owner_id")) or None,
            raw.get("due_on") or None,  # type: ignore[arg-type]
        )
        errors: dict[str, str] = {}
        _choice(errors, "kind", data.kind, OutputKind, "kind of output")
        _needed(errors, "title", data.title, "title of the output", MAX_TITLE)
        if data.owner_id is None:
            errors["owner_id"] = "Choose who prepares it"
        _near(errors, "due_on", data.due_on, today, "due date")
        if errors:
            raise ValidationError(errors)
        return data


def check_link(url: str) -> str:
    """A link to an output kept elsewhere (a drive, a website): http(s) only."""
    url = clean_text(url)
    if url and not _URL_RE.fullmatch(url):
        raise ValidationError({"link_url": "Give a full web address starting with http:// or https://"})
    return url


@dataclass(frozen=True)
class DisseminationInput:
    audience: str
    channel: str
    planned_on: date | None = None
    owner_id: str | None = None

    @classmethod
    def parse(cls, *, today: date, **raw: object) -> DisseminationInput:
        data = cls(
            clean_text(raw.get("audience")),
            clean_text(raw.get("channel")),
            raw.get("planned_on") or None,  # type: ignore[arg-type]
            clean_text(raw.get("owner_id")) or None,
        )
        errors: dict[str, str] = {}
        _choice(errors, "audience", data.audience, Audience, "audience")
        _needed(errors, "channel", data.channel, "channel (staff meeting, parents' day...)", MAX_CHANNEL)
        if data.owner_id is None:
            errors["owner_id"] = "Choose who shares it"
        _near(errors, "planned_on", data.planned_on, today, "date")
        if errors:
            raise ValidationError(errors)
        return data


@dataclass(frozen=True)
class EvaluationInput:
    """The last session's evaluation: effectiveness and the six key enablers, 1 to 5 each."""

    effectiveness: int
    enablers: dict[str, int] = field(default_factory=dict)
    lessons_for_all: str = ""
    improvements_next_cycle: str = ""

    @classmethod
    def parse(cls, **raw: object) -> EvaluationInput:
        errors: dict[str, str] = {}

        def rating(name: str, label: str) -> int:
            value = raw.get(name)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
                errors[name] = f"Rate {label} from 1 to 5"
                return 0
            return value

        effectiveness = rating("effectiveness", "the cycle's effectiveness")
        enablers = {e.value: rating(e.value, e.label.lower()) for e in Enabler}
        lessons, improvements = (
            clean_text(raw.get("lessons_for_all")),
            clean_text(raw.get("improvements_next_cycle")),
        )
        _needed(errors, "lessons_for_all", lessons, "lessons learnt for all members")
        _needed(errors, "improvements_next_cycle", improvements, "improvements for the next cycle")
        if errors:
            raise ValidationError(errors)
        return cls(effectiveness, enablers, lessons, improvements)


@dataclass(frozen=True)
class StorageInput:
    place: str
    note: str = ""

    @classmethod
    def parse(cls, **raw: object) -> StorageInput:
        data = cls(clean_text(raw.get("place")), clean_text(raw.get("note")))
        errors: dict[str, str] = {}
        _choice(errors, "place", data.place, StoragePlace, "place where the outputs are kept")
        if data.place == StoragePlace.OTHER and not data.note:
            errors["note"] = "Say where the outputs are kept"
        _optional(errors, "note", data.note, "note")
        if errors:
            raise ValidationError(errors)
        return data


@dataclass(frozen=True)
class ActionInput:
    """A concrete action agreed in a session, with its owner and due date."""

    description: str
    owner_id: str | None
    due_on: date | None

    @classmethod
    def parse(cls, *, today: date, **raw: object) -> ActionInput:
        data = cls(
            clean_text(raw.get("description")),
            clean_text(raw.get("owner_id")) or None,
            raw.get("due_on") or None,  # type: ignore[arg-type]
        )
        errors: dict[str, str] = {}
        _needed(errors, "description", data.description, "action")
        if data.owner_id is None:
            errors["owner_id"] = "Choose who owns the action"
        if data.due_on is None:
            errors["due_on"] = "Give a due date (before the next session)"
        elif data.due_on < today - timedelta(days=1):
            errors["due_on"] = "The due date is already past"
        _near(errors, "due_on", data.due_on, today, "due date")
        if errors:
            raise ValidationError(errors)
        return data


@dataclass(frozen=True)
class SessionNotesInput:
    """Every session's notes: the date, AOB and the summary that becomes the session report."""

    session_date: date
    aob_notes: str = ""
    summary: str = ""

    @classmethod
    def parse(cls, *, today: date, **raw: object) -> SessionNotesInput:
        errors: dict[str, str] = {}
        when = raw.get("session_date")
        if not isinstance(when, date):
            errors["session_date"] = "Give the session's date"
        else:
            _near(errors, "session_date", when, today, "session date")
        aob, summary = clean_text(raw.get("aob_notes")), clean_text(raw.get("summary"))
        _optional(errors, "aob_notes", aob, "AOB notes")
        _optional(errors, "summary", summary, "summary")
        if errors:
            raise ValidationError(errors)
        return cls(when, aob, summary)  # type: ignore[arg-type]
