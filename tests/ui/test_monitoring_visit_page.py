"""The CoP monitoring page: who records and reads visits, bad input refused, one row per submit, conflicts."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, delete, func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from cop.monitoring_visit import ENABLER_FIELDS, PRACTICE_FIELDS, MonitoringInput
from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.models import Draft, MonitoringVisit, Person, School
from db.tools import monitoring_visits as mv

PAGE = "pages/monitoring_visits.py"
NEW = "monitoring_visit:new"
RATED = (*PRACTICE_FIELDS, *ENABLER_FIELDS, "answer_outputs")
SUBMIT_KEY = "cop_submit_key_" + NEW


@pytest.fixture(scope="module")
def db(app_env: str) -> Iterator[Engine]:
    eng = create_engine(app_env)
    yield eng
    eng.dispose()


def _ids(db: Engine) -> dict[str, str]:
    with Session(db) as s:
        schools = {code: str(i) for code, i in s.execute(select(School.code, School.id))}
        people = {u: str(i) for u, i in s.execute(select(Person.username, Person.id))}
    return schools | people


def _visits(db: Engine, *where: object) -> int:
    with Session(db) as s:
        return s.scalar(select(func.count()).select_from(MonitoringVisit).where(*where)) or 0


def _forget_drafts(db: Engine, username: str) -> None:
    """Drafts outlive an AppTest; each test starts from an empty form."""
    with Session(db) as s, s.begin():
        person = s.scalar(select(Person.id).where(Person.username == username))
        s.execute(delete(Draft).where(Draft.person_id == person, Draft.form_key.like("monitoring_visit:%")))


def _remove(db: Engine, *where: object) -> None:
    with Session(db) as s, s.begin():
        for row in s.scalars(select(MonitoringVisit).where(*where)):
            s.delete(row)


def _texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.subheader, *at.markdown, *at.caption, *at.info, *at.error)]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    for box in at.selectbox:
        parts += box.options
    return "\n".join(str(p) for p in parts)


def _k(name: str, form: str = NEW, round_: int = 0) -> str:
    return f"{form}|{round_}|{name}"


def _fill(at: AppTest, school_id: str, tag: str, *, skip: frozenset[str] = frozenset()) -> AppTest:
    """Fill the new-visit form validly, except the fields named in `skip`."""
    if "school_id" not in skip:
        at.selectbox(key=_k("school_id")).select(school_id).run()
    day = None if "visit_date" in skip else date.today() - timedelta(days=1)
    at.date_input(key=_k("visit_date")).set_value(day)  # type: ignore[arg-type]
    for name in RATED:
        if name not in skip:
            at.radio(key=_k(name)).set_value(3)
    at.text_area(key=_k("observations")).input(f"Observed by a page test {tag}.")
    return at.run()


def _save_button(at: AppTest, label: str = "Save visit") -> object:
    return next(b for b in at.button if b.label == label)


@pytest.mark.parametrize("username", ["dde.kirehe", "reb.officer", "urce.facilitator"])
def test_officials_list_visits_and_may_record_one(app_as: Callable, username: str) -> None:
    at = app_as(PAGE, username).run()
    assert not at.exception and not at.error
    assert [t.label for t in at.tabs] == ["Visits", "Record a visit"]
    assert len(at.dataframe) == 1 and any(b.label == "Save visit" for b in at.button)


@pytest.mark.parametrize("username", ["ht.nyakarambi", "sbm.nyakarambi", "admin"])
def test_school_staff_and_the_administrator_read_but_do_not_record(app_as: Callable, username: str) -> None:
    at = app_as(PAGE, username).run()
    assert not at.exception and not at.error
    assert len(at.tabs) == 0 and len(at.radio) == 0
    assert not [b for b in at.button if b.label == "Save visit"]
    assert "GS Nyakarambi" in at.dataframe[0].value["School"].tolist()


@pytest.mark.parametrize("username", ["teacher.nyakarambi", "new.teacher", "ttc.tutor"])
def test_people_the_form_is_not_for_see_only_the_refusal(app_as: Callable, username: str) -> None:
    at = app_as(PAGE, username).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["This page is not available for your role."]
    assert len(at.dataframe) == 0 and "Nyakarambi" not in _texts(at)


def test_the_head_teacher_sees_the_recommendations_for_the_leadership_first(app_as: Callable) -> None:
    at = app_as(PAGE, "ht.nyakarambi").run()
    assert at.subheader[0].value == "Recommendations for you"
    infos = [i.value for i in at.info]
    assert infos and all("Protect the CoP's 90 minutes" in i for i in infos)
    assert not any("Keep AOB" in i for i in infos)


def test_the_sbm_sees_the_recommendations_for_the_facilitator(app_as: Callable) -> None:
    infos = [i.value for i in app_as(PAGE, "sbm.nyakarambi").run().info]
    assert infos and all("Keep AOB to 30 minutes" in i for i in infos)


def test_officials_of_another_district_see_none_of_its_visits(app_as: Callable) -> None:
    at = app_as(PAGE, "dde.rusizi").run()
    text = _texts(at)
    assert "Nyakarambi" not in text and "Mahama" not in text
    kirehe = app_as(PAGE, "dde.kirehe").run()
    assert set(kirehe.dataframe[0].value["District"]) == {"Kirehe"}


def test_the_history_filters_by_visitor(app_as: Callable, db: Engine) -> None:
    ids = _ids(db)
    at = app_as(PAGE, "reb.officer").run()
    at.selectbox(key="mv_f_visitor").select(ids["dde.kirehe"]).run()
    assert set(at.dataframe[0].value["Visitor"]) == {"Jean de Dieu Habimana"}
    at.date_input(key="mv_f_since").set_value(date.today() - timedelta(days=5)).run()
    assert not at.exception and len(at.dataframe) == 0  # the table gives way to "No visit matches."


def test_an_empty_submit_names_every_missing_field_and_saves_nothing(app_as: Callable, db: Engine) -> None:
    _forget_drafts(db, "dde.kirehe")
    before = _visits(db)
    at = app_as(PAGE, "dde.kirehe").run()
    _save_button(at).click().run()
    assert not at.exception
    (error,) = at.error
    for label in ("School", "Purpose and focus", "Accountability", "CoP sessions take place", "outputs are"):
        assert label in error.value
    assert _visits(db) == before
    _forget_drafts(db, "dde.kirehe")


# What a visitor can get wrong through the form: leave out required fields, type too much.
bad_inputs = st.tuples(
    st.frozensets(st.sampled_from(("school_id", "visit_date", *RATED)), max_size=4),
    st.sampled_from(["", "x" * 4001]),
).filter(lambda case: bool(case[0]) or bool(case[1]))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=bad_inputs)
def test_bad_input_through_the_page_shows_an_error_and_saves_nothing(
    app_as: Callable, db: Engine, case: tuple[frozenset[str], str]
) -> None:
    skip, long_text = case
    _forget_drafts(db, "dde.kirehe")
    before = _visits(db)
    at = _fill(app_as(PAGE, "dde.kirehe").run(), _ids(db)["KRH-001"], "bad", skip=skip)
    if long_text:
        at.text_area(key=_k("recommendations_facilitator")).input(long_text).run()
    _save_button(at).click().run()
    assert not at.exception
    assert len(at.error) == 1 and "Nothing was saved" in at.error[0].value
    assert not at.success
    assert _visits(db) == before
    _forget_drafts(db, "dde.kirehe")


def test_a_future_visit_date_is_refused(app_as: Callable, db: Engine) -> None:
    _forget_drafts(db, "dde.kirehe")
    before = _visits(db)
    at = _fill(app_as(PAGE, "dde.kirehe").run(), _ids(db)["KRH-001"], "future")
    at.date_input(key=_k("visit_date")).set_value(date.today() + timedelta(days=3)).run()
    _save_button(at).click().run()
    assert not at.exception and _visits(db) == before
    assert at.error and "Visit date" in at.error[0].value
    _forget_drafts(db, "dde.kirehe")


def test_a_valid_visit_clicked_twice_is_saved_once(app_as: Callable, db: Engine) -> None:
    tag = uuid.uuid4().hex[:8]
    mine = MonitoringVisit.observations.contains(tag)
    _forget_drafts(db, "dde.kirehe")
    try:
        at = _fill(app_as(PAGE, "dde.kirehe").run(), _ids(db)["KRH-002"], tag)
        at.session_state[SUBMIT_KEY] = f"ui-{tag}"
        _save_button(at).click().run()
        assert not at.exception and [s.value for s in at.success] == ["Monitoring visit saved."]
        assert _visits(db, mine) == 1
        # The form is empty again; a repeated submit of the same form instance (a retry) saves nothing new.
        assert at.radio(key=_k("regularity", round_=1)).value is None
        at.session_state[SUBMIT_KEY] = f"ui-{tag}"
        for name in RATED:
            at.radio(key=_k(name, round_=1)).set_value(2)
        at.selectbox(key=_k("school_id", round_=1)).select(_ids(db)["KRH-002"])
        at.date_input(key=_k("visit_date", round_=1)).set_value(date.today())
        at.text_area(key=_k("observations", round_=1)).input(f"Observed by a page test {tag}.").run()
        _save_button(at).click().run()
        assert not at.exception and _visits(db, mine) == 1
    finally:
        _remove(db, mine)
        _forget_drafts(db, "dde.kirehe")


def test_what_was_typed_is_kept_as_a_draft_across_sessions(app_as: Callable, db: Engine) -> None:
    _forget_drafts(db, "urce.facilitator")
    try:
        at = app_as(PAGE, "urce.facilitator").run()
        at.radio(key=_k("enabler_inquiry")).set_value(4)
        at.text_area(key=_k("observations")).input("Half-written observation").run()
        assert any("Draft saved" in c.value for c in at.caption)
        again = app_as(PAGE, "urce.facilitator").run()
        assert again.text_area(key=_k("observations")).value == "Half-written observation"
        assert again.radio(key=_k("enabler_inquiry")).value == 4
    finally:
        _forget_drafts(db, "urce.facilitator")


def _record(db: Engine, username: str, tag: str) -> str:
    """A visit of KRH-002 by `username`, written as the page would, for read and edit tests."""
    ids = _ids(db)
    with Session(db) as s, s.begin():
        viewer = load_viewer(s, ids[username])
        s.info[ACTOR_KEY] = actor_of(viewer)
        data = MonitoringInput(
            school_id=ids["KRH-002"],
            visit_date=date.today() - timedelta(days=2),
            template_id=mv.monitoring_form(s).template_id,
            ratings=dict.fromkeys((*PRACTICE_FIELDS, *ENABLER_FIELDS), 2),
            answers={"outputs": 2},
            observations=f"Page test {tag}",
        )
        return str(mv.record_monitoring_visit(s, viewer, data=data, idempotency_key=None))


def test_the_read_view_offers_a_pdf_and_only_the_visitor_may_edit(app_as: Callable, db: Engine) -> None:
    tag = uuid.uuid4().hex[:8]
    vid = _record(db, "dde.kirehe", tag)
    try:
        for username, edits in (
            ("dde.kirehe", True),
            ("reb.officer", False),
            ("admin", True),
            ("ht.mahama", False),
        ):
            at = app_as(PAGE, username).run()
            at.selectbox(key="mv_open").select(vid).run()
            assert not at.exception
            assert at.subheader[-1].value.startswith("EP Mahama")
            assert f"Page test {tag}" in _texts(at)
            assert len(at.get("download_button")) >= 2  # the list's CSV and the visit's PDF
            assert bool([t for t in at.toggle if t.label == "Edit this visit"]) is edits
        far = app_as(PAGE, "ht.nyakarambi").run()
        assert vid not in far.selectbox(key="mv_open").options
    finally:
        _remove(db, MonitoringVisit.id == uuid.UUID(vid))


def test_an_edit_over_a_newer_save_shows_theirs_and_applies_mine_on_the_next_save(
    app_as: Callable, db: Engine
) -> None:
    tag = uuid.uuid4().hex[:8]
    vid = _record(db, "dde.kirehe", tag)
    form = f"monitoring_visit:{vid}"
    _forget_drafts(db, "dde.kirehe")
    try:
        at = app_as(PAGE, "dde.kirehe").run()
        at.selectbox(key="mv_open").select(vid).run()
        at.toggle(key=_k("on", form)).set_value(True).run()
        at.text_area(key=_k("observations", form)).input("Mine").run()
        # Meanwhile an administrator corrects the same visit.
        ids = _ids(db)
        with Session(db) as s, s.begin():
            admin = load_viewer(s, ids["admin"])
            s.info[ACTOR_KEY] = actor_of(admin)
            d = mv.monitoring_visit(s, admin, vid)
            theirs = replace(d.as_input(), observations="Theirs")
            mv.update_monitoring_visit(s, admin, visit_id=vid, version=d.version, data=theirs)
        _save_button(at, "Save changes").click().run()
        assert not at.exception and not at.success
        assert "Someone else saved this monitoring visit" in at.error[0].value
        assert "Theirs" in at.dataframe[-1].value.to_csv()
        assert at.text_area(key=_k("observations", form)).value == "Mine"  # kept to reapply
        with Session(db) as s:
            assert s.get(MonitoringVisit, uuid.UUID(vid)).observations == "Theirs"  # type: ignore[union-attr]
        _save_button(at, "Save changes").click().run()
        assert [s.value for s in at.success] == ["Changes saved."]
        with Session(db) as s:
            row = s.get(MonitoringVisit, uuid.UUID(vid))
            assert row is not None and (row.observations, row.version) == ("Mine", 3)
    finally:
        _remove(db, MonitoringVisit.id == uuid.UUID(vid))
        _forget_drafts(db, "dde.kirehe")
