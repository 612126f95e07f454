"""The access matrix of the dashboards (db/queries/dashboard_*, timeline, cycle_progress, db/assessments):
every public function that takes a viewer, as each of the 8 demo people, on the demo database.

What each person may reach is EXPECTED in tests/matrix_support.py (from DESIGN.md, not from the code).
- reads: each read function for every demo school (or district) it takes; refused exactly when the school
  is out of reach; otherwise every school, CoP, cycle and district it names lies in the person's reach
  (a teacher: their own CoPs only). The area dashboard is for officials (DESIGN.md: district and national
  dashboards); school staff and teachers are refused it.
- writes: the assessment import aimed at each target school, by every person: refused and writing nothing
  unless the person is the school's head teacher or CoP facilitator (DESIGN.md: "evidence the school
  imports") or the administrator; the identical import by the head teacher writes (the control).
- nothing forgotten: every public function of these modules that takes a viewer is listed here.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer
from cop.dashboard import school_year_of
from db.access import actor_of, load_viewer
from db.assessments import import_assessment_results
from db.audit import ACTOR_KEY
from db.demo import seed_demo_if_empty
from db.queries import cycle_progress, dashboard_area, dashboard_school, timeline
from db.rollups import refresh_stale
from tests.matrix_support import (
    DEMO_PEOPLE,
    EXPECTED,
    TALLY,
    TARGETS,
    Expected,
    World,
    changed_tables,
    fingerprint,
    load_world,
)

ROOT = Path(__file__).resolve().parent.parent
MODULES = (
    "db/queries/dashboard_school.py",
    "db/queries/dashboard_area.py",
    "db/queries/timeline.py",
    "db/queries/cycle_progress.py",
    "db/assessments.py",
)
TODAY = date.today()
YEAR = school_year_of(TODAY)
OFFICIALS = {"admin", "reb.officer", "dde.kirehe", "urce.facilitator", "ttc.tutor"}
IMPORTERS = {"admin", "ht.nyakarambi", "sbm.nyakarambi"}


@pytest.fixture(scope="module")
def dash_db(engine: Engine) -> Iterator[Session]:
    with engine.connect() as conn:
        outer = conn.begin()
        s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            assert seed_demo_if_empty(s.connection())
            refresh_stale(s, wait=True)
            yield s
        finally:
            s.close()
            outer.rollback()


@pytest.fixture(scope="module")
def world(dash_db: Session) -> World:
    return load_world(dash_db)


def _call(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    try:
        return fn(*args, **kw)
    except AccessDenied:
        return AccessDenied


def _own_cops(w: World, v: Viewer, exp: Expected) -> set[str]:
    return w.memberships.get(v.person_id, set()) if exp.own_cops_only else set(w.cop_school)


def _check_school_dashboard(s: Session, w: World, v: Viewer, exp: Expected) -> None:
    for school_id in w.schools:
        got = _call(dashboard_school.school_dashboard, s, v, school_id, school_year=YEAR, today=TODAY)
        assert (got is AccessDenied) == (not w.school_reached(exp, school_id)), w.schools[school_id].code
        if got is AccessDenied:
            continue
        assert got.school_id == school_id
        cycles = [c for c, (sid, cop) in w.cycles.items() if sid == school_id and cop in _own_cops(w, v, exp)]
        assert sum(got.cycles_by_phase.values()) <= len(cycles)
        TALLY["dashboards rows checked"] += 1


def _check_timeline(s: Session, w: World, v: Viewer, exp: Expected) -> None:
    mine = {w.cop_name[c] for c in _own_cops(w, v, exp)}
    for school_id in w.schools:
        got = _call(timeline.school_timeline, s, v, school_id, today=TODAY)
        assert (got is AccessDenied) == (not w.school_reached(exp, school_id))
        if got is AccessDenied:
            continue
        if exp.own_cops_only:
            assert {e.kind for e in got.events} <= {"CoP session"}
            assert [e.what for e in got.events if e.what.split(":")[0] not in mine] == []
        TALLY["dashboards rows checked"] += len(got.events)


def _check_cycle_progress(s: Session, w: World, v: Viewer, exp: Expected) -> None:
    for school_id in w.schools:
        got = _call(cycle_progress.cycle_progress, s, v, school_id)
        assert (got is AccessDenied) == (not w.school_reached(exp, school_id))
        if got is AccessDenied:
            continue
        own = _own_cops(w, v, exp)
        assert [c.cycle_id for c in got if w.cycles[c.cycle_id][0] != school_id] == []
        assert [c.cycle_id for c in got if w.cycles[c.cycle_id][1] not in own] == []
        TALLY["dashboards rows checked"] += len(got)


def _check_area_dashboard(s: Session, w: World, v: Viewer, exp: Expected) -> None:
    username = next(u for u, i in w.usernames.items() if i == v.person_id)
    for district_id in [None, *w.districts]:
        got = _call(
            dashboard_area.area_dashboard, s, v, school_year=YEAR, district_id=district_id, today=TODAY
        )
        if username not in OFFICIALS:
            assert got is AccessDenied
            continue
        reached = {x.id for x in w.schools.values() if w.school_reached(exp, x.id) and x.is_active}
        in_district = {
            x.id for x in w.schools.values() if district_id is None or x.district_id == district_id
        }
        if got is AccessDenied:
            assert district_id is not None and not reached & in_district
            continue
        names = {w.schools[i].name for i in reached & in_district}
        assert {r.name for r in got.by_school} == names
        assert {p.signals.school for p in got.ranking} <= names
        assert {r.name for r in got.by_district} == {w.schools[i].district for i in reached & in_district}
        assert got.total.schools == len(names)
        TALLY["dashboards rows checked"] += len(got.by_school)


def _check_districts_in_view(s: Session, w: World, v: Viewer, exp: Expected) -> None:
    got = dashboard_area.districts_in_view(s, v)
    assert {n for _, n in got} == {x.district for x in w.schools.values() if w.school_reached(exp, x.id)}


READS: dict[str, Callable[[Session, World, Viewer, Expected], None]] = {
    "db.queries.dashboard_school.school_dashboard": _check_school_dashboard,
    "db.queries.timeline.school_timeline": _check_timeline,
    "db.queries.cycle_progress.cycle_progress": _check_cycle_progress,
    "db.queries.dashboard_area.area_dashboard": _check_area_dashboard,
    "db.queries.dashboard_area.districts_in_view": _check_districts_in_view,
}
WRITES = {"db.assessments.import_assessment_results"}
# Takes a viewer but reads no data: whether to offer the import (the write checks again).
NOT_DATA = {"db.assessments.may_import_assessments"}


@pytest.mark.parametrize("function", list(READS))
@pytest.mark.parametrize("username", DEMO_PEOPLE)
def test_every_dashboard_figure_lies_in_the_persons_reach(
    dash_db: Session, world: World, username: str, function: str
) -> None:
    TALLY["dashboards reads run"] += 1
    READS[function](dash_db, world, load_viewer(dash_db, world.usernames[username]), EXPECTED[username])
    TALLY["dashboards reads clean"] += 1


CSV = "term,subject,grade,mean_score,pass_rate\n1,Mathematics,P4,55,60\n"


def _import(s: Session, w: World, username: str, target: str) -> tuple[Any, list[str]]:
    viewer = load_viewer(s, w.usernames[username])
    school_id = w.school(TARGETS[target]).id
    nested = s.begin_nested()
    before = fingerprint(s)
    s.info[ACTOR_KEY] = actor_of(viewer)
    try:
        outcome = _call(
            import_assessment_results, s, viewer, school_id, CSV, default_year=YEAR, today_year=YEAR
        )
        return outcome, changed_tables(before, fingerprint(s))
    finally:
        s.info[ACTOR_KEY] = None
        nested.rollback()
        s.expire_all()


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("username", DEMO_PEOPLE)
def test_an_assessment_import_is_written_only_by_the_schools_staff_or_the_administrator(
    dash_db: Session, world: World, username: str, target: str
) -> None:
    exp = EXPECTED[username]
    school = world.school(TARGETS[target])
    allowed = username in IMPORTERS and exp.reaches(school.code, school.district)
    outcome, changed = _import(dash_db, world, username, target)
    if allowed:
        assert outcome is not AccessDenied and outcome.ok
        assert set(changed) >= {"assessment_result", "audit_log"}, changed
        TALLY["dashboards write controls"] += 1
    else:
        assert outcome is AccessDenied
        assert changed == []


def test_every_function_of_the_dashboards_that_takes_a_viewer_is_in_this_matrix() -> None:
    found = set()
    for rel in MODULES:
        module = rel.removesuffix(".py").replace("/", ".")
        for node in ast.parse((ROOT / rel).read_text()).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                params = [*node.args.args, *node.args.kwonlyargs]
                if any(a.annotation is not None and "Viewer" in ast.unparse(a.annotation) for a in params):
                    found.add(f"{module}.{node.name}")
    assert found == set(READS) | WRITES | NOT_DATA
