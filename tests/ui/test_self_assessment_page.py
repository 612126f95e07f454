"""The self-assessment page as SBMs, their readers and others see it: bad input refused, one row per term."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, delete, func, select, update
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

import ui.reports
from cop.self_assessment import school_year_of, term_label, term_of
from db.models import Draft, Person, SelfAssessment

PAGE = "pages/self_assessment.py"
TAB = "cop_sa_tab"
SBM_NAME = "Eric Niyonzima"  # sbm.nyakarambi: three terms of self-assessments in the demo
TODAY = date.today()
YEAR, TERM = school_year_of(TODAY), term_of(TODAY).value


@pytest.fixture(scope="module")
def db(app_env: str) -> Iterator[Engine]:
    eng = create_engine(app_env)
    yield eng
    eng.dispose()


def _rows(db: Engine, username: str) -> int:
    with Session(db) as s:
        pid = s.scalar(select(Person.id).where(Person.username == username))
        return (
            s.scalar(select(func.count()).select_from(SelfAssessment).where(SelfAssessment.person_id == pid))
            or 0
        )


def _forget(db: Engine, username: str) -> None:
    """Remove the person's self-assessments and drafts (drafts would refill the next page run)."""
    with Session(db) as s, s.begin():
        pid = s.scalar(select(Person.id).where(Person.username == username))
        s.execute(delete(SelfAssessment).where(SelfAssessment.person_id == pid))
        s.execute(delete(Draft).where(Draft.person_id == pid, Draft.form_key.like("self_assessment:%")))


@pytest.fixture
def mahama(db: Engine) -> Iterator[str]:
    """sbm.mahama, who has no self-assessment in the demo; whatever the test saves is removed after it."""
    _forget(db, "sbm.mahama")
    yield "sbm.mahama"
    _forget(db, "sbm.mahama")


def _list_tab(at: AppTest) -> AppTest:
    at.session_state[TAB] = "Self-assessments and progress"
    return at.run()


def _table(at: AppTest) -> str:
    return "\n".join(frame.value.to_csv() for frame in at.dataframe)


def _fill(
    at: AppTest, rating: int | None = 3, cpd: str = "Two CoP sessions.", impact: str = "More evidence."
) -> None:
    for radio in at.radio:
        radio.set_value(rating)
    at.text_area(key=f"sa|self_assessment:new:{YEAR}:{TERM}|cpd_activities").input(cpd)
    at.text_area(key=f"sa|self_assessment:new:{YEAR}:{TERM}|impact_reflection").input(impact)


def _save(at: AppTest) -> AppTest:
    return next(b for b in at.button if b.label == "Save self-assessment").click().run()


@pytest.mark.parametrize(
    ("username", "sees_sbm", "fills"),
    [
        ("sbm.nyakarambi", True, True),
        ("ssl.nyakarambi", False, True),  # a colleague at the same school does not read it
        ("ht.nyakarambi", True, False),
        ("urce.facilitator", True, False),  # assigned to sbm.nyakarambi
        ("dde.kirehe", True, False),
        ("dde.rusizi", False, False),
        ("reb.officer", True, False),
        ("admin", True, False),
        ("ht.mahama", False, False),
    ],
)
def test_who_fills_and_who_reads_the_sbms_self_assessments(
    app_as: Callable[..., AppTest], username: str, sees_sbm: bool, fills: bool
) -> None:
    at = app_as(PAGE, username).run()
    assert not at.exception and not at.error
    assert (len(at.radio) > 0) is fills
    assert bool([b for b in at.button if b.label == "Save self-assessment"]) is fills
    if fills:  # the list is the second tab of those who fill the form
        _list_tab(at)
    assert (SBM_NAME in _table(at)) is sees_sbm


@pytest.mark.parametrize("username", ["teacher.nyakarambi", "ttc.tutor", "new.teacher"])
def test_others_opening_the_page_see_an_error_and_no_data(
    app_as: Callable[..., AppTest], username: str
) -> None:
    at = app_as(PAGE, username).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["This page is not available for your role."]
    assert len(at.dataframe) == 0 and SBM_NAME not in _table(at)


def test_the_sbm_sees_their_progress_chart_and_opens_a_record_with_its_pdf(
    app_as: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    pdfs: list[tuple[str, bytes]] = []
    render = ui.reports.render_pdf

    def keep(title: str, *args: object, **kwargs: object) -> bytes:
        pdfs.append((title, render(title, *args, **kwargs)))  # type: ignore[arg-type]
        return pdfs[-1][1]

    monkeypatch.setattr(ui.reports, "render_pdf", keep)
    at = _list_tab(app_as(PAGE, "sbm.nyakarambi").run())
    assert len(at.get("vega_lite_chart")) == 1
    progress = at.dataframe[-1].value
    assert list(progress.columns) == ["Term", "Standard", "Average"] and len(progress) == 12
    next(b for b in at.selectbox if b.label == "Open a self-assessment").select_index(1).run()
    assert not at.exception
    assert any(SBM_NAME in h.value for h in at.subheader)
    assert "Download PDF" in [d.proto.label for d in at.get("download_button")]
    title, pdf = pdfs[-1]
    assert title == f"SBM self-assessment, {term_label(YEAR, TERM)}" and pdf.startswith(b"%PDF-")


def test_a_head_teacher_reads_a_record_but_gets_no_form(app_as: Callable[..., AppTest]) -> None:
    at = app_as(PAGE, "ht.nyakarambi").run()
    box = next(b for b in at.selectbox if b.label == "Open a self-assessment")
    box.select_index(1).run()
    assert not at.exception and not at.radio
    assert any("Reflection on their impact" in m.value for m in at.markdown)


_bad = st.tuples(
    st.lists(st.one_of(st.none(), st.integers(1, 4)), min_size=12, max_size=12),
    st.sampled_from(["", "   ", "Sessions held."]),
    st.sampled_from(["", " \n ", "Teachers bring evidence."]),
).filter(lambda t: None in t[0] or not t[1].strip() or not t[2].strip())


# No shrinking: each example is a page run of about a second; the failing input is printed as it is.
@settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(bad=_bad)
def test_bad_input_shows_the_fields_and_writes_nothing(
    app_as: Callable[..., AppTest], db: Engine, mahama: str, bad: tuple[list[int | None], str, str]
) -> None:
    ratings, cpd, impact = bad
    _forget(db, mahama)  # the previous example's draft would refill the form
    at = app_as(PAGE, mahama).run()
    assert len(at.radio) == len(ratings)
    for radio, rating in zip(at.radio, ratings, strict=True):
        radio.set_value(rating)
    for name, text in (("cpd_activities", cpd), ("impact_reflection", impact)):
        at.text_area(key=f"sa|self_assessment:new:{YEAR}:{TERM}|{name}").input(text)
    _save(at)
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith("Nothing was saved")
    if not cpd.strip():
        assert "**CPD activities implemented**" in error.value
    if None in ratings:
        assert "Give a rating from 1 to 4" in error.value
    assert not at.success
    assert _rows(db, mahama) == 0


def test_a_valid_self_assessment_saved_twice_is_one_record_and_reopens_for_editing(
    app_as: Callable[..., AppTest], db: Engine, mahama: str
) -> None:
    at = app_as(PAGE, mahama).run()
    _fill(at)
    at.run()
    assert any("Draft saved" in c.value for c in at.caption)
    _save(at)
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["Self-assessment saved."]
    assert _rows(db, mahama) == 1
    assert any(f"You assessed {term_label(YEAR, TERM)} already" in i.value for i in at.info)
    assert {r.value for r in at.radio} == {3}  # the form now shows the saved record
    _save(at)  # the second click saves the same record again
    assert not at.exception and not at.error
    assert _rows(db, mahama) == 1


def test_an_edit_over_someone_elses_newer_save_shows_theirs_and_keeps_mine(
    app_as: Callable[..., AppTest], db: Engine, mahama: str
) -> None:
    at = app_as(PAGE, mahama).run()
    _fill(at, rating=2)
    _save(at)
    at.radio[0].set_value(4).run()
    # The same person saves from another device meanwhile.
    with Session(db) as s, s.begin():
        pid = s.scalar(select(Person.id).where(Person.username == mahama))
        s.execute(
            update(SelfAssessment)
            .where(SelfAssessment.person_id == pid)
            .values(cpd_activities="Changed on the phone", version=SelfAssessment.version + 1)
        )
    _save(at)
    assert not at.exception
    assert any("Someone else saved" in e.value for e in at.error)
    assert at.radio[0].value == 4  # my input is still on screen
    assert any("Changed on the phone" in str(j.value) for j in at.json)
    _save(at)  # applying mine over theirs, knowingly
    assert [s.value for s in at.success] == ["Self-assessment saved."]
    with Session(db) as s:
        pid = s.scalar(select(Person.id).where(Person.username == mahama))
        row = s.scalar(select(SelfAssessment).where(SelfAssessment.person_id == pid))
        assert row is not None and row.version == 3
        assert row.answers["english_support"] == 4 and row.cpd_activities == "Two CoP sessions."


def test_edit_on_ones_own_record_opens_it_in_the_form(app_as: Callable[..., AppTest]) -> None:
    at = _list_tab(app_as(PAGE, "sbm.nyakarambi").run())
    box = next(b for b in at.selectbox if b.label == "Open a self-assessment")
    box.select_index(2).run()  # the term before this one
    at.button(key="sa_edit").click().run()
    assert not at.exception
    assert at.session_state[TAB] == "My self-assessment" and len(at.radio) == 12
    shown = (at.selectbox(key="cop_sa_year").value, at.selectbox(key="cop_sa_term").value)
    assert any(f"You assessed {term_label(*shown)} already" in i.value for i in at.info)
    assert shown != (YEAR, TERM)


def test_typed_answers_survive_a_visit_to_the_other_tab(
    app_as: Callable[..., AppTest], db: Engine, mahama: str
) -> None:
    at = app_as(PAGE, mahama).run()
    at.radio[3].set_value(2)
    at.text_area(key=f"sa|self_assessment:new:{YEAR}:{TERM}|cpd_activities").input("Peer observations.")
    at.run()
    _list_tab(at)
    assert not at.radio  # the form's widgets were not drawn: Streamlit forgot their values
    at.session_state[TAB] = "My self-assessment"
    at.run()
    assert at.radio[3].value == 2  # back from the draft
    assert (
        at.text_area(key=f"sa|self_assessment:new:{YEAR}:{TERM}|cpd_activities").value == "Peer observations."
    )
    assert _rows(db, mahama) == 0
