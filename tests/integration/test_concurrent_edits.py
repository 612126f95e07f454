"""No lost updates: 10 people save 100 edits each to one challenge at the same time.

Each attempt reads the version (as a form does when it opens), then saves on it in its own
transaction. A save over a newer version must be refused as a conflict, never silently applied, so
successes + conflicts = 1000, and the record's version, which starts at 1, ends at 1 + successes.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from cop.cycle_inputs import ChallengeInput
from cop.errors import EditConflict
from db import live
from db.access import actor_of, load_viewer
from db.bootstrap import migrate
from db.changes import marker_values, session_scope_of
from db.engine import make_engine, session_scope
from db.models import AuditLog, Challenge
from tests import factories as f
from tests.pg import fresh_database


@pytest.fixture(scope="module")
def engine(pg_admin_url: str) -> Iterator[Engine]:
    """A database of this module's own: its tests commit, and other modules expect an empty one."""
    eng = make_engine(fresh_database(pg_admin_url, "cop_concurrent"))
    migrate(eng)
    yield eng
    eng.dispose()


THREADS, EDITS = 10, 100


def test_ten_threads_times_a_hundred_edits_lose_nothing(engine: Engine) -> None:
    with session_scope(engine) as s:
        school = f.school(s, name="Concurrency school")
        sbm = f.person(s, role="facilitator", school=school)
        members = [f.person(s, role="teacher", school=school) for _ in range(THREADS - 1)]
        cop = f.cop(s, school, members=members)
        cycle = f.cycle(s, cop)
        first = f.held_session(s, cycle, kind="first")
        first.status, first.session_date = "running", date.today()
        s.flush()
        viewers = [load_viewer(s, p.id) for p in [sbm, *members]]
        sid = str(first.id)
        data = ChallengeInput.parse(
            title="Start", evidence_kind="lesson_plan", topic="homework", control="direct"
        )
        cid = str(live.add_challenge(s, viewers[0], sid, data, idempotency_key=f"conc-{sid}"))
    with session_scope(engine) as s:
        assert s.get(Challenge, cid).version == 1
        marker_before = marker_values(s, [session_scope_of(sid)])[session_scope_of(sid)]

    outcomes: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def editor(n: int) -> None:
        # The facilitator (who may edit any challenge) in ten browsers at once: the worst case.
        viewer = viewers[0]
        start.wait()
        for i in range(EDITS):
            try:
                with session_scope(engine) as s:
                    seen = s.scalar(select(Challenge.version).where(Challenge.id == cid))
                with session_scope(engine, actor=actor_of(viewer)) as s:
                    title = f"Edit {n}-{i}"
                    data = ChallengeInput.parse(
                        title=title, evidence_kind="lesson_plan", topic="homework", control="direct"
                    )
                    live.edit_challenge(s, viewer, cid, data, version=seen)
                outcome = "saved"
            except EditConflict as conflict:
                assert conflict.theirs["version"] != seen
                outcome = "conflict"
            except BaseException as exc:  # pragma: no cover - reported below
                with lock:
                    errors.append(exc)
                return
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=editor, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    print(f"concurrent edits: {outcomes['saved']} saved, {outcomes['conflict']} conflicts")
    assert outcomes["saved"] + outcomes["conflict"] == THREADS * EDITS
    assert outcomes["saved"] >= 1 and outcomes["conflict"] >= 1, outcomes
    with session_scope(engine) as s:
        row = s.get(Challenge, cid)
        # Versions count from 1 at insert: every successful save bumped it exactly once.
        assert row.version == 1 + outcomes["saved"]
        audited = s.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.record_id == cid, AuditLog.action == "update")
        )
        assert audited == outcomes["saved"]
        # Every saved edit moved the session's marker once (conflicts wrote nothing).
        marker_after = marker_values(s, [session_scope_of(sid)])[session_scope_of(sid)]
        assert marker_after - marker_before == outcomes["saved"]
