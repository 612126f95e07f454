"""The access matrix of stored files, cycle reports and reflection sessions (db/files, db/cycle_reports,
db/reflection): every public function that takes a viewer, as each of the 8 demo people, on the demo
database with a closed cycle, a reflection session and a stored file added in each target school.

- reads: every row returned lies in the person's reach (teachers: their own CoPs' cycles); every record
  out of reach is refused;
- writes: every write aimed at a target school where the person may not write is refused and changes no
  table; the administrator's identical call writes (so each refusal is about access alone);
- nothing forgotten: every public function of the three modules is listed here.
"""

from __future__ import annotations

import ast
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer
from cop.errors import CopRuleError
from cop.vocab import ReflectionStep, Role, SessionKind
from db import cycle_reports, files, reflection
from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.demo import seed_demo_if_empty
from db.models import Cop, CopCycle, CopSession, CycleReport, ReflectionCard, School
from tests.matrix_support import (
    DEMO_PEOPLE,
    EXPECTED,
    TALLY,
    TARGETS,
    World,
    changed_tables,
    fingerprint,
    load_world,
)

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2026, 10, 5)
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"


class Fixture:
    """The world, and per target school code: a closed cycle, a reflection session, a card, a file."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.cycle: dict[str, str] = {}
        self.reflection: dict[str, str] = {}
        self.card: dict[str, str] = {}
        self.next_step: dict[str, str] = {}
        self.file: dict[str, str] = {}


@pytest.fixture(scope="module")
def reports_db(engine: Engine) -> Iterator[tuple[Session, Fixture]]:
    with engine.connect() as conn:
        outer = conn.begin()
        s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            assert seed_demo_if_empty(s.connection())
            fx = _add_records(s)
            BASELINE.clear()
            yield s, fx
        finally:
            s.close()
            outer.rollback()


def _add_records(s: Session) -> Fixture:
    admin = load_viewer(s, load_world(s).usernames["admin"])
    # The demo's running session would make a new start return it (and write nothing): pause it.
    for running in s.scalars(select(CopSession).where(CopSession.status == "running")):
        running.status = "planned"
    for code in TARGETS.values():
        school = s.scalar(select(School).where(School.code == code))
        assert school is not None
        cop = s.scalars(select(Cop).where(Cop.school_id == school.id).order_by(Cop.name)).first()
        assert cop is not None
        # A closed cycle without a stored report, so producing and acknowledging it would write.
        s.add(
            CopCycle(
                cop_id=cop.id,
                school_id=school.id,
                school_year=2019,
                number=1,
                phase="closed",
                closed_at=datetime(2019, 7, 1, tzinfo=UTC),
            )
        )
        # A reflection session at the insights step, not running, so starting a new one would write.
        s.add(
            CopSession(
                school_id=school.id,
                kind=SessionKind.REFLECTION.value,
                status="planned",
                session_date=DAY,
                reflection_step=ReflectionStep.NEXT_STEPS.value,
            )
        )
    s.flush()
    world = load_world(s)
    fx = Fixture(world)
    for code in TARGETS.values():
        sid = world.school(code).id
        fx.cycle[code] = str(
            s.scalar(
                select(CopCycle.id).where(CopCycle.school_id == uuid.UUID(sid), CopCycle.school_year == 2019)
            )
        )
        fx.reflection[code] = str(
            s.scalar(
                select(CopSession.id).where(
                    CopSession.school_id == uuid.UUID(sid),
                    CopSession.kind == SessionKind.REFLECTION.value,
                    CopSession.status == "planned",
                    # The demo may hold a planned reflection session of its own: take the one added here.
                    CopSession.session_date == DAY,
                    CopSession.reflection_step == ReflectionStep.NEXT_STEPS.value,
                )
            )
        )
        s.info[ACTOR_KEY] = actor_of(admin)
        fx.card[code] = str(
            reflection.add_reflection_card(
                s, admin, fx.reflection[code], "insight", "x", idempotency_key=f"i{code}"
            )
        )
        fx.next_step[code] = str(
            reflection.add_reflection_card(
                s, admin, fx.reflection[code], "next_step", "y", idempotency_key=f"n{code}"
            )
        )
        fx.file[code] = str(
            files.store_file(s, admin, school_id=sid, filename="m.pdf", data=PDF + code.encode())
        )
    s.info[ACTOR_KEY] = None
    s.flush()
    return fx


def _viewer(s: Session, fx: Fixture, username: str) -> Viewer:
    return load_viewer(s, fx.world.usernames[username])


def _reaches(fx: Fixture, username: str, code: str) -> bool:
    school = fx.world.school(code)
    return EXPECTED[username].reaches(code, school.district)


def _reaches_cycle(s: Session, fx: Fixture, username: str, cycle_id: str) -> bool:
    school_id, cop_id = fx.world.cycles[cycle_id]
    exp = EXPECTED[username]
    if not fx.world.school_reached(exp, school_id):
        return False
    if exp.own_cops_only:
        return cop_id in fx.world.memberships.get(fx.world.usernames[username], set())
    return True


# --- reads -------------------------------------------------------------------------------------------


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except AccessDenied as refused:
        return refused


def _reads(s: Session, v: Viewer, fx: Fixture, code: str) -> dict[str, Any]:
    """Each per-school read of the target school: its result, or the refusal."""
    school_id = fx.world.school(code).id
    return {
        "reflection_sessions": _outcome(lambda: reflection.reflection_sessions(s, v, school_id=school_id)),
        "reflection_session": _outcome(lambda: reflection.reflection_session(s, v, fx.reflection[code])),
        "school_statistics": _outcome(lambda: reflection.school_statistics(s, v, school_id, today=DAY)),
        "school_staff": _outcome(lambda: reflection.school_staff(s, v, school_id)),
        "file_for_download": _outcome(lambda: files.file_for_download(s, v, fx.file[code])),
        "file_name": _outcome(lambda: files.file_name(s, v, fx.file[code])),
    }


@pytest.mark.parametrize("username", DEMO_PEOPLE)
def test_reads_return_only_rows_in_reach_and_refuse_the_rest(
    reports_db: tuple[Session, Fixture], username: str
) -> None:
    s, fx = reports_db
    TALLY["reports reads run"] += 1
    v = _viewer(s, fx, username)
    exp = EXPECTED[username]
    for code in TARGETS.values():
        reach = _reaches(fx, username, code)
        school_id = fx.world.school(code).id
        checks = _reads(s, v, fx, code)
        for name, outcome in checks.items():
            assert isinstance(outcome, AccessDenied) is (not reach), (name, code)
        if reach:
            rows = checks["reflection_sessions"]
            assert {fx.world.sessions[r.id][0] for r in rows} <= {school_id}
            staff = checks["school_staff"]
            assert all(fx.world.people[pid].school_id == school_id for pid, _ in staff)
    every_report = cycle_reports.cycle_reports(s, v)
    assert every_report, "something of one's own to read"
    for row in every_report:
        assert _reaches_cycle(s, fx, username, row.cycle_id), row
    for cycle_id in [*fx.cycle.values(), *_demo_closed_cycles(s)]:
        outcome = _outcome(lambda cid=cycle_id: cycle_reports.cycle_report(s, v, cid))
        assert isinstance(outcome, AccessDenied) is (not _reaches_cycle(s, fx, username, cycle_id)), cycle_id
    assert files.may_store_files(v, fx.world.school("KRH-001").id) is (
        username in {"admin", "ht.nyakarambi", "sbm.nyakarambi", "teacher.nyakarambi"}
    )
    assert exp is not None
    TALLY["reports reads clean"] += 1


def _demo_closed_cycles(s: Session) -> list[str]:
    return [str(i) for i in s.scalars(select(CopCycle.id).where(CopCycle.phase == "closed"))]


# --- writes ------------------------------------------------------------------------------------------

OWN = "KRH-001"
_SUFFIX = {"KRH-001": "nyakarambi", "KRH-002": "mahama", "RSZ-001": "kamembe"}
_LEADERS = {"ht.nyakarambi", "sbm.nyakarambi"}
_SCHOOL_WRITERS = _LEADERS | {"teacher.nyakarambi"}


def _at_own_school(people: set[str]) -> Callable[[str, str], bool]:
    return lambda username, code: username == "admin" or (username in people and code == OWN)


# function -> (who may, by the rules; the call)
WRITES: dict[str, tuple[Callable[[str, str], bool], Callable[[Session, Viewer, Fixture, str], Any]]] = {
    "db.files.store_file": (
        _at_own_school(_SCHOOL_WRITERS),
        lambda s, v, fx, c: files.store_file(
            s, v, school_id=fx.world.school(c).id, filename="n.pdf", data=PDF + b"new" + c.encode()
        ),
    ),
    "db.reflection.start_reflection_session": (
        _at_own_school(_LEADERS),
        lambda s, v, fx, c: reflection.start_reflection_session(
            s, v, school_id=fx.world.school(c).id, session_date=DAY
        ),
    ),
    "db.reflection.add_reflection_card": (
        _at_own_school(_SCHOOL_WRITERS),
        lambda s, v, fx, c: reflection.add_reflection_card(
            s, v, fx.reflection[c], "insight", "new", idempotency_key=uuid.uuid4().hex
        ),
    ),
    "db.reflection.set_next_step": (
        _at_own_school(_LEADERS),
        lambda s, v, fx, c: reflection.set_next_step(
            s, v, fx.reflection[c], fx.next_step[c], owner_id=None, due_on=DAY
        ),
    ),
    "db.reflection.hide_reflection_card": (
        _at_own_school(_LEADERS),
        lambda s, v, fx, c: reflection.hide_reflection_card(s, v, fx.reflection[c], fx.card[c]),
    ),
    "db.reflection.move_reflection_step": (
        _at_own_school(_LEADERS),
        lambda s, v, fx, c: reflection.move_reflection_step(
            s, v, fx.reflection[c], from_step=ReflectionStep.NEXT_STEPS, forward=False
        ),
    ),
    "db.reflection.set_reflection_attendance": (
        _at_own_school(_LEADERS),
        lambda s, v, fx, c: reflection.set_reflection_attendance(
            s, v, fx.reflection[c], present_ids=[fx.world.person(f"ht.{_SUFFIX[c]}").id]
        ),
    ),
    "db.cycle_reports.produce_cycle_report": (
        _at_own_school(_LEADERS),
        lambda s, v, fx, c: cycle_reports.produce_cycle_report(s, v, fx.cycle[c]),
    ),
    "db.cycle_reports.acknowledge_cycle_report": (
        _at_own_school({"ht.nyakarambi"}),
        lambda s, v, fx, c: cycle_reports.acknowledge_cycle_report(s, v, fx.cycle[c]),
    ),
}
READS = {
    "db.files.file_for_download",
    "db.files.file_name",
    "db.files.may_store_files",
    "db.cycle_reports.cycle_reports",
    "db.cycle_reports.cycle_report",
    "db.reflection.reflection_sessions",
    "db.reflection.reflection_session",
    "db.reflection.school_statistics",
    "db.reflection.school_staff",
}
BASELINE: dict[str, dict[str, str]] = {}


def _attempt(s: Session, fx: Fixture, username: str, function: str, code: str) -> tuple[Any, list[str]]:
    viewer = _viewer(s, fx, username)
    before = BASELINE.get("") or BASELINE.setdefault("", fingerprint(s))
    nested = s.begin_nested()
    try:
        s.info[ACTOR_KEY] = actor_of(viewer)
        try:
            outcome = WRITES[function][1](s, viewer, fx, code)
        except (AccessDenied, CopRuleError) as refused:
            outcome = refused
        changed = changed_tables(before, fingerprint(s))
    finally:
        s.info[ACTOR_KEY] = None
        nested.rollback()
        s.expire_all()
    return outcome, changed


_REFUSED = [
    (username, function, code)
    for function, (may, _) in WRITES.items()
    for code in TARGETS.values()
    for username in DEMO_PEOPLE
    if not may(username, code)
]


@pytest.mark.parametrize(("username", "function", "code"), _REFUSED)
def test_a_write_the_person_may_not_make_is_refused_and_changes_nothing(
    reports_db: tuple[Session, Fixture], username: str, function: str, code: str
) -> None:
    s, fx = reports_db
    TALLY["reports writes run"] += 1
    outcome, changed = _attempt(s, fx, username, function, code)
    assert isinstance(outcome, AccessDenied), outcome
    assert changed == []
    TALLY["reports writes clean"] += 1


@pytest.mark.parametrize("code", list(TARGETS.values()))
@pytest.mark.parametrize("function", list(WRITES))
def test_the_administrators_identical_write_succeeds(
    reports_db: tuple[Session, Fixture], function: str, code: str
) -> None:
    s, fx = reports_db
    outcome, changed = _attempt(s, fx, "admin", function, code)
    assert not isinstance(outcome, (AccessDenied, CopRuleError)), outcome
    assert changed, "the control wrote"


def test_every_public_function_of_these_modules_is_in_the_matrix() -> None:
    found = set()
    for module in ("files", "cycle_reports", "reflection"):
        for node in ast.parse((ROOT / "db" / f"{module}.py").read_text()).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                found.add(f"db.{module}.{node.name}")
    assert sorted(found - READS - set(WRITES)) == []
    assert sorted((READS | set(WRITES)) - found) == []


def test_the_demo_leaves_something_to_check(reports_db: tuple[Session, Fixture]) -> None:
    s, _ = reports_db
    assert s.scalar(select(func.count()).select_from(CycleReport)) >= 1
    assert s.scalar(select(func.count()).select_from(ReflectionCard)) >= 6
    assert Role.HEAD_TEACHER in {Role(p.role) for p in load_world(s).people.values()}
