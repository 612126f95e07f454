"""My actions as each person sees it: only their own, grouped, with where each came from; marking done and
reopening (audited, version-checked), also under any sequence of clicks (hypothesis)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, select, update
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.models import ActionItem, AuditLog
from db.tools.actions import set_action_status

PAGE = "pages/my_actions.py"
EVERYONE = [
    "admin",
    "reb.officer",
    "dde.kirehe",
    "urce.facilitator",
    "ttc.tutor",
    "ht.nyakarambi",
    "sbm.nyakarambi",
    "ssl.nyakarambi",
    "teacher.nyakarambi",
    "new.teacher",
]


@pytest.fixture(scope="module")
def db(app_env: str) -> Iterator[Engine]:
    eng = create_engine(app_env)
    yield eng
    eng.dispose()


@pytest.fixture
def open_action(db: Engine, person_ids: dict[str, str]) -> Iterator[ActionItem]:
    """One of sbm.mahama's open actions, put back as it was afterwards."""
    with Session(db) as s:
        action = s.scalars(
            select(ActionItem)
            .where(ActionItem.owner_id == uuid.UUID(person_ids["sbm.mahama"]), ActionItem.status == "open")
            .order_by(ActionItem.due_on.desc())
            .limit(1)
        ).one()
        s.expunge(action)
    yield action
    with Session(db) as s, s.begin():
        s.execute(update(ActionItem).where(ActionItem.id == action.id).values(status="open", done_at=None))


def _texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.subheader, *at.markdown, *at.caption, *at.info, *at.warning)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def _status(db: Engine, action_id: uuid.UUID) -> str:
    with Session(db) as s:
        return s.scalar(select(ActionItem.status).where(ActionItem.id == action_id)) or ""


@pytest.mark.parametrize("username", EVERYONE)
def test_everyone_opens_their_actions_without_error(app_as: Callable, username: str) -> None:
    at = app_as(PAGE, username).run()
    assert not at.exception and not at.error
    assert at.title[0].value == "My actions"


def test_an_sbm_sees_their_own_actions_grouped_with_where_each_came_from(app_as: Callable) -> None:
    at = app_as(PAGE, "sbm.nyakarambi").run()
    headings = [h.value.split(" (")[0] for h in at.subheader]
    assert headings == [h for h in ("Overdue", "Due soon", "Later", "Done") if h in headings]
    text = _texts(at)
    assert "Field visit by Florence Uwamahoro on" in text
    assert "P4 teachers CoP, first session on" in text
    assert "Review open CoP actions at each Monday staff briefing" not in text  # the head teacher's
    assert [d.label for d in at.get("download_button")] == ["Download CSV"]


def test_someone_without_actions_is_told_where_they_come_from(app_as: Callable) -> None:
    at = app_as(PAGE, "reb.officer").run()
    assert "You have no actions yet" in at.info[0].value
    assert not at.get("download_button")


def test_marking_done_and_reopening_is_saved_and_audited(
    app_as: Callable, db: Engine, person_ids: dict[str, str], open_action: ActionItem
) -> None:
    at = app_as(PAGE, "sbm.mahama").run()
    at.button(key=f"toggle_{open_action.id}").click().run()
    assert not at.exception and at.success[0].value == "Marked done."
    assert _status(db, open_action.id) == "done"
    assert at.button(key=f"toggle_{open_action.id}").label == "Reopen"
    at.button(key=f"toggle_{open_action.id}").click().run()
    assert _status(db, open_action.id) == "open"
    with Session(db) as s:
        audited = s.execute(
            select(AuditLog.actor_id, AuditLog.after)
            .where(AuditLog.record_id == str(open_action.id), AuditLog.action == "update")
            .order_by(AuditLog.at.desc())
            .limit(2)
        ).all()
    assert {str(actor) for actor, _ in audited} == {person_ids["sbm.mahama"]}
    assert sorted(after["status"] for _, after in audited) == ["done", "open"]


def test_a_click_on_a_stale_page_is_refused_with_a_plain_message(
    app_as: Callable, db: Engine, person_ids: dict[str, str], open_action: ActionItem
) -> None:
    at = app_as(PAGE, "sbm.mahama").run()
    with Session(db) as s, s.begin():  # meanwhile, in another tab: done, then reopened
        sbm = load_viewer(s, person_ids["sbm.mahama"])
        s.info[ACTOR_KEY] = actor_of(sbm)
        version = open_action.version
        set_action_status(s, sbm, action_id=str(open_action.id), version=version, done=True)
        set_action_status(s, sbm, action_id=str(open_action.id), version=version + 1, done=False)
    at.button(key=f"toggle_{open_action.id}").click().run()
    assert not at.exception
    assert "changed since the page was shown" in at.warning[0].value
    assert _status(db, open_action.id) == "open"


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reloads=st.lists(st.booleans(), min_size=1, max_size=4))
def test_any_sequence_of_clicks_and_reloads_ends_in_the_state_of_the_last_click(
    app_as: Callable, db: Engine, open_action: ActionItem, reloads: list[bool]
) -> None:
    at = app_as(PAGE, "sbm.mahama").run()
    for reload in reloads:
        if reload:  # a fresh page (another tab, a reconnect) before this click
            at = app_as(PAGE, "sbm.mahama").run()
        button = at.button(key=f"toggle_{open_action.id}")
        expected = "done" if button.label == "Mark done" else "open"
        button.click().run()
        assert not at.exception and not at.error and not at.warning
        assert _status(db, open_action.id) == expected
