"""The CoP monitoring form of REB, UR-CE and district officials: who records and reads it, its checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from statistics import fmean
from typing import Any

from cop.access import Viewer
from cop.errors import ValidationError
from cop.vocab import Enabler, Role

# The programme (LTLT) started in 2018: an earlier visit date is a typo in the year.
EARLIEST_VISIT = date(2018, 1, 1)
MAX_TEXT = 4000
MAX_ANSWER = 500

RATING_LABELS: dict[int, str] = {1: "Not yet", 2: "Emerging", 3: "Established", 4: "Strong"}
RATING_SCALE = (1, 4)
# Questions stored in columns of their own (dashboards compare them across schools); their wording comes
# from the form template when it has them, otherwise from here.
PRACTICE_FIELDS: dict[str, str] = {
    "regularity": "CoP sessions take place regularly",
    "cycle_followed": "The action-oriented cycle is followed",
    "documentation": "Sessions are documented (reports, portfolio)",
}
ENABLER_FIELDS: dict[str, str] = {f"enabler_{e.value}": e.label for e in Enabler}
TEXT_FIELDS: dict[str, str] = {
    "outputs_seen": "Outputs seen",
    "observations": "Observations",
    "recommendations_leadership": "Recommendations to the school leadership",
    "recommendations_facilitator": "Recommendations to the SBM / SSL",
}
OTHER_FIELDS = {"school_id": "School", "cop_id": "CoP observed", "visit_date": "Visit date"}

VISITOR_ROLES = frozenset({Role.NATIONAL_OFFICER, Role.DISTRICT_OFFICER, Role.FIELD_FACILITATOR})
READER_ROLES = VISITOR_ROLES | {Role.ADMIN, Role.HEAD_TEACHER, Role.FACILITATOR}
# Whom each recommendation speaks to: the school's own staff see theirs first.
RECOMMENDATION_FOR: dict[Role, str] = {
    Role.HEAD_TEACHER: "recommendations_leadership",
    Role.FACILITATOR: "recommendations_facilitator",
}


@dataclass(frozen=True)
class FormItem:
    """One question of the monitoring template: rated on `scale` (low, high), or free text without one."""

    key: str
    label: str
    group: str | None = None
    scale: tuple[int, int] | None = None


@dataclass(frozen=True)
class MonitoringInput:
    """A monitoring visit as the visitor fills it in; `ratings` holds the column-backed 1-4 ratings."""

    school_id: str | None
    visit_date: date | None
    cop_id: str | None = None
    template_id: str | None = None
    ratings: Mapping[str, int | None] = field(default_factory=dict)
    answers: Mapping[str, Any] = field(default_factory=dict)  # extra template items, by key
    outputs_seen: str | None = None
    observations: str | None = None
    recommendations_leadership: str | None = None
    recommendations_facilitator: str | None = None


def form_items(raw: Sequence[Mapping[str, Any]] | None) -> list[FormItem]:
    """The template's items, read defensively (the list is data an administrator edits)."""
    items: list[FormItem] = []
    seen: set[str] = set()
    for entry in raw or ():
        key = str(entry.get("key") or "").strip()
        if not key or key in seen:
            continue
        seen.add(key)
        scale = entry.get("scale")
        bounds = None
        if isinstance(scale, Sequence) and len(scale) == 2 and all(isinstance(v, int) for v in scale):
            low, high = int(scale[0]), int(scale[1])
            bounds = (low, high) if low < high else None
        items.append(FormItem(key, str(entry.get("label") or key), entry.get("group"), bounds))
    return items


def practice_labels(items: Sequence[FormItem]) -> dict[str, str]:
    """Labels of the column-backed practice questions, worded as the template words them."""
    by_key = {i.key: i.label for i in items}
    return {name: by_key.get(name, default) for name, default in PRACTICE_FIELDS.items()}


def extra_items(items: Sequence[FormItem]) -> list[FormItem]:
    """Template items without a column of their own: their answers go to `answers`."""
    return [i for i in items if i.key not in PRACTICE_FIELDS and i.key not in ENABLER_FIELDS]


def field_labels(items: Sequence[FormItem]) -> dict[str, str]:
    """Every field name an error can name, with the words the form shows for it."""
    return {
        **OTHER_FIELDS,
        **practice_labels(items),
        **ENABLER_FIELDS,
        **{f"answer_{i.key}": i.label for i in extra_items(items)},
        **TEXT_FIELDS,
    }


def rating_text(value: int | None, scale: tuple[int, int] = RATING_SCALE) -> str:
    """A rating for people: '3 - Established' on the 1-4 scale, the number on another, '-' if not rated."""
    if value is None:
        return "-"
    if tuple(scale) == RATING_SCALE and value in RATING_LABELS:
        return f"{value} - {RATING_LABELS[value]}"
    return str(value)


def visitor_label(name: str, role: str) -> str:
    """A visitor's name with their role: "Innocent Nkurunziza (REB / programme staff)"."""
    return f"{name} ({Role(role).label})" if role in Role.values() else name


def enabler_mean(ratings: Mapping[str, int | None]) -> float | None:
    """The mean of the six enablers rated, or None when none is."""
    values = [v for k, v in ratings.items() if k in ENABLER_FIELDS and v is not None]
    return round(fmean(values), 2) if values else None


def may_record(viewer: Viewer) -> bool:
    """REB, district officials and UR-CE facilitators record visits (administrators only correct them)."""
    return viewer.role in VISITOR_ROLES


def may_read(viewer: Viewer) -> bool:
    """Visitors and administrators read visits in reach; a school's HT and SBM / SSL read their school's."""
    return viewer.role in READER_ROLES


def may_edit(viewer: Viewer, visitor_id: str) -> bool:
    """The visitor corrects their own visit; an administrator any."""
    return viewer.role is Role.ADMIN or (may_record(viewer) and visitor_id == viewer.person_id)


def _is_rating(value: object, scale: tuple[int, int]) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and scale[0] <= value <= scale[1]


def _text(errors: dict[str, str], name: str, value: str | None, most: int = MAX_TEXT) -> str | None:
    cleaned = (value or "").strip()
    if len(cleaned) > most:
        errors[name] = f"Use at most {most} characters (now {len(cleaned)})."
    return cleaned or None


def clean_monitoring(data: MonitoringInput, items: Sequence[FormItem], *, today: date) -> MonitoringInput:
    """The visit with its text trimmed, or a ValidationError naming every missing or bad field."""
    errors: dict[str, str] = {}
    if not data.school_id:
        errors["school_id"] = "Choose the school you visited."
    if data.visit_date is None:
        errors["visit_date"] = "Give the date of the visit."
    elif data.visit_date > today:
        errors["visit_date"] = "The visit date is in the future: record a visit once it has taken place."
    elif data.visit_date < EARLIEST_VISIT:
        errors["visit_date"] = f"The visit date is before {EARLIEST_VISIT.year}: check the year."
    ratings: dict[str, int | None] = {}
    for name in (*PRACTICE_FIELDS, *ENABLER_FIELDS):
        value = data.ratings.get(name)
        if not _is_rating(value, RATING_SCALE):
            errors[name] = "Choose a rating from 1 (not yet) to 4 (strong)."
        ratings[name] = value
    answers: dict[str, Any] = {}
    for item in extra_items(items):
        name, value = f"answer_{item.key}", data.answers.get(item.key)
        if item.scale is None:
            answers[item.key] = _text(errors, name, value if isinstance(value, str) else None, MAX_ANSWER)
        elif _is_rating(value, item.scale):
            answers[item.key] = value
        else:
            errors[name] = f"Choose a rating from {item.scale[0]} to {item.scale[1]}."
    texts = {name: _text(errors, name, getattr(data, name)) for name in TEXT_FIELDS}
    if errors:
        raise ValidationError(errors)
    return replace(
        data,
        cop_id=data.cop_id or None,
        ratings=ratings,
        answers={k: v for k, v in answers.items() if v is not None},
        **texts,
    )
