"""Change markers: every committed write bumps its school's and session's counters, and NOTIFY carries
them to a listener on another connection (as another process would hold)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, select

from db.bootstrap import migrate
from db.changes import bump, marker_values, school_scope, session_scope_of, touch
from db.engine import make_engine, session_scope
from db.models import Challenge, ChallengeVote, ChangeMarker, Draft, Person
from tests import factories as f
from tests.pg import fresh_database


@pytest.fixture(scope="module")
def engine(pg_admin_url: str) -> Iterator[Engine]:
    """A database of this module's own: its tests commit, and other modules expect an empty one."""
    eng = make_engine(fresh_database(pg_admin_url, "cop_changes"))
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def world(engine: Engine) -> Iterator[dict]:
    """A committed school, CoP, cycle and running session (markers need real commits)."""
    with session_scope(engine) as s:
        school = f.school(s)
        teacher = f.person(s, role="teacher", school=school)
        cop = f.cop(s, school, members=[teacher])
        cycle = f.cycle(s, cop)
        ses = f.held_session(s, cycle)
        ids = {"school": school.id, "teacher": teacher.id, "cycle": cycle.id, "session": ses.id}
    yield ids


def _values(engine: Engine, *scopes: str) -> dict[str, int]:
    with session_scope(engine) as s:
        return marker_values(s, scopes)


def _challenge(world: dict, title: str = "Large classes") -> Challenge:
    return Challenge(
        school_id=world["school"],
        cycle_id=world["cycle"],
        session_id=world["session"],
        title=title,
        evidence_kind="other",
        topic="large_classes",
        control="direct",
    )


def test_insert_update_delete_bump_school_and_session(engine: Engine, world: dict) -> None:
    scopes = (school_scope(world["school"]), session_scope_of(world["session"]))
    before = _values(engine, *scopes)
    with session_scope(engine) as s:
        s.add(_challenge(world))
    after_insert = _values(engine, *scopes)
    assert all(after_insert[x] == before[x] + 1 for x in scopes), (before, after_insert)

    with session_scope(engine) as s:
        row = s.scalar(select(Challenge).where(Challenge.session_id == world["session"]))
        row.title = "Very large classes"
        s.flush()
        row.description = "Two flushes, one transaction"
    after_update = _values(engine, *scopes)
    # One bump per scope per transaction, however many flushes it made.
    assert all(after_update[x] == after_insert[x] + 1 for x in scopes)

    with session_scope(engine) as s:
        s.delete(s.scalar(select(Challenge).where(Challenge.session_id == world["session"])))
    assert all(_values(engine, *scopes)[x] == after_update[x] + 1 for x in scopes)


def test_child_row_finds_its_scopes_through_its_parent(engine: Engine, world: dict) -> None:
    with session_scope(engine) as s:
        ch = _challenge(world)
        s.add(ch)
        s.flush()
        cid = ch.id
    scopes = (school_scope(world["school"]), session_scope_of(world["session"]))
    before = _values(engine, *scopes)
    with session_scope(engine) as s:
        s.add(ChallengeVote(challenge_id=cid, person_id=world["teacher"]))  # no school or session column
    after = _values(engine, *scopes)
    assert all(after[x] == before[x] + 1 for x in scopes)


def test_drafts_rollbacks_and_bookkeeping_move_nothing(engine: Engine, world: dict) -> None:
    scopes = (school_scope(world["school"]), session_scope_of(world["session"]))
    before = _values(engine, *scopes)
    with session_scope(engine) as s:
        s.add(Draft(person_id=world["teacher"], form_key=f"k{uuid.uuid4().hex[:6]}", payload={"a": 1}))
        person = s.get(Person, world["teacher"])
        person.last_signed_in_at = person.created_at
    with pytest.raises(RuntimeError), session_scope(engine) as s:
        s.add(_challenge(world))
        s.flush()
        raise RuntimeError("rolled back")
    assert _values(engine, *scopes) == before


def test_touch_bumps_scopes_of_core_writes_and_unknown_scopes_read_zero(engine: Engine, world: dict) -> None:
    extra = f"session:{uuid.uuid4()}"
    assert _values(engine, extra) == {extra: 0}
    with session_scope(engine) as s:
        touch(s, extra)
    assert _values(engine, extra) == {extra: 1}
    with session_scope(engine) as s:
        bump(s, [extra, extra])
    assert _values(engine, extra) == {extra: 2}
    with session_scope(engine) as s:
        assert s.get(ChangeMarker, extra).changed_at is not None


def _listen(engine: Engine) -> psycopg.Connection:
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = psycopg.connect(url, autocommit=True)
    conn.execute("LISTEN cop_change")
    return conn


def _wait_for(conn: psycopg.Connection, scope: str, timeout: float = 5.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for note in conn.notifies(timeout=0.5, stop_after=1):
            got, _, counter = note.payload.rpartition(" ")
            if got == scope:
                return int(counter)
    raise AssertionError(f"no NOTIFY for {scope}")


def test_notify_reaches_a_listener_on_another_engine(engine: Engine, world: dict) -> None:
    other = make_engine(engine.url.render_as_string(hide_password=False))
    scope = session_scope_of(world["session"])
    conn = _listen(engine)
    try:
        before = _values(engine, scope)[scope]
        with session_scope(other) as s:
            s.add(_challenge(world, "From the other engine"))
        assert _wait_for(conn, scope) == before + 1
    finally:
        conn.close()
        other.dispose()


def test_notify_reaches_a_listener_from_another_process(engine: Engine, world: dict) -> None:
    url = engine.url.render_as_string(hide_password=False)
    scope = session_scope_of(world["session"])
    conn = _listen(engine)
    code = (
        "import sys, uuid\n"
        "from db.engine import make_engine, session_scope\n"
        "from db.changes import touch\n"
        "with session_scope(make_engine(sys.argv[1])) as s:\n"
        "    touch(s, sys.argv[2])\n"
    )
    try:
        before = _values(engine, scope)[scope]
        subprocess.run([sys.executable, "-c", code, url, scope], check=True, timeout=60)
        assert _wait_for(conn, scope) == before + 1
        assert _values(engine, scope)[scope] == before + 1
    finally:
        conn.close()
