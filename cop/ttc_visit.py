"""The TTC tutor's school visit: the new-teacher induction checklist and feedback to the SBM / SSL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from cop.access import Viewer
from cop.errors import ValidationError
from cop.vocab import Role

# The programme (LTLT) started in 2018: an earlier visit date is a typo in the year.
EARLIEST_VISIT = date(2018, 1, 1)
MAX_FEEDBACK = 4000
MAX_NOTE = 500

FIELD_LABELS = {
    "school_id": "School",
    "visit_date": "Visit date",
    "facilitator_id": "SBM / SSL receiving the feedback",
    "feedback": "Feedback to the SBM / SSL",
    "checklist": "Induction checklist",
    "template_id": "Checklist",
}

TUTOR_ROLES = frozenset({Role.TTC_TUTOR})
READER_ROLES = TUTOR_ROLES | {
    Role.ADMIN,
    Role.NATIONAL_OFFICER,
    Role.DISTRICT_OFFICER,
    Role.HEAD_TEACHER,
    Role.FACILITATOR,
}


@dataclass(frozen=True)
class ChecklistItem:
    """One induction activity of the checklist template."""

    key: str
    label: str
    group: str | None = None


@dataclass(frozen=True)
class Mark:
    """Whether one new teacher has done one activity, with the tutor's note."""

    done: bool = False
    note: str | None = None


@dataclass(frozen=True)
class TtcVisitInput:
    """A TTC visit as the tutor fills it in; `marks` maps (new teacher id, item key) to a mark."""

    school_id: str | None
    visit_date: date | None
    template_id: str | None
    facilitator_id: str | None = None
    feedback: str | None = None
    marks: Mapping[tuple[str, str], Mark] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def share(self) -> float:
        return self.done / self.total if self.total else 0.0


def checklist_items(raw: Sequence[Mapping[str, Any]] | None) -> list[ChecklistItem]:
    """The template's activities, read defensively (the list is data an administrator edits)."""
    items: list[ChecklistItem] = []
    seen: set[str] = set()
    for entry in raw or ():
        key = str(entry.get("key") or "").strip()
        if key and key not in seen:
            seen.add(key)
            items.append(ChecklistItem(key, str(entry.get("label") or key), entry.get("group")))
    return items


def may_record(viewer: Viewer) -> bool:
    """Only TTC tutors visit schools with the induction checklist."""
    return viewer.role in TUTOR_ROLES


def may_read(viewer: Viewer) -> bool:
    """Tutors, officials and administrators read visits in reach; a school's HT and SBM / SSL theirs."""
    return viewer.role in READER_ROLES


def may_edit(viewer: Viewer, tutor_id: str) -> bool:
    """The tutor corrects their own visit; an administrator any."""
    return viewer.role is Role.ADMIN or (may_record(viewer) and tutor_id == viewer.person_id)


def weeks_in_service(start: date | None, on: date) -> int | None:
    """Whole weeks a new teacher had been teaching on a day (None when the start date is unknown)."""
    if start is None or start > on:
        return None
    return (on - start).days // 7


def progress(marks: Mapping[tuple[str, str], Mark], teacher_ids: Iterable[str]) -> dict[str, Progress]:
    """Activities done out of those checked, per new teacher."""
    out: dict[str, Progress] = {}
    for teacher in teacher_ids:
        own = [m for (t, _), m in marks.items() if t == teacher]
        out[teacher] = Progress(sum(m.done for m in own), len(own))
    return out


def clean_ttc_visit(
    data: TtcVisitInput,
    items: Sequence[ChecklistItem],
    *,
    new_teachers: Mapping[str, str],
    facilitators: Mapping[str, str],
    today: date,
) -> TtcVisitInput:
    """The visit with a mark for every teacher and activity, or a ValidationError naming each bad field.

    `new_teachers` and `facilitators` (id -> name) are the people of the school this visit may name."""
    errors: dict[str, str] = {}
    if not data.school_id:
        errors["school_id"] = "Choose the school you visited."
    if not data.template_id:
        errors["template_id"] = "There is no induction checklist yet: ask an administrator to add one."
    if data.visit_date is None:
        errors["visit_date"] = "Give the date of the visit."
    elif data.visit_date > today:
        errors["visit_date"] = "The visit date is in the future: record a visit once it has taken place."
    elif data.visit_date < EARLIEST_VISIT:
        errors["visit_date"] = f"The visit date is before {EARLIEST_VISIT.year}: check the year."
    if data.facilitator_id and data.facilitator_id not in facilitators:
        errors["facilitator_id"] = "Choose an SBM or SSL of this school."
    elif not data.facilitator_id and facilitators:
        errors["facilitator_id"] = "Choose the SBM or SSL who receives your feedback."
    feedback = (data.feedback or "").strip()
    if not feedback:
        errors["feedback"] = "Write your feedback on how the CoP sessions take up new teachers' challenges."
    elif len(feedback) > MAX_FEEDBACK:
        errors["feedback"] = f"Use at most {MAX_FEEDBACK} characters (now {len(feedback)})."
    keys = {i.key: i.label for i in items}
    problems: list[str] = []
    if any(t not in new_teachers or k not in keys for t, k in data.marks):
        problems.append("The checklist names a teacher or activity that is not part of this visit.")
    marks: dict[tuple[str, str], Mark] = {}
    for teacher, name in new_teachers.items():
        for key, label in keys.items():
            mark = data.marks.get((teacher, key), Mark())
            note = (mark.note or "").strip()
            if len(note) > MAX_NOTE:
                problems.append(f"The note on '{label}' for {name} is longer than {MAX_NOTE} characters.")
            marks[(teacher, key)] = Mark(bool(mark.done), note or None)
    if problems:
        errors["checklist"] = " ".join(problems)
    if errors:
        raise ValidationError(errors)
    return replace(data, facilitator_id=data.facilitator_id or None, feedback=feedback, marks=marks)
