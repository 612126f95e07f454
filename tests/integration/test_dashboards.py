"""Dashboard figures on a small world whose every number is counted by hand (tests/dashboard_support.py)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from cop.access import AccessDenied
from cop.dashboard import school_year_of, term_of
from cop.flags import FlagKind
from cop.vocab import EssentialActivity
from db.access import load_viewer
from db.assessments import import_assessment_results
from db.models import AssessmentResult, CopSession, SchoolStat, SchoolTermStat
from db.queries.cycle_progress import cycle_progress
from db.queries.dashboard_area import area_dashboard, districts_in_view
from db.queries.dashboard_school import school_dashboard
from db.queries.overview import school_overview
from db.queries.timeline import school_timeline
from db.rollups import refresh_schools, refresh_stale
from tests import dashboard_support
from tests import factories as f

YEAR = 2026
TODAY = date(2026, 12, 1)


@pytest.fixture
def world(session: Session) -> dashboard_support.DashWorld:
    return dashboard_support.build(session, year=YEAR, today=TODAY)


def test_the_school_dashboard_counts_the_year_by_hand(
    session: Session, world: dashboard_support.DashWorld
) -> None:
    d = school_dashboard(
        session, load_viewer(session, world.ht), world.school_id, school_year=YEAR, today=TODAY
    )
    assert (d.teachers, d.new_teachers) == (4, 1)
    assert d.cycles_by_phase == {"reflecting": 1, "planning": 1}
    assert [
        (a.month, a.sessions, a.reflection_sessions, a.present, a.attendance_records) for a in d.activity
    ] == [
        (date(2026, 9, 1), 1, 0, 2, 3),
        (date(2026, 10, 1), 1, 0, 3, 3),
        (date(2026, 11, 1), 0, 1, 1, 1),
    ]
    assert d.challenges == [("gender", "indirect", 1), ("ict", "direct", 1), ("ict", "out_of_control", 1)]
    assert d.parking_lot == ["No electricity in P4"]
    assert d.tryouts == {"worked": 1, "not judged yet": 1}
    assert d.outputs == [("lesson_plan", "planned", 1)]
    assert (d.disseminations_done, d.disseminations_planned) == (1, 2)
    assert d.overdue_count == 1 and [a.due_on for a in d.overdue] == [date(2026, 11, 21)]
    by_name = {p.practice: p for p in d.practices}
    one, two = by_name["Dash practice one"], by_name["Dash practice two"]
    assert (one.average, one.ratings, one.is_strength, one.trend) == (4.5, 2, True, "new")
    assert (two.average, two.previous, two.is_strength, two.trend) == (3.0, 2.0, False, "up")
    assert sorted(v.kind for v in d.visits) == ["CoP monitoring", "Supportive field visit"]


def test_a_term_narrows_the_sessions_and_observations_to_it(session: Session, world) -> None:
    d = school_dashboard(session, load_viewer(session, world.ht), world.school_id, school_year=YEAR, term="2")
    assert d.activity == [] and d.practices == []


def test_a_teacher_sees_the_cop_work_of_their_own_cops_only(session: Session, world) -> None:
    d = school_dashboard(
        session, load_viewer(session, world.teacher), world.school_id, school_year=YEAR, today=TODAY
    )
    assert d.cycles_by_phase == {"planning": 1}  # CoP B only
    assert [(a.sessions, a.reflection_sessions) for a in d.activity] == []
    assert d.challenges == [] and d.overdue_count == 0


def test_a_school_out_of_reach_is_refused(session: Session, world) -> None:
    other = f.person(session, role="head_teacher", school=f.school(session, district_name="Rusizi"))
    with pytest.raises(AccessDenied):
        school_dashboard(session, load_viewer(session, str(other.id)), world.school_id, school_year=YEAR)


def test_the_area_dashboard_rolls_the_school_up_by_district_and_section(session: Session, world) -> None:
    refresh_stale(session, wait=True)
    officer = load_viewer(session, world.officer)
    d = area_dashboard(session, officer, school_year=YEAR, district_id=world.district_id, today=TODAY)
    school = next(r for r in d.by_school if r.name == "Dash Test School")
    assert (school.sessions, school.attendance_rate, school.cops, school.teachers) == (2, 85.7, 2, 4)
    assert (school.monitoring_visits, school.field_visits, school.challenges, school.parking_lot) == (
        1,
        1,
        3,
        1,
    )
    assert (school.tryouts_effective_rate, school.outputs, school.disseminations, school.overdue_actions) == (
        100.0,
        1,
        1,
        1,
    )
    assert (d.total.schools, d.total.schools_with_cop, d.total.cop_coverage) == (2, 1, 50.0)
    assert [r.name for r in d.by_district] == ["Kirehe"] and d.by_district[0].sessions == 2
    assert [r.name for r in d.by_section] == ["PE"]
    assert d.ranking[0].signals.school == "Dash Quiet School"
    assert "no active CoP" in d.ranking[0].reasons


def test_term_figures_count_only_that_term(session: Session, world) -> None:
    refresh_stale(session, wait=True)
    officer = load_viewer(session, world.officer)
    d = area_dashboard(
        session, officer, school_year=YEAR, term="1", district_id=world.district_id, today=TODAY
    )
    assert next(r for r in d.by_school if r.name == "Dash Test School").sessions == 2
    d = area_dashboard(
        session, officer, school_year=YEAR, term="2", district_id=world.district_id, today=TODAY
    )
    assert next(r for r in d.by_school if r.name == "Dash Test School").sessions == 0


def test_a_district_officer_is_refused_another_district_and_sees_only_theirs(session: Session, world) -> None:
    officer = load_viewer(session, world.officer)
    rusizi = f.district(session, "Rusizi")
    with pytest.raises(AccessDenied):
        area_dashboard(session, officer, school_year=YEAR, district_id=str(rusizi.id))
    assert [n for _, n in districts_in_view(session, officer)] == ["Kirehe"]
    head = load_viewer(session, world.ht)
    with pytest.raises(AccessDenied):
        area_dashboard(session, head, school_year=YEAR)


def test_a_saved_session_moves_the_marker_and_only_that_school_is_refreshed(session: Session, world) -> None:
    refresh_stale(session, wait=True)
    session.commit()  # bumps the markers of the world's writes
    assert refresh_stale(session, wait=True) >= 1
    assert refresh_stale(session, wait=True) == 0  # nothing moved since
    cycle = session.scalar(select(CopSession.cycle_id).where(CopSession.session_date == date(YEAR, 10, 8)))
    session.add(
        CopSession(
            school_id=world.school_id,
            cop_id=world.cop_a,
            cycle_id=cycle,
            kind="middle",
            sequence=3,
            status="held",
            session_date=date(YEAR, 11, 20),
        )
    )
    session.commit()
    assert refresh_stale(session, wait=True) == 1
    held = session.scalar(
        select(func.sum(SchoolTermStat.sessions_held)).where(
            SchoolTermStat.school_id == world.school_id, SchoolTermStat.school_year == YEAR
        )
    )
    assert held == 3


def test_the_rollup_year_and_term_in_sql_match_the_python_rules(session: Session) -> None:
    days = [date(2026, m, d) for m in range(1, 13) for d in (1, 15, 28)] + [
        date(2027, 8, 31),
        date(2026, 9, 1),
    ]
    from db.rollups import _term, _year

    for day in days:
        got = session.execute(text(f"SELECT {_year(':d')}, {_term(':d')}"), {"d": day}).one()
        assert got == (school_year_of(day), term_of(day).value), day


def test_refreshing_a_school_writes_its_state_row(session: Session, world) -> None:
    refresh_schools(session, [world.school_id, world.empty_school_id])
    stat = session.get(SchoolStat, world.school_id)
    assert stat is not None
    assert (stat.teachers, stat.new_teachers, stat.cops_active, stat.cycles_open) == (4, 1, 2, 2)
    assert stat.last_session_on == date(YEAR, 10, 8)


def test_the_timeline_lists_events_newest_first_and_raises_its_flags(session: Session, world) -> None:
    tl = school_timeline(session, load_viewer(session, world.ht), world.school_id, today=TODAY)
    assert [e.on for e in tl.events] == sorted((e.on for e in tl.events), reverse=True)
    assert {e.kind for e in tl.events} >= {
        "CoP session",
        "Monitoring visit",
        "Field visit",
        "Lesson observation",
    }
    kinds = [fl.kind for fl in tl.flags]
    assert FlagKind.NO_SESSION in kinds  # last CoP session 8 Oct, 7 weeks before 1 Dec
    assert FlagKind.ACTIONS_PAST_DUE in kinds
    assert FlagKind.SELF_ASSESSMENT_GAP in kinds  # 4.0 against 2.0
    assert FlagKind.CYCLE_STUCK not in kinds


def test_cycle_progress_shows_each_cycles_sessions_and_activities(session: Session, world) -> None:
    cycles = cycle_progress(session, load_viewer(session, world.ht), world.school_id, school_year=YEAR)
    a1 = next(c for c in cycles if c.cop == "Dash CoP A")
    assert [(s.kind, s.present) for s in a1.sessions] == [("first", 2), ("middle", 3)]
    assert a1.activities == {
        EssentialActivity.IDENTIFICATION: True,
        EssentialActivity.PLANNING: True,
        EssentialActivity.TRYOUT: True,
        EssentialActivity.CONSOLIDATION: False,  # the gender try-out is not judged yet
        EssentialActivity.DISSEMINATION: True,
        EssentialActivity.EVALUATION: False,
    }
    b1 = next(c for c in cycles if c.cop == "Dash CoP B")
    assert b1.sessions == [] and not any(b1.activities.values())


def test_the_overview_counts_only_the_schools_own_members_and_attendance(session: Session, world) -> None:
    ov = school_overview(session, load_viewer(session, world.ht), world.school_id)
    assert {c.name: c.members for c in ov.cops} == {"Dash CoP A": 3, "Dash CoP B": 2}
    assert [s.present for s in ov.recent_sessions[:3]] == [1, 3, 2]


def test_an_assessment_file_imports_every_row_or_none(session: Session, world) -> None:
    head = load_viewer(session, world.ht)
    good = "term,subject,grade,mean_score,pass_rate\n1,Mathematics,P4,55.5,61\n1,English,P4,62,70\n"
    report = import_assessment_results(
        session, head, world.school_id, good, default_year=YEAR, today_year=YEAR
    )
    assert (report.ok, report.created) == (True, 2)
    bad = "term,subject,grade,mean_score,pass_rate\n1,Mathematics,P4,57,61\n4,English,P4,62,170\n"
    report = import_assessment_results(
        session, head, world.school_id, bad, default_year=YEAR, today_year=YEAR
    )
    assert not report.ok and {(e.row, e.field) for e in report.errors} == {(3, "term"), (3, "pass_rate")}
    means = session.scalars(
        select(AssessmentResult.mean_score).where(AssessmentResult.school_id == world.school_id)
    )
    assert sorted(float(m) for m in means) == [55.5, 62.0]  # the bad file changed nothing
    d = school_dashboard(session, head, world.school_id, school_year=YEAR, today=TODAY)
    assert [(a.subject, a.mean_score) for a in d.assessments] == [("English", 62.0), ("Mathematics", 55.5)]


def test_officials_and_teachers_may_not_import_assessments(session: Session, world) -> None:
    for who in (world.officer, world.teacher):
        with pytest.raises(AccessDenied):
            import_assessment_results(
                session,
                load_viewer(session, who),
                world.school_id,
                "term,subject,grade,mean_score\n1,M,P4,50\n",
                default_year=YEAR,
                today_year=YEAR,
            )
