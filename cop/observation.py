"""Lesson observation: a teacher's lesson rated 1-5 per teaching practice; who records and reads it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from cop.errors import ValidationError
from cop.vocab import Labelled, Role

RATINGS = (1, 2, 3, 4, 5)
# Practices averaging this or more are the school's strengths; the others are its areas to improve.
STRENGTH_FROM = 4.0
# Observations are entered soon after the lesson; older dates are typos, not late entries.
OLDEST = timedelta(days=2 * 366)
MAX_SUBJECT, MAX_GRADE, MAX_NOTES = 80, 32, 5000

OBSERVER_ROLES = frozenset({Role.FACILITATOR, Role.HEAD_TEACHER})
# Whose lessons are observed: the teachers of the school, SBMs and SSLs included (they teach too).
OBSERVED_ROLES = frozenset({Role.TEACHER, Role.FACILITATOR})


class PracticeStanding(Labelled):
    STRENGTH = "strength", "Strength"
    IMPROVE = "improve", "Area to improve"


@dataclass(frozen=True)
class Practice:
    """A practice the form asks about: the row id, so old observations keep theirs when the list changes."""

    id: str
    label: str


@dataclass(frozen=True)
class ObservationInput:
    teacher_id: str | None
    subject: str | None
    grade: str | None
    observed_on: date | None
    ratings: dict[str, int | None] = field(default_factory=dict)  # practice id -> 1..5
    notes: str | None = None


def _text(value: str | None) -> str | None:
    cleaned = " ".join((value or "").split())
    return cleaned or None


def _bad_chars(value: str | None) -> bool:
    """NUL and unpaired surrogates cannot be stored in PostgreSQL text."""
    if value is None:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return "\x00" in value


def clean_observation(
    data: ObservationInput, practices: list[Practice], *, teacher_ids: set[str], today: date
) -> ObservationInput:
    """The observation trimmed, or a ValidationError naming every missing or wrong field.

    `practices` are the ones this form rates (every active practice for a new observation, the observation's
    own for an edit); `teacher_ids` the people whose lessons this observer may record.
    """
    errors: dict[str, str] = {}
    if not data.teacher_id:
        errors["teacher"] = "Choose the teacher whose lesson you observed."
    elif data.teacher_id not in teacher_ids:
        errors["teacher"] = "Choose a teacher of this school (not yourself)."
    subject, grade = _text(data.subject), _text(data.grade)
    for name, value, most in (("subject", subject, MAX_SUBJECT), ("grade", grade, MAX_GRADE)):
        if value is None:
            errors[name] = f"Give the {name} of the lesson."
        elif len(value) > most or _bad_chars(value):
            errors[name] = f"Use at most {most} ordinary characters."
    if data.observed_on is None:
        errors["observed_on"] = "Give the date of the lesson."
    elif data.observed_on > today:
        errors["observed_on"] = "The lesson cannot be in the future."
    elif data.observed_on < today - OLDEST:
        errors["observed_on"] = "This date is more than two years ago: check the year."
    missing = [p.label for p in practices if data.ratings.get(p.id) not in RATINGS]
    if not practices:
        errors["ratings"] = "No teaching practice is active: ask an administrator to add the list."
    elif len(missing) == len(practices):
        errors["ratings"] = "Rate every practice from 1 to 5: none is rated yet."
    elif missing:
        errors["ratings"] = f"Rate every practice from 1 to 5; not rated: {'; '.join(missing)}."
    notes = (data.notes or "").replace("\r\n", "\n").strip() or None
    if notes is not None and (len(notes) > MAX_NOTES or _bad_chars(notes)):
        errors["notes"] = f"Use at most {MAX_NOTES:,} ordinary characters."
    if errors:
        raise ValidationError(errors)
    ratings = {p.id: int(data.ratings[p.id]) for p in practices}  # type: ignore[arg-type]
    return replace(data, subject=subject, grade=grade, ratings=ratings, notes=notes)


def may_record(role: Role) -> bool:
    """SBMs, SSLs and head teachers observe lessons in their own school."""
    return role in OBSERVER_ROLES


def may_edit(role: Role, *, is_observer: bool, same_school: bool) -> bool:
    """The observer corrects their observation; the head teacher may correct any of their school's."""
    if not same_school or role not in OBSERVER_ROLES:
        return False
    return is_observer or role is Role.HEAD_TEACHER


def mean_rating(ratings: list[int]) -> float | None:
    """The lesson's average over its rated practices."""
    return round(sum(ratings) / len(ratings), 2) if ratings else None


def standing(average: float) -> PracticeStanding:
    """A practice averaging 4 or more is a strength, anything lower an area to improve."""
    return PracticeStanding.STRENGTH if average >= STRENGTH_FROM else PracticeStanding.IMPROVE
