"""The field visit page as each person sees it: who fills and who reads, bad input (hypothesis) writes
nothing, a double submit saves once, drafts survive, an edit over a newer version is shown as a conflict."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, delete, func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

import ui.reports
from cop.actions import today_in_rwanda
from cop.field_visit import FieldVisitInput, StepInput
from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.models import ActionItem, Draft, FieldVisit
from db.tools import field_visits as fv

PAGE = "pages/field_visits.py"
NEW = "field_visit:new|"
SUBMIT_KEY = "cop_submit_key_field_visit:new"
TEXTS = ("priority_challenges", "coaching_given", "sbm_cpd_progress", "school_cpd_activities")
TODAY = today_in_rwanda()


@pytest.fixture(scope="module")
def db(app_env: str) -> Iterator[Engine]:
    eng = create_engine(app_env)
    yield eng
    eng.dispose()


def _visits(db: Engine) -> set[uuid.UUID]:
    with Session(db) as s:
        return set(s.scalars(select(FieldVisit.id)))


def _forget_drafts(db: Engine, person_id: str) -> None:
    with Session(db) as s, s.begin():
        s.execute(
            delete(Draft).where(Draft.person_id == uuid.UUID(person_id), Draft.form_key.like("field_visit:%"))
        )


@pytest.fixture
def clean(db: Engine, person_ids: dict[str, str]) -> Iterator[None]:
    """Remove the visits, actions and drafts a test adds, so the shared demo database stays as it was."""
    before = _visits(db)
    _forget_drafts(db, person_ids["urce.facilitator"])
    yield
    added = _visits(db) - before
    with Session(db) as s, s.begin():
        s.execute(delete(ActionItem).where(ActionItem.field_visit_id.in_(added)))
        s.execute(delete(FieldVisit).where(FieldVisit.id.in_(added)))
    _forget_drafts(db, person_ids["urce.facilitator"])


def _texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.subheader, *at.markdown, *at.caption, *at.error, *at.info)]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    # Typed text is shown Markdown-escaped ("ALACT\\."): read it as people do.
    return "\n".join(str(p) for p in parts).replace("\\", "")


def _button(at: AppTest, label: str) -> Button:
    return next(b for b in at.button if b.label == label)


def _fill(at: AppTest, sbm_id: str, *, coaching: str = "Co-planned the middle session.") -> AppTest:
    """A complete, valid report for `sbm_id` in the new-visit form."""
    at.selectbox(key=NEW + "sbm_id").select(sbm_id).run()
    for name in TEXTS:
        at.text_area(key=NEW + name).input(f"{name} noted")
    at.text_area(key=NEW + "coaching_given").input(coaching)
    at.radio(key=NEW + "practice_rating").set_value(3)
    at.text_input(key=NEW + "step0_description").input("Observe two P4 lessons with exit tickets")
    return at.run()


# --- who


def test_the_urce_facilitator_records_a_visit_and_it_lands_in_the_history(
    app_as: Callable, db: Engine, person_ids: dict[str, str], clean: None
) -> None:
    at = _fill(app_as(PAGE, "urce.facilitator").run(), person_ids["sbm.mahama"], coaching="Coached on ALACT.")
    at.button(key=NEW + "save").click().run()
    assert not at.exception and not at.error
    assert "Report saved" in at.success[0].value
    assert at.session_state["fv_tab"] == "Visits"
    assert "Coached on ALACT." in _texts(at)
    with Session(db) as s:
        visit = s.scalar(select(FieldVisit).where(FieldVisit.coaching_given == "Coached on ALACT."))
        assert visit is not None
        owners = s.scalars(select(ActionItem.owner_id).where(ActionItem.field_visit_id == visit.id)).all()
    assert [str(o) for o in owners] == [person_ids["sbm.mahama"]]
    assert at.text_area(key=NEW + "coaching_given").value == ""  # the form is empty again


@pytest.mark.parametrize(
    ("username", "heading", "sees", "never"),
    [
        ("sbm.nyakarambi", "Visits to you", "Eric Niyonzima", "EP Mahama"),
        ("ht.nyakarambi", "Visits to your school", "Eric Niyonzima", "EP Mahama"),
        ("sbm.mahama", "Visits to you", "EP Mahama", "GS Nyakarambi"),
        ("dde.kirehe", "Visit reports", "EP Mahama", "Kamembe"),
        ("reb.officer", "Visit reports", "GS Nyakarambi", "Kamembe"),
        ("admin", "Visit reports", "EP Mahama", "Kamembe"),
    ],
)
def test_readers_see_the_reports_in_their_reach_and_cannot_fill_or_edit(
    app_as: Callable, username: str, heading: str, sees: str, never: str
) -> None:
    at = app_as(PAGE, username).run()
    assert not at.exception and not at.error
    assert at.subheader[0].value == heading
    text = _texts(at)
    assert sees in text and never not in text
    labels = {b.label for b in at.button}
    assert not labels & {"Save visit report", "Edit this report", "Save changes"}
    assert [d.label for d in at.get("download_button")][-1] == "Download PDF"


def test_the_history_filters_by_sbm_and_dates_and_downloads_as_csv(
    app_as: Callable, person_ids: dict[str, str]
) -> None:
    at = app_as(PAGE, "reb.officer").run()
    at.selectbox(key="fv_f_sbm").select(person_ids["sbm.mahama"]).run()
    listed = at.dataframe[0].value
    assert set(listed["SBM"]) == {"Claudine Nyirahabimana"} and set(listed["School"]) == {"EP Mahama"}
    assert "Download CSV" in [d.label for d in at.get("download_button")]
    at.date_input(key="fv_f_from").set_value(TODAY + timedelta(days=1)).run()
    assert "No field visit report matches." in _texts(at)
    at.date_input(key="fv_f_to").set_value(TODAY).run()
    assert [e.value for e in at.error] == ["The From date is after the To date."]
    assert not at.exception


@pytest.mark.parametrize("username", ["ssl.nyakarambi", "dde.rusizi", "ht.kamembe"])
def test_people_the_reports_are_not_for_see_none(app_as: Callable, username: str) -> None:
    at = app_as(PAGE, username).run()
    assert not at.exception
    assert "No field visit report matches." in _texts(at)
    assert "Niyonzima" not in _texts(at) and "Nyirahabimana" not in _texts(at)


@pytest.mark.parametrize("username", ["teacher.nyakarambi", "ttc.tutor", "new.teacher"])
def test_teachers_and_ttc_tutors_may_not_open_the_page(app_as: Callable, username: str) -> None:
    at = app_as(PAGE, username).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["This page is not available for your role."]
    assert len(at.dataframe) == 0


def test_the_pdf_of_a_report_names_the_sbm(app_as: Callable, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[tuple[str, str, bytes]] = []
    real = ui.reports.render_pdf

    def spy(title: str, context: str, sections: list, **kwargs: object) -> bytes:
        made.append((title, context, real(title, context, sections, **kwargs)))  # type: ignore[arg-type]
        return made[-1][2]

    monkeypatch.setattr(ui.reports, "render_pdf", spy)
    at = app_as(PAGE, "ht.mahama").run()
    assert not at.exception
    title, context, pdf = made[-1]
    assert pdf.startswith(b"%PDF-") and title == "Supportive field visit report"
    assert "Claudine Nyirahabimana (SBM), EP Mahama" in context


# --- bad input, double submits, drafts


@st.composite
def _bad_reports(draw: st.DrawFn) -> dict:
    """A report with at least one field broken, the others anything a person might type."""
    report = {
        "sbm": draw(st.sampled_from([None, "sbm.mahama", "sbm.nyakarambi"])),
        "visit": draw(st.one_of(st.none(), st.integers(-500, 60))),
        "texts": draw(
            st.lists(st.text(max_size=30) | st.sampled_from(["", "  ", "ok"]), min_size=4, max_size=4)
        ),
        "rating": draw(st.sampled_from([None, 1, 2, 4])),
        "step": draw(st.text(max_size=40)),
        "due": draw(st.one_of(st.none(), st.integers(-400, 800))),
    }
    broken = draw(st.sampled_from(["sbm", "visit", "text", "rating", "step", "due"]))
    if broken == "sbm":
        report["sbm"] = None
    elif broken == "visit":
        report["visit"] = draw(st.sampled_from([None, 1, 30, -400]))
    elif broken == "text":
        report["texts"][draw(st.integers(0, 3))] = draw(st.sampled_from(["", " ", "\n\t"]))
    elif broken == "rating":
        report["rating"] = None
    elif broken == "step":
        report["step"] = draw(st.sampled_from(["", "   "]))
    else:
        report["due"], report["visit"] = -3, 0  # due before the visit
    return report


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(report=_bad_reports())
def test_bad_input_shows_the_fields_and_writes_nothing(
    app_as: Callable, db: Engine, person_ids: dict[str, str], clean: None, report: dict
) -> None:
    _forget_drafts(db, person_ids["urce.facilitator"])
    before = _visits(db)
    at = app_as(PAGE, "urce.facilitator").run()
    if report["sbm"]:
        at.selectbox(key=NEW + "sbm_id").select(person_ids[report["sbm"]]).run()
    at.date_input(key=NEW + "visit_date").set_value(
        None if report["visit"] is None else TODAY + timedelta(days=report["visit"])
    )
    for name, text in zip(TEXTS, report["texts"], strict=True):
        at.text_area(key=NEW + name).input(text)
    if report["rating"] is not None:
        at.radio(key=NEW + "practice_rating").set_value(report["rating"])
    at.text_input(key=NEW + "step0_description").input(report["step"])
    at.date_input(key=NEW + "step0_due_on").set_value(
        None if report["due"] is None else TODAY + timedelta(days=report["due"])
    )
    at.button(key=NEW + "save").click().run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith("Nothing was saved")
    assert not at.success
    assert _visits(db) == before


def test_a_valid_submit_clicked_twice_saves_one_visit(
    app_as: Callable, db: Engine, person_ids: dict[str, str], clean: None
) -> None:
    before = len(_visits(db))
    key = uuid.uuid4().hex
    at = _fill(app_as(PAGE, "urce.facilitator").run(), person_ids["sbm.nyakarambi"], coaching="Twice clicked")
    at.session_state[SUBMIT_KEY] = key
    at.button(key=NEW + "save").click().run()
    # The second click of a double click reaches the server with the same form instance (same key).
    at = _fill(at, person_ids["sbm.nyakarambi"], coaching="Twice clicked")
    at.session_state[SUBMIT_KEY] = key
    at.button(key=NEW + "save").click().run()
    assert not at.exception and "Report saved" in at.success[0].value
    # A third click on the now empty form saves nothing either.
    at.button(key=NEW + "save").click().run()
    assert at.error
    assert len(_visits(db)) == before + 1
    with Session(db) as s:
        assert s.scalar(select(func.count()).where(FieldVisit.idempotency_key == key)) == 1
        assert s.scalar(select(func.count()).where(FieldVisit.coaching_given == "Twice clicked")) == 1


def test_a_draft_survives_leaving_the_page_and_is_gone_after_saving(
    app_as: Callable, person_ids: dict[str, str], clean: None
) -> None:
    at = app_as(PAGE, "urce.facilitator").run()
    at.selectbox(key=NEW + "sbm_id").select(person_ids["sbm.mahama"]).run()
    at.text_area(key=NEW + "coaching_given").input("Half-written coaching notes").run()
    assert any("Draft saved" in c.value for c in at.caption)
    again = app_as(PAGE, "urce.facilitator").run()
    assert again.text_area(key=NEW + "coaching_given").value == "Half-written coaching notes"
    assert again.selectbox(key=NEW + "sbm_id").value == person_ids["sbm.mahama"]
    _fill(again, person_ids["sbm.mahama"]).button(key=NEW + "save").click().run()
    assert not again.error
    assert app_as(PAGE, "urce.facilitator").run().text_area(key=NEW + "coaching_given").value == ""


def test_steps_can_be_added_and_removed_and_each_becomes_an_action(
    app_as: Callable, db: Engine, person_ids: dict[str, str], clean: None
) -> None:
    at = _fill(app_as(PAGE, "urce.facilitator").run(), person_ids["sbm.mahama"], coaching="Three steps")
    _button(at, "Add a step").click().run()
    _button(at, "Add a step").click().run()
    at.text_input(key=NEW + "step1_description").input("Brief the staff")
    at.selectbox(key=NEW + "step1_owner").select(person_ids["ht.mahama"])
    at.button(key=NEW + "drop2").click().run()
    assert [t.label for t in at.text_input if t.key and "step" in t.key] == ["Next step 1", "Next step 2"]
    at.button(key=NEW + "save").click().run()
    assert not at.error
    with Session(db) as s:
        visit = s.scalar(select(FieldVisit).where(FieldVisit.coaching_given == "Three steps"))
        rows = s.execute(
            select(ActionItem.description, ActionItem.owner_id, ActionItem.source).where(
                ActionItem.field_visit_id == visit.id  # type: ignore[union-attr]
            )
        ).all()
    assert sorted((d, str(o), src) for d, o, src in rows) == [
        ("Brief the staff", person_ids["ht.mahama"], "field_visit"),
        ("Observe two P4 lessons with exit tickets", person_ids["sbm.mahama"], "field_visit"),
    ]


# --- edits


def _recorded(db: Engine, person_ids: dict[str, str], coaching: str) -> str:
    with Session(db) as s, s.begin():
        urce = load_viewer(s, person_ids["urce.facilitator"])
        s.info[ACTOR_KEY] = actor_of(urce)
        sbm = person_ids["sbm.mahama"]
        data = FieldVisitInput(
            sbm,
            TODAY,
            "Homework",
            coaching,
            "Module 1 done",
            "CoP monthly",
            3,
            (StepInput("Plan", sbm, TODAY),),
        )
        return str(fv.record_field_visit(s, urce, data=data))


def test_an_edit_over_a_newer_version_shows_theirs_keeps_mine_and_saves_on_the_second_try(
    app_as: Callable, db: Engine, person_ids: dict[str, str], clean: None
) -> None:
    vid = _recorded(db, person_ids, "Original coaching")
    form = f"field_visit:{vid}|"
    at = app_as(PAGE, "urce.facilitator").run()
    at.selectbox(key="fv_picked").select(vid).run()
    _button(at, "Edit this report").click().run()
    assert at.text_area(key=form + "coaching_given").value == "Original coaching"
    with Session(db) as s, s.begin():  # the same facilitator, in another tab, saves first
        urce = load_viewer(s, person_ids["urce.facilitator"])
        s.info[ACTOR_KEY] = actor_of(urce)
        detail = fv.field_visit(s, urce, vid)
        steps = tuple(
            StepInput(x.description, x.owner_id, x.due_on, x.action_id, x.version) for x in detail.steps
        )
        theirs = FieldVisitInput(
            detail.sbm_id, TODAY, "Homework", "Their coaching", "Module 1 done", "CoP monthly", 3, steps
        )
        fv.update_field_visit(s, urce, visit_id=vid, version=detail.version, data=theirs)
    at.text_area(key=form + "coaching_given").input("My coaching")
    at.button(key=form + "save").click().run()
    assert not at.exception
    assert "Someone else saved" in at.warning[0].value
    assert "Their coaching" in _texts(at)
    assert at.text_area(key=form + "coaching_given").value == "My coaching"
    with Session(db) as s:
        assert (
            s.scalar(select(FieldVisit.coaching_given).where(FieldVisit.id == uuid.UUID(vid)))
            == "Their coaching"
        )
    at.button(key=form + "save").click().run()
    assert not at.warning and "Report saved" in at.success[0].value
    with Session(db) as s:
        assert (
            s.scalar(select(FieldVisit.coaching_given).where(FieldVisit.id == uuid.UUID(vid)))
            == "My coaching"
        )


def test_only_the_author_gets_the_edit_button(
    app_as: Callable, db: Engine, person_ids: dict, clean: None
) -> None:
    vid = _recorded(db, person_ids, "Author only")
    for username, can in (("urce.facilitator", True), ("sbm.mahama", False), ("ht.mahama", False)):
        at = app_as(PAGE, username).run()
        at.selectbox(key="fv_picked").select(vid).run()
        assert ("Edit this report" in {b.label for b in at.button}) is can, username


def test_today_is_a_valid_visit_date_by_default() -> None:
    assert TODAY <= date.today() + timedelta(days=1)
