"""The lesson observation page: who records, reads and edits; bad input saves nothing; one row per submit."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, delete, func, select
from sqlalchemy.orm import Session
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from cop.observation import ObservationInput
from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.models import AuditLog, Draft, LessonObservation, Person
from db.tools import observations as obs

PAGE = "pages/lesson_observations.py"
PICK = "cop_lo_pick"
NEW = "lesson_observation:new"
MARK = "UI-"
LABELS = {
    "teacher": "Teacher",
    "subject": "Subject",
    "grade": "Grade",
    "observed_on": "Date of the lesson",
    "ratings": "Ratings",
    "notes": "Notes",
}
# Each example runs the page several times: shrinking a failure would take many minutes, so it is left out.
UI_EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # subjects of the observations these tests make, removed after each test


@pytest.fixture(scope="module")
def db(app_env: str) -> Iterator[Engine]:
    eng = create_engine(app_env)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def clean(db: Engine) -> Iterator[None]:
    """Leave the demo as found: no observation and no draft of these tests remains."""
    yield
    with Session(db) as s, s.begin():
        s.execute(delete(LessonObservation).where(LessonObservation.subject.like(f"{MARK}%")))
        s.execute(delete(Draft).where(Draft.form_key.like("lesson_observation:%")))


def _person(s: Session, username: str) -> Person:
    person = s.scalar(select(Person).where(Person.username == username))
    assert person is not None
    return person


def _id(db: Engine, username: str) -> str:
    with Session(db) as s:
        return str(_person(s, username).id)


def _counts(db: Engine) -> tuple[int, int]:
    with Session(db) as s:
        return (
            s.scalar(select(func.count()).select_from(LessonObservation)) or 0,
            s.scalar(select(func.count()).select_from(AuditLog)) or 0,
        )


def _record_as(db: Engine, username: str, teacher: str, subject: str, rating: int = 3) -> str:
    """An observation saved in another browser: its own committed transaction."""
    with Session(db) as s, s.begin():
        viewer = load_viewer(s, _person(s, username).id)
        s.info[ACTOR_KEY] = actor_of(viewer)
        ratings: dict[str, int | None] = {p.id: rating for p in obs.active_practices(s)}
        data = ObservationInput(
            _id(db, teacher), subject, "P4", date.today() - timedelta(days=1), ratings, "Seen."
        )
        return str(obs.create_observation(s, viewer, data=data, idempotency_key=None))


def _practice_ids(db: Engine) -> list[str]:
    with Session(db) as s:
        return [p.id for p in obs.active_practices(s)]


def _fill(at: AppTest, db: Engine, *, subject: str, teacher: str | None = "teacher.nyakarambi") -> AppTest:
    if teacher is not None:
        at.selectbox(key=f"{NEW}:teacher").select(_id(db, teacher))
    at.text_input(key=f"{NEW}:subject").input(subject)
    at.text_input(key=f"{NEW}:grade").input("P4")
    for i, pid in enumerate(_practice_ids(db)):
        at.radio(key=f"{NEW}:r:{pid}").set_value(1 + i % 5)
    at.text_area(key=f"{NEW}:notes").input("Learners worked in pairs.")
    return at


def _save(at: AppTest, label: str = "Save observation") -> AppTest:
    return next(b for b in at.button if b.label == label).click().run()


def _texts(at: AppTest) -> str:
    parts: list[object] = [e.value for e in (*at.title, *at.subheader, *at.markdown, *at.caption)]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    for box in at.selectbox:
        parts += box.options
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize(
    "username", ["admin", "reb.officer", "dde.kirehe", "urce.facilitator", "ht.nyakarambi"]
)
def test_officials_and_the_head_teacher_open_the_history_with_practice_averages(
    app_as: Callable, username: str
) -> None:
    at = app_as(PAGE, username).run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Lesson observations"
    assert "Practice averages" in [h.value for h in at.subheader]
    standings = set(at.dataframe[1].value["Standing"])
    assert standings <= {"Strength", "Area to improve"} and standings


def test_the_ttc_tutor_has_no_lesson_observation_page(app_as: Callable) -> None:
    at = app_as(PAGE, "ttc.tutor").run()
    assert [e.value for e in at.error] == ["This page is not available for your role."]
    assert not at.dataframe


def test_a_district_officer_sees_no_other_districts_observations(app_as: Callable) -> None:
    text = _texts(app_as(PAGE, "dde.rusizi").run())
    assert "GS Kamembe" in text
    for far in ("Nyakarambi", "Mahama", "Grace Uwase"):
        assert far not in text


def test_sbms_ssls_and_head_teachers_get_the_form_with_every_active_practice(
    app_as: Callable, db: Engine
) -> None:
    for username in ("sbm.nyakarambi", "ssl.nyakarambi", "ht.nyakarambi"):
        at = app_as(PAGE, username).run()
        assert [t.label for t in at.tabs] == ["Observations", "Record an observation"]
        assert len(at.radio) == len(_practice_ids(db)) > 0
        assert _id(db, username) not in at.selectbox(key=f"{NEW}:teacher").options


def test_a_teacher_sees_only_their_own_observations_and_no_form(app_as: Callable, db: Engine) -> None:
    mine = _record_as(db, "sbm.nyakarambi", "teacher.nyakarambi", f"{MARK}mine", rating=5)
    _record_as(db, "sbm.nyakarambi", "new.teacher", f"{MARK}theirs", rating=1)
    at = app_as(PAGE, "teacher.nyakarambi").run()
    assert not at.exception and not at.tabs and not at.radio
    assert set(at.dataframe[0].value["Teacher"]) == {"Grace Uwase"}
    assert f"{MARK}theirs" not in _texts(at) and "Patrick Mugisha" not in _texts(at)
    assert "Your practice averages" in [h.value for h in at.subheader]
    at.selectbox(key=PICK).select(mine).run()
    assert not at.exception and not at.expander  # reads it, cannot edit it
    assert "Download PDF" in [b.label for b in at.get("download_button")]


def test_a_valid_observation_is_saved_once_however_often_the_submit_arrives(
    app_as: Callable, db: Engine
) -> None:
    subject, key = f"{MARK}{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    at = app_as(PAGE, "sbm.nyakarambi")
    at.session_state[f"cop_submit_key_{NEW}"] = key
    at.run()
    before = _counts(db)[0]
    _save(_fill(at, db, subject=subject))
    assert not at.exception and not at.error and [s.value for s in at.success] == ["Observation saved."]
    assert at.text_input(key=f"{NEW}:subject").value == ""  # an empty form for the next lesson
    # The same submit again, as if the first click's rerun never came back: the same key, the same values.
    at.session_state[f"cop_submit_key_{NEW}"] = key
    _save(_fill(at, db, subject=subject))
    assert not at.exception
    with Session(db) as s:
        rows = s.scalars(select(LessonObservation).where(LessonObservation.subject == subject)).all()
    assert len(rows) == 1 and rows[0].idempotency_key == key and _counts(db)[0] == before + 1


def test_choosing_a_teacher_offers_their_subject(app_as: Callable, db: Engine) -> None:
    at = app_as(PAGE, "sbm.nyakarambi").run()
    at.selectbox(key=f"{NEW}:teacher").select(_id(db, "teacher.nyakarambi")).run()
    assert at.text_input(key=f"{NEW}:subject").value == "English"


def test_the_form_comes_back_from_its_draft(app_as: Callable, db: Engine) -> None:
    at = app_as(PAGE, "sbm.nyakarambi").run()
    at.text_input(key=f"{NEW}:subject").input(f"{MARK}half typed").run()
    again = app_as(PAGE, "sbm.nyakarambi").run()
    assert again.text_input(key=f"{NEW}:subject").value == f"{MARK}half typed"
    assert any("Draft saved" in c.value for c in again.caption)


_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=90)
# One field is always made wrong (so no example is a valid observation); the others are anything.
_BREAK = st.sampled_from(["teacher", "subject", "grade", "observed_on", "ratings", "notes"])


@UI_EXAMPLES
@given(
    broken=_BREAK,
    teacher=st.booleans(),
    subject=_TEXT,
    grade=st.one_of(st.just(""), st.text(st.characters(exclude_categories=("Cs",)), max_size=40)),
    days_ago=st.one_of(st.none(), st.integers(-400, 900)),
    rated=st.integers(0, 12),
    notes=st.one_of(st.just(""), st.just("n" * 5001), _TEXT, _TEXT.map(lambda t: t + "\x00")),
)
def test_bad_input_shows_an_error_naming_the_field_and_writes_nothing(
    app_as: Callable,
    db: Engine,
    broken: str,
    teacher: bool,
    subject: str,
    grade: str,
    days_ago: int | None,
    rated: int,
    notes: str,
) -> None:
    with Session(db) as s, s.begin():  # each example starts from an empty form, not the last one's draft
        s.execute(delete(Draft).where(Draft.form_key == NEW))
    wrong = {
        "teacher": teacher and broken != "teacher",
        "subject": "" if broken == "subject" else subject[:80],
        "grade": "  " if broken == "grade" else grade[:32],
        "observed_on": -3 if broken == "observed_on" else days_ago,
        "ratings": min(rated, 11) if broken == "ratings" else rated,
        "notes": "n" * 5001 if broken == "notes" else notes,
    }
    at = app_as(PAGE, "sbm.nyakarambi").run()
    if wrong["teacher"]:  # first, as people do: choosing a teacher offers their subject
        at.selectbox(key=f"{NEW}:teacher").select(_id(db, "teacher.nyakarambi")).run()
    at.text_input(key=f"{NEW}:subject").input(wrong["subject"])
    at.text_input(key=f"{NEW}:grade").input(wrong["grade"])
    day = None if wrong["observed_on"] is None else date.today() - timedelta(days=wrong["observed_on"])
    at.date_input(key=f"{NEW}:observed_on").set_value(day)
    for pid in _practice_ids(db)[: wrong["ratings"]]:
        at.radio(key=f"{NEW}:r:{pid}").set_value(3)
    at.text_area(key=f"{NEW}:notes").input(wrong["notes"])
    before = _counts(db)
    _save(at)
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith("Nothing was saved")
    assert f"**{LABELS[broken]}**" in error.value
    assert not at.success and _counts(db) == before


def _ht_changes_grade(db: Engine, oid: str, grade: str) -> None:
    """The head teacher corrects the observation in their own browser meanwhile."""
    with Session(db) as s, s.begin():
        ht = load_viewer(s, _person(s, "ht.nyakarambi").id)
        s.info[ACTOR_KEY] = actor_of(ht)
        view = obs.observation(s, ht, oid)
        ratings: dict[str, int | None] = {r.practice_id: 2 for r in view.ratings}
        data = ObservationInput(view.teacher_id, view.subject, grade, view.observed_on, ratings, "HT's note.")
        obs.update_observation(s, ht, observation_id=oid, version=view.version, data=data)


def test_an_untouched_edit_form_shows_a_change_saved_meanwhile(app_as: Callable, db: Engine) -> None:
    oid = _record_as(db, "sbm.nyakarambi", "teacher.nyakarambi", f"{MARK}untouched")
    at = app_as(PAGE, "sbm.nyakarambi").run()
    at.selectbox(key=PICK).select(oid).run()
    _ht_changes_grade(db, oid, "P6")
    at.run()
    assert at.text_input(key=f"lesson_observation:{oid}:grade").value == "P6"


def test_an_edit_over_a_newer_version_shows_theirs_and_keeps_mine(app_as: Callable, db: Engine) -> None:
    oid = _record_as(db, "sbm.nyakarambi", "teacher.nyakarambi", f"{MARK}conflict")
    at = app_as(PAGE, "sbm.nyakarambi").run()
    at.selectbox(key=PICK).select(oid).run()
    form = f"lesson_observation:{oid}"
    assert at.text_input(key=f"{form}:subject").value == f"{MARK}conflict"
    _ht_changes_grade(db, oid, "P5")
    at.text_area(key=f"{form}:notes").input("My note.")
    _save(at, "Save changes")
    assert not at.exception and "Someone else saved" in at.warning[0].value
    theirs = at.dataframe[-1].value.set_index("Field")
    assert theirs.loc["Notes"].tolist() == ["HT's note.", "My note."]
    assert theirs.loc["Grade"].tolist() == ["P5", "P4"]
    assert at.text_area(key=f"{form}:notes").value == "My note."
    with Session(db) as s:
        row = s.get(LessonObservation, uuid.UUID(oid))
        assert row is not None and (row.notes, row.grade, row.version) == ("HT's note.", "P5", 2)
    _save(at, "Save changes")  # reapplied after reading theirs
    assert [s.value for s in at.success] == ["Changes saved."]
    with Session(db) as s:
        row = s.get(LessonObservation, uuid.UUID(oid))
        assert row is not None and (row.notes, row.version) == ("My note.", 3)


def test_the_head_teacher_may_edit_an_sbms_observation_but_another_facilitator_may_not(
    app_as: Callable, db: Engine
) -> None:
    oid = _record_as(db, "sbm.nyakarambi", "teacher.nyakarambi", f"{MARK}edit rights")
    for username, editable in (("ht.nyakarambi", True), ("ssl.nyakarambi", False)):
        at = app_as(PAGE, username).run()
        at.selectbox(key=PICK).select(oid).run()
        assert not at.exception
        assert bool([b for b in at.button if b.label == "Save changes"]) is editable


def test_the_pdf_of_an_observation_lists_every_rating(
    app_as: Callable, db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    files: list[bytes] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self: MemoryMediaFileStorage, data: str | bytes, mimetype: str, *args: Any, **kw: Any) -> str:
        if mimetype == "application/pdf" and isinstance(data, bytes):
            files.append(data)
        return original(self, data, mimetype, *args, **kw)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    oid = _record_as(db, "sbm.nyakarambi", "teacher.nyakarambi", f"{MARK}pdf", rating=4)
    at = app_as(PAGE, "ht.nyakarambi").run()
    at.selectbox(key=PICK).select(oid).run()
    assert files and files[-1].startswith(b"%PDF-")
