"""The access matrix: every demo role × every page × {own school, same district, other district}, every
data-access function, and every administrative write, each as that person.

What each person may reach is written down in tests/matrix_support.py from the rules ("Who uses it" in
DESIGN.md and the demo's assignments), not read from the code under test.

Tiers (parametrized, so pytest's count is the case count; a summary line per tier is printed at the end):
- pages: 8 people × every file in pages/ × 3 target schools, on the committed demo database: 144 cases
  with the six pages the matrix was written for, 24 more for each page added (168 with self_assessment);
- functions: 8 people × 11 read functions of db.queries.*, db.admin and db.account = 88 cases, each calling
  its function for every demo school, CoP or person it takes (760 calls), every returned row held against
  the person's reach;
- writes: the 14 writes of db.admin, each aimed at a school outside the person's administrative reach:
  19 person × target pairs = 266 attempts that must be refused and change no table; plus 14 × 3 = 42
  controls where the administrator's identical attempt succeeds (so each refusal is about access alone,
  and the fingerprint does see a write when there is one); plus a check that the own-account functions
  only ever get the viewer's own id;
- nothing forgotten: every public function of db.queries.*, db.admin and db.account, and every function
  under db/ that takes a viewer, is in the matrix or in a package named in NOT_IN_MATRIX with a reason.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

import db.queries
from cop.access import AccessDenied, Page, Viewer, pages_for
from cop.validation import PEOPLE_COLUMNS, SCHOOL_COLUMNS, CopInput, PersonInput, SchoolInput
from cop.vocab import Role
from db import admin
from db.access import actor_of, load_viewer
from db.account import account_summary
from db.audit import ACTOR_KEY, Actor
from db.demo import seed_demo_if_empty
from db.engine import session_scope
from db.models import Cop, Person, School
from db.queries import audit as audit_queries
from db.queries import overview
from tests.matrix_support import (
    DEMO_PEOPLE,
    DEMO_SCHOOLS,
    EXPECTED,
    TALLY,
    TARGETS,
    Expected,
    SchoolFact,
    World,
    changed_tables,
    fingerprint,
    leaked,
    load_world,
    page_text,
)
from tests.test_access_matrix_tools import READS as TOOL_READS
from tests.test_access_matrix_tools import WRITES as TOOL_WRITES
from ui import state

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))


# --- tier 1: pages, as each person, on the committed demo database ------------------------------------


@pytest.fixture(scope="module")
def page_world(app_env: str) -> World:
    """The facts of the committed demo database, after leaving audited edits in each of its schools."""
    eng = create_engine(app_env)
    try:
        _leave_audited_edits_in_every_school(eng)
        with Session(eng) as s:
            return load_world(s)
    finally:
        eng.dispose()


def _leave_audited_edits_in_every_school(eng: Engine) -> None:
    """The demo has no audit trail: each head teacher renames a CoP of their school and back, committed
    (as tests/ui does), so the audit page has rows, actors and school names in every school to leak."""
    for code in DEMO_SCHOOLS:
        with session_scope(eng) as s:
            head = s.scalar(
                select(Person)
                .join(School, School.id == Person.school_id)
                .where(School.code == code, Person.role == Role.HEAD_TEACHER)
                .order_by(Person.username)
            )
            assert head is not None
            viewer = load_viewer(s, head.id)
        with session_scope(eng, actor=actor_of(viewer)) as s:
            cop = s.scalars(
                select(Cop)
                .join(School, School.id == Cop.school_id)
                .where(School.code == code)
                .order_by(Cop.name)
            ).first()
            assert cop is not None
            original = cop.name
            cop.name = f"{original} (checked)"
            s.flush()
            cop.name = original


def _signed_in(page: str, person_id: str) -> AppTest:
    """The page file as AppTest runs it (without app.py, as a direct URL would), signed in as the person."""
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=30)
    at.session_state[state.PERSON_ID] = person_id
    at.session_state[state.SIGNED_IN_AT] = datetime.now(UTC)
    return at


def _has_school_picker(page: str) -> bool:
    return "school_picker(" in (ROOT / "pages" / page).read_text()


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("username", DEMO_PEOPLE)
def test_a_page_shows_a_person_only_what_their_role_reaches(
    page_world: World, username: str, page: str, target: str
) -> None:
    TALLY["pages run"] += 1
    world, exp = page_world, EXPECTED[username]
    me = world.person(username)
    school = world.school(TARGETS[target])
    at = _signed_in(page, me.id)
    at.query_params["school"] = school.id
    at.run()

    assert not at.exception
    assert "Sign in" not in [b.label for b in at.button]
    shown = page_text(at)
    assert leaked(shown, world.forbidden_words(username)) == []
    if Page(Path(page).stem) not in pages_for(Role(me.role)):
        assert at.error, "a page the role may not open says so"
        assert len(at.dataframe) == 0 and len(at.title) == 0
    else:
        assert [e.value for e in at.error] == []
        assert len(at.title) >= 1
        if _has_school_picker(page):
            chosen = at.session_state[state.SCHOOL_ID]
            assert world.school_reached(exp, chosen)
            if exp.reaches(school.code, school.district):
                assert chosen == school.id
                assert school.name in shown
            else:
                assert chosen != school.id
        own_data = OWN_DATA.get(Path(page).stem)
        if own_data is not None:
            own_data(world, exp, username, at, shown, school)
    TALLY["pages clean"] += 1


def _assert_the_overview_shows_its_school_in_full(
    world: World, exp: Expected, username: str, at: AppTest, shown: str, target: SchoolFact
) -> None:
    """Own data renders: the school asked for (or, out of reach, one in reach) with the CoPs one may see."""
    title = at.title[0].value
    if exp.reaches(target.code, target.district):
        assert title == target.name
        school_id = target.id
    else:
        school_id = next(s.id for s in world.schools.values() if s.name == title)
        assert world.school_reached(exp, school_id)
    cops = {c for c, sid in world.cop_school.items() if sid == school_id}
    if exp.own_cops_only:
        cops &= world.memberships.get(world.usernames[username], set())
    assert cops, "there is something of one's own to see"
    assert [world.cop_name[c] for c in cops if world.cop_name[c] not in shown] == []


def _in_reach(world: World, exp: Expected) -> list[SchoolFact]:
    return [world.school(code) for code in DEMO_SCHOOLS if world.school_reached(exp, world.school(code).id)]


def _assert_the_audit_trail_shows_the_edits_in_reach(
    world: World, exp: Expected, username: str, at: AppTest, shown: str, target: SchoolFact
) -> None:
    assert at.dataframe, "the edits made in the schools in reach are listed"
    assert [s.name for s in _in_reach(world, exp) if s.name not in at.dataframe[0].value.to_csv()] == []


def _assert_the_people_list_shows_the_head_teachers_in_reach(
    world: World, exp: Expected, username: str, at: AppTest, shown: str, target: SchoolFact
) -> None:
    heads = [
        p.full_name
        for s in _in_reach(world, exp)
        for p in world.people.values()
        if p.school_id == s.id and p.role == Role.HEAD_TEACHER
    ]
    assert heads and [h for h in heads if h not in shown] == []


def _assert_the_school_list_shows_the_schools_in_reach(
    world: World, exp: Expected, username: str, at: AppTest, shown: str, target: SchoolFact
) -> None:
    codes = [s.code for s in _in_reach(world, exp)]
    assert codes and [c for c in codes if c not in at.dataframe[0].value.to_csv()] == []


def _assert_the_account_is_ones_own(
    world: World, exp: Expected, username: str, at: AppTest, shown: str, target: SchoolFact
) -> None:
    assert world.person(username).full_name in shown
    assert f"`{username}`" in shown


# Own data renders: what each page must show of the person's own reach (every page gets the leak checks).
OWN_DATA: dict[str, Callable[[World, Expected, str, AppTest, str, SchoolFact], None]] = {
    Page.SCHOOL_OVERVIEW: _assert_the_overview_shows_its_school_in_full,
    Page.AUDIT_LOG: _assert_the_audit_trail_shows_the_edits_in_reach,
    Page.ADMIN_PEOPLE: _assert_the_people_list_shows_the_head_teachers_in_reach,
    Page.ADMIN_SCHOOLS: _assert_the_school_list_shows_the_schools_in_reach,
    Page.ACCOUNT: _assert_the_account_is_ones_own,
}


# --- the database for tiers 2 and 3: the demo, seeded inside one rolled-back transaction -------------------


@pytest.fixture(scope="module")
def demo_db(engine: Engine) -> Iterator[Session]:
    """The demo seeded in a transaction rolled back at the end of the module (like `session`, but shared
    by the module's tests: seeding once keeps the matrix fast), with an audit trail in every school."""
    with engine.connect() as conn:
        outer = conn.begin()
        s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            assert seed_demo_if_empty(s.connection())
            _write_audited_changes_in_every_school(s)
            yield s
        finally:
            s.close()
            outer.rollback()


def _write_audited_changes_in_every_school(s: Session) -> None:
    """The demo writes no audit rows: edit a school, a CoP and a person of each school as the admin."""
    me = s.scalar(select(Person).where(Person.username == "admin"))
    assert me is not None
    s.info[ACTOR_KEY] = Actor(str(me.id), me.role)
    for school in s.scalars(select(School)):
        school.sector = f"{school.sector} (checked)"
        cop = s.scalars(select(Cop).where(Cop.school_id == school.id).order_by(Cop.name)).first()
        assert cop is not None
        cop.grade = f"{cop.grade or ''} matrix".strip()
        person = s.scalars(
            select(Person).where(Person.school_id == school.id).order_by(Person.username)
        ).first()
        assert person is not None
        person.job_title = "Checked by the access matrix"
    s.flush()
    s.info[ACTOR_KEY] = None


@pytest.fixture(scope="module")
def world(demo_db: Session) -> World:
    return load_world(demo_db)


# --- tier 2: every read function, as each person, for every school / CoP / person it takes -----------------

REFUSED = object()


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The function's answer, or REFUSED when it raises AccessDenied; counted as one call."""
    TALLY["function calls"] += 1
    try:
        return fn(*args, **kwargs)
    except AccessDenied:
        return REFUSED


def _rows(rows: list[Any]) -> list[Any]:
    TALLY["rows checked"] += len(rows)
    return rows


def _check_schools_in_reach(s: Session, w: World, v: Viewer, exp: Expected) -> None:
    got = _call(overview.schools_in_reach, s, v)
    assert got is not REFUSED
    ids = {r.id for r in _rows(got)}
    assert {i for i in ids if not w.school_reached(exp, i)} == set()
    assert ids == {i for i, f in w.schools.items() if f.is_active and w.school_reached(exp, i)}


def _check_school_overview(s: Session, w: World, v: Viewer, exp: Expected) -> None:
    member_of = w.memberships.get(v.person_id, set())
    for school_id in w.schools:
        got = _call(overview.school_overview, s, v, school_id)
        if not w.school_reached(exp, school_id):
            assert got is REFUSED, w.schools[school_id].code
            continue
        assert got is not REFUSED and got.school_id == school_id
        for cop in _rows(got.cops):
            assert w.cop_school[cop.id] == school_id
            assert not exp.own_cops_only or cop.id in member_of
        for cycle in _rows(got.cycles):
            cycle_school, cycle_cop = w.cycles[cycle.id]
            assert cycle_school == school_id
            assert not exp.own_cops_only or cycle_cop in member_of
        for row in _rows(got.recent_sessions):
            session_school, session_cop = w.sessions[row.id]
            assert session_school == school_id
            # A whole-school session (no CoP) tells a teacher nothing about CoPs they are not in.
            assert not exp.own_cops_only or session_cop is None or session_cop in member_of


def _check_audit_entries(s: Session, w: World, v: Viewer, exp: Expected) -> None:
    for table in (None, "school", "cop", "person"):
        got = _call(audit_queries.audit_entries, s, v, table=table)
        if got is REFUSED:
            assert not exp.reads_audit
            continue
        assert got, "the audit trail shows the changes in reach"
        for entry in _rows(got):
            assert w.school_reached(exp, w.audit_school[entry.id]), entry


def _check_audit_tables(s: Session, w: World, v: Viewer, exp: Expected) -> None:
    got = _call(audit_queries.audit_tables, s, v)
    if got is REFUSED:
        assert not exp.reads_audit
        return
    in_reach = {w.audit_table[i] for i, sid in w.audit_school.items() if w.school_reached(exp, sid)}
    assert set(_rows(got)) == in_reach


def _check_people_in_reach(s: Session, w: World, v: Viewer, exp: Expected) -> None:
    for school_id in (None, *w.schools):
        got = _call(admin.people_in_reach, s, v, school_id=school_id, active=None, limit=admin.MAX_LIST)
        if got is REFUSED:
            assert not exp.administers
            continue
        for row in _rows(got):
            assert w.person_reached(exp, row.id), row.username
        if school_id is not None and exp.administers and w.school_reached(exp, school_id):
            assert got, "an administrator sees the staff of a school in reach"


def _check_schools_in_admin_reach(s: Session, w: World, v: Viewer, exp: Expected) -> None:
    got = _call(admin.schools_in_admin_reach, s, v, limit=admin.MAX_LIST)
    if got is REFUSED:
        assert not exp.administers
        return
    ids = {r.id for r in _rows(got)}
    assert ids == {i for i in w.schools if w.school_reached(exp, i)}


def _check_districts_in_admin_reach(s: Session, w: World, v: Viewer, exp: Expected) -> None:
    got = _call(admin.districts_in_admin_reach, s, v)
    if got is REFUSED:
        assert not exp.administers
        return
    assert got
    assert [d.name for d in _rows(got) if not w.district_reached(exp, d.id)] == []


def _check_cops_of_school(s: Session, w: World, v: Viewer, exp: Expected) -> None:
    for school_id in w.schools:
        got = _call(admin.cops_of_school, s, v, school_id=school_id)
        if got is REFUSED:
            assert not (exp.administers and w.school_reached(exp, school_id))
            continue
        assert w.school_reached(exp, school_id), w.schools[school_id].code
        assert got
        assert [c.name for c in _rows(got) if w.cop_school[c.id] != school_id] == []


def _check_members_of_cop(s: Session, w: World, v: Viewer, exp: Expected) -> None:
    for cop_id, school_id in w.cop_school.items():
        got = _call(admin.members_of_cop, s, v, cop_id=cop_id, include_past=True)
        if got is REFUSED:
            assert not (exp.administers and w.school_reached(exp, school_id))
            continue
        assert w.school_reached(exp, school_id), w.cop_name[cop_id]
        assert [m.username for m in _rows(got) if not w.person_reached(exp, m.person_id)] == []


def _check_assignments_of(s: Session, w: World, v: Viewer, exp: Expected) -> None:
    for person_id in w.people:
        got = _call(admin.assignments_of, s, v, person_id=person_id)
        if got is REFUSED:
            continue
        assert exp.administers and w.person_reached(exp, person_id), w.people[person_id].username
        _rows([*got.district_ids, *got.school_ids, *got.sbm_ids])
        assert {d for d in got.district_ids if not w.district_reached(exp, d)} == set()
        assert {i for i in got.school_ids if not w.school_reached(exp, i)} == set()
        assert {p for p in got.sbm_ids if not w.person_reached(exp, p)} == set()


def _check_account_summary(s: Session, w: World, v: Viewer, exp: Expected) -> None:
    """Own only: it takes the person's own id (the page passes viewer.person_id, checked below)."""
    got = _call(account_summary, s, v.person_id)
    assert _rows([got])[0].username == w.people[v.person_id].username


READS: dict[str, Callable[[Session, World, Viewer, Expected], None]] = {
    "db.queries.overview.schools_in_reach": _check_schools_in_reach,
    "db.queries.overview.school_overview": _check_school_overview,
    "db.queries.audit.audit_entries": _check_audit_entries,
    "db.queries.audit.audit_tables": _check_audit_tables,
    "db.admin.people_in_reach": _check_people_in_reach,
    "db.admin.schools_in_admin_reach": _check_schools_in_admin_reach,
    "db.admin.districts_in_admin_reach": _check_districts_in_admin_reach,
    "db.admin.cops_of_school": _check_cops_of_school,
    "db.admin.members_of_cop": _check_members_of_cop,
    "db.admin.assignments_of": _check_assignments_of,
    "db.account.account_summary": _check_account_summary,
}


@pytest.mark.parametrize("function", list(READS))
@pytest.mark.parametrize("username", DEMO_PEOPLE)
def test_every_row_a_data_function_returns_lies_in_the_persons_reach(
    demo_db: Session, world: World, username: str, function: str
) -> None:
    TALLY["functions run"] += 1
    viewer = load_viewer(demo_db, world.usernames[username])
    READS[function](demo_db, world, viewer, EXPECTED[username])
    TALLY["functions clean"] += 1


# --- tier 3: every administrative write, aimed outside the person's reach ----------------------------------

PASSWORD = "a long access matrix password"
# An import refuses a row it may not write by naming the field, instead of raising.
ACCESS_FIELDS = {"school_code", "district", "role"}
Attempt = Callable[[Session, Viewer], Any]


def _teacher_of(w: World, school: SchoolFact) -> str:
    teachers = [p for p in w.people.values() if p.school_id == school.id and p.role == Role.TEACHER]
    return min(teachers, key=lambda p: p.username).id


def _cop_of(w: World, school: SchoolFact) -> str:
    return min((c for c, sid in w.cop_school.items() if sid == school.id), key=w.cop_name.__getitem__)


def _members_of(w: World, cop_id: str) -> set[str]:
    return {p for p, cops in w.memberships.items() if cop_id in cops}


def _create_person(s: Session, w: World, t: SchoolFact) -> Attempt:
    data = PersonInput(
        username="matrix.newcomer", full_name="Matrix Newcomer", role="teacher", school_code=t.code
    )
    return lambda s, v: admin.create_person(s, v, data=data, password=PASSWORD)


def _update_person(s: Session, w: World, t: SchoolFact) -> Attempt:
    p = s.get(Person, uuid.UUID(_teacher_of(w, t)))
    assert p is not None
    data = PersonInput(
        username=p.username,
        full_name="Matrix Renamed",
        role=p.role,
        email=p.email,
        school_code=t.code,
        job_title=p.job_title,
        subject=p.subject,
        is_new_teacher=p.is_new_teacher,
        teacher_start_date=p.teacher_start_date,
    )
    person_id, version = p.id, p.version
    return lambda s, v: admin.update_person(s, v, person_id=person_id, version=version, data=data)


def _deactivate_person(s: Session, w: World, t: SchoolFact) -> Attempt:
    person_id = _teacher_of(w, t)
    return lambda s, v: admin.deactivate_person(s, v, person_id=person_id)


def _reactivate_person(s: Session, w: World, t: SchoolFact) -> Attempt:
    person_id = _teacher_of(w, t)
    p = s.get(Person, uuid.UUID(person_id))
    assert p is not None
    p.is_active = False  # so that reactivating would change something
    s.flush()
    return lambda s, v: admin.reactivate_person(s, v, person_id=person_id)


def _reset_password(s: Session, w: World, t: SchoolFact) -> Attempt:
    person_id = _teacher_of(w, t)
    return lambda s, v: admin.reset_password(s, v, person_id=person_id, password=PASSWORD)


def _set_assignments(s: Session, w: World, t: SchoolFact) -> Attempt:
    """The district officer of the target's district, given a second district."""
    officer = w.person("dde.rusizi" if t.district == "Rusizi" else "sei.kirehe")
    districts = [t.district_id, next(d for d in w.districts if d != t.district_id)]
    return lambda s, v: admin.set_assignments(s, v, person_id=officer.id, district_ids=districts)


def _create_school(s: Session, w: World, t: SchoolFact) -> Attempt:
    data = SchoolInput(code="MTX-901", name="Matrix School", district=t.district, level="primary")
    return lambda s, v: admin.create_school(s, v, data=data)


def _update_school(s: Session, w: World, t: SchoolFact) -> Attempt:
    school = s.get(School, uuid.UUID(t.id))
    assert school is not None
    data = SchoolInput(
        code=school.code,
        name=f"{school.name} renamed",
        district=t.district,
        level=school.level,
        sector=school.sector,
        is_active=school.is_active,
    )
    version = school.version
    return lambda s, v: admin.update_school(s, v, school_id=t.id, version=version, data=data)


def _create_cop(s: Session, w: World, t: SchoolFact) -> Attempt:
    data = CopInput(name="Matrix CoP", kind="general", grade="P2")
    return lambda s, v: admin.create_cop(s, v, school_id=t.id, data=data)


def _update_cop(s: Session, w: World, t: SchoolFact) -> Attempt:
    cop = s.get(Cop, uuid.UUID(_cop_of(w, t)))
    assert cop is not None
    facilitator = w.people[str(cop.facilitator_id)].username if cop.facilitator_id else None
    data = CopInput(f"{cop.name} renamed", cop.kind, cop.grade, cop.subject, facilitator, cop.is_active)
    cop_id, version = cop.id, cop.version
    return lambda s, v: admin.update_cop(s, v, cop_id=cop_id, version=version, data=data)


def _add_member(s: Session, w: World, t: SchoolFact) -> Attempt:
    cop_id = _cop_of(w, t)
    inside = _members_of(w, cop_id)
    outsider = min(
        (
            p
            for p in w.people.values()
            if p.school_id == t.id and p.role == Role.TEACHER and p.id not in inside
        ),
        key=lambda p: p.username,
    )
    return lambda s, v: admin.add_member(s, v, cop_id=cop_id, person_id=outsider.id)


def _remove_member(s: Session, w: World, t: SchoolFact) -> Attempt:
    cop_id = _cop_of(w, t)
    member = min(_members_of(w, cop_id))
    return lambda s, v: admin.remove_member(s, v, cop_id=cop_id, person_id=member)


def _import_people_csv(s: Session, w: World, t: SchoolFact) -> Attempt:
    row = {
        "username": "matrix.imported",
        "full_name": "Matrix Imported",
        "role": "teacher",
        "school_code": t.code,
    }
    csv = ",".join(PEOPLE_COLUMNS) + "\n" + ",".join(row.get(c, "") for c in PEOPLE_COLUMNS) + "\n"
    return lambda s, v: admin.import_people_csv(s, v, csv)


def _import_schools_csv(s: Session, w: World, t: SchoolFact) -> Attempt:
    row = {"code": "MTX-902", "name": "Matrix Imported School", "district": t.district, "level": "primary"}
    csv = ",".join(SCHOOL_COLUMNS) + "\n" + ",".join(row.get(c, "") for c in SCHOOL_COLUMNS) + "\n"
    return lambda s, v: admin.import_schools_csv(s, v, csv)


WRITES: dict[str, Callable[[Session, World, SchoolFact], Attempt]] = {
    "db.admin.create_person": _create_person,
    "db.admin.update_person": _update_person,
    "db.admin.deactivate_person": _deactivate_person,
    "db.admin.reactivate_person": _reactivate_person,
    "db.admin.reset_password": _reset_password,
    "db.admin.set_assignments": _set_assignments,
    "db.admin.create_school": _create_school,
    "db.admin.update_school": _update_school,
    "db.admin.create_cop": _create_cop,
    "db.admin.update_cop": _update_cop,
    "db.admin.add_member": _add_member,
    "db.admin.remove_member": _remove_member,
    "db.admin.import_people_csv": _import_people_csv,
    "db.admin.import_schools_csv": _import_schools_csv,
}
# Writes with no viewer by design: they change the signed-in person's own account, by the id the page passes
# (test_the_own_account_functions_only_ever_get_the_viewers_own_id).
OWN_ACCOUNT_WRITES = {"db.account.change_own_password"}
# Public functions that neither read nor write data.
NOT_DATA = {"db.admin.new_one_time_password"}


def _attempt(s: Session, w: World, username: str, function: str, target: SchoolFact) -> tuple[Any, list[str]]:
    """Run one write as the person inside a savepoint: (its outcome or refusal, the tables it changed)."""
    viewer = load_viewer(s, w.usernames[username])
    nested = s.begin_nested()
    try:
        call = WRITES[function](s, w, target)
        before = fingerprint(s)
        s.info[ACTOR_KEY] = actor_of(viewer)
        try:
            outcome = call(s, viewer)
        except AccessDenied as refused:
            outcome = refused
        changed = changed_tables(before, fingerprint(s))
    finally:
        s.info[ACTOR_KEY] = None
        nested.rollback()
        s.expire_all()
    return outcome, changed


def _refused(outcome: Any) -> bool:
    if isinstance(outcome, AccessDenied):
        return True
    return (
        isinstance(outcome, admin.ImportReport)
        and outcome.rows_imported == 0
        and any(e.field in ACCESS_FIELDS for e in outcome.errors)
    )


OUT_OF_REACH = [
    (username, target)
    for username in DEMO_PEOPLE
    for target, code in TARGETS.items()
    if not EXPECTED[username].administers_school(code)
]


@pytest.mark.parametrize("function", list(WRITES))
@pytest.mark.parametrize(("username", "target"), OUT_OF_REACH)
def test_a_write_to_a_school_outside_ones_reach_is_refused_and_writes_nothing(
    demo_db: Session, world: World, username: str, target: str, function: str
) -> None:
    TALLY["writes run"] += 1
    outcome, changed = _attempt(demo_db, world, username, function, world.school(TARGETS[target]))
    assert _refused(outcome), outcome
    assert changed == []
    TALLY["writes clean"] += 1


@pytest.mark.parametrize("function", list(WRITES))
@pytest.mark.parametrize("target", list(TARGETS))
def test_the_administrators_identical_write_succeeds_so_each_refusal_is_about_access(
    demo_db: Session, world: World, target: str, function: str
) -> None:
    outcome, changed = _attempt(demo_db, world, "admin", function, world.school(TARGETS[target]))
    assert not _refused(outcome)
    if isinstance(outcome, admin.ImportReport):
        assert outcome.ok and outcome.rows_imported == 1
    assert "audit_log" in changed and len(changed) >= 2
    TALLY["write controls"] += 1


def test_the_own_account_functions_only_ever_get_the_viewers_own_id() -> None:
    """account_summary and change_own_password take a person id, not a viewer: every call in the app passes
    the signed-in viewer's own id, so nobody reads or changes another person's account through them."""
    own = {"account_summary", "change_own_password"}
    calls = []
    for path in sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py"), ROOT / "app.py"]):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) in own
            ):
                calls.append((path.name, ast.unparse(node.args[1]) if len(node.args) > 1 else None))
    assert {name for name, _ in calls} >= {"account.py", "password_form.py"}
    assert [(name, arg) for name, arg in calls if arg != "viewer.person_id"] == []


# --- nothing forgotten ----------------------------------------------------------------------------------


def _public_functions() -> set[str]:
    """Every public function of db.queries.* (each module, found on disk), db.admin and db.account."""
    names = [f"db.queries.{m.name}" for m in pkgutil.iter_modules(db.queries.__path__)]
    found = set()
    for module_name in (*names, "db.admin", "db.account"):
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            home = getattr(obj, "__module__", "")
            if (
                not name.startswith("_")
                and inspect.isfunction(obj)
                and (home == module_name or home.startswith(f"{module_name}."))
            ):
                found.add(f"{module_name}.{name}")
    return found


def test_every_public_data_function_is_in_the_matrix() -> None:
    """A data function added later must join READS or WRITES above, so the matrix checks it too."""
    listed = set(READS) | set(WRITES) | OWN_ACCOUNT_WRITES | NOT_DATA
    # Modules with a matrix of their own (NOT_IN_MATRIX, below) are checked there.
    found = {
        f for f in _public_functions() if not any(f.startswith(f"{module}.") for module in NOT_IN_MATRIX)
    }
    assert sorted(found - listed) == [], "add these to the access matrix"
    assert sorted(listed - found) == [], "these are gone: remove them from the access matrix"


# Packages with functions that take a viewer but are not in the matrix, each with the reason.
NOT_IN_MATRIX = {
    "db.access": "the reach primitives themselves (load_viewer, school_ids_in_reach, ...), used by all above",
    "db.cycles": "own matrix in tests/test_access_matrix_cycles.py",
    "db.files": "own matrix in tests/test_access_matrix_reports.py",
    "db.cycle_reports": "own matrix in tests/test_access_matrix_reports.py",
    "db.reflection": "own matrix in tests/test_access_matrix_reports.py",
    "db.queries.dashboard_school": "own matrix in tests/test_access_matrix_dashboards.py",
    "db.queries.dashboard_area": "own matrix in tests/test_access_matrix_dashboards.py",
    "db.queries.timeline": "own matrix in tests/test_access_matrix_dashboards.py",
    "db.queries.cycle_progress": "own matrix in tests/test_access_matrix_dashboards.py",
    "db.assessments": "own matrix in tests/test_access_matrix_dashboards.py",
    "db.live": "own matrix in tests/test_access_matrix_live.py",
}


def _functions_taking_a_viewer() -> set[str]:
    """module.function of every public function under db/ with a Viewer parameter (read from the source,
    so a module being written cannot break this)."""
    found = set()
    for path in sorted((ROOT / "db").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                params = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
                if any(a.annotation is not None and "Viewer" in ast.unparse(a.annotation) for a in params):
                    found.add(f"{module}.{node.name}")
    return found


def test_every_function_that_takes_a_viewer_is_in_the_matrix_or_named_as_outside_it() -> None:
    # The monitoring and assessment tools (db/tools) have a matrix of their own.
    listed = set(READS) | set(WRITES) | set(TOOL_READS) | set(TOOL_WRITES)
    missing = []
    for qualified in sorted(_functions_taking_a_viewer()):
        module, name = qualified.rsplit(".", 1)
        if any(module == p or module.startswith(f"{p}.") for p in NOT_IN_MATRIX):
            continue
        # db.admin is a package: its functions are listed under the name they are imported by.
        package = "db.admin" if module.startswith("db.admin.") else module
        if f"{package}.{name}" not in listed:
            missing.append(qualified)
    assert missing == [], "add these to the access matrix"


def test_the_write_tier_aims_at_every_target_school_for_everyone_but_the_administrator() -> None:
    assert {TARGETS[t] for _, t in OUT_OF_REACH} == set(TARGETS.values())
    assert {u for u, _ in OUT_OF_REACH} == set(DEMO_PEOPLE) - {"admin"}
    # Three targets for each person who administers nothing, the other district for the DDE.
    assert len(OUT_OF_REACH) == 6 * 3 + 1
