"""The live pages in AppTest: join by code, contribute from a phone, moderate, project."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, create_engine, delete, func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.models import Challenge, ChallengeVote, Cop, CopCycle, CopMember, CopSession, Draft, Person, School
from ui import live_session as ls

JOIN, CONTRIBUTE, PROJECTOR = "pages/join.py", "pages/contribute.py", "pages/projector.py"


@pytest.fixture(scope="module")
def db(app_env: str) -> Iterator[Engine]:
    eng = create_engine(app_env)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def room(db: Engine) -> Iterator[dict[str, str]]:
    """A CoP of GS Nyakarambi of our own (teacher.nyakarambi a member) with a running first session."""
    with Session(db) as s, s.begin():
        school = s.scalar(select(School).where(School.name == "GS Nyakarambi"))
        people = {p.username: p for p in s.scalars(select(Person))}
        cop = Cop(
            school_id=school.id, name=f"Live test CoP {uuid.uuid4().hex[:6]}", kind="general", grade="P6"
        )
        cop.facilitator_id = people["sbm.nyakarambi"].id
        s.add(cop)
        s.flush()
        s.add(CopMember(cop_id=cop.id, person_id=people["teacher.nyakarambi"].id))
        cycle = CopCycle(cop_id=cop.id, school_id=school.id, school_year=2026, number=1)
        s.add(cycle)
        s.flush()
        ses = CopSession(
            school_id=school.id,
            cop_id=cop.id,
            cycle_id=cycle.id,
            kind="first",
            status="running",
            session_date=date.today(),
            join_code="LIVTS7",
        )
        s.add(ses)
        s.flush()
        ids = {"session": str(ses.id), "cop": str(cop.id), "cycle": str(cycle.id), "code": "LIVTS7"}
    yield ids
    with Session(db) as s, s.begin():
        challenge_ids = select(Challenge.id).where(Challenge.session_id == uuid.UUID(ids["session"]))
        s.execute(delete(ChallengeVote).where(ChallengeVote.challenge_id.in_(challenge_ids)))
        s.execute(delete(Challenge).where(Challenge.session_id == uuid.UUID(ids["session"])))
        s.execute(delete(Draft).where(Draft.form_key.like(f"live:{ids['session']}:%")))
        s.execute(delete(CopSession).where(CopSession.id == uuid.UUID(ids["session"])))
        s.execute(delete(CopCycle).where(CopCycle.id == uuid.UUID(ids["cycle"])))
        s.execute(delete(CopMember).where(CopMember.cop_id == uuid.UUID(ids["cop"])))
        s.execute(delete(Cop).where(Cop.id == uuid.UUID(ids["cop"])))


def _challenges(db: Engine, session_id: str) -> list[Challenge]:
    with Session(db) as s:
        return list(s.scalars(select(Challenge).where(Challenge.session_id == uuid.UUID(session_id))))


def _key(room: dict[str, str], form: str, field: str) -> str:
    return ls.widget_key(room["session"], form, field)


def test_a_wrong_code_says_so_and_a_member_sees_the_running_session(
    app_as: Callable[..., AppTest], room: dict[str, str]
) -> None:
    at = app_as(JOIN, "teacher.nyakarambi")
    at.run()
    assert not at.exception and [t.value for t in at.title] == ["Join a session"]
    assert any(room["session"] in b.key for b in at.button if b.key)  # listed under "Running now"
    at.text_input[0].input("ZZZ-ZZZ")
    at.button[0].click().run()
    assert not at.exception
    assert "does not open a running session" in at.warning[0].value
    at.text_input[0].input("!!")
    at.button[0].click().run()
    assert "4 to 12 letters" in at.warning[0].value


def test_someone_outside_the_cop_cannot_join_with_the_code(
    app_as: Callable[..., AppTest], room: dict[str, str]
) -> None:
    at = app_as(JOIN, "new.teacher")  # same school, not a member of this CoP
    at.query_params["code"] = room["code"]
    at.run()
    assert not at.exception
    assert "does not open a running session" in at.warning[0].value
    assert all(room["session"] not in (b.key or "") for b in at.button)


def test_a_member_adds_a_challenge_once_however_often_it_is_sent_and_votes(
    app_as: Callable[..., AppTest], room: dict[str, str], db: Engine
) -> None:
    at = app_as(CONTRIBUTE, "teacher.nyakarambi")
    at.query_params["session"] = room["session"]
    at.run()
    assert not at.exception
    assert at.title[0].value == "First session"
    # Bad input: a message, nothing written.
    at.button(key=f"add_ch_{room['session']}").click().run()
    assert "Write the" in at.warning[0].value
    assert _challenges(db, room["session"]) == []
    at.text_input(key=_key(room, "challenge", "title")).input("Pupils do not finish reading tasks")
    at.text_area(key=_key(room, "challenge", "evidence_note")).input("12 of 60 finished")
    at.run()
    # The text is kept as a draft as it is typed: a lost connection loses nothing.
    with Session(db) as s:
        draft = s.scalar(select(Draft.payload).where(Draft.form_key == f"live:{room['session']}:challenge"))
    assert draft is not None and draft["title"] == "Pupils do not finish reading tasks"
    at.button(key=f"add_ch_{room['session']}").click().run()
    assert not at.exception
    assert "Challenge added" in at.success[0].value
    assert at.text_input(key=_key(room, "challenge", "title")).value == ""
    with Session(db) as s:  # saved: its draft is gone
        assert (
            s.scalar(select(Draft.payload).where(Draft.form_key == f"live:{room['session']}:challenge"))
            is None
        )
    # A double click sends the same form again: the same content makes the same key, one row.
    at.text_input(key=_key(room, "challenge", "title")).input("Pupils do not finish reading tasks")
    at.text_area(key=_key(room, "challenge", "evidence_note")).input("12 of 60 finished")
    at.button(key=f"add_ch_{room['session']}").click().run()
    rows = _challenges(db, room["session"])
    assert len(rows) == 1
    cid = str(rows[0].id)
    at.button(key=f"vote_{cid}").click().run()
    assert not at.exception
    with Session(db) as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(ChallengeVote)
                .where(ChallengeVote.challenge_id == rows[0].id)
            )
            == 1
        )
    assert at.button(key=f"vote_{cid}").label == "Take my vote back"


def test_the_facilitator_hides_and_an_edit_over_a_newer_version_shows_a_conflict(
    app_as: Callable[..., AppTest], room: dict[str, str], db: Engine
) -> None:
    with Session(db) as s, s.begin():
        teacher = s.scalar(select(Person).where(Person.username == "teacher.nyakarambi"))
        row = Challenge(
            school_id=s.get(CopSession, uuid.UUID(room["session"])).school_id,
            cycle_id=uuid.UUID(room["cycle"]),
            session_id=uuid.UUID(room["session"]),
            title="Homework not done",
            evidence_kind="lesson_plan",
            topic="homework",
            control="direct",
            created_by_id=teacher.id,
        )
        s.add(row)
        s.flush()
        cid = str(row.id)
    at = app_as(CONTRIBUTE, "sbm.nyakarambi")
    at.query_params["session"] = room["session"]
    at.run()
    assert not at.exception
    at.text_input(key=_key(room, f"edit_{cid}", "title")).input("Homework rarely done")
    # Meanwhile the author saves an edit from their phone.
    with Session(db) as s, s.begin():
        s.get(Challenge, uuid.UUID(cid)).title = "Homework is not done at home"
    at.button(key=f"save_edit_{cid}").click().run()
    assert not at.exception
    assert "Someone else saved this challenge" in at.warning[0].value
    shown = " ".join(m.value for m in at.markdown)
    assert "Homework is not done at home" in shown  # their version, beside the form that keeps mine
    assert at.text_input(key=_key(room, f"edit_{cid}", "title")).value == "Homework rarely done"
    with Session(db) as s:
        assert s.get(Challenge, uuid.UUID(cid)).title == "Homework is not done at home"
    at.button(key=f"mine_{cid}").click().run()
    at.button(key=f"save_edit_{cid}").click().run()
    with Session(db) as s:
        assert s.get(Challenge, uuid.UUID(cid)).title == "Homework rarely done"
    at.button(key=f"hide_{cid}").click().run()
    assert not at.exception
    with Session(db) as s:
        assert s.get(Challenge, uuid.UUID(cid)).hidden


def _ensure_challenge(db: Engine, room: dict[str, str], title: str, *, hidden: bool) -> None:
    """The challenge the tests above leave in the room, added here when this test runs without them
    (alone, or on another xdist worker)."""
    with Session(db) as s, s.begin():
        sid = uuid.UUID(room["session"])
        if s.scalar(select(Challenge.id).where(Challenge.session_id == sid, Challenge.title == title)):
            return
        ses = s.get(CopSession, sid)
        s.add(
            Challenge(
                school_id=ses.school_id,
                cycle_id=ses.cycle_id,
                session_id=sid,
                title=title,
                evidence_kind="lesson_observation",
                topic="large_classes",
                control="direct",
                hidden=hidden,
            )
        )


def test_the_projector_shows_the_code_the_step_and_the_challenges(
    app_as: Callable[..., AppTest], room: dict[str, str], db: Engine
) -> None:
    _ensure_challenge(db, room, "Pupils do not finish reading tasks", hidden=False)
    _ensure_challenge(db, room, "Homework rarely done", hidden=True)
    at = app_as(PROJECTOR, "sbm.nyakarambi")
    at.query_params["session"] = room["session"]
    at.run()
    assert not at.exception
    assert at.title[0].value == "First session"
    html = " ".join(m.value for m in at.markdown)
    assert "LIV-TS7" in html
    assert "<svg" in html  # the QR code, drawn on the server
    assert "Pupils do not finish reading tasks" in html
    assert "Homework rarely done" not in html  # hidden by the facilitator
    at.button(key="step_voting").click().run()
    assert not at.exception
    assert "Vote on priorities" in " ".join(m.value for m in at.markdown)


def test_a_teacher_cannot_open_the_projector(app_as: Callable[..., AppTest], room: dict[str, str]) -> None:
    at = app_as(PROJECTOR, "teacher.nyakarambi")
    at.query_params["session"] = room["session"]
    at.run()
    assert at.error and not at.title


def test_the_qr_link_takes_a_member_to_the_session(
    app_as: Callable[..., AppTest], room: dict[str, str]
) -> None:
    at = app_as(JOIN, "teacher.nyakarambi")
    at.query_params["code"] = room["code"].lower()
    at.run()
    assert not at.exception
    assert at.session_state[ls.SESSION] == room["session"]
