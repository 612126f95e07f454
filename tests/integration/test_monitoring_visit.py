"""Monitoring visits on PostgreSQL: who records and reads which, idempotent submits, version conflicts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer
from cop.errors import EditConflict, ValidationError
from cop.monitoring_visit import ENABLER_FIELDS, PRACTICE_FIELDS, MonitoringInput
from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.models import AuditLog, FormTemplate, MonitoringVisit
from db.tools import monitoring_visits as mv
from tests import factories as f

TODAY = date.today()
RATINGS = dict.fromkeys((*PRACTICE_FIELDS, *ENABLER_FIELDS), 3)


@pytest.fixture
def world(session: Session) -> dict:
    """Two Kirehe schools and a Rusizi one, their staff, and every kind of official, with assignments."""
    kirehe = f.school(session, name="Kirehe school")
    kirehe_two = f.school(session, name="Second Kirehe school")
    rusizi = f.school(session, district_name="Rusizi", name="Rusizi school")
    sbm = f.person(session, role="facilitator", school=kirehe)
    ssl = f.person(session, role="facilitator", school=kirehe)
    cop = f.cop(session, kirehe, name="P4 CoP")
    cop.facilitator_id = sbm.id
    dde = f.person(session, role="district_officer", district_name="Kirehe")
    f.assign(session, dde, district_id=dde.district_id)
    other_dde = f.person(session, role="district_officer", district_name="Kirehe")
    f.assign(session, other_dde, district_id=other_dde.district_id)
    urce = f.person(session, role="field_facilitator")
    f.assign(session, urce, sbm_id=sbm.id)
    tutor = f.person(session, role="ttc_tutor")
    f.assign(session, tutor, school_id=kirehe.id)
    session.flush()
    return {
        "kirehe": kirehe,
        "kirehe_two": kirehe_two,
        "rusizi": rusizi,
        "cop": cop,
        "other_cop": f.cop(session, kirehe_two, name="P5 CoP"),
        "sbm": sbm,
        "ssl": ssl,
        "ht": f.person(session, role="head_teacher", school=kirehe),
        "far_ht": f.person(session, role="head_teacher", school=rusizi),
        "teacher": f.person(session, role="teacher", school=kirehe),
        "dde": dde,
        "other_dde": other_dde,
        "urce": urce,
        "tutor": tutor,
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


def _form(session: Session) -> str | None:
    return mv.monitoring_form(session).template_id


def _data(session: Session, school: object, cop: object | None = None, **changes: object) -> MonitoringInput:
    data = MonitoringInput(
        school_id=str(school.id),  # type: ignore[attr-defined]
        visit_date=TODAY - timedelta(days=3),
        cop_id=str(cop.id) if cop else None,  # type: ignore[attr-defined]
        template_id=_form(session),
        ratings=dict(RATINGS),
        answers={"outputs": 2},
        observations="Members brought evidence from their classes.",
        recommendations_leadership="Protect the 90 minutes in the timetable.",
        recommendations_facilitator="Follow up the actions before the next session.",
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def _counts(session: Session) -> tuple[int, int]:
    visits = session.scalar(select(func.count()).select_from(MonitoringVisit)) or 0
    audit = session.scalar(select(func.count()).select_from(AuditLog)) or 0
    return visits, audit


def _record(session: Session, viewer: Viewer, data: MonitoringInput, key: str | None = None) -> str:
    return str(mv.record_monitoring_visit(session, viewer, data=data, idempotency_key=key))


def test_a_district_officer_records_a_visit_with_the_template_revision_and_an_audit_row(
    session: Session, world: dict, as_: Callable
) -> None:
    vid = _record(session, as_("dde"), _data(session, world["kirehe"], world["cop"]), "key-1")
    visit = session.get(MonitoringVisit, vid)
    assert visit is not None and visit.visitor_id == world["dde"].id and visit.cop_id == world["cop"].id
    assert visit.enabler_inquiry == 3 and visit.answers == {"outputs": 2}
    assert str(visit.template_id) == _form(session)
    (audit,) = session.scalars(select(AuditLog).where(AuditLog.record_id == vid))
    assert (audit.action, audit.actor_id, audit.school_id) == ("insert", world["dde"].id, world["kirehe"].id)


def test_the_same_submit_key_twice_saves_one_visit(session: Session, world: dict, as_: Callable) -> None:
    dde, data = as_("dde"), _data(session, world["kirehe"])
    first = _record(session, dde, data, "double-click")
    before = _counts(session)
    assert _record(session, dde, data, "double-click") == first
    assert _counts(session) == before


@pytest.mark.parametrize(
    "changes",
    [
        {"ratings": {}},
        {"visit_date": TODAY + timedelta(days=1)},
        {"visit_date": None, "school_id": None},
        {"observations": "x" * 5000},
        {"answers": {}},
        {"cop_id": "not-a-uuid"},
    ],
)
def test_invalid_input_writes_nothing(session: Session, world: dict, as_: Callable, changes: dict) -> None:
    dde = as_("dde")
    before = _counts(session)
    with pytest.raises(ValidationError):
        _record(session, dde, _data(session, world["kirehe"], **changes), "bad")
    assert _counts(session) == before


def test_a_cop_of_another_school_is_refused(session: Session, world: dict, as_: Callable) -> None:
    with pytest.raises(ValidationError) as refused:
        _record(session, as_("dde"), _data(session, world["kirehe"], world["other_cop"]))
    assert set(refused.value.errors) == {"cop_id"}


@pytest.mark.parametrize("who", ["dde", "urce"])
def test_a_visitor_cannot_record_a_visit_outside_their_reach(
    session: Session, world: dict, as_: Callable, who: str
) -> None:
    viewer = as_(who)
    before = _counts(session)
    with pytest.raises(AccessDenied):
        _record(session, viewer, _data(session, world["rusizi"]))
    assert _counts(session) == before


@pytest.mark.parametrize("who", ["ht", "sbm", "teacher", "tutor", "admin"])
def test_only_officials_record_visits(session: Session, world: dict, as_: Callable, who: str) -> None:
    viewer = as_(who)
    before = _counts(session)
    with pytest.raises(AccessDenied):
        _record(session, viewer, _data(session, world["kirehe"]))
    assert _counts(session) == before


@pytest.fixture
def visits(session: Session, world: dict, as_: Callable) -> dict[str, str]:
    """A visit to each school: by the DDE and the UR-CE facilitator in Kirehe, by REB in Rusizi."""
    return {
        "kirehe": _record(session, as_("dde"), _data(session, world["kirehe"], world["cop"])),
        "kirehe_whole": _record(
            session, as_("urce"), _data(session, world["kirehe"], visit_date=TODAY - timedelta(days=40))
        ),
        "kirehe_two": _record(session, as_("dde"), _data(session, world["kirehe_two"], world["other_cop"])),
        "rusizi": _record(session, as_("national"), _data(session, world["rusizi"])),
    }


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("national", {"kirehe", "kirehe_whole", "kirehe_two", "rusizi"}),
        ("admin", {"kirehe", "kirehe_whole", "kirehe_two", "rusizi"}),
        ("dde", {"kirehe", "kirehe_whole", "kirehe_two"}),
        ("urce", {"kirehe", "kirehe_whole"}),
        ("ht", {"kirehe", "kirehe_whole"}),
        ("ssl", {"kirehe", "kirehe_whole"}),
        ("far_ht", {"rusizi"}),
    ],
)
def test_each_reader_sees_the_visits_of_the_schools_in_their_reach(
    session: Session, world: dict, as_: Callable, visits: dict[str, str], who: str, sees: set[str]
) -> None:
    viewer = as_(who)
    listed = {r.id for r in mv.monitoring_visits(session, viewer)}
    assert listed & set(visits.values()) == {visits[name] for name in sees}
    for name, vid in visits.items():
        if name in sees:
            assert mv.monitoring_visit(session, viewer, vid).id == vid
        else:
            with pytest.raises(AccessDenied):
                mv.monitoring_visit(session, viewer, vid)


@pytest.mark.parametrize("who", ["teacher", "tutor"])
def test_teachers_and_tutors_read_no_monitoring_visit(
    session: Session, as_: Callable, visits: dict[str, str], who: str
) -> None:
    viewer = as_(who)
    with pytest.raises(AccessDenied):
        mv.monitoring_visits(session, viewer)
    with pytest.raises(AccessDenied):
        mv.monitoring_visit(session, viewer, visits["kirehe"])


def test_an_unknown_or_malformed_id_is_refused_like_a_visit_out_of_reach(
    session: Session, as_: Callable
) -> None:
    for bad in ("nonsense", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(AccessDenied, match="not in your reach"):
            mv.monitoring_visit(session, as_("national"), bad)


def test_the_history_filters_by_school_visitor_and_dates(
    session: Session, world: dict, as_: Callable, visits: dict[str, str]
) -> None:
    national = as_("national")

    def ids(**filters: object) -> set[str]:
        return {r.id for r in mv.monitoring_visits(session, national, **filters)} & set(visits.values())

    assert ids(school_id=world["kirehe"].id) == {visits["kirehe"], visits["kirehe_whole"]}
    assert ids(visitor_id=world["urce"].id) == {visits["kirehe_whole"]}
    assert ids(since=TODAY - timedelta(days=10)) == {visits["kirehe"], visits["kirehe_two"], visits["rusizi"]}
    assert ids(until=TODAY - timedelta(days=10)) == {visits["kirehe_whole"]}
    visitors = {c.id for c in mv.monitoring_visitors(session, as_("urce"))}
    assert visitors == {str(world["dde"].id), str(world["urce"].id)}


def test_the_head_teacher_and_the_cops_facilitator_read_the_recommendations_for_them(
    session: Session, world: dict, as_: Callable, visits: dict[str, str]
) -> None:
    for_ht = mv.recommendations_for_me(session, as_("ht"))
    assert {r.visit_id for r in for_ht} == {visits["kirehe"], visits["kirehe_whole"]}
    assert {r.text for r in for_ht} == {"Protect the 90 minutes in the timetable."}
    for_sbm = mv.recommendations_for_me(session, as_("sbm"))
    assert {r.visit_id for r in for_sbm} == {visits["kirehe"], visits["kirehe_whole"]}
    assert {r.text for r in for_sbm} == {"Follow up the actions before the next session."}
    # The SSL does not facilitate the P4 CoP: only the whole-school visit speaks to them.
    assert {r.visit_id for r in mv.recommendations_for_me(session, as_("ssl"))} == {visits["kirehe_whole"]}
    assert mv.recommendations_for_me(session, as_("dde")) == []


def test_the_visitor_corrects_a_visit_and_an_outdated_version_is_refused_with_their_values(
    session: Session, world: dict, as_: Callable, visits: dict[str, str]
) -> None:
    dde = as_("dde")
    detail = mv.monitoring_visit(session, dde, visits["kirehe"])
    changed = replace(detail.as_input(), observations="Corrected.", ratings={**RATINGS, "regularity": 4})
    mv.update_monitoring_visit(session, dde, visit_id=detail.id, version=detail.version, data=changed)
    after = mv.monitoring_visit(session, dde, detail.id)
    assert (after.texts["observations"], after.ratings["regularity"]) == ("Corrected.", 4)
    assert after.version == detail.version + 1
    before = _counts(session)
    stale = replace(detail.as_input(), observations="Mine, from an old page.")
    with pytest.raises(EditConflict) as conflict:
        mv.update_monitoring_visit(session, dde, visit_id=detail.id, version=detail.version, data=stale)
    assert conflict.value.theirs["observations"] == "Corrected."
    assert conflict.value.theirs["version"] == after.version
    assert _counts(session) == before
    assert mv.monitoring_visit(session, dde, detail.id).texts["observations"] == "Corrected."


def test_another_official_cannot_edit_a_visit_but_an_administrator_can(
    session: Session, world: dict, as_: Callable, visits: dict[str, str]
) -> None:
    detail = mv.monitoring_visit(session, as_("national"), visits["kirehe"])
    data = replace(detail.as_input(), observations="Not mine to change.")
    for who in ("other_dde", "ht"):
        with pytest.raises(AccessDenied):
            mv.update_monitoring_visit(
                session, as_(who), visit_id=detail.id, version=detail.version, data=data
            )
    mv.update_monitoring_visit(session, as_("admin"), visit_id=detail.id, version=detail.version, data=data)
    assert (
        mv.monitoring_visit(session, as_("admin"), detail.id).texts["observations"] == "Not mine to change."
    )


def test_an_invalid_edit_changes_nothing(
    session: Session, world: dict, as_: Callable, visits: dict[str, str]
) -> None:
    dde = as_("dde")
    detail = mv.monitoring_visit(session, dde, visits["kirehe"])
    before = _counts(session)
    bad = replace(detail.as_input(), ratings={**RATINGS, "enabler_inquiry": None})
    with pytest.raises(ValidationError):
        mv.update_monitoring_visit(session, dde, visit_id=detail.id, version=detail.version, data=bad)
    assert _counts(session) == before
    assert mv.monitoring_visit(session, dde, detail.id).version == detail.version


def test_an_old_visit_keeps_the_questions_it_was_recorded_with(
    session: Session, world: dict, as_: Callable, visits: dict[str, str]
) -> None:
    old = session.scalars(select(FormTemplate).where(FormTemplate.kind == "monitoring")).all()
    for t in old:
        t.is_current = False
    items = [{"key": "displays", "label": "Outputs displayed in the staff room", "scale": [1, 5]}]
    session.add(FormTemplate(kind="monitoring", revision=99, title="New", items=items, is_current=True))
    session.flush()
    form = mv.monitoring_form(session)
    assert (form.revision, [i.key for i in form.items]) == (99, ["displays"])
    dde = as_("dde")
    detail = mv.monitoring_visit(session, dde, visits["kirehe"])
    assert detail.revision == 1 and "outputs" in [i.key for i in detail.items]
    # Editing it still asks the old questions (its "outputs" answer), not the new revision's.
    data = replace(detail.as_input(), answers={"outputs": 4})
    mv.update_monitoring_visit(session, dde, visit_id=detail.id, version=detail.version, data=data)
    assert mv.monitoring_visit(session, dde, detail.id).answers == {"outputs": 4}
    # A new visit answers the new revision, on its own 1-5 scale.
    new = _data(session, world["kirehe"], template_id=form.template_id, answers={"displays": 5})
    vid = _record(session, dde, new)
    assert mv.monitoring_visit(session, dde, vid).answers == {"displays": 5}


def test_school_cops_lists_only_active_cops_of_a_school_in_reach(
    session: Session, world: dict, as_: Callable
) -> None:
    assert [c.label for c in mv.school_cops(session, as_("dde"), world["kirehe"].id)] == ["P4 CoP"]
    with pytest.raises(AccessDenied):
        mv.school_cops(session, as_("dde"), world["rusizi"].id)
