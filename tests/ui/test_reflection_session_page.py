"""The reflection session page end to end: a head teacher leads all seven steps; a phone card joins in."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, create_engine, delete, func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from cop.vocab import ActionSource, SessionKind, SessionStatus
from db.access import load_viewer
from db.models import ActionItem, Attendance, CopSession, Person, ReflectionCard, School
from db.reflection import add_reflection_card

PAGE = "pages/reflection_session.py"


@pytest.fixture(scope="module")
def db(app_env: str) -> Iterator[Engine]:
    eng = create_engine(app_env)
    yield eng
    eng.dispose()


@pytest.fixture
def cleanup(db: Engine) -> Iterator[list[str]]:
    """Sessions the test starts are removed afterwards: the demo database stays as the other tests know it."""
    started: list[str] = []
    yield started
    with db.begin() as conn:
        for sid in started:
            conn.execute(delete(ReflectionCard).where(ReflectionCard.session_id == uuid.UUID(sid)))
            conn.execute(delete(ActionItem).where(ActionItem.session_id == uuid.UUID(sid)))
            conn.execute(delete(Attendance).where(Attendance.session_id == uuid.UUID(sid)))
            conn.execute(delete(CopSession).where(CopSession.id == uuid.UUID(sid)))


def _click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception
    return at


def _add_card(at: AppTest, sid: str, kind: str, text: str) -> None:
    at.text_area(key=f"rc_text_{sid}_{kind}").set_value(text)
    _click(at, f"rc_add_{sid}_{kind}")


def _cards(at: AppTest) -> list[str]:
    return [m.value.removeprefix("#### ") for m in at.markdown if m.value.startswith("#### ")]


def test_a_head_teacher_leads_a_reflection_session_from_overview_to_completion(
    app_as: Callable[..., AppTest], db: Engine, cleanup: list[str], person_ids: dict[str, str]
) -> None:
    at = app_as(PAGE, "ht.nyakarambi")
    at.run()
    assert not at.exception and not at.error
    _click(at, "rs_start")
    sid = at.query_params["session"]
    sid = sid[0] if isinstance(sid, list) else sid
    cleanup.append(sid)
    assert at.subheader[0].value == "Step 1 of 7: Overview of the steps"
    at.multiselect(key=f"rs_present_{sid}").select(person_ids["sbm.nyakarambi"]).select(
        person_ids["ht.nyakarambi"]
    )
    _click(at, f"rs_present_save_{sid}")
    assert "Attendance saved: 2 present." in [s.value for s in at.success]

    _click(at, "rs_next")
    assert at.subheader[0].value == "Step 2 of 7: School statistics"
    assert {"Teachers", "Sessions this term", "Attendance", "Actions overdue"} <= {m.label for m in at.metric}

    _click(at, "rs_next")
    _add_card(at, sid, "insight", "   ")
    assert "Write something on the card first." in " ".join(e.value for e in at.error)
    _add_card(at, sid, "insight", "Learners explain more when they work in pairs")
    assert _cards(at) == ["Learners explain more when they work in pairs"]
    _click(at, "rs_next")
    _add_card(at, sid, "positive", "Exit tickets in P5 maths")
    _click(at, "rs_next")
    _add_card(at, sid, "improvement", "Homework is rarely marked")
    _click(at, "rs_next")
    assert at.subheader[0].value == "Step 6 of 7: Agreed next steps"

    with Session(db) as s:
        teacher = s.scalar(select(Person).where(Person.username == "teacher.nyakarambi"))
        assert teacher is not None
        teacher_id = teacher.id
        # A teacher's card from a phone arrives without an owner: the head teacher completes it.
        phone = add_reflection_card(
            s,
            load_viewer(s, teacher.id),
            sid,
            "next_step",
            "Mark homework in pairs",
            idempotency_key=uuid.uuid4().hex,
        )
        s.commit()
    at.run()
    _click(at, "rs_next")
    assert "owner and a due date" in " ".join(e.value for e in at.error)
    at.selectbox(key=f"ns_{phone}_owner").select(str(teacher_id))
    _click(at, f"ns_save_{phone}")
    _click(at, "rs_next")
    assert "Reflection session completed: the next steps are now actions." in [s.value for s in at.success]
    assert [b.label for b in at.get("download_button")] == ["Download PDF"]

    with db.connect() as conn:
        status = conn.scalar(select(CopSession.status).where(CopSession.id == uuid.UUID(sid)))
        actions = conn.execute(
            select(ActionItem.description, ActionItem.owner_id, ActionItem.source).where(
                ActionItem.session_id == uuid.UUID(sid)
            )
        ).all()
        cards = conn.scalar(select(func.count()).where(ReflectionCard.session_id == uuid.UUID(sid)))
    assert status == SessionStatus.HELD.value
    assert actions == [("Mark homework in pairs", teacher_id, ActionSource.REFLECTION.value)]
    assert cards == 4


def test_a_running_session_of_another_school_cannot_be_opened_by_url(
    app_as: Callable[..., AppTest], db: Engine
) -> None:
    with db.connect() as conn:
        running = conn.scalar(
            select(CopSession.id)
            .join(School, School.id == CopSession.school_id)
            .where(School.code == "RSZ-001", CopSession.kind == SessionKind.REFLECTION.value)
        )
    at = app_as(PAGE, "ht.nyakarambi")
    at.query_params["session"] = str(running)
    at.run()
    assert not at.exception
    assert not [h for h in at.subheader if h.value.startswith("Step ")]
