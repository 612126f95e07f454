"""The SBM self-assessment: one per person and term, rated against the four SBM standards.

The indicators are the items of a `self_assessment` form template (data an admin edits, see
cop.templates); each record keeps the revision it was answered with. Progress over terms is the
average rating per standard, every rating first mapped onto the 1-4 scale so that revisions with a
different scale stay comparable (an item on [1, 4] is unchanged).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from cop.access import Viewer
from cop.errors import ValidationError
from cop.vocab import Role, SbmStandard, Term

# The CPD programme's CoPs began well after this; earlier years are typing mistakes.
FIRST_SCHOOL_YEAR = 2015
TEXT_MAX = 4000
CHART_LOW, CHART_HIGH = 1, 4
SCALE_WORDS = {1: "not yet", 2: "beginning", 3: "developing", 4: "fully in place"}
# The standards as table headers and pickers name them (the full labels all begin "SBM as a(n)").
SHORT_NAMES = {
    SbmStandard.COACH_IN_ENGLISH: "Coach in English",
    SbmStandard.EXPERT_TEACHING: "Expert in teaching and learning",
    SbmStandard.CPD_ORGANISER: "Guide and organiser of CPD",
    SbmStandard.REFLECTIVE_PRACTICE: "Promoter of reflective practice",
}


def school_year_of(day: date) -> int:
    """The calendar year in which the school year holding `day` started (Rwanda: September to July)."""
    return day.year if day.month >= 9 else day.year - 1


def term_of(day: date) -> Term:
    """Rwanda's terms: September-December, January-March, April-July (August counts with term 3)."""
    if day.month >= 9:
        return Term.T1
    return Term.T2 if day.month <= 3 else Term.T3


def term_order(school_year: int, term: str) -> int:
    """A number that sorts terms in time."""
    return school_year * 3 + int(term) - 1


def term_label(school_year: int, term: str) -> str:
    """'2026/27 term 1' (the school year is stored as the year it starts)."""
    return f"{school_year}/{str(school_year + 1)[-2:]} term {term}"


@dataclass(frozen=True)
class Indicator:
    """One question of the form: a statement the SBM rates on its scale."""

    key: str
    label: str
    standard: SbmStandard
    low: int
    high: int


def indicators(items: Iterable[Mapping[str, Any]]) -> list[Indicator]:
    """The template's items as indicators, standard by standard in the standards' order."""
    out = []
    for item in items:
        low, high = (item.get("scale") or [CHART_LOW, CHART_HIGH])[:2]
        out.append(Indicator(str(item["key"]), str(item["label"]), SbmStandard(item["group"]), low, high))
    order = list(SbmStandard)
    return sorted(out, key=lambda i: order.index(i.standard))  # stable: keeps the order within a standard


@dataclass(frozen=True)
class SelfAssessmentInput:
    """What the SBM fills in for one term."""

    school_year: int | None
    term: str | None
    answers: Mapping[str, object]  # indicator key -> rating
    cpd_activities: str | None
    impact_reflection: str | None


def _rating(value: object) -> int | None:
    """An integer rating, or None when the value is not a whole number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,6}", value.strip()):
        return int(value.strip())
    return None


def _check_term(errors: dict[str, str], year: int | None, term: str | None, today: date) -> None:
    current = school_year_of(today)
    if year is None:
        errors["school_year"] = "Choose the school year."
    elif not FIRST_SCHOOL_YEAR <= year <= current:
        errors["school_year"] = f"Choose a school year from {FIRST_SCHOOL_YEAR} to {current}."
    if term not in Term.values():
        errors["term"] = "Choose term 1, 2 or 3."
    elif year is not None and term_order(year, term) > term_order(current, term_of(today)):
        errors["term"] = "That term has not started yet: assess a term that has begun."


def clean_self_assessment(
    data: SelfAssessmentInput, questions: list[Indicator], *, today: date
) -> SelfAssessmentInput:
    """Check every field against the form's indicators; raise ValidationError naming each problem."""
    errors: dict[str, str] = {}
    _check_term(errors, data.school_year, data.term, today)
    answers: dict[str, int] = {}
    for q in questions:
        raw = data.answers.get(q.key)
        rating = _rating(raw)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            errors[f"answer_{q.key}"] = f"Give a rating from {q.low} to {q.high}."
        elif rating is None or not q.low <= rating <= q.high:
            errors[f"answer_{q.key}"] = f"The rating must be a whole number from {q.low} to {q.high}."
        else:
            answers[q.key] = rating
    unknown = set(data.answers) - {q.key for q in questions}
    if unknown:
        errors["answers"] = "These are not questions of this form: " + ", ".join(sorted(map(str, unknown)))
    texts = {}
    for name, missing in (
        ("cpd_activities", "List the CPD activities you implemented this term."),
        ("impact_reflection", "Reflect on the impact of these activities at your school."),
    ):
        value = (getattr(data, name) or "").strip()
        if not value:
            errors[name] = missing
        elif len(value) > TEXT_MAX:
            errors[name] = f"Use at most {TEXT_MAX} characters."
        texts[name] = value
    if errors:
        raise ValidationError(errors)
    return SelfAssessmentInput(data.school_year, data.term, answers, **texts)


# --- who may fill and read -----------------------------------------------------------------------------


def may_fill(viewer: Viewer) -> bool:
    """SBMs and SSLs (the facilitator role) assess themselves; nobody fills it for someone else."""
    return viewer.role is Role.FACILITATOR


def may_edit(viewer: Viewer, owner_id: str) -> bool:
    """Only the person who assessed themselves changes their record."""
    return may_fill(viewer) and viewer.person_id == owner_id


def may_read(viewer: Viewer, *, owner_id: str, school_in_reach: bool, assigned_to_viewer: bool) -> bool:
    """The SBM; their head teacher; the field facilitator assigned to them; officials in reach; admin."""
    if viewer.person_id == owner_id:
        return True
    match viewer.role:
        case Role.ADMIN | Role.NATIONAL_OFFICER:
            return True
        case Role.DISTRICT_OFFICER | Role.HEAD_TEACHER:
            return school_in_reach
        case Role.FIELD_FACILITATOR:
            return assigned_to_viewer
    return False


# --- progress ------------------------------------------------------------------------------------------


def on_chart_scale(rating: float, low: int, high: int) -> float:
    """A rating on its item's scale, mapped onto 1-4 so revisions with other scales compare."""
    if high <= low:
        return float(CHART_LOW)
    return CHART_LOW + (CHART_HIGH - CHART_LOW) * (rating - low) / (high - low)


def standard_averages(
    questions: list[Indicator], answers: Mapping[str, object]
) -> dict[SbmStandard, float | None]:
    """The average rating (on 1-4) of each standard's answered indicators; None if none was answered."""
    sums: dict[SbmStandard, list[float]] = {s: [] for s in SbmStandard}
    for q in questions:
        rating = _rating(answers.get(q.key))
        if rating is not None:
            sums[q.standard].append(on_chart_scale(rating, q.low, q.high))
    return {s: (round(sum(v) / len(v), 2) if v else None) for s, v in sums.items()}


def overall_average(averages: Mapping[SbmStandard, float | None]) -> float | None:
    """The mean of the standards' averages (each standard weighs the same)."""
    values = [v for v in averages.values() if v is not None]
    return round(sum(values) / len(values), 2) if values else None


@dataclass(frozen=True)
class ProgressPoint:
    """One standard's average in one term: a point of the progress chart."""

    order: int
    term: str  # "2026/27 term 1"
    standard: str  # the standard's label
    average: float


def progress_points(
    terms: Iterable[tuple[int, str, list[Indicator], Mapping[str, object]]],
) -> list[ProgressPoint]:
    """Points of the progress chart from (school year, term, indicators, answers), oldest term first."""
    points = []
    for year, term, questions, answers in terms:
        for standard, average in standard_averages(questions, answers).items():
            if average is not None:
                order, label = term_order(year, term), term_label(year, term)
                points.append(ProgressPoint(order, label, standard.label, average))
    labels = [s.label for s in SbmStandard]
    return sorted(points, key=lambda p: (p.order, labels.index(p.standard)))
