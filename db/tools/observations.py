"""Lesson observations: recording, correcting, listing, reading, and the school's practice averages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from cop import observation as rules
from cop.access import AccessDenied, Reach, Viewer
from cop.errors import EditConflict
from db.access import school_ids_in_reach
from db.models import LessonObservation, Person, PracticeRating, School, TeachingPractice
from db.records import CONFLICT, existing_by_key

MAX_LIST = 500
_NOT_IN_REACH = "That lesson observation is not in your reach."


@dataclass(frozen=True)
class PersonChoice:
    id: str
    label: str
    subject: str | None = None


@dataclass(frozen=True)
class ObservationRow:
    id: str
    school: str
    observed_on: date
    teacher: str
    subject: str
    grade: str
    observer: str
    mean_rating: float | None


@dataclass(frozen=True)
class RatingLine:
    practice_id: str
    label: str
    rating: int
    is_active: bool


@dataclass(frozen=True)
class ObservationView:
    id: str
    school_id: str
    school: str
    teacher_id: str
    teacher: str
    observer: str
    subject: str
    grade: str
    observed_on: date
    notes: str | None
    ratings: list[RatingLine]
    mean_rating: float | None
    version: int
    may_edit: bool


@dataclass(frozen=True)
class PracticeAverage:
    label: str
    average: float
    ratings: int
    is_active: bool
    standing: rules.PracticeStanding


@dataclass(frozen=True)
class FilterChoices:
    teachers: list[PersonChoice]
    subjects: list[str]
    grades: list[str]


def _visible(viewer: Viewer) -> Select[tuple[uuid.UUID]]:
    """Ids of the observations the viewer may read: a teacher only their own lessons."""
    return _scoped(select(LessonObservation.id), viewer)


def _scoped(query: Select, viewer: Viewer) -> Select:
    """The query limited to the schools in reach, and for a teacher to their own lessons."""
    query = query.where(LessonObservation.school_id.in_(school_ids_in_reach(viewer)))
    if viewer.reach is Reach.OWN_COPS:
        query = query.where(LessonObservation.teacher_id == uuid.UUID(viewer.person_id))
    return query


def active_practices(session: Session) -> list[rules.Practice]:
    """The practices a new observation rates, in the list's order."""
    rows = session.execute(
        select(TeachingPractice.id, TeachingPractice.label)
        .where(TeachingPractice.is_active)
        .order_by(TeachingPractice.sort_order, TeachingPractice.label)
    )
    return [rules.Practice(str(i), label) for i, label in rows]


def observable_teachers(session: Session, viewer: Viewer) -> list[PersonChoice]:
    """Active teachers (SBMs and SSLs included) of the observer's school, the observer excepted."""
    if not rules.may_record(viewer.role) or viewer.school_id is None:
        return []
    rows = session.execute(
        select(Person.id, Person.full_name, Person.subject, Person.job_title)
        .where(
            Person.school_id == uuid.UUID(viewer.school_id),
            Person.role.in_([r.value for r in rules.OBSERVED_ROLES]),
            Person.is_active,
            Person.id != uuid.UUID(viewer.person_id),
        )
        .order_by(Person.full_name)
    )
    return [
        PersonChoice(str(i), f"{name} ({job})" if job else name, subject) for i, name, subject, job in rows
    ]


def create_observation(
    session: Session, viewer: Viewer, *, data: rules.ObservationInput, idempotency_key: str | None
) -> uuid.UUID:
    """Record an observation in the observer's school, rating every active practice; one row per submit."""
    if (earlier := existing_by_key(session, LessonObservation, idempotency_key)) is not None:
        if str(earlier.observer_id) != viewer.person_id:
            raise AccessDenied(_NOT_IN_REACH)
        return earlier.id
    if not rules.may_record(viewer.role) or viewer.school_id is None:
        raise AccessDenied("Only SBMs, SSLs and head teachers record lesson observations in their school.")
    teachers = {t.id for t in observable_teachers(session, viewer)}
    practices = active_practices(session)
    clean = rules.clean_observation(data, practices, teacher_ids=teachers, today=date.today())
    row = LessonObservation(
        school_id=uuid.UUID(viewer.school_id),
        teacher_id=uuid.UUID(str(clean.teacher_id)),
        observer_id=uuid.UUID(viewer.person_id),
        subject=clean.subject,
        grade=clean.grade,
        observed_on=clean.observed_on,
        notes=clean.notes,
        idempotency_key=idempotency_key,
    )
    session.add(row)
    session.flush()
    session.add_all(
        PracticeRating(observation_id=row.id, practice_id=uuid.UUID(pid), rating=rating)
        for pid, rating in clean.ratings.items()
    )
    session.flush()
    return row.id


def _observation_in_reach(
    session: Session, viewer: Viewer, observation_id: uuid.UUID | str
) -> LessonObservation:
    try:
        oid = uuid.UUID(str(observation_id))
    except ValueError:
        raise AccessDenied(_NOT_IN_REACH) from None
    row = session.scalar(
        select(LessonObservation).where(
            LessonObservation.id == oid, LessonObservation.id.in_(_visible(viewer))
        )
    )
    if row is None:
        raise AccessDenied(_NOT_IN_REACH)
    return row


def _ratings(session: Session, observation_id: uuid.UUID) -> list[tuple[PracticeRating, TeachingPractice]]:
    return list(
        session.execute(
            select(PracticeRating, TeachingPractice)
            .join(TeachingPractice, TeachingPractice.id == PracticeRating.practice_id)
            .where(PracticeRating.observation_id == observation_id)
            .order_by(TeachingPractice.sort_order, TeachingPractice.label)
        ).all()
    )


def _may_edit(viewer: Viewer, row: LessonObservation) -> bool:
    return rules.may_edit(
        viewer.role,
        is_observer=str(row.observer_id) == viewer.person_id,
        same_school=viewer.school_id == str(row.school_id),
    )


def _values(row: LessonObservation, ratings: dict[str, int]) -> dict[str, object]:
    return {
        "teacher_id": str(row.teacher_id),
        "subject": row.subject,
        "grade": row.grade,
        "observed_on": row.observed_on,
        "notes": row.notes,
        "ratings": ratings,
    }


def update_observation(
    session: Session,
    viewer: Viewer,
    *,
    observation_id: uuid.UUID | str,
    version: int,
    data: rules.ObservationInput,
) -> None:
    """Correct an observation; it keeps the practices it was rated on, even ones since retired."""
    row = _observation_in_reach(session, viewer, observation_id)
    if not _may_edit(viewer, row):
        raise AccessDenied("Only the observer or the head teacher may change this observation.")
    rated = _ratings(session, row.id)
    practices = [rules.Practice(str(p.id), p.label) for _, p in rated]
    teachers = {t.id for t in observable_teachers(session, viewer)} | {str(row.teacher_id)}
    clean = rules.clean_observation(data, practices, teacher_ids=teachers, today=date.today())
    current = _values(row, {str(r.practice_id): r.rating for r, _ in rated})
    wanted = {
        "teacher_id": clean.teacher_id,
        "subject": clean.subject,
        "grade": clean.grade,
        "observed_on": clean.observed_on,
        "notes": clean.notes,
        "ratings": clean.ratings,
    }
    if wanted == current:
        return  # the same change again (a double click, a retry): nothing to do
    if version != row.version:
        raise EditConflict(CONFLICT.format(what="lesson observation"), current | {"version": row.version})
    row.teacher_id = uuid.UUID(str(clean.teacher_id))
    row.subject, row.grade, row.observed_on, row.notes = (
        clean.subject,
        clean.grade,
        clean.observed_on,
        clean.notes,
    )
    for rating, _ in rated:
        rating.rating = clean.ratings[str(rating.practice_id)]
    # Ratings live in their own rows: touching the observation bumps its version for any change.
    row.updated_at = datetime.now(UTC)
    try:
        session.flush()
    except StaleDataError:
        raise EditConflict(CONFLICT.format(what="lesson observation")) from None


def observation_filter_choices(
    session: Session, viewer: Viewer, *, school_id: uuid.UUID | str | None = None
) -> FilterChoices:
    """Teachers, subjects and grades that occur in the observations the viewer may read."""
    base = _scoped(select(LessonObservation.teacher_id), viewer)
    if school_id is not None:
        base = base.where(LessonObservation.school_id == uuid.UUID(str(school_id)))
    teacher_ids = base.distinct().subquery()
    teachers = [
        PersonChoice(str(i), name)
        for i, name in session.execute(
            select(Person.id, Person.full_name)
            .where(Person.id.in_(select(teacher_ids)))
            .order_by(Person.full_name)
        )
    ]

    def distinct(column: InstrumentedAttribute[str]) -> list[str]:
        query = _scoped(select(column).distinct(), viewer)
        if school_id is not None:
            query = query.where(LessonObservation.school_id == uuid.UUID(str(school_id)))
        return sorted(session.scalars(query.limit(MAX_LIST)))

    return FilterChoices(teachers, distinct(LessonObservation.subject), distinct(LessonObservation.grade))


def observations(
    session: Session,
    viewer: Viewer,
    *,
    school_id: uuid.UUID | str | None = None,
    teacher_id: uuid.UUID | str | None = None,
    subject: str | None = None,
    grade: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = MAX_LIST,
) -> list[ObservationRow]:
    """Observations in reach, newest first, with their average rating (computed in SQL)."""
    teacher, observer = aliased(Person), aliased(Person)
    means = (
        select(PracticeRating.observation_id, func.avg(PracticeRating.rating).label("mean"))
        .group_by(PracticeRating.observation_id)
        .subquery()
    )
    query = _scoped(
        select(LessonObservation, School.name, teacher.full_name, observer.full_name, means.c.mean)
        .join(School, School.id == LessonObservation.school_id)
        .join(teacher, teacher.id == LessonObservation.teacher_id)
        .join(observer, observer.id == LessonObservation.observer_id)
        .outerjoin(means, means.c.observation_id == LessonObservation.id)
        .order_by(LessonObservation.observed_on.desc(), LessonObservation.created_at.desc())
        .limit(limit),
        viewer,
    )
    filters = {
        LessonObservation.school_id: uuid.UUID(str(school_id)) if school_id else None,
        LessonObservation.teacher_id: uuid.UUID(str(teacher_id)) if teacher_id else None,
        LessonObservation.subject: subject,
        LessonObservation.grade: grade,
    }
    query = query.where(*(column == value for column, value in filters.items() if value is not None))
    if date_from is not None:
        query = query.where(LessonObservation.observed_on >= date_from)
    if date_to is not None:
        query = query.where(LessonObservation.observed_on <= date_to)
    return [
        ObservationRow(
            str(o.id),
            school,
            o.observed_on,
            tname,
            o.subject,
            o.grade,
            oname,
            round(float(mean), 2) if mean is not None else None,
        )
        for o, school, tname, oname, mean in session.execute(query)
    ]


def observation(session: Session, viewer: Viewer, observation_id: uuid.UUID | str) -> ObservationView:
    """One observation in reach with its ratings (retired practices included), and whether it is editable."""
    row = _observation_in_reach(session, viewer, observation_id)
    names = dict(
        session.execute(
            select(Person.id, Person.full_name).where(Person.id.in_([row.teacher_id, row.observer_id]))
        ).all()
    )
    ratings = [RatingLine(str(p.id), p.label, r.rating, p.is_active) for r, p in _ratings(session, row.id)]
    return ObservationView(
        id=str(row.id),
        school_id=str(row.school_id),
        school=session.scalar(select(School.name).where(School.id == row.school_id)) or "",
        teacher_id=str(row.teacher_id),
        teacher=names.get(row.teacher_id, ""),
        observer=names.get(row.observer_id, ""),
        subject=row.subject,
        grade=row.grade,
        observed_on=row.observed_on,
        notes=row.notes,
        ratings=ratings,
        mean_rating=rules.mean_rating([r.rating for r in ratings]),
        version=row.version,
        may_edit=_may_edit(viewer, row),
    )


def practice_averages(
    session: Session,
    viewer: Viewer,
    *,
    school_id: uuid.UUID | str,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[PracticeAverage]:
    """Each practice's average rating over the school's observations in reach (a teacher: their own)."""
    query = _scoped(
        select(
            TeachingPractice.label,
            TeachingPractice.is_active,
            func.avg(PracticeRating.rating).label("average"),
            func.count().label("n"),
        )
        .join(PracticeRating, PracticeRating.practice_id == TeachingPractice.id)
        .join(LessonObservation, LessonObservation.id == PracticeRating.observation_id)
        .where(LessonObservation.school_id == uuid.UUID(str(school_id)))
        .group_by(TeachingPractice.id, TeachingPractice.label, TeachingPractice.is_active)
        .order_by(func.avg(PracticeRating.rating).desc(), TeachingPractice.sort_order),
        viewer,
    )
    if date_from is not None:
        query = query.where(LessonObservation.observed_on >= date_from)
    if date_to is not None:
        query = query.where(LessonObservation.observed_on <= date_to)
    return [
        PracticeAverage(label, round(float(avg), 2), n, active, rules.standing(round(float(avg), 2)))
        for label, active, avg, n in session.execute(query)
    ]
