"""The administration pages as an admin, a district officer and people who may not use them see them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.auth import check_credentials
from db.models import Person, School

ROOT = Path(__file__).resolve().parents[2]
# Absolute paths: AppTest resolves relative ones against the file that calls it.
PAGES = {name: str(ROOT / "pages" / f"admin_{name}.py") for name in ("people", "schools", "cops")}
RUSIZI = ("Rusizi", "Kamembe", "Nyakabuye", "RSZ-")


def _texts(at: AppTest) -> str:
    """Everything a person can read on the page: text, tables and the options of every picker."""
    parts: list[object] = [e.value for e in (*at.title, *at.header, *at.subheader, *at.markdown, *at.caption)]
    parts += [e.value for e in (*at.error, *at.success, *at.info, *at.warning)]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    for box in (*at.selectbox, *at.multiselect):
        parts += box.options
    return "\n".join(str(p) for p in parts)


@pytest.fixture(scope="module")
def db(app_env: str) -> Iterator[Engine]:
    eng = create_engine(app_env)
    yield eng
    eng.dispose()


def _count(db: Engine, model: type, *where: object) -> int:
    with Session(db) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


@pytest.mark.parametrize("username", ["admin", "dde.kirehe"])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_administrators_open_every_page_without_error(app_as: Callable, page: str, username: str) -> None:
    at = app_as(PAGES[page], username).run()
    assert not at.exception
    assert not at.error
    assert at.title[0].value in {"People", "Schools", "CoPs and members"}
    assert len(at.dataframe) >= 1


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_district_officer_never_sees_another_districts_schools(app_as: Callable, page: str) -> None:
    at = app_as(PAGES[page], "dde.kirehe").run()
    text = _texts(at)
    assert "Nyakarambi" in text
    for far in RUSIZI:
        assert far not in text


def test_an_admin_sees_every_district(app_as: Callable) -> None:
    text = _texts(app_as(PAGES["schools"], "admin").run())
    assert "GS Kamembe" in text and "GS Nyakarambi" in text


@pytest.mark.parametrize("username", ["teacher.nyakarambi", "ht.nyakarambi", "reb.officer"])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_others_opening_a_page_file_directly_see_an_error_and_no_data(
    app_as: Callable, page: str, username: str
) -> None:
    at = app_as(PAGES[page], username).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["This page is not available for your role."]
    assert len(at.dataframe) == 0 and len(at.selectbox) == 0
    assert "Nyakarambi" not in _texts(at)


def test_a_bad_username_is_named_in_the_message_and_nobody_is_added(app_as: Callable, db: Engine) -> None:
    before = _count(db, Person)
    at = app_as(PAGES["people"], "admin").run()
    at.text_input(key="person_new_0_username").input("Bad Name!")
    at.text_input(key="person_new_0_full_name").input("Someone New")
    at.selectbox(key="person_new_0_school").select("KRH-001")
    next(b for b in at.button if b.label == "Add person").click().run()
    assert not at.exception
    (error,) = at.error
    assert "**Username**" in error.value and "lowercase letters" in error.value
    assert not at.success
    assert _count(db, Person) == before


def _upload(at: AppTest, text: str) -> AppTest:
    at.file_uploader[0].set_value(("schools.csv", text.encode(), "text/csv"))
    return at.run()


def test_a_school_file_with_one_bad_row_imports_nothing_and_shows_that_rows_problem(
    app_as: Callable, db: Engine
) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    text = f"code,name,district,level\nUI-{tag}-1,EP One,Kirehe,primary\nUI-{tag}-2,EP Two,Kirehe,college\n"
    at = _upload(app_as(PAGES["schools"], "dde.kirehe").run(), text)
    assert not at.exception
    assert any("nothing was imported" in e.value for e in at.error)
    problems = at.dataframe[-1].value
    assert problems.to_dict("records") == [
        {"Row": "3", "Column": "level", "Problem": "Choose one of: primary, secondary, both."}
    ]
    assert not [b for b in at.button if b.label.startswith("Import")]
    assert _count(db, School, School.code.like(f"UI-{tag}-%")) == 0


def test_a_clean_school_file_is_checked_then_imported_with_one_click(app_as: Callable, db: Engine) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    # Nyagatare: no demo account reaches it, so the new schools change no other test's view.
    text = (
        f"code,name,district,level\nUI-{tag}-1,EP One,Nyagatare,primary\nUI-{tag}-2,EP Two,Nyagatare,both\n"
    )
    at = _upload(app_as(PAGES["schools"], "admin").run(), text)
    assert _count(db, School, School.code.like(f"UI-{tag}-%")) == 0  # the check alone writes nothing
    next(b for b in at.button if b.label == "Import 2 rows").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Imported 2 schools."]
    assert _count(db, School, School.code.like(f"UI-{tag}-%")) == 2
    assert len(at.file_uploader) == 1 and not [b for b in at.button if b.label.startswith("Import")]


def test_an_admin_adds_edits_and_deactivates_a_person(app_as: Callable, db: Engine) -> None:
    username = f"ui.{uuid.uuid4().hex[:8]}"
    at = app_as(PAGES["people"], "admin").run()
    at.text_input(key="person_new_0_username").input(username)
    at.text_input(key="person_new_0_full_name").input("Agnes Uwineza")
    # No school and no district: a national role changes no school's figures in the shared demo database.
    at.selectbox(key="person_new_0_role").select("national_officer")
    next(b for b in at.button if b.label == "Add person").click().run()
    assert not at.exception and not at.error
    (saved,) = at.success
    password = saved.value.split("**")[1]
    with Session(db) as s:
        person = s.scalar(select(Person).where(Person.username == username))
        assert person is not None and person.must_change_password
        person_id, version = str(person.id), person.version
        assert check_credentials(s, username, password) is not None
        s.rollback()  # the sign-in was only a check
    assert at.text_input(key="person_new_1_username").value == ""  # the form is empty again

    at.run()
    assert not at.success  # the one-time password was shown once
    at.selectbox(key="people_edit").select(person_id).run()
    key = f"person_{person_id}_{version}"
    at.text_input(key=f"{key}_job_title").input("CPD officer")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert [s.value for s in at.success] == ["Changes saved."]
    next(b for b in at.button if b.label == "Deactivate").click().run()
    assert not at.exception and len(at.success) == 1
    with Session(db) as s:
        person = s.scalar(select(Person).where(Person.username == username))
        assert person is not None and person.job_title == "CPD officer" and not person.is_active
