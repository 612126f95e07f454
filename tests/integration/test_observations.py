"""Lesson observations on PostgreSQL: who records and reads them, one row per submit, conflicts, averages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer
from cop.errors import EditConflict, ValidationError
from cop.observation import ObservationInput, PracticeStanding
from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.models import AuditLog, LessonObservation, PracticeRating, TeachingPractice
from db.tools import observations as obs
from tests import factories as f

YESTERDAY = date.today() - timedelta(days=1)


@pytest.fixture
def world(session: Session) -> dict:
    school = f.school(session, name="Observed school")
    far = f.school(session, district_name="Rusizi", name="Far school")
    dde = f.person(session, role="district_officer", district_name="Kirehe")
    f.assign(session, dde, district_id=dde.district_id)
    far_dde = f.person(session, role="district_officer", district_name="Rusizi")
    f.assign(session, far_dde, district_id=far_dde.district_id)
    teacher = f.person(session, role="teacher", school=school)
    teacher.subject = "Mathematics"
    return {
        "school": school,
        "far": far,
        "sbm": f.person(session, role="facilitator", school=school),
        "ssl": f.person(session, role="facilitator", school=school),
        "ht": f.person(session, role="head_teacher", school=school),
        "teacher": teacher,
        "colleague": f.person(session, role="teacher", school=school),
        "far_teacher": f.person(session, role="teacher", school=far),
        "far_ht": f.person(session, role="head_teacher", school=far),
        "dde": dde,
        "far_dde": far_dde,
        "national": f.person(session, role="national_officer"),
        "admin": f.person(session, role="admin"),
    }


@pytest.fixture
def as_(session: Session, world: dict) -> Callable[[str], Viewer]:
    def viewer(who: str) -> Viewer:
        v = load_viewer(session, world[who].id)
        session.info[ACTOR_KEY] = actor_of(v)
        return v

    return viewer


def _counts(session: Session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (LessonObservation, PracticeRating, AuditLog)
    )


def _input(session: Session, teacher: object, rating: int = 4, **changes: object) -> ObservationInput:
    ratings = {p.id: rating for p in obs.active_practices(session)}
    data = ObservationInput(str(teacher.id), "Mathematics", "P4", YESTERDAY, ratings, "Good group work.")  # type: ignore[attr-defined]
    return replace(data, **changes)  # type: ignore[arg-type]


def _record(
    session: Session, viewer: Viewer, world: dict, key: str | None = None, **changes: object
) -> object:
    data = _input(session, world["teacher"], **changes)
    return obs.create_observation(session, viewer, data=data, idempotency_key=key)


def test_an_sbm_records_an_observation_rating_every_active_practice(
    session: Session, world: dict, as_: Callable
) -> None:
    oid = _record(session, as_("sbm"), world)
    view = obs.observation(session, as_("sbm"), oid)
    active = obs.active_practices(session)
    assert len(view.ratings) == len(active) == 12
    assert (view.teacher, view.subject, view.grade, view.mean_rating) == (
        world["teacher"].full_name,
        "Mathematics",
        "P4",
        4.0,
    )
    assert view.may_edit


def test_the_same_submit_twice_writes_one_observation(session: Session, world: dict, as_: Callable) -> None:
    sbm = as_("sbm")
    first = _record(session, sbm, world, key="double-click")
    after_one = _counts(session)
    assert _record(session, sbm, world, key="double-click") == first
    assert _counts(session) == after_one


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"teacher_id": None}, "teacher"),
        ({"subject": "  "}, "subject"),
        ({"grade": "x" * 40}, "grade"),
        ({"observed_on": date.today() + timedelta(days=1)}, "observed_on"),
        ({"ratings": {}}, "ratings"),
        ({"notes": "nul\x00"}, "notes"),
    ],
)
def test_invalid_input_names_the_field_and_writes_nothing(
    session: Session, world: dict, as_: Callable, changes: dict, field: str
) -> None:
    sbm = as_("sbm")
    before = _counts(session)
    with pytest.raises(ValidationError) as refused:
        _record(session, sbm, world, key="bad", **changes)
    assert field in refused.value.errors
    assert _counts(session) == before


def test_a_teacher_of_another_school_or_oneself_cannot_be_observed(
    session: Session, world: dict, as_: Callable
) -> None:
    sbm = as_("sbm")
    for target in ("far_teacher", "sbm"):
        with pytest.raises(ValidationError, match="this school"):
            obs.create_observation(session, sbm, data=_input(session, world[target]), idempotency_key=None)
    choices = {c.id for c in obs.observable_teachers(session, sbm)}
    assert str(world["ssl"].id) in choices and str(world["sbm"].id) not in choices


@pytest.mark.parametrize("who", ["teacher", "dde", "national", "admin"])
def test_only_sbms_ssls_and_head_teachers_record(
    session: Session, world: dict, as_: Callable, who: str
) -> None:
    before = _counts(session)
    with pytest.raises(AccessDenied):
        _record(session, as_(who), world)
    assert _counts(session) == before


def test_a_retired_practice_stays_on_old_observations_and_leaves_new_forms(
    session: Session, world: dict, as_: Callable
) -> None:
    oid = _record(session, as_("sbm"), world)
    session.execute(
        update(TeachingPractice).where(TeachingPractice.key == "group_work").values(is_active=False)
    )
    view = obs.observation(session, as_("ht"), oid)
    retired = [r for r in view.ratings if not r.is_active]
    assert len(view.ratings) == 12 and [r.label for r in retired] == ["Effective group and pair work"]
    assert len(obs.active_practices(session)) == 11
    # The edit keeps rating the retired practice.
    ratings = {r.practice_id: 5 for r in view.ratings}
    obs.update_observation(
        session,
        as_("sbm"),
        observation_id=oid,
        version=view.version,
        data=_input(session, world["teacher"], ratings=ratings),
    )
    assert obs.observation(session, as_("sbm"), oid).mean_rating == 5.0


def test_an_edit_over_a_newer_version_is_refused_with_their_values(
    session: Session, world: dict, as_: Callable
) -> None:
    oid = _record(session, as_("sbm"), world)
    view = obs.observation(session, as_("sbm"), oid)
    obs.update_observation(
        session,
        as_("ht"),
        observation_id=oid,
        version=view.version,
        data=_input(session, world["teacher"], rating=2, notes="The head teacher's note."),
    )
    before = _counts(session)
    with pytest.raises(EditConflict) as conflict:
        obs.update_observation(
            session,
            as_("sbm"),
            observation_id=oid,
            version=view.version,
            data=_input(session, world["teacher"], rating=5),
        )
    assert conflict.value.theirs["notes"] == "The head teacher's note."
    assert set(conflict.value.theirs["ratings"].values()) == {2}  # type: ignore[union-attr]
    assert _counts(session) == before


def test_a_change_of_ratings_alone_bumps_the_version_and_a_repeat_changes_nothing(
    session: Session, world: dict, as_: Callable
) -> None:
    oid = _record(session, as_("sbm"), world)
    sbm = as_("sbm")
    data = _input(session, world["teacher"], rating=3)
    obs.update_observation(session, sbm, observation_id=oid, version=1, data=data)
    assert obs.observation(session, sbm, oid).version == 2
    after = _counts(session)
    obs.update_observation(session, sbm, observation_id=oid, version=1, data=data)  # the double click
    assert _counts(session) == after and obs.observation(session, sbm, oid).version == 2


@pytest.mark.parametrize("who", ["ssl", "colleague", "dde", "national", "far_ht"])
def test_only_the_observer_and_the_head_teacher_may_edit(
    session: Session, world: dict, as_: Callable, who: str
) -> None:
    oid = _record(session, as_("sbm"), world)
    before = _counts(session)
    with pytest.raises(AccessDenied):
        obs.update_observation(
            session, as_(who), observation_id=oid, version=1, data=_input(session, world["teacher"], rating=1)
        )
    assert _counts(session) == before


@pytest.mark.parametrize("who", ["sbm", "ssl", "ht", "teacher", "dde", "national", "admin"])
def test_people_in_reach_read_the_observation(session: Session, world: dict, as_: Callable, who: str) -> None:
    oid = _record(session, as_("sbm"), world)
    viewer = as_(who)
    assert str(oid) in {r.id for r in obs.observations(session, viewer)}
    assert obs.observation(session, viewer, oid).id == str(oid)


@pytest.mark.parametrize("who", ["colleague", "far_dde", "far_ht", "far_teacher"])
def test_others_see_no_row_and_are_refused(session: Session, world: dict, as_: Callable, who: str) -> None:
    oid = _record(session, as_("sbm"), world)
    viewer = as_(who)
    assert str(oid) not in {r.id for r in obs.observations(session, viewer)}
    with pytest.raises(AccessDenied):
        obs.observation(session, viewer, oid)
    averages = obs.practice_averages(session, viewer, school_id=world["school"].id)
    assert averages == []


def test_the_list_filters_by_teacher_subject_grade_and_dates(
    session: Session, world: dict, as_: Callable
) -> None:
    sbm = as_("sbm")
    a = _record(session, sbm, world, grade="P5")
    b = obs.create_observation(
        session,
        sbm,
        data=_input(
            session, world["colleague"], subject="English", observed_on=YESTERDAY - timedelta(days=30)
        ),
        idempotency_key=None,
    )
    ids = lambda **kw: [r.id for r in obs.observations(session, sbm, **kw)]  # noqa: E731
    assert ids() == [str(a), str(b)]
    assert ids(teacher_id=world["colleague"].id) == [str(b)]
    assert ids(subject="English") == [str(b)] and ids(grade="P5") == [str(a)]
    assert ids(date_to=YESTERDAY - timedelta(days=1)) == [str(b)]
    assert ids(date_from=YESTERDAY, school_id=world["school"].id) == [str(a)]
    choices = obs.observation_filter_choices(session, sbm, school_id=world["school"].id)
    assert choices.subjects == ["English", "Mathematics"] and choices.grades == ["P4", "P5"]
    assert {t.id for t in choices.teachers} == {str(world["teacher"].id), str(world["colleague"].id)}
    assert obs.observation_filter_choices(session, as_("teacher")).subjects == ["Mathematics"]


def test_practice_averages_split_strengths_from_areas_to_improve(
    session: Session, world: dict, as_: Callable
) -> None:
    sbm = as_("sbm")
    practices = obs.active_practices(session)
    strong = {p.id: (5 if i < 3 else 3) for i, p in enumerate(practices)}
    _record(session, sbm, world, ratings=strong)
    other = {p.id: (4 if i < 3 else 2) for i, p in enumerate(practices)}
    obs.create_observation(
        session, sbm, data=_input(session, world["colleague"], ratings=other), idempotency_key=None
    )
    averages = obs.practice_averages(session, sbm, school_id=world["school"].id)
    assert len(averages) == 12 and averages[0].average == 4.5 and averages[-1].average == 2.5
    assert {a.standing for a in averages[:3]} == {PracticeStanding.STRENGTH}
    assert {a.standing for a in averages[3:]} == {PracticeStanding.IMPROVE}
    assert all(a.ratings == 2 for a in averages)
    # A teacher's table is made of their own lessons only.
    own = obs.practice_averages(session, as_("teacher"), school_id=world["school"].id)
    assert own[0].average == 5.0 and all(a.ratings == 1 for a in own)
