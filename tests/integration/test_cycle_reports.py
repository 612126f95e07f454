"""Cycle reports on PostgreSQL: built from a closed cycle's records, read in reach, acknowledged once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied
from cop.cycle_report import NotAcknowledgeable
from db.access import load_viewer
from db.cycle_reports import acknowledge_cycle_report, cycle_report, cycle_reports, produce_cycle_report
from db.models import (
    Attendance,
    Challenge,
    ConsolidationOutput,
    CopCycle,
    CycleEvaluation,
    CycleReport,
    DisseminationPlan,
    LessonLearnt,
    TryoutPlan,
)
from tests import factories as f


@pytest.fixture
def closed(session: Session) -> dict:
    school = f.school(session)
    ht = f.person(session, role="head_teacher", school=school)
    sbm = f.person(session, role="facilitator", school=school)
    member = f.person(session, role="teacher", school=school)
    outsider = f.person(session, role="teacher", school=school)
    cop = f.cop(session, school, members=[member])
    cycle = f.cycle(session, cop)
    first = f.held_session(session, cycle, kind="first", on=date(2026, 2, 3))
    f.held_session(session, cycle, kind="last", on=date(2026, 5, 30))
    session.add_all(
        [
            Attendance(session_id=first.id, person_id=member.id, present=True),
            Attendance(session_id=first.id, person_id=sbm.id, present=False),
        ]
    )
    challenge = Challenge(
        school_id=school.id,
        cycle_id=cycle.id,
        session_id=first.id,
        title="Girls rarely answer",
        evidence_kind="lesson_observation",
        topic="gender",
        control="direct",
        is_priority=True,
        priority_rank=1,
    )
    session.add(challenge)
    session.flush()
    session.add_all(
        [
            TryoutPlan(challenge_id=challenge.id, attempt_no=1, activities="Name sticks", effective=True),
            LessonLearnt(cycle_id=cycle.id, text="Pairs help shy learners"),
            ConsolidationOutput(school_id=school.id, cycle_id=cycle.id, kind="lesson_plan", title="Plan"),
            DisseminationPlan(school_id=school.id, cycle_id=cycle.id, audience="colleagues", channel="Staff"),
            CycleEvaluation(cycle_id=cycle.id, effectiveness=4, inquiry=3),
        ]
    )
    cycle.phase, cycle.closed_at = "closed", datetime(2026, 6, 10, tzinfo=UTC)
    session.flush()
    other_school = f.school(session)
    return {
        "cycle": cycle,
        "ht": load_viewer(session, ht.id),
        "sbm": load_viewer(session, sbm.id),
        "member": load_viewer(session, member.id),
        "outsider": load_viewer(session, outsider.id),
        "other_ht": load_viewer(session, f.person(session, role="head_teacher", school=other_school).id),
        "officer": load_viewer(
            session, f.person(session, role="district_officer", district_name="Kirehe").id
        ),
    }


def test_the_report_is_built_from_the_closed_cycles_records(session: Session, closed: dict) -> None:
    view = cycle_report(session, closed["sbm"], closed["cycle"].id)
    facts = view.facts
    assert [s.kind for s in facts.sessions] == ["first", "last"]
    assert facts.attendance_rate == 0.5
    assert facts.priorities[0].title == "Girls rarely answer" and facts.priorities[0].effective
    assert facts.lessons == ("Pairs help shy learners",)
    assert facts.outputs[0].title == "Plan" and facts.dissemination[0].channel == "Staff"
    assert facts.evaluation is not None and facts.evaluation.effectiveness == 4
    assert "Priority: Girls rarely answer - 1 try-out(s), effective." in view.body
    assert not view.may_acknowledge


def test_the_head_teacher_acknowledges_once_and_who_and_when_are_kept(session: Session, closed: dict) -> None:
    cid = closed["cycle"].id
    assert cycle_report(session, closed["ht"], cid).may_acknowledge
    first = acknowledge_cycle_report(session, closed["ht"], cid)
    stamped = session.get(CycleReport, first)
    assert stamped is not None and str(stamped.acknowledged_by_id) == closed["ht"].person_id
    when = stamped.acknowledged_at
    assert acknowledge_cycle_report(session, closed["ht"], cid) == first
    assert session.get(CycleReport, first).acknowledged_at == when
    view = cycle_report(session, closed["member"], cid)
    assert view.acknowledged_at == when and not view.may_acknowledge


def test_a_stored_report_keeps_its_text_when_produced_again(session: Session, closed: dict) -> None:
    rid = produce_cycle_report(session, closed["sbm"], closed["cycle"].id)
    assert produce_cycle_report(session, closed["sbm"], closed["cycle"].id) == rid
    assert session.scalar(select(func.count()).where(CycleReport.cycle_id == closed["cycle"].id)) == 1


def test_others_cannot_acknowledge_and_outsiders_cannot_read(session: Session, closed: dict) -> None:
    cid = closed["cycle"].id
    for who in ("sbm", "member", "officer"):
        with pytest.raises(AccessDenied):
            acknowledge_cycle_report(session, closed[who], cid)
    for who in ("other_ht", "outsider"):
        with pytest.raises(AccessDenied):
            cycle_report(session, closed[who], cid)
        assert all(r.cycle_id != str(cid) for r in cycle_reports(session, closed[who]))
    assert session.scalar(select(func.count()).where(CycleReport.cycle_id == cid)) == 0
    assert [r.cycle_id for r in cycle_reports(session, closed["officer"], awaiting_only=True)].count(
        str(cid)
    ) == 1


def test_a_cycle_still_running_has_no_report(session: Session, closed: dict) -> None:
    cycle: CopCycle = closed["cycle"]
    cycle.phase, cycle.closed_at = "disseminating", None
    session.flush()
    with pytest.raises(AccessDenied, match="not closed yet"):
        cycle_report(session, closed["ht"], cycle.id)
    with pytest.raises(NotAcknowledgeable):
        acknowledge_cycle_report(session, closed["ht"], cycle.id)
