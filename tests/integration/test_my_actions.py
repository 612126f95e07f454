"""My actions on PostgreSQL: only one's own, from every source with where it came from, ticked off by the
owner only, version-checked and audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer
from cop.errors import EditConflict, ValidationError
from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.models import ActionItem, AuditLog, CopSession, FieldVisit, MonitoringVisit
from db.tools.actions import my_actions, set_action_status
from tests import factories as f

ON = date(2026, 3, 3)


@pytest.fixture
def world(session: Session) -> dict:
    school = f.school(session, name="Actions school")
    sbm = f.person(session, role="facilitator", school=school)
    sbm.full_name = "Sandrine SBM"
    ht = f.person(session, role="head_teacher", school=school)
    ht.full_name = "Hakizimana HT"
    urce = f.person(session, role="field_facilitator")
    urce.full_name = "Umutoni URCE"
    dde = f.person(session, role="district_officer", district_name="Kirehe")
    dde.full_name = "Dusabe DDE"
    cop = f.cop(session, school, name="P5 teachers CoP")
    cycle = f.cycle(session, cop)
    middle = f.held_session(session, cycle, kind="middle", on=ON)
    middle.led_by_id = sbm.id
    reflection = CopSession(school_id=school.id, kind="reflection", session_date=ON, led_by_id=ht.id)
    visit = FieldVisit(school_id=school.id, facilitator_id=urce.id, sbm_id=sbm.id, visit_date=ON)
    monitoring = MonitoringVisit(school_id=school.id, visitor_id=dde.id, visit_date=ON)
    session.add_all([reflection, visit, monitoring])
    session.flush()
    sources = {
        "session": {"session_id": middle.id, "cycle_id": cycle.id},
        "reflection": {"session_id": reflection.id},
        "field_visit": {"field_visit_id": visit.id},
        "monitoring": {"monitoring_visit_id": monitoring.id},
    }
    actions = {}
    for source, link in sources.items():
        row = ActionItem(
            school_id=school.id,
            source=source,
            description=f"From {source}",
            owner_id=sbm.id,
            due_on=ON,
            **link,
        )
        session.add(row)
        actions[source] = row
    actions["cancelled"] = ActionItem(
        school_id=school.id, source="session", description="Dropped", owner_id=sbm.id, status="cancelled"
    )
    actions["theirs"] = ActionItem(
        school_id=school.id, source="session", description="HT's own", owner_id=ht.id
    )
    session.add_all([actions["cancelled"], actions["theirs"]])
    session.flush()
    return {"sbm": sbm, "ht": ht, "actions": actions}


@pytest.fixture
def as_(session: Session, world: dict) -> Callable[[str], Viewer]:
    def viewer(who: str) -> Viewer:
        v = load_viewer(session, world[who].id)
        session.info[ACTOR_KEY] = actor_of(v)
        return v

    return viewer


def test_my_actions_come_from_every_source_and_say_where_from(
    session: Session, world: dict, as_: Callable
) -> None:
    mine = {a.description: a.origin for a in my_actions(session, as_("sbm"))}
    assert mine == {
        "From session": "P5 teachers CoP, middle session on 3 Mar 2026",
        "From reflection": "Reflection session led by Hakizimana HT on 3 Mar 2026",
        "From field_visit": "Field visit by Umutoni URCE on 3 Mar 2026",
        "From monitoring": "Monitoring visit by Dusabe DDE on 3 Mar 2026",
    }
    assert [a.description for a in my_actions(session, as_("ht"))] == ["HT's own"]


def test_the_owner_marks_an_action_done_and_reopens_it_each_change_audited(
    session: Session, world: dict, as_: Callable
) -> None:
    action = world["actions"]["field_visit"]
    sbm = as_("sbm")
    set_action_status(session, sbm, action_id=str(action.id), version=action.version, done=True)
    assert action.status == "done" and action.done_at is not None
    set_action_status(session, sbm, action_id=str(action.id), version=action.version, done=False)
    assert action.status == "open" and action.done_at is None
    audited = session.scalars(
        select(AuditLog.after).where(AuditLog.record_id == str(action.id), AuditLog.action == "update")
    ).all()
    assert [a["status"] for a in audited] == ["done", "open"]


def test_a_repeated_click_changes_nothing_and_a_stale_version_is_refused(
    session: Session, world: dict, as_: Callable
) -> None:
    action = world["actions"]["session"]
    shown = action.version
    sbm = as_("sbm")
    set_action_status(session, sbm, action_id=str(action.id), version=shown, done=True)
    audit_rows = session.scalar(select(func.count()).select_from(AuditLog))
    set_action_status(session, sbm, action_id=str(action.id), version=shown, done=True)  # the double click
    assert session.scalar(select(func.count()).select_from(AuditLog)) == audit_rows
    with pytest.raises(EditConflict) as conflict:
        set_action_status(session, sbm, action_id=str(action.id), version=shown, done=False)
    assert conflict.value.theirs["status"] == "done"


def test_nobody_ticks_off_another_persons_action_and_nothing_is_written(
    session: Session, world: dict, as_: Callable
) -> None:
    before = session.scalar(select(func.count()).select_from(AuditLog))
    theirs = world["actions"]["theirs"]
    with pytest.raises(AccessDenied):
        set_action_status(session, as_("sbm"), action_id=str(theirs.id), version=theirs.version, done=True)
    with pytest.raises(AccessDenied):
        set_action_status(session, as_("sbm"), action_id="not-an-id", version=1, done=True)
    cancelled = world["actions"]["cancelled"]
    with pytest.raises(ValidationError):
        set_action_status(session, as_("sbm"), action_id=str(cancelled.id), version=1, done=True)
    assert theirs.status == "open" and cancelled.status == "cancelled"
    assert session.scalar(select(func.count()).select_from(AuditLog)) == before


def test_open_actions_come_first_by_due_date(session: Session, world: dict, as_: Callable) -> None:
    sbm = world["sbm"]
    late = ActionItem(
        school_id=sbm.school_id,
        source="session",
        description="Later",
        owner_id=sbm.id,
        due_on=ON + timedelta(9),
    )
    session.add(late)
    session.flush()
    set_action_status(
        session, as_("sbm"), action_id=str(world["actions"]["monitoring"].id), version=1, done=True
    )
    order = [a.description for a in my_actions(session, as_("sbm"))]
    assert order[-2:] == ["Later", "From monitoring"]
