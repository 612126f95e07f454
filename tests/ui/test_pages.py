"""Every page behind the guard, and the school overview as each kind of person sees it."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db.demo import DEMO_PASSWORD

PAGES = sorted(str(p.relative_to(Path.cwd())) for p in (Path.cwd() / "pages").glob("*.py"))
DEMO_USERS = [
    "admin",
    "reb.officer",
    "dde.kirehe",
    "urce.facilitator",
    "ttc.tutor",
    "ht.nyakarambi",
    "sbm.nyakarambi",
    "teacher.nyakarambi",
]


def _texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.header, *at.subheader, *at.markdown, *at.caption)]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    return "\n".join(str(p) for p in parts)


def test_every_page_file_starts_with_the_guard() -> None:
    for path in PAGES:
        tree = ast.parse(Path(path).read_text())
        body = [n for n in tree.body if not isinstance(n, ast.Import | ast.ImportFrom | ast.Expr)]
        first = body[0]
        assert isinstance(first, ast.Assign), path
        call = first.value
        assert isinstance(call, ast.Call) and getattr(call.func, "id", None) == "require_viewer", path


@pytest.mark.parametrize("script", ["app.py", *PAGES])
def test_without_a_signin_every_script_shows_only_the_sign_in(app_as: Callable, script: str) -> None:
    at = app_as(script, None).run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert len(at.dataframe) == 0
    assert "GS Nyakarambi" not in _texts(at)


def test_signing_in_with_the_form_opens_the_school_overview(app_as: Callable) -> None:
    at = app_as("app.py", None).run()
    at.text_input[0].input("ht.nyakarambi")
    at.text_input[1].input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "GS Nyakarambi"


def test_a_wrong_password_shows_one_plain_message_and_no_data(app_as: Callable) -> None:
    at = app_as("app.py", None).run()
    at.text_input[0].input("ht.nyakarambi")
    at.text_input[1].input("certainly not it")
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Username or password is incorrect, or the account is locked for a while."
    ]
    assert len(at.dataframe) == 0


@pytest.mark.parametrize("username", DEMO_USERS)
@pytest.mark.parametrize("script", ["app.py", *PAGES])
def test_every_page_renders_for_every_role(app_as: Callable, script: str, username: str) -> None:
    at = app_as(script, username).run()
    assert not at.exception
    assert not [b for b in at.button if b.label == "Sign in"]


def test_a_head_teacher_sees_their_own_school_and_no_other(app_as: Callable) -> None:
    at = app_as("pages/school_overview.py", "ht.nyakarambi").run()
    text = _texts(at)
    assert at.title[0].value == "GS Nyakarambi"
    assert "P4 teachers CoP" in text
    for other in ("EP Mahama", "GS Kamembe", "GS Nyakabuye"):
        assert other not in text
    assert len(at.selectbox) == 0  # one school in reach: no picker


def test_a_district_officer_picks_among_their_district_schools_only(app_as: Callable) -> None:
    at = app_as("pages/school_overview.py", "dde.kirehe").run()
    options = at.selectbox[0].options
    assert sorted(o.split(" (")[0] for o in options) == ["EP Mahama", "GS Nyakarambi"]


def test_a_teacher_sees_only_their_cops(app_as: Callable) -> None:
    at = app_as("pages/school_overview.py", "teacher.nyakarambi").run()
    cops = at.dataframe[0].value["CoP"].tolist()
    assert cops and all("Mathematics" not in c for c in cops)
    assert "P4 teachers CoP" in cops


def test_the_overview_shows_cycles_with_their_phase_and_recent_sessions(app_as: Callable) -> None:
    at = app_as("pages/school_overview.py", "sbm.nyakarambi").run()
    cycles = at.dataframe[1].value
    assert {"Closed", "Reflecting (middle sessions)"} <= set(cycles["Phase"])
    sessions = at.dataframe[2].value
    assert len(sessions) > 0
    assert list(sessions["Date"]) == sorted(sessions["Date"], reverse=True)


def test_a_deactivated_persons_open_session_ends_at_the_next_rerun(app_as: Callable, app_env: str) -> None:
    from sqlalchemy import create_engine, update

    from db.models import Person

    at = app_as("app.py", "new.teacher").run()
    assert not [b for b in at.button if b.label == "Sign in"]
    eng = create_engine(app_env)
    with eng.begin() as conn:
        conn.execute(update(Person).where(Person.username == "new.teacher").values(is_active=False))
    try:
        at.run()
        assert [b.label for b in at.button] == ["Sign in"]
    finally:
        with eng.begin() as conn:
            conn.execute(update(Person).where(Person.username == "new.teacher").values(is_active=True))
        eng.dispose()
