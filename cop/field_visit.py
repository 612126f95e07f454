"""Supportive field visits of a UR-CE facilitator to an SBM: who records and reads the report, what a
complete report holds, and how its agreed next steps become actions and follow the report's edits."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from cop.access import Viewer
from cop.errors import ValidationError
from cop.vocab import ActionStatus, Role

# The visitor's overall view of the SBM's practice, on the 1-4 scale of the SBM's own self-assessment.
PRACTICE_RATINGS: dict[int, str] = {
    1: "Just starting",
    2: "Developing",
    3: "Good practice",
    4: "Strong: a model for others",
}
TEXT_FIELDS: dict[str, str] = {
    "priority_challenges": "Write the SBM's priority challenge(s).",
    "coaching_given": "Describe the coaching you gave.",
    "sbm_cpd_progress": "Describe the SBM's CPD progress.",
    "school_cpd_activities": "Describe the school's CPD activities.",
}
MAX_TEXT = 4000
MAX_STEP = 300
MAX_STEPS = 10
# A visit logged more than a year after it happened is a typo in the year rather than a late report.
LOOKBACK = timedelta(days=366)
# Next steps lead to the next visit; more than a year ahead is a typo.
DUE_AHEAD = timedelta(days=366)
DEFAULT_DUE = timedelta(days=14)


class ReadScope(StrEnum):
    """Which field visit reports a role reads."""

    REACH = "reach"  # officials: every visit to a school in their reach
    VISITOR = "visitor"  # UR-CE facilitator: visits they made, and visits to the SBMs assigned to them
    SCHOOL = "school"  # head teacher: visits to the SBMs of their school
    SBM = "sbm"  # SBM / SSL: visits to themselves, not to colleagues (it is their coaching)
    NONE = "none"


_SCOPES = {
    Role.ADMIN: ReadScope.REACH,
    Role.NATIONAL_OFFICER: ReadScope.REACH,
    Role.DISTRICT_OFFICER: ReadScope.REACH,
    Role.FIELD_FACILITATOR: ReadScope.VISITOR,
    Role.HEAD_TEACHER: ReadScope.SCHOOL,
    Role.FACILITATOR: ReadScope.SBM,
}


@dataclass(frozen=True)
class VisitParties:
    """Who a report concerns: the visitor, the SBM visited and the SBM's school."""

    facilitator_id: str
    sbm_id: str
    school_id: str


@dataclass(frozen=True)
class StepInput:
    """One agreed next step; `action_id` and `action_version` are set for steps already saved."""

    description: str
    owner_id: str | None
    due_on: date | None
    action_id: str | None = None
    action_version: int | None = None


@dataclass(frozen=True)
class FieldVisitInput:
    """A field visit report as the facilitator writes it."""

    sbm_id: str | None
    visit_date: date | None
    priority_challenges: str = ""
    coaching_given: str = ""
    sbm_cpd_progress: str = ""
    school_cpd_activities: str = ""
    practice_rating: int | None = None
    steps: tuple[StepInput, ...] = ()


@dataclass(frozen=True)
class ExistingAction:
    """An action a saved next step became."""

    id: str
    description: str
    owner_id: str | None
    due_on: date | None
    status: str
    version: int = 1


@dataclass(frozen=True)
class ActionChanges:
    """What saving an edited report does to its actions."""

    add: tuple[StepInput, ...]
    change: tuple[tuple[ExistingAction, StepInput], ...]
    cancel: tuple[ExistingAction, ...]

    @property
    def empty(self) -> bool:
        return not (self.add or self.change or self.cancel)


def read_scope(viewer: Viewer) -> ReadScope:
    """Which reports this viewer reads (the data layer turns it into a query)."""
    return _SCOPES.get(viewer.role, ReadScope.NONE)


def may_read(viewer: Viewer, visit: VisitParties, *, school_in_reach: bool, sbm_assigned: bool) -> bool:
    """Whether this viewer may read this report; `sbm_assigned`: the visited SBM is assigned to the viewer."""
    match read_scope(viewer):
        case ReadScope.REACH:
            return school_in_reach
        case ReadScope.VISITOR:
            return visit.facilitator_id == viewer.person_id or sbm_assigned
        case ReadScope.SCHOOL:
            return viewer.school_id is not None and visit.school_id == viewer.school_id
        case ReadScope.SBM:
            return visit.sbm_id == viewer.person_id
    return False


def may_record(viewer: Viewer, *, sbm_assigned: bool) -> bool:
    """A UR-CE facilitator records visits to the SBMs assigned to them."""
    return viewer.role is Role.FIELD_FACILITATOR and sbm_assigned


def may_edit(viewer: Viewer, visit: VisitParties) -> bool:
    """Only the facilitator who wrote a report changes it: it is their account of the visit."""
    return viewer.role is Role.FIELD_FACILITATOR and visit.facilitator_id == viewer.person_id


def rating_label(rating: int | None) -> str:
    """ "2 - Developing" for a rating, empty for none."""
    return f"{rating} - {PRACTICE_RATINGS[rating]}" if rating in PRACTICE_RATINGS else ""


def default_due(visit_date: date) -> date:
    """The due date a new step starts with: two weeks after the visit."""
    return visit_date + DEFAULT_DUE


def clean_text(value: str | None) -> str:
    """Text as typed, trimmed, with Windows line ends and invisible control characters removed."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    # PostgreSQL refuses NUL; other control characters only confuse the PDF and the CSV.
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cs"}).strip()


def _check_date(errors: dict[str, str], visit_date: date | None, today: date, earliest: date) -> None:
    if visit_date is None:
        errors["visit_date"] = "Give the date of the visit."
    elif visit_date > today:
        errors["visit_date"] = "The visit date cannot be in the future."
    elif visit_date < earliest:
        errors["visit_date"] = "This date is more than a year ago: check the year."


def _clean_step(
    errors: dict[str, str], number: int, step: StepInput, visit_date: date, owner_ids: Collection[str] | None
) -> StepInput:
    field = f"step_{number}_"
    description = " ".join(clean_text(step.description).split())
    if not description:
        errors[field + "description"] = "Write what will be done (or remove the step)."
    elif len(description) > MAX_STEP:
        errors[field + "description"] = f"Use at most {MAX_STEP} characters."
    if not step.owner_id:
        errors[field + "owner"] = "Choose who will do it."
    elif owner_ids is not None and step.owner_id not in owner_ids:
        errors[field + "owner"] = "Choose the SBM, their head teacher or yourself."
    if step.due_on is None:
        errors[field + "due_on"] = "Give a due date."
    elif step.due_on < visit_date:
        errors[field + "due_on"] = "The due date is before the visit."
    elif step.due_on > visit_date + DUE_AHEAD:
        errors[field + "due_on"] = "Give a due date within a year of the visit."
    return replace(step, description=description)


def clean_field_visit(
    data: FieldVisitInput,
    *,
    today: date,
    owner_ids: Collection[str] | None = None,
    earliest: date | None = None,
) -> FieldVisitInput:
    """The report trimmed, or a ValidationError naming every missing or bad field.

    `owner_ids`: who may own a step (None: not checked); `earliest`: the earliest visit date allowed
    (a year back by default; an edit keeps its own older date)."""
    errors: dict[str, str] = {}
    if not data.sbm_id:
        errors["sbm_id"] = "Choose the SBM you visited."
    _check_date(errors, data.visit_date, today, earliest or today - LOOKBACK)
    texts = {name: clean_text(getattr(data, name)) for name in TEXT_FIELDS}
    for name, text in texts.items():
        if not text:
            errors[name] = TEXT_FIELDS[name]
        elif len(text) > MAX_TEXT:
            errors[name] = f"Use at most {MAX_TEXT:,} characters."
    rating = data.practice_rating
    if isinstance(rating, bool) or rating not in PRACTICE_RATINGS:
        errors["practice_rating"] = "Rate the SBM's practice from 1 to 4."
    if not data.steps:
        errors["steps"] = "Agree at least one next step with the SBM."
    elif len(data.steps) > MAX_STEPS:
        errors["steps"] = f"Keep to at most {MAX_STEPS} next steps: the most important ones."
    ids = [s.action_id for s in data.steps if s.action_id]
    if len(ids) != len(set(ids)):
        errors["steps"] = "A next step appears twice: reload the page and try again."
    # Due dates are checked against the visit date when it is valid, else against today.
    anchor = data.visit_date if "visit_date" not in errors and data.visit_date else today
    steps = tuple(
        _clean_step(errors, i, s, anchor, owner_ids) for i, s in enumerate(data.steps[:MAX_STEPS], 1)
    )
    if errors:
        raise ValidationError(errors)
    return replace(data, steps=steps, **texts)


def plan_action_changes(existing: Sequence[ExistingAction], steps: Sequence[StepInput]) -> ActionChanges:
    """The actions to add, change and cancel so a visit's actions match its edited next steps.

    A step left as it was leaves its action alone (its owner may have ticked it off meanwhile); a done
    step can be neither changed nor removed: it happened."""
    live = {a.id: a for a in existing if a.status != ActionStatus.CANCELLED}
    errors: dict[str, str] = {}
    add: list[StepInput] = []
    change: list[tuple[ExistingAction, StepInput]] = []
    kept: set[str] = set()
    for number, step in enumerate(steps, 1):
        if step.action_id is None:
            add.append(step)
            continue
        action = live.get(step.action_id)
        if action is None:
            errors[f"step_{number}_description"] = (
                "This step was removed meanwhile: add it again as a new step."
            )
            continue
        kept.add(action.id)
        if (action.description, action.owner_id, action.due_on) == (
            step.description,
            step.owner_id,
            step.due_on,
        ):
            continue
        if action.status == ActionStatus.DONE:
            errors[f"step_{number}_description"] = "This step is done already: it can no longer be changed."
        else:
            change.append((action, step))
    cancel = [a for a in live.values() if a.id not in kept]
    done = [a for a in cancel if a.status == ActionStatus.DONE]
    if done:
        errors["steps"] = f'"{done[0].description}" is done already: it stays on the report.'
    if errors:
        raise ValidationError(errors)
    return ActionChanges(tuple(add), tuple(change), tuple(cancel))


def next_steps_summary(steps: Sequence[StepInput]) -> str:
    """The report's next steps in one line, kept on the visit row for lists and timelines."""
    return "; ".join(s.description for s in steps)
