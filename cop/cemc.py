"""CPD CEMC marks: the three marks the CoP guidelines (section IV) name, their ranges, and module totals.

How we read section IV of the guidelines:
- The first CoP/PLC session report is marked out of 30 and "counts for 1/2 of the total formative
  assessment score for module 1". So module 1's formative score is out of 60 and this report is its
  first half; the other half (other module 1 assignments) is not recorded in this app.
- The field-visit assessment of practice is marked out of 30 and "counts for 1/2 of the total formative
  assessment score for module 2": module 2's formative score is out of 60; its other half is not
  recorded here either.
- The final exam of module 1 is marked out of 40 and "counts for the total summative assessment score
  for module 1": module 1's summative score is complete once the exam is marked.
The guidelines do not say how formative and summative scores combine into a module grade, nor what
module 2's summative assessment is, so we invent neither: each module shows the part we know (the
marks entered, out of their maxima) and lists what is still missing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

from cop.access import Viewer
from cop.errors import ValidationError
from cop.vocab import CemcParticipantRole, Role

MARKS = ("first_session_report", "field_visit", "final_exam")
MAXIMA = {"first_session_report": 30, "field_visit": 30, "final_exam": 40}
LABELS = {
    "first_session_report": "First CoP session report",
    "field_visit": "Field-visit assessment of practice",
    "final_exam": "Final exam of module 1",
}
FORMATIVE_HALF = 30  # each formative mark is half of a module's formative score
FIRST_COHORT = 2015
# What each role can take part as: SBMs and SSLs are facilitators, SEIs district officials.
PARTICIPANT_ROLES: dict[Role, tuple[CemcParticipantRole, ...]] = {
    Role.FACILITATOR: (CemcParticipantRole.SBM, CemcParticipantRole.SSL),
    Role.DISTRICT_OFFICER: (CemcParticipantRole.SEI,),
    Role.TTC_TUTOR: (CemcParticipantRole.TTC_TUTOR,),
}


@dataclass(frozen=True)
class MarksInput:
    """The marks of one participant in one cohort; None means "not marked yet"."""

    participant_role: str | None
    cohort: str | None
    first_session_report: object = None
    field_visit: object = None
    final_exam: object = None
    first_session_id: str | None = None


def mark_name(name: str) -> str:
    """A mark's label inside a sentence: "first CoP session report"."""
    label = LABELS[name]
    return label[0].lower() + label[1:]


def _mark(value: object) -> float | None:
    """A finite number, or None when the value is no number at all."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_marks(data: MarksInput, *, participant_role_of: Role, today: date) -> MarksInput:
    """Check the marks against their ranges and the cohort and role; ValidationError names each mark."""
    errors: dict[str, str] = {}
    allowed = PARTICIPANT_ROLES.get(participant_role_of, ())
    if not allowed:
        errors["participant"] = "Only SBMs, SSLs, SEIs and TTC tutors take part in the CPD CEMC."
    elif data.participant_role not in {r.value for r in allowed}:
        errors["participant_role"] = "Choose " + " or ".join(r.label for r in allowed) + "."
    cohort = (data.cohort or "").strip()
    if not re.fullmatch(r"\d{4}", cohort) or not FIRST_COHORT <= int(cohort) <= today.year + 1:
        errors["cohort"] = f"Give the cohort's year, from {FIRST_COHORT} to {today.year + 1}."
    marks: dict[str, float | None] = {}
    for name in MARKS:
        raw = getattr(data, name)
        if _blank(raw):
            marks[name] = None
            continue
        number, top = _mark(raw), MAXIMA[name]
        if number is None or not 0 <= number <= top:
            errors[name] = f"The {mark_name(name)} mark must be a number from 0 to {top} (got {raw})."
        elif round(number, 1) != number:
            errors[name] = f"The {mark_name(name)} mark takes at most one decimal (got {raw})."
        else:
            marks[name] = number
    if errors:
        raise ValidationError(errors)
    return MarksInput(data.participant_role, cohort, first_session_id=data.first_session_id or None, **marks)


# --- totals --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleTotal:
    """The part of a module's assessment this app records: marks entered, their maxima, what is missing."""

    module: int
    known: float | None  # sum of the marks entered; None when none is
    known_of: int  # sum of the maxima of the marks entered
    missing: tuple[str, ...]

    def describe(self) -> str:
        got = "nothing marked yet" if self.known is None else f"{self.known:g} / {self.known_of}"
        return f"Module {self.module}: {got}" + (
            f"; still missing: {', '.join(self.missing)}" if self.missing else ""
        )


@dataclass(frozen=True)
class CemcTotals:
    module1: ModuleTotal
    module2: ModuleTotal
    recorded: float | None  # all marks entered
    recorded_of: int
    marks_missing: tuple[str, ...]  # of the three marks this app records


def _module(
    number: int, marks: dict[str, float | None], names: tuple[str, ...], beyond: tuple[str, ...]
) -> ModuleTotal:
    entered = [n for n in names if marks[n] is not None]
    known = sum(marks[n] or 0.0 for n in entered) if entered else None
    missing = tuple(f"{mark_name(n)} (/{MAXIMA[n]})" for n in names if marks[n] is None) + beyond
    return ModuleTotal(number, known, sum(MAXIMA[n] for n in entered), missing)


def totals(
    first_session_report: float | None, field_visit: float | None, final_exam: float | None
) -> CemcTotals:
    """Module 1 = report (half its formative) + exam (its summative); module 2 = field visit (half its
    formative). The halves not recorded here are listed as missing, never estimated."""
    marks = {
        "first_session_report": first_session_report,
        "field_visit": field_visit,
        "final_exam": final_exam,
    }
    marks = {k: None if v is None else float(v) for k, v in marks.items()}
    module1 = _module(
        1, marks, ("first_session_report", "final_exam"), ("other half of the formative score",)
    )
    module2 = _module(
        2,
        marks,
        ("field_visit",),
        ("other half of the formative score", "its summative assessment (not described in the guidelines)"),
    )
    entered = [n for n in MARKS if marks[n] is not None]
    return CemcTotals(
        module1,
        module2,
        sum(marks[n] or 0.0 for n in entered) if entered else None,
        sum(MAXIMA[n] for n in entered),
        tuple(LABELS[n] for n in MARKS if marks[n] is None),
    )


# --- who may enter and read ------------------------------------------------------------------------------


def may_enter_marks(viewer: Viewer) -> bool:
    """Whether this role enters marks at all: CEMC trainers (UR-CE), national staff and admins."""
    return viewer.role in {Role.FIELD_FACILITATOR, Role.NATIONAL_OFFICER, Role.ADMIN}


def reads_every_mark(viewer: Viewer) -> bool:
    return viewer.role in {Role.NATIONAL_OFFICER, Role.ADMIN}


def _trainer_reaches(
    viewer: Viewer, *, school_in_reach: bool, district_in_reach: bool, has_school: bool
) -> bool:
    return viewer.role is Role.FIELD_FACILITATOR and (school_in_reach if has_school else district_in_reach)


def may_write_marks(
    viewer: Viewer, *, school_in_reach: bool, district_in_reach: bool, has_school: bool
) -> bool:
    """National staff and admins mark anyone; a trainer the participants in their reach."""
    return reads_every_mark(viewer) or _trainer_reaches(
        viewer, school_in_reach=school_in_reach, district_in_reach=district_in_reach, has_school=has_school
    )


def may_read_marks(
    viewer: Viewer, *, participant_id: str, school_in_reach: bool, district_in_reach: bool, has_school: bool
) -> bool:
    """Own marks; district officers their district's participants; trainers theirs; national and admin all.

    A trainer reaches school staff through their schools, and SEIs and TTC tutors (who have no school)
    through the districts of those schools."""
    if viewer.person_id == participant_id or reads_every_mark(viewer):
        return True
    if viewer.role is Role.DISTRICT_OFFICER:
        return district_in_reach
    return _trainer_reaches(
        viewer, school_in_reach=school_in_reach, district_in_reach=district_in_reach, has_school=has_school
    )


def default_participant_role(role: Role, job_title: str | None) -> CemcParticipantRole | None:
    """The likely CEMC role of a person: a facilitator whose job title starts with SSL is an SSL."""
    allowed = PARTICIPANT_ROLES.get(role, ())
    if role is Role.FACILITATOR and (job_title or "").strip().upper().startswith("SSL"):
        return CemcParticipantRole.SSL
    return allowed[0] if allowed else None
