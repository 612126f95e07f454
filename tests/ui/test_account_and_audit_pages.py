"""The account page, the forced change of a one-time password, and the audit trail, as people see them."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, create_engine, delete, or_, select
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from db.access import actor_of, load_viewer
from db.audit import AUDIT_KEY
from db.auth import hash_password
from db.engine import session_scope
from db.models import AuditLog, Cop, Person, School, SignInAttempt
from ui import state

ROOT = Path(__file__).resolve().parents[2]
APP, ACCOUNT, AUDIT, OVERVIEW = (
    str(ROOT / p) for p in ("app.py", "pages/account.py", "pages/audit_log.py", "pages/school_overview.py")
)
DEMO_USERS = [
    "admin",
    "reb.officer",
    "dde.kirehe",
    "urce.facilitator",
    "ttc.tutor",
    "ht.nyakarambi",
    "ht.mahama",
    "sbm.nyakarambi",
    "teacher.nyakarambi",
    "new.teacher",
]
ONE_TIME = "given by the admin 42"
CHOSEN = "blue lake behind the school"


@pytest.fixture(autouse=True)
def cookie_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # Demo mode is off in page tests, so the cookie needs a key of its own.
    monkeypatch.setenv("COP_COOKIE_KEY", secrets.token_urlsafe(48))


@pytest.fixture(scope="module")
def demo_engine(app_env: str) -> Iterator[Engine]:
    eng = create_engine(app_env)
    yield eng
    eng.dispose()


@pytest.fixture
def newcomer(demo_engine: Engine) -> Iterator[Person]:
    """A teacher of GS Nyakarambi with a one-time password, committed; removed with every trace after."""
    with session_scope(demo_engine) as s:
        s.info[AUDIT_KEY] = False  # set-up, not part of what the tests read in the trail
        school = s.scalar(select(School).where(School.code == "KRH-001"))
        assert school is not None
        person = Person(
            username=f"newcomer.{uuid.uuid4().hex[:6]}",
            full_name="Newcomer Testing",
            role="teacher",
            school_id=school.id,
            password_hash=hash_password(ONE_TIME),
            must_change_password=True,
        )
        s.add(person)
    try:
        yield person
    finally:
        with demo_engine.begin() as conn:
            conn.execute(
                delete(AuditLog).where(
                    or_(AuditLog.actor_id == person.id, AuditLog.record_id == str(person.id))
                )
            )
            conn.execute(delete(SignInAttempt).where(SignInAttempt.username == person.username))
            conn.execute(delete(Person).where(Person.id == person.id))


def _as(script: str, person: Person) -> AppTest:
    at = AppTest.from_file(script, default_timeout=30)
    at.session_state[state.PERSON_ID] = str(person.id)
    at.session_state[state.SIGNED_IN_AT] = datetime.now(UTC)
    return at


def _texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.header, *at.subheader, *at.markdown, *at.caption)]
    parts += [e.value for e in (*at.success, *at.info, *at.error)]
    return "\n".join(str(p) for p in parts)


def _button(at: AppTest, label: str) -> Button:
    return next(b for b in at.button if b.label == label)


def _fill_password_form(at: AppTest, current: str, new: str, repeat: str | None = None) -> AppTest:
    at.text_input[0].input(current)
    at.text_input[1].input(new)
    at.text_input[2].input(new if repeat is None else repeat)
    return _button(at, "Change password").click().run()


# --- account page -------------------------------------------------------------------------------


@pytest.mark.parametrize("username", DEMO_USERS)
def test_the_account_page_shows_who_you_are_for_every_demo_role(app_as: Callable, username: str) -> None:
    at = app_as(ACCOUNT, username).run()
    assert not at.exception
    assert at.title[0].value == "Your account"
    assert f"`{username}`" in _texts(at)
    assert [t.label for t in at.text_input] == ["Current password", "New password", "Repeat the new password"]
    assert "Sign out everywhere" in [b.label for b in at.button]
    assert "every device" in _texts(at)


def test_a_head_teacher_sees_their_school_and_district(app_as: Callable) -> None:
    at = app_as(ACCOUNT, "ht.nyakarambi").run()
    assert "GS Nyakarambi, Kirehe district" in _texts(at)
    assert "Head teacher / deputy" in _texts(at)


def test_changing_the_password_on_the_account_page_keeps_this_browser_signed_in(
    newcomer: Person, demo_engine: Engine
) -> None:
    with demo_engine.begin() as conn:
        conn.execute(
            Person.__table__.update().where(Person.id == newcomer.id).values(must_change_password=False)
        )
    at = _as(ACCOUNT, newcomer).run()
    at = _fill_password_form(at, ONE_TIME, "password123")
    assert "too common" in _texts(at)
    at = _fill_password_form(at, ONE_TIME, CHOSEN, repeat="blue lake behind the schoo")
    assert "not the same" in _texts(at)
    at = _fill_password_form(at, "a wrong guess at it", CHOSEN)
    assert "current password is not correct" in _texts(at)
    at = _fill_password_form(at, ONE_TIME, CHOSEN)
    assert not at.exception
    assert "Your password is changed" in _texts(at)
    # The browser empties the fields after every submit (AppTest does not play that part of the form).
    assert [f.proto.form.clear_on_submit for f in at.get("form")] == [True]
    # This browser stays signed in at the new time; the one before it is void.
    at.run()
    assert at.title[0].value == "Your account"


def test_signing_out_everywhere_ends_the_sign_in(newcomer: Person, demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        conn.execute(
            Person.__table__.update().where(Person.id == newcomer.id).values(must_change_password=False)
        )
    other_browser = _as(ACCOUNT, newcomer).run()
    at = _as(ACCOUNT, newcomer).run()
    _button(at, "Sign out everywhere").click().run()
    assert not at.exception
    assert "signed out on every device" in _texts(at)
    other_browser.run()
    assert [b.label for b in other_browser.button] == ["Sign in"]


# --- one-time password --------------------------------------------------------------------------


@pytest.mark.parametrize("script", [APP, OVERVIEW, ACCOUNT])
def test_a_one_time_password_shows_only_the_change_form(newcomer: Person, script: str) -> None:
    at = _as(script, newcomer).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Choose a new password"]
    assert len(at.dataframe) == 0
    assert "GS Nyakarambi" not in _texts(at)
    assert {b.label for b in at.button} == {"Change password", "Sign out"}


@pytest.mark.parametrize("script", [APP, OVERVIEW])
def test_after_the_change_and_continue_the_page_shows(newcomer: Person, script: str) -> None:
    at = _as(script, newcomer).run()
    at = _fill_password_form(at, ONE_TIME, ONE_TIME)
    assert "different from your current" in _texts(at)
    assert at.title[0].value == "Choose a new password"
    at = _fill_password_form(at, ONE_TIME, CHOSEN)
    assert not at.exception
    assert "Your new password is saved." in _texts(at)
    assert [b.label for b in at.button] == ["Continue"]
    assert len(at.title) == 0
    _button(at, "Continue").click().run()
    assert not at.exception
    assert at.title[0].value == "GS Nyakarambi"


# --- audit trail --------------------------------------------------------------------------------


@pytest.fixture
def audited_renames(demo_engine: Engine, person_ids: dict[str, str]) -> Iterator[dict[str, str]]:
    """A CoP of each Kirehe school renamed and renamed back by its SBM, through audited sessions."""
    renamed: dict[str, str] = {}
    for username, code in (("sbm.nyakarambi", "KRH-001"), ("sbm.mahama", "KRH-002")):
        with session_scope(demo_engine) as s:
            viewer = load_viewer(s, person_ids[username])
        with session_scope(demo_engine, actor=actor_of(viewer)) as s:
            cop = s.scalars(
                select(Cop)
                .join(School, School.id == Cop.school_id)
                .where(School.code == code)
                .order_by(Cop.name)
            ).first()
            assert cop is not None
            renamed[code] = str(cop.id)
            original = cop.name
            cop.name = f"{original} (renamed)"
            s.flush()
            cop.name = original
    yield renamed


def _audit_frame(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


def test_an_admin_sees_the_trail_and_filters_narrow_it(app_as: Callable, audited_renames: dict) -> None:
    at = app_as(AUDIT, "admin").run()
    assert not at.exception
    frame = _audit_frame(at)
    assert {audited_renames["KRH-001"], audited_renames["KRH-002"]} <= set(frame["Record"])
    assert "name:" in " ".join(frame["What changed"])
    next(s for s in at.selectbox if s.label == "Table").select("cop").run()
    next(s for s in at.selectbox if s.label == "Action").select("update").run()
    frame = _audit_frame(at)
    assert set(frame["Table"]) == {"cop"} and set(frame["Action"]) == {"Changed"}
    next(t for t in at.text_input if t.label == "Person's name contains").input("niyonzima").run()
    frame = _audit_frame(at)
    assert set(frame["Who"]) == {"Eric Niyonzima"}
    assert set(frame["Record"]) == {audited_renames["KRH-001"]}
    assert len(at.get("download_button")) == 1
    assert len(at.json) == 2  # before and after of the chosen entry


def test_a_head_teacher_sees_only_their_schools_changes(app_as: Callable, audited_renames: dict) -> None:
    at = app_as(AUDIT, "ht.nyakarambi").run()
    assert not at.exception
    frame = _audit_frame(at)
    assert audited_renames["KRH-001"] in set(frame["Record"])
    assert audited_renames["KRH-002"] not in set(frame["Record"])
    assert set(frame["School"]) == {"GS Nyakarambi"}


@pytest.mark.parametrize("username", ["teacher.nyakarambi", "dde.kirehe", "reb.officer"])
def test_others_opening_the_audit_page_get_the_role_error_and_no_table(
    app_as: Callable, username: str
) -> None:
    at = app_as(AUDIT, username).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["This page is not available for your role."]
    assert len(at.dataframe) == 0
