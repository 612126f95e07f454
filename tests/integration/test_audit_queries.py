"""Reading the audit trail: admins see everything, a head teacher their school, others nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from cop.access import AccessDenied
from db.access import load_viewer
from db.audit import ACTOR_KEY, Actor
from db.models import AuditLog, Cop, School
from db.queries.audit import AuditEntry, audit_entries, audit_tables
from tests import factories as f


@dataclass
class World:
    home: School
    other: School
    home_cop: Cop
    other_cop: Cop
    admin_id: str
    head_id: str


@pytest.fixture
def world(session: Session) -> World:
    home, other = f.school(session, name="Home school"), f.school(session, name="Other school")
    admin = f.person(session, role="admin")
    head = f.person(session, role="head_teacher", school=home)
    session.info[ACTOR_KEY] = Actor(str(admin.id), "admin")
    home_cop, other_cop = f.cop(session, home, name="Home CoP"), f.cop(session, other, name="Other CoP")
    home_cop.name = "Home CoP renamed"
    session.flush()
    return World(home, other, home_cop, other_cop, str(admin.id), str(head.id))


def _records(entries: list[AuditEntry]) -> set[str]:
    return {e.record_id for e in entries}


def test_an_admin_sees_changes_in_every_school_with_the_actors_name(session: Session, world: World) -> None:
    entries = audit_entries(session, load_viewer(session, world.admin_id), table="cop")
    assert {str(world.home_cop.id), str(world.other_cop.id)} <= _records(entries)
    mine = [e for e in entries if e.record_id == str(world.home_cop.id)]
    assert {e.action for e in mine} == {"insert", "update"}
    assert all(e.actor_name is not None and e.actor_role == "admin" for e in mine)
    assert {e.school for e in mine} == {"Home school"}


def test_a_head_teacher_sees_only_their_own_schools_rows(session: Session, world: World) -> None:
    entries = audit_entries(session, load_viewer(session, world.head_id))
    assert str(world.home_cop.id) in _records(entries)
    assert str(world.other_cop.id) not in _records(entries)
    assert {e.school for e in entries} == {"Home school"}


@pytest.mark.parametrize(
    ("role", "school", "district"),
    [
        ("teacher", True, None),
        ("facilitator", True, None),
        ("district_officer", False, "Kirehe"),
        ("national_officer", False, None),
    ],
)
def test_other_roles_are_refused_by_the_data_layer(
    session: Session, world: World, role: str, school: bool, district: str | None
) -> None:
    who = f.person(session, role=role, school=world.home if school else None, district_name=district)
    viewer = load_viewer(session, who.id)
    with pytest.raises(AccessDenied):
        audit_entries(session, viewer)
    with pytest.raises(AccessDenied):
        audit_tables(session, viewer)


def test_filters_by_table_action_and_actor_name(session: Session, world: World) -> None:
    admin = load_viewer(session, world.admin_id)
    updates = audit_entries(session, admin, table="cop", action="update")
    assert {e.record_id for e in updates} >= {str(world.home_cop.id)}
    assert all(e.table_name == "cop" and e.action == "update" for e in updates)
    actor_name = updates[0].actor_name
    assert actor_name is not None
    by_name = audit_entries(session, admin, actor_query=actor_name.split()[-1].upper())
    assert by_name and all(e.actor_name == actor_name for e in by_name)
    assert audit_entries(session, admin, actor_query="%") == []  # a wildcard is taken literally


def test_date_filters_are_inclusive_utc_days(session: Session, world: World) -> None:
    admin = load_viewer(session, world.admin_id)
    day = date(2026, 3, 14)
    session.execute(
        update(AuditLog)
        .where(AuditLog.record_id == str(world.other_cop.id))
        .values(at=datetime(2026, 3, 14, 23, 59, 59, tzinfo=UTC))
    )
    found = audit_entries(session, admin, since=day, until=day)
    assert _records(found) == {str(world.other_cop.id)}
    assert audit_entries(session, admin, since=day + timedelta(days=1), until=day + timedelta(days=1)) == []


def test_the_newest_come_first_and_the_limit_holds(session: Session, world: World) -> None:
    admin = load_viewer(session, world.admin_id)
    entries = audit_entries(session, admin, limit=3)
    assert len(entries) == 3
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)


def test_an_unknown_action_is_a_programming_error(session: Session, world: World) -> None:
    with pytest.raises(ValueError):
        audit_entries(session, load_viewer(session, world.admin_id), action="drop")


def test_the_table_filter_lists_tables_in_reach(session: Session, world: World) -> None:
    assert {"cop", "person", "school"} <= set(audit_tables(session, load_viewer(session, world.admin_id)))
    # The school row itself, its CoPs, and its people (the head teacher was created there).
    assert audit_tables(session, load_viewer(session, world.head_id)) == ["cop", "person", "school"]


def test_the_summary_says_what_changed_in_short(session: Session, world: World) -> None:
    admin = load_viewer(session, world.admin_id)
    update_row = next(
        e for e in audit_entries(session, admin, action="update") if e.record_id == str(world.home_cop.id)
    )
    assert update_row.summary == "name: Home CoP → Home CoP renamed"
    insert_row = next(
        e for e in audit_entries(session, admin, action="insert") if e.record_id == str(world.home_cop.id)
    )
    assert "name: Home CoP" in insert_row.summary
