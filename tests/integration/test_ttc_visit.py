"""TTC school visits on PostgreSQL: the checklist per new teacher, who records and reads, conflicts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer
from cop.errors import EditConflict, ValidationError
from cop.ttc_visit import Mark, TtcVisitInput
from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.models import AuditLog, FormTemplate, Person, School, TtcVisit, TtcVisitItem
from db.tools import ttc_visits as tv
from tests import factories as f

TODAY = date.today()


def _new_teacher(session: Session, school: School, name: str, weeks: int) -> Person:
    person = f.person(session, role="teacher", school=school)
    person.full_name, person.is_new_teacher = name, True
    person.teacher_start_date = TODAY - timedelta(weeks=weeks)
    session.flush()
    return person


@pytest.fixture
def world(session: Session) -> dict:
    """A Kirehe school with two new teachers and an SBM, a second Kirehe school, a Rusizi school, people."""
    kirehe = f.school(session, name="Kirehe school")
    kirehe_two = f.school(session, name="Second Kirehe school")
    rusizi = f.school(session, district_name="Rusizi", name="Rusizi school")
    tutor = f.person(session, role="ttc_tutor")
    f.assign(session, tutor, school_id=kirehe.id)
    f.assign(session, tutor, school_id=kirehe_two.id)
    other_tutor = f.person(session, role="ttc_tutor")
    f.assign(session, other_tutor, school_id=kirehe.id)
    dde = f.person(session, role="district_officer", district_name="Kirehe")
    f.assign(session, dde, district_id=dde.district_id)
    sbm = f.person(session, role="facilitator", school=kirehe)
    urce = f.person(session, role="field_facilitator")
    f.assign(session, urce, sbm_id=sbm.id)
    return {
        "kirehe": kirehe,
        "kirehe_two": kirehe_two,
        "rusizi": rusizi,
        "nt_a": _new_teacher(session, kirehe, "Aimee Uwase", 3),
        "nt_b": _new_teacher(session, kirehe, "Bosco Habimana", 12),
        "far_nt": _new_teacher(session, rusizi, "Far Teacher", 5),
        "teacher": f.person(session, role="teacher", school=kirehe),
        "sbm": sbm,
        "ssl": f.person(session, role="facilitator", school=kirehe),
        "far_sbm": f.person(session, role="facilitator", school=rusizi),
        "ht": f.person(session, role="head_teacher", school=kirehe),
        "far_ht": f.person(session, role="head_teacher", school=rusizi),
        "tutor": tutor,
        "other_tutor": other_tutor,
        "unassigned_tutor": f.person(session, role="ttc_tutor"),
        "dde": dde,
        "urce": urce,
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


def _data(session: Session, viewer: Viewer, school: School, facilitator: Person | None, **changes: object):
    form = tv.ttc_form(session, viewer, school.id)
    marks = {(t.id, form.items[0].key): Mark(True, "Welcomed on day one") for t in form.new_teachers}
    data = TtcVisitInput(
        school_id=str(school.id),
        visit_date=TODAY - timedelta(days=2),
        template_id=form.template_id,
        facilitator_id=str(facilitator.id) if facilitator else None,
        feedback="Give each new teacher a turn to present a challenge.",
        marks=marks,
    )
    return replace(data, **changes)


def _counts(session: Session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(m)) or 0 for m in (TtcVisit, TtcVisitItem, AuditLog)
    )


def _record(session: Session, viewer: Viewer, data: TtcVisitInput, key: str | None = None) -> str:
    return str(tv.record_ttc_visit(session, viewer, data=data, idempotency_key=key))


def test_the_form_lists_the_schools_new_teachers_and_its_sbms_and_ssls(
    session: Session, world: dict, as_: Callable
) -> None:
    form = tv.ttc_form(session, as_("tutor"), world["kirehe"].id)
    assert [t.name for t in form.new_teachers] == ["Aimee Uwase", "Bosco Habimana"]
    assert {c.id for c in form.facilitators} == {str(world["sbm"].id), str(world["ssl"].id)}
    assert form.revision == 1 and len(form.items) == 8


def test_a_tutor_records_a_mark_for_every_new_teacher_and_activity(
    session: Session, world: dict, as_: Callable
) -> None:
    tutor = as_("tutor")
    vid = _record(session, tutor, _data(session, tutor, world["kirehe"], world["sbm"]), "k1")
    rows = session.scalars(select(TtcVisitItem).where(TtcVisitItem.visit_id == vid)).all()
    assert len(rows) == 2 * 8
    assert sum(r.done for r in rows) == 2
    assert {r.note for r in rows if r.done} == {"Welcomed on day one"}
    detail = tv.ttc_visit(session, tutor, vid)
    assert [t.name for t in detail.teachers] == ["Aimee Uwase", "Bosco Habimana"]
    assert detail.facilitator_id == str(world["sbm"].id)
    (row,) = tv.ttc_visits(session, tutor, school_id=world["kirehe"].id)
    assert (row.new_teachers, row.done, row.checked) == (2, 2, 16)
    audited = session.scalar(
        select(func.count()).select_from(AuditLog).where(AuditLog.actor_id == world["tutor"].id)
    )
    assert audited == 1 + 16


def test_the_same_submit_key_twice_saves_one_visit(session: Session, world: dict, as_: Callable) -> None:
    tutor = as_("tutor")
    data = _data(session, tutor, world["kirehe"], world["sbm"])
    first = _record(session, tutor, data, "double")
    before = _counts(session)
    assert _record(session, tutor, data, "double") == first
    assert _counts(session) == before


@pytest.mark.parametrize(
    "changes",
    [
        {"feedback": "   "},
        {"visit_date": TODAY + timedelta(days=1)},
        {"visit_date": None},
        {"facilitator_id": None},
        {"marks": {("00000000-0000-0000-0000-000000000000", "orientation"): Mark(True)}},
        {"feedback": "x" * 5000},
    ],
)
def test_invalid_input_writes_nothing(session: Session, world: dict, as_: Callable, changes: dict) -> None:
    tutor = as_("tutor")
    data = _data(session, tutor, world["kirehe"], world["sbm"], **changes)
    before = _counts(session)
    with pytest.raises(ValidationError):
        _record(session, tutor, data, "bad")
    assert _counts(session) == before


def test_a_facilitator_of_another_school_is_refused(session: Session, world: dict, as_: Callable) -> None:
    tutor = as_("tutor")
    with pytest.raises(ValidationError) as refused:
        _record(session, tutor, _data(session, tutor, world["kirehe"], world["far_sbm"]))
    assert set(refused.value.errors) == {"facilitator_id"}


def test_a_tutor_cannot_visit_a_school_not_assigned_to_them(
    session: Session, world: dict, as_: Callable
) -> None:
    tutor, admin = as_("tutor"), as_("admin")
    data = _data(session, admin, world["rusizi"], world["far_sbm"])
    before = _counts(session)
    with pytest.raises(AccessDenied):
        _record(session, tutor, data)
    with pytest.raises(AccessDenied):
        tv.ttc_form(session, tutor, world["rusizi"].id)
    assert _counts(session) == before


@pytest.mark.parametrize("who", ["admin", "national", "dde", "ht", "sbm", "teacher", "urce"])
def test_only_ttc_tutors_record_visits(session: Session, world: dict, as_: Callable, who: str) -> None:
    data = _data(session, as_("admin"), world["kirehe"], world["sbm"])
    viewer = as_(who)
    before = _counts(session)
    with pytest.raises(AccessDenied):
        _record(session, viewer, data)
    assert _counts(session) == before


@pytest.fixture
def visit_ids(session: Session, world: dict, as_: Callable) -> dict[str, str]:
    tutor = as_("tutor")
    kirehe = _record(session, tutor, _data(session, tutor, world["kirehe"], world["sbm"]))
    two = _record(session, tutor, _data(session, tutor, world["kirehe_two"], None))
    return {"kirehe": kirehe, "kirehe_two": two}


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("tutor", {"kirehe", "kirehe_two"}),
        ("other_tutor", {"kirehe"}),
        ("unassigned_tutor", set()),
        ("national", {"kirehe", "kirehe_two"}),
        ("admin", {"kirehe", "kirehe_two"}),
        ("dde", {"kirehe", "kirehe_two"}),
        ("ht", {"kirehe"}),
        ("ssl", {"kirehe"}),
        ("far_ht", set()),
    ],
)
def test_each_reader_sees_the_visits_of_the_schools_in_their_reach(
    session: Session, world: dict, as_: Callable, visit_ids: dict[str, str], who: str, sees: set[str]
) -> None:
    viewer = as_(who)
    listed = {r.id for r in tv.ttc_visits(session, viewer)}
    assert listed & set(visit_ids.values()) == {visit_ids[n] for n in sees}
    for name, vid in visit_ids.items():
        if name in sees:
            assert tv.ttc_visit(session, viewer, vid).id == vid
        else:
            with pytest.raises(AccessDenied):
                tv.ttc_visit(session, viewer, vid)


@pytest.mark.parametrize("who", ["teacher", "urce"])
def test_teachers_and_field_facilitators_read_no_ttc_visit(
    session: Session, as_: Callable, visit_ids: dict[str, str], who: str
) -> None:
    viewer = as_(who)
    with pytest.raises(AccessDenied):
        tv.ttc_visits(session, viewer)
    with pytest.raises(AccessDenied):
        tv.ttc_visit(session, viewer, visit_ids["kirehe"])


def test_the_history_filters_by_school_tutor_and_dates(
    session: Session, world: dict, as_: Callable, visit_ids: dict[str, str]
) -> None:
    national = as_("national")

    def ids(**filters: object) -> set[str]:
        return {r.id for r in tv.ttc_visits(session, national, **filters)} & set(visit_ids.values())

    assert ids(school_id=world["kirehe_two"].id) == {visit_ids["kirehe_two"]}
    assert ids(tutor_id=world["other_tutor"].id) == set()
    assert ids(since=TODAY - timedelta(days=2), until=TODAY) == set(visit_ids.values())
    assert ids(until=TODAY - timedelta(days=3)) == set()
    assert {c.id for c in tv.ttc_tutors(session, as_("ht"))} == {str(world["tutor"].id)}


def test_the_sbm_reads_the_feedback_addressed_to_them(
    session: Session, world: dict, as_: Callable, visit_ids: dict[str, str]
) -> None:
    (feedback,) = tv.feedback_for_me(session, as_("sbm"))
    assert feedback.visit_id == visit_ids["kirehe"] and "challenge" in feedback.text
    assert tv.feedback_for_me(session, as_("ssl")) == []
    assert tv.feedback_for_me(session, as_("ht")) == []


def test_a_checklist_only_edit_bumps_the_version_and_an_outdated_one_is_refused(
    session: Session, world: dict, as_: Callable, visit_ids: dict[str, str]
) -> None:
    tutor = as_("tutor")
    detail = tv.ttc_visit(session, tutor, visit_ids["kirehe"])
    key = (str(world["nt_b"].id), "portfolio")
    marks = {**detail.marks, key: Mark(True, "Journal seen")}
    tv.update_ttc_visit(
        session,
        tutor,
        visit_id=detail.id,
        version=detail.version,
        data=replace(detail.as_input(), marks=marks),
    )
    after = tv.ttc_visit(session, tutor, detail.id)
    assert after.marks[key] == Mark(True, "Journal seen") and after.version == detail.version + 1
    before = _counts(session)
    stale = replace(detail.as_input(), feedback="From an old page.")
    with pytest.raises(EditConflict) as conflict:
        tv.update_ttc_visit(session, tutor, visit_id=detail.id, version=detail.version, data=stale)
    assert conflict.value.theirs["version"] == after.version
    assert _counts(session) == before


def test_another_tutor_cannot_edit_a_visit_but_an_administrator_can(
    session: Session, world: dict, as_: Callable, visit_ids: dict[str, str]
) -> None:
    detail = tv.ttc_visit(session, as_("admin"), visit_ids["kirehe"])
    data = replace(detail.as_input(), feedback="Corrected by the administrator.")
    for who in ("other_tutor", "ht", "dde"):
        with pytest.raises(AccessDenied):
            tv.update_ttc_visit(session, as_(who), visit_id=detail.id, version=detail.version, data=data)
    tv.update_ttc_visit(session, as_("admin"), visit_id=detail.id, version=detail.version, data=data)
    assert tv.ttc_visit(session, as_("ht"), detail.id).feedback == "Corrected by the administrator."


def test_an_edit_keeps_the_visits_checklist_revision_and_adds_a_teacher_who_started_since(
    session: Session, world: dict, as_: Callable, visit_ids: dict[str, str]
) -> None:
    for t in session.scalars(select(FormTemplate).where(FormTemplate.kind == "ttc_checklist")):
        t.is_current = False
    new_items = [{"key": "lesson_plans", "label": "Lesson plans checked"}]
    session.add(
        FormTemplate(kind="ttc_checklist", revision=42, title="New", items=new_items, is_current=True)
    )
    late = _new_teacher(session, world["kirehe"], "Claude Late", 1)
    tutor = as_("tutor")
    detail = tv.ttc_visit(session, tutor, visit_ids["kirehe"])
    form = tv.edit_form(session, tutor, detail)
    assert form.revision == 1 and len(form.items) == 8
    assert "Claude Late" in [t.name for t in form.new_teachers]
    marks = {**detail.marks, (str(late.id), "orientation"): Mark(True)}
    data = replace(detail.as_input(), marks=marks)
    tv.update_ttc_visit(session, tutor, visit_id=detail.id, version=detail.version, data=data)
    after = tv.ttc_visit(session, tutor, detail.id)
    assert after.revision == 1 and len(after.teachers) == 3 and len(after.marks) == 3 * 8
    # A new visit uses the new revision.
    assert [i.key for i in tv.ttc_form(session, tutor, world["kirehe"].id).items] == ["lesson_plans"]


def test_an_invalid_edit_changes_nothing(
    session: Session, world: dict, as_: Callable, visit_ids: dict[str, str]
) -> None:
    tutor = as_("tutor")
    detail = tv.ttc_visit(session, tutor, visit_ids["kirehe"])
    before = _counts(session)
    with pytest.raises(ValidationError):
        tv.update_ttc_visit(
            session,
            tutor,
            visit_id=detail.id,
            version=detail.version,
            data=replace(detail.as_input(), feedback=""),
        )
    assert _counts(session) == before
    assert tv.ttc_visit(session, tutor, detail.id).version == detail.version
