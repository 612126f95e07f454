"""Session reports on PostgreSQL: generated from records, scoped per role, saved once, conflicts refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer
from cop.errors import EditConflict, ValidationError
from cop.session_report import NotAcknowledgeable, ReportStatus
from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.models import (
    ActionItem,
    Attendance,
    AuditLog,
    Challenge,
    CopSession,
    SessionReport,
    TryoutImplementer,
    TryoutPlan,
)
from db.tools import session_reports as reports
from tests import factories as f


@pytest.fixture
def world(session: Session) -> dict:
    """A Kirehe school with a P4 CoP and a held first session with its records, and people around it."""
    school = f.school(session, name="Report school")
    far = f.school(session, district_name="Rusizi", name="Far school")
    sbm = f.person(session, role="facilitator", school=school)
    member = f.person(session, role="teacher", school=school)
    new = f.person(session, role="teacher", school=school)
    new.is_new_teacher = True
    cop = f.cop(session, school, name="P4 CoP", members=[member, new])
    cop.facilitator_id = sbm.id
    cycle = f.cycle(session, cop)
    first = f.held_session(session, cycle, on=date(2026, 10, 1))
    first.summary, first.aob_notes, first.led_by_id = (
        "Five challenges listed.",
        "Sports day on Friday.",
        sbm.id,
    )
    session.add_all([Attendance(session_id=first.id, person_id=member.id, present=True)])
    session.add(Attendance(session_id=first.id, person_id=new.id, present=False))
    priority = Challenge(
        school_id=school.id,
        cycle_id=cycle.id,
        session_id=first.id,
        title="Learners do not check answers",
        evidence_kind="lesson_observation",
        topic="formative_assessment",
        control="direct",
        is_priority=True,
        priority_rank=1,
    )
    parked = Challenge(
        school_id=school.id,
        cycle_id=cycle.id,
        session_id=first.id,
        title="Too few textbooks",
        evidence_kind="other",
        topic="large_classes",
        control="out_of_control",
    )
    session.add_all([priority, parked])
    session.flush()
    plan = TryoutPlan(
        challenge_id=priority.id,
        planned_in_session_id=first.id,
        activities="Exit tickets",
        start_on=date(2026, 10, 5),
        end_on=date(2026, 10, 23),
    )
    session.add(plan)
    session.flush()
    session.add(TryoutImplementer(plan_id=plan.id, person_id=member.id))
    session.add(
        ActionItem(
            school_id=school.id,
            source="session",
            session_id=first.id,
            cycle_id=cycle.id,
            description="Print exit tickets",
            owner_id=member.id,
            due_on=date(2026, 10, 4),
        )
    )
    other_cop = f.cop(session, school, name="Maths CoP")
    other_session = f.held_session(session, f.cycle(session, other_cop), on=date(2026, 9, 20))
    dde = f.person(session, role="district_officer", district_name="Kirehe")
    f.assign(session, dde, district_id=dde.district_id)
    far_dde = f.person(session, role="district_officer", district_name="Rusizi")
    f.assign(session, far_dde, district_id=far_dde.district_id)
    urce = f.person(session, role="field_facilitator")
    f.assign(session, urce, sbm_id=sbm.id)
    tutor = f.person(session, role="ttc_tutor")
    f.assign(session, tutor, school_id=school.id)
    return {
        "school": school,
        "cop": cop,
        "cycle": cycle,
        "first": first,
        "other_session": other_session,
        "sbm": sbm,
        "member": member,
        "new": new,
        "outsider": f.person(session, role="teacher", school=school),
        "other_sbm": f.person(session, role="facilitator", school=school),
        "ht": f.person(session, role="head_teacher", school=school),
        "far_ht": f.person(session, role="head_teacher", school=far),
        "dde": dde,
        "far_dde": far_dde,
        "national": f.person(session, role="national_officer"),
        "admin": f.person(session, role="admin"),
        "urce": urce,
        "tutor": tutor,
    }


@pytest.fixture
def as_(session: Session, world: dict) -> Callable[[str], Viewer]:
    def viewer(who: str) -> Viewer:
        v = load_viewer(session, world[who].id)
        session.info[ACTOR_KEY] = actor_of(v)
        return v

    return viewer


def _counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(SessionReport)) or 0,
        session.scalar(select(func.count()).select_from(AuditLog)) or 0,
    )


def _save(
    session: Session, viewer: Viewer, world: dict, version: int | None, main: str = "We talked."
) -> object:
    return reports.save_session_report(
        session,
        viewer,
        session_id=world["first"].id,
        version=version,
        main_discussions=main,
        decisions="Try.",
    )


def test_the_report_is_generated_from_the_sessions_records(
    session: Session, world: dict, as_: Callable
) -> None:
    view = reports.session_report(session, as_("sbm"), world["first"].id)
    assert (view.status, view.version, view.main_discussions, view.may_edit) == (
        ReportStatus.NOT_SUBMITTED,
        None,
        None,
        True,
    )
    facts = view.facts
    assert (facts.present, facts.absent) == (1, 1)
    assert [a.is_new_teacher for a in facts.attendance if not a.present] == [True]
    assert [(c.title, c.control, c.is_priority) for c in facts.challenges] == [
        ("Learners do not check answers", "direct", True),
        ("Too few textbooks", "out_of_control", False),
    ]
    assert facts.tryouts_planned[0].implementers == (world["member"].full_name,)
    assert facts.actions[0].owner == world["member"].full_name and facts.actions[0].due_on == date(
        2026, 10, 4
    )
    assert "Sports day on Friday." in view.generated_main_discussions
    assert "Exit tickets, 05 Oct to 23 Oct 2026" in view.generated_decisions
    assert "Print exit tickets" in view.generated_decisions


def test_the_facilitator_submits_and_the_head_teacher_sees_it_first_then_acknowledges_it(
    session: Session, world: dict, as_: Callable
) -> None:
    ht = as_("ht")
    assert reports.reports_to_acknowledge(session, ht) == []
    _save(session, as_("sbm"), world, None)
    (waiting,) = reports.reports_to_acknowledge(session, ht)
    assert waiting.session_id == str(world["first"].id) and waiting.status is ReportStatus.AWAITING
    view = reports.session_report(session, ht, world["first"].id)
    assert (
        view.may_acknowledge
        and not reports.session_report(session, as_("sbm"), world["first"].id).may_acknowledge
    )
    ht = as_("ht")
    reports.acknowledge_session_report(session, ht, session_id=world["first"].id, version=view.version)
    again = reports.acknowledge_session_report(
        session, ht, session_id=world["first"].id, version=view.version
    )
    row = session.get(SessionReport, again)
    assert row is not None and row.acknowledged_by_id == world["ht"].id and row.acknowledged_at is not None
    assert reports.reports_to_acknowledge(session, ht) == []
    listed = {r.session_id: r for r in reports.session_reports(session, ht, acknowledged=True)}
    assert listed[str(world["first"].id)].acknowledged_by == world["ht"].full_name
    not_acknowledged = reports.session_reports(session, ht, acknowledged=False)
    assert [r.session_id for r in not_acknowledged] == [str(world["other_session"].id)]


def test_the_same_save_clicked_twice_writes_one_report(session: Session, world: dict, as_: Callable) -> None:
    sbm = as_("sbm")
    first = _save(session, sbm, world, None)
    after_one = _counts(session)
    assert _save(session, sbm, world, None) == first
    assert _counts(session) == after_one
    row = session.get(SessionReport, first)
    assert row is not None and row.version == 1 and row.submitted_at is not None


def test_an_edit_over_a_newer_version_is_refused_and_shows_their_text(
    session: Session, world: dict, as_: Callable
) -> None:
    _save(session, as_("sbm"), world, None, "First words.")
    _save(session, as_("ht"), world, 1, "The head teacher's correction.")
    before = _counts(session)
    with pytest.raises(EditConflict) as conflict:
        _save(session, as_("sbm"), world, 1, "My late change.")
    assert conflict.value.theirs["main_discussions"] == "The head teacher's correction."
    assert _counts(session) == before
    _save(session, as_("sbm"), world, 2, "My change, reapplied.")  # with the version now shown
    row = session.scalar(select(SessionReport).where(SessionReport.session_id == world["first"].id))
    assert row is not None and row.main_discussions == "My change, reapplied." and row.version == 3


def test_a_form_opened_before_anyone_saved_conflicts_with_a_report_saved_meanwhile(
    session: Session, world: dict, as_: Callable
) -> None:
    _save(session, as_("ht"), world, None, "The head teacher wrote it first.")
    with pytest.raises(EditConflict):
        _save(session, as_("sbm"), world, None, "The facilitator's text.")


@pytest.mark.parametrize(
    ("main", "decisions", "fields"),
    [
        ("", "Try.", {"main_discussions"}),
        ("  \n ", "", {"main_discussions", "decisions"}),
        ("x" * 20_001, "Try.", {"main_discussions"}),
        ("Fine", "nul \x00 byte", {"decisions"}),
    ],
)
def test_invalid_text_names_the_fields_and_writes_nothing(
    session: Session, world: dict, as_: Callable, main: str, decisions: str, fields: set[str]
) -> None:
    before = _counts(session)
    with pytest.raises(ValidationError) as refused:
        reports.save_session_report(
            session,
            as_("sbm"),
            session_id=world["first"].id,
            version=None,
            main_discussions=main,
            decisions=decisions,
        )
    assert set(refused.value.errors) == fields
    assert _counts(session) == before


@pytest.mark.parametrize(
    "who", ["other_sbm", "member", "dde", "national", "admin", "urce", "tutor", "far_ht"]
)
def test_only_the_cops_facilitator_and_the_head_teacher_may_edit(
    session: Session, world: dict, as_: Callable, who: str
) -> None:
    before = _counts(session)
    with pytest.raises(AccessDenied):
        _save(session, as_(who), world, None)
    assert _counts(session) == before


@pytest.mark.parametrize(
    "who", ["sbm", "member", "ht", "dde", "national", "admin", "urce", "tutor", "other_sbm"]
)
def test_everyone_in_reach_reads_the_report(session: Session, world: dict, as_: Callable, who: str) -> None:
    viewer = as_(who)
    assert str(world["first"].id) in {r.session_id for r in reports.session_reports(session, viewer)}
    assert reports.session_report(session, viewer, world["first"].id).cop == "P4 CoP"


@pytest.mark.parametrize("who", ["outsider", "far_dde", "far_ht"])
def test_people_out_of_reach_get_no_rows_and_are_refused_the_report(
    session: Session, world: dict, as_: Callable, who: str
) -> None:
    viewer = as_(who)
    assert str(world["first"].id) not in {r.session_id for r in reports.session_reports(session, viewer)}
    with pytest.raises(AccessDenied):
        reports.session_report(session, viewer, world["first"].id)
    with pytest.raises(AccessDenied):
        reports.session_report(session, viewer, "not-a-uuid")


def test_a_teacher_reads_only_their_own_cops_reports(session: Session, world: dict, as_: Callable) -> None:
    listed = {r.session_id for r in reports.session_reports(session, as_("member"))}
    assert listed == {str(world["first"].id)}
    assert [c.label.split(" (")[0] for c in reports.report_cops(session, as_("member"))] == ["P4 CoP"]


def test_acknowledging_needs_a_submitted_report_the_head_teacher_and_the_version_read(
    session: Session, world: dict, as_: Callable
) -> None:
    sid = world["first"].id
    with pytest.raises(NotAcknowledgeable):
        reports.acknowledge_session_report(session, as_("ht"), session_id=sid, version=None)
    _save(session, as_("sbm"), world, None)
    for who in ("sbm", "dde", "far_ht"):
        with pytest.raises(AccessDenied):
            reports.acknowledge_session_report(session, as_(who), session_id=sid, version=1)
    _save(session, as_("sbm"), world, 1, "Changed after the head teacher opened it.")
    with pytest.raises(EditConflict, match="changed this report"):
        reports.acknowledge_session_report(session, as_("ht"), session_id=sid, version=1)


def test_a_facilitators_later_change_sends_the_report_back_but_the_head_teachers_does_not(
    session: Session, world: dict, as_: Callable
) -> None:
    sid = world["first"].id
    _save(session, as_("sbm"), world, None)
    reports.acknowledge_session_report(session, as_("ht"), session_id=sid, version=1)
    _save(session, as_("ht"), world, 2, "Corrected by the head teacher.")
    assert reports.session_report(session, as_("ht"), sid).status is ReportStatus.ACKNOWLEDGED
    _save(session, as_("sbm"), world, 3, "A new point from the facilitator.")
    assert reports.session_report(session, as_("ht"), sid).status is ReportStatus.AWAITING


def test_the_list_filters_by_cop_and_dates_and_leaves_out_planned_and_reflection_sessions(
    session: Session, world: dict, as_: Callable
) -> None:
    ht = as_("ht")
    school = world["school"]
    session.add_all(
        [
            CopSession(
                school_id=school.id,
                cop_id=world["cop"].id,
                cycle_id=world["cycle"].id,
                kind="middle",
                status="planned",
                session_date=date(2026, 11, 1),
            ),
            CopSession(
                school_id=school.id,
                cop_id=world["cop"].id,
                kind="reflection",
                status="held",
                session_date=date(2026, 10, 10),
            ),
        ]
    )
    session.flush()
    assert len(reports.session_reports(session, ht)) == 2
    by_cop = reports.session_reports(session, ht, cop_id=world["cop"].id)
    assert [r.session_id for r in by_cop] == [str(world["first"].id)]
    assert by_cop[0].present == 1 and by_cop[0].members == 2
    in_range = reports.session_reports(session, ht, date_from=date(2026, 9, 25), date_to=date(2026, 10, 1))
    assert [r.session_id for r in in_range] == [str(world["first"].id)]
    assert reports.session_reports(session, ht, date_from=date(2026, 10, 2)) == []
