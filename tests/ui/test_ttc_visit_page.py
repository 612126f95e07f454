"""The TTC school visit page: who records and reads visits, the checklist grid, bad input, one save."""

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

from cop.ttc_visit import Mark, TtcVisitInput
from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.models import Draft, Person, School, TtcVisit, TtcVisitItem
from db.tools import ttc_visits as tv

PAGE = "pages/ttc_visits.py"
NEW = "ttc_visit:new"
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


def _count(db: Engine, model: type, *where: object) -> int:
    with Session(db) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def _forget_drafts(db: Engine, username: str) -> None:
    """Drafts outlive an AppTest; each test starts from an empty form."""
    with Session(db) as s, s.begin():
        person = s.scalar(select(Person.id).where(Person.username == username))
        s.execute(delete(Draft).where(Draft.person_id == person, Draft.form_key.like("ttc_visit:%")))


def _remove(db: Engine, *where: object) -> None:
    with Session(db) as s, s.begin():
        for row in s.scalars(select(TtcVisit).where(*where)):
            s.delete(row)


def _texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.subheader, *at.markdown, *at.caption, *at.info, *at.error)]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    for box in at.selectbox:
        parts += box.options
    return "\n".join(str(p) for p in parts)


def _k(name: str, form: str = NEW, round_: int = 0) -> str:
    return f"{form}|{round_}|{name}"


def _demo_visit(db: Engine) -> str:
    with Session(db) as s:
        return str(s.scalars(select(TtcVisit.id).order_by(TtcVisit.created_at)).first())


def _fill(at: AppTest, db: Engine, tag: str, *, skip: frozenset[str] = frozenset()) -> AppTest:
    """Fill the new-visit form for EP Mahama validly, except the fields named in `skip`."""
    ids = _ids(db)
    at.selectbox(key=_k("school_id")).select(ids["KRH-002"]).run()
    day = None if "visit_date" in skip else date.today() - timedelta(days=1)
    at.date_input(key=_k("visit_date")).set_value(day)  # type: ignore[arg-type]
    if "facilitator_id" not in skip:
        at.selectbox(key=_k("facilitator_id")).select(ids["sbm.mahama"])
    if "feedback" not in skip:
        at.text_area(key=_k("feedback")).input(f"Feedback from a page test {tag}.")
    boxes = [b for b in at.checkbox if b.key and b.key.startswith(_k("done|"))]
    boxes[0].check()
    return at.run()


def _button(at: AppTest, label: str) -> object:
    return next(b for b in at.button if b.label == label)


def test_the_tutor_lists_their_visits_and_may_record_one(app_as: Callable) -> None:
    at = app_as(PAGE, "ttc.tutor").run()
    assert not at.exception and not at.error
    assert [t.label for t in at.tabs] == ["Visits", "Record a visit"]
    assert set(at.dataframe[0].value["School"]) == {"GS Nyakarambi"}
    assert any(b.label == "Save visit" for b in at.button)


@pytest.mark.parametrize(
    "username", ["ht.nyakarambi", "sbm.nyakarambi", "dde.kirehe", "reb.officer", "admin"]
)
def test_the_school_and_officials_read_but_do_not_record(app_as: Callable, username: str) -> None:
    at = app_as(PAGE, username).run()
    assert not at.exception and not at.error
    assert len(at.tabs) == 0 and not [b for b in at.button if b.label == "Save visit"]
    assert "GS Nyakarambi" in at.dataframe[0].value["School"].tolist()


@pytest.mark.parametrize("username", ["teacher.nyakarambi", "new.teacher", "urce.facilitator"])
def test_people_the_visit_is_not_for_see_only_the_refusal(app_as: Callable, username: str) -> None:
    at = app_as(PAGE, username).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["This page is not available for your role."]
    assert len(at.dataframe) == 0 and "Nyakarambi" not in _texts(at)


@pytest.mark.parametrize("username", ["ht.kamembe", "dde.rusizi", "ht.mahama"])
def test_readers_of_other_schools_see_none_of_its_visits(app_as: Callable, username: str) -> None:
    at = app_as(PAGE, username).run()
    assert not at.exception
    assert "Nyakarambi" not in _texts(at) and len(at.dataframe) == 0


def test_the_sbm_sees_the_feedback_addressed_to_them(app_as: Callable) -> None:
    at = app_as(PAGE, "sbm.nyakarambi").run()
    assert at.subheader[0].value == "Feedback for you"
    assert any("New teachers bring their challenges" in i.value for i in at.info)
    ssl = app_as(PAGE, "ssl.nyakarambi").run()  # the feedback went to the SBM, not to the SSL
    assert not ssl.info and "No TTC tutor has left feedback for you yet." in _texts(ssl)


def test_the_read_view_is_a_grid_of_activities_by_new_teacher_with_a_pdf(
    app_as: Callable, db: Engine
) -> None:
    at = app_as(PAGE, "ht.nyakarambi").run()
    at.selectbox(key="ttc_open").select(_demo_visit(db)).run()
    assert not at.exception
    grid = at.dataframe[1].value
    assert "Patrick Mugisha" in grid.columns and len(grid) == 8
    assert set(grid["Patrick Mugisha"]) <= {"Done", "Not yet"}
    assert grid.iloc[0].drop("Activity").eq("Done").all()  # orientation comes first, for everyone
    assert {m.label for m in at.metric} >= {"Patrick Mugisha"}
    assert len(at.get("download_button")) >= 3  # the list's CSV, the grid's CSV and the PDF
    assert not [t for t in at.toggle if t.label == "Edit this visit"]  # only its tutor or an admin


def test_choosing_a_school_lists_its_new_teachers_with_the_checklist(app_as: Callable, db: Engine) -> None:
    _forget_drafts(db, "ttc.tutor")
    at = app_as(PAGE, "ttc.tutor").run()
    at.selectbox(key=_k("school_id")).select(_ids(db)["KRH-001"]).run()
    assert not at.exception
    boxes = [b for b in at.checkbox if b.key and b.key.startswith(_k("done|"))]
    assert len(boxes) == 3 * 8 and not any(b.value for b in boxes)
    assert any("Patrick Mugisha" in m.value for m in at.markdown)
    _forget_drafts(db, "ttc.tutor")


def test_an_empty_submit_names_the_missing_fields_and_saves_nothing(app_as: Callable, db: Engine) -> None:
    _forget_drafts(db, "ttc.tutor")
    before = _count(db, TtcVisit)
    at = app_as(PAGE, "ttc.tutor").run()
    at.date_input(key=_k("visit_date")).set_value(None).run()  # type: ignore[arg-type]
    _button(at, "Save visit").click().run()
    assert not at.exception
    (error,) = at.error
    assert "**School**" in error.value and "**Visit date**" in error.value
    assert "**Feedback to the SBM / SSL**" in error.value
    assert _count(db, TtcVisit) == before
    _forget_drafts(db, "ttc.tutor")


bad_inputs = st.tuples(
    st.frozensets(st.sampled_from(("visit_date", "facilitator_id", "feedback")), max_size=3),
    st.sampled_from(["", "y" * 4001]),
).filter(lambda case: bool(case[0]) or bool(case[1]))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=bad_inputs)
def test_bad_input_through_the_page_shows_an_error_and_saves_nothing(
    app_as: Callable, db: Engine, case: tuple[frozenset[str], str]
) -> None:
    skip, long_text = case
    _forget_drafts(db, "ttc.tutor")
    before = (_count(db, TtcVisit), _count(db, TtcVisitItem))
    at = _fill(app_as(PAGE, "ttc.tutor").run(), db, "bad", skip=skip)
    if long_text:
        at.text_area(key=_k("feedback")).input(long_text).run()
    _button(at, "Save visit").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "Nothing was saved" in at.error[0].value
    assert not at.success
    assert (_count(db, TtcVisit), _count(db, TtcVisitItem)) == before
    _forget_drafts(db, "ttc.tutor")


def test_a_valid_visit_clicked_twice_is_saved_once_with_a_mark_per_teacher_and_activity(
    app_as: Callable, db: Engine
) -> None:
    tag = uuid.uuid4().hex[:8]
    mine = TtcVisit.feedback_to_facilitator.contains(tag)
    _forget_drafts(db, "ttc.tutor")
    try:
        at = _fill(app_as(PAGE, "ttc.tutor").run(), db, tag)
        at.session_state[SUBMIT_KEY] = f"ui-{tag}"
        _button(at, "Save visit").click().run()
        assert not at.exception and [s.value for s in at.success] == ["TTC visit saved."]
        assert _count(db, TtcVisit, mine) == 1
        with Session(db) as s:
            visit = s.scalar(select(TtcVisit).where(mine))
            items = s.scalars(select(TtcVisitItem).where(TtcVisitItem.visit_id == visit.id)).all()  # type: ignore[union-attr]
        assert len(items) == 2 * 8 and sum(i.done for i in items) == 1  # EP Mahama has two new teachers
        # The same form instance sent again (a retry after a lost answer) saves nothing new.
        at.session_state[SUBMIT_KEY] = f"ui-{tag}"
        ids = _ids(db)
        at.selectbox(key=_k("school_id", round_=1)).select(ids["KRH-002"]).run()
        at.selectbox(key=_k("facilitator_id", round_=1)).select(ids["sbm.mahama"])
        at.text_area(key=_k("feedback", round_=1)).input(f"Feedback from a page test {tag}.").run()
        _button(at, "Save visit").click().run()
        assert not at.exception and _count(db, TtcVisit, mine) == 1
    finally:
        _remove(db, mine)
        _forget_drafts(db, "ttc.tutor")


def test_ticked_activities_are_kept_as_a_draft_across_sessions(app_as: Callable, db: Engine) -> None:
    _forget_drafts(db, "ttc.tutor")
    try:
        at = app_as(PAGE, "ttc.tutor").run()
        at.selectbox(key=_k("school_id")).select(_ids(db)["KRH-001"]).run()
        box = next(b for b in at.checkbox if b.key and b.key.startswith(_k("done|")))
        box.check()
        at.text_area(key=_k("feedback")).input("Half-written feedback").run()
        assert any("Draft saved" in c.value for c in at.caption)
        again = app_as(PAGE, "ttc.tutor").run()
        assert again.text_area(key=_k("feedback")).value == "Half-written feedback"
        assert again.checkbox(key=box.key).value is True
    finally:
        _forget_drafts(db, "ttc.tutor")


def _record(db: Engine, tag: str) -> str:
    """A visit of KRH-002 by the demo tutor, written as the page would, for edit tests."""
    ids = _ids(db)
    with Session(db) as s, s.begin():
        viewer = load_viewer(s, ids["ttc.tutor"])
        s.info[ACTOR_KEY] = actor_of(viewer)
        form = tv.ttc_form(s, viewer, ids["KRH-002"])
        data = TtcVisitInput(
            school_id=ids["KRH-002"],
            visit_date=date.today() - timedelta(days=3),
            template_id=form.template_id,
            facilitator_id=ids["sbm.mahama"],
            feedback=f"Page test {tag}",
        )
        return str(tv.record_ttc_visit(s, viewer, data=data, idempotency_key=None))


def test_an_edit_over_a_newer_save_shows_theirs_and_applies_mine_on_the_next_save(
    app_as: Callable, db: Engine
) -> None:
    tag = uuid.uuid4().hex[:8]
    vid = _record(db, tag)
    form = f"ttc_visit:{vid}"
    _forget_drafts(db, "ttc.tutor")
    try:
        at = app_as(PAGE, "ttc.tutor").run()
        at.selectbox(key="ttc_open").select(vid).run()
        at.toggle(key=_k("on", form)).set_value(True).run()
        box = next(b for b in at.checkbox if b.key and b.key.startswith(_k("done|", form)))
        box.check().run()
        # Meanwhile an administrator corrects the feedback of the same visit.
        ids = _ids(db)
        with Session(db) as s, s.begin():
            admin = load_viewer(s, ids["admin"])
            s.info[ACTOR_KEY] = actor_of(admin)
            d = tv.ttc_visit(s, admin, vid)
            data = replace(d.as_input(), feedback="Theirs")
            tv.update_ttc_visit(s, admin, visit_id=vid, version=d.version, data=data)
        _button(at, "Save changes").click().run()
        assert not at.exception and not at.success
        assert "Someone else saved this TTC visit" in at.error[0].value
        assert "Theirs" in at.dataframe[-1].value.to_csv()
        assert at.checkbox(key=box.key).value is True  # kept to reapply
        _button(at, "Save changes").click().run()
        assert [s.value for s in at.success] == ["Changes saved."]
        _, teacher, item = box.key.rsplit("|", 2)
        with Session(db) as s:
            row = s.get(TtcVisit, uuid.UUID(vid))
            assert row is not None and row.version == 3
            assert row.feedback_to_facilitator == f"Page test {tag}"  # mine, applied over theirs
            mark = s.scalar(
                select(TtcVisitItem).where(
                    TtcVisitItem.visit_id == row.id,
                    TtcVisitItem.new_teacher_id == uuid.UUID(teacher),
                    TtcVisitItem.item_key == item,
                )
            )
            assert mark is not None and Mark(mark.done, mark.note) == Mark(True, None)
    finally:
        _remove(db, TtcVisit.id == uuid.UUID(vid))
        _forget_drafts(db, "ttc.tutor")
