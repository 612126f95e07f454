"""Dashboard rules: terms and school years, strengths and areas to improve, where to visit next."""

from __future__ import annotations

from datetime import date, timedelta

from cop.dashboard import (
    CycleFacts,
    PracticeAverage,
    SchoolSignals,
    activities_done,
    period_label,
    rank_for_visit,
    recent_years,
    share,
    split_practices,
    term_bounds,
    term_of,
    visit_priority,
    year_bounds,
)
from cop.vocab import EssentialActivity


def test_terms_run_september_december_january_march_and_april_august() -> None:
    assert [term_of(date(2026, m, 1)).value for m in (9, 12, 1, 3, 4, 8)] == ["1", "1", "2", "2", "3", "3"]


def test_term_bounds_tile_the_school_year_without_gaps() -> None:
    t1, t2, t3 = (term_bounds(2026, t) for t in "123")
    assert t1[0] == year_bounds(2026)[0] and t3[1] == year_bounds(2026)[1]
    assert t1[1] == t2[0] and t2[1] == t3[0]
    for start, end in (t1, t2, t3):
        assert term_of(start) == term_of(end - timedelta(days=1))


def test_labels_and_recent_years_read_like_the_school_calendar() -> None:
    assert period_label(2026, None) == "2026/27"
    assert period_label(2026, "2") == "2026/27 term 2"
    assert recent_years(date(2026, 11, 26), 3) == [2026, 2025, 2024]
    assert recent_years(date(2027, 2, 1), 1) == [2026]


def test_a_practice_averaging_four_or_more_is_a_strength_and_the_rest_areas_to_improve() -> None:
    practices = [
        PracticeAverage("A", 4.0, 3),
        PracticeAverage("B", 3.99, 3),
        PracticeAverage("C", 4.6, 2),
        PracticeAverage("D", 2.1, 5),
    ]
    strengths, areas = split_practices(practices)
    assert [p.practice for p in strengths] == ["C", "A"]  # best first
    assert [p.practice for p in areas] == ["D", "B"]  # weakest first


def test_a_trend_compares_with_the_previous_period() -> None:
    assert PracticeAverage("A", 3.5, 1, previous=3.0).trend == "up"
    assert PracticeAverage("A", 3.0, 1, previous=3.5).trend == "down"
    assert PracticeAverage("A", 3.05, 1, previous=3.0).trend == "steady"
    assert PracticeAverage("A", 3.0, 1).trend == "new"


def test_share_is_a_percentage_or_nothing() -> None:
    assert share(6, 7) == 85.7
    assert share(0, 0) is None


def _signals(**kw: object) -> SchoolSignals:
    base = {
        "school_id": "s",
        "school": "S",
        "district": "D",
        "has_active_cop": True,
        "weeks_since_session": 1,
        "sessions_this_term": 2,
        "overdue_actions": 0,
        "stuck_cycles": 0,
        "visits_this_year": 1,
    }
    return SchoolSignals(**{**base, **kw})  # type: ignore[arg-type]


def test_a_working_visited_school_needs_no_visit() -> None:
    assert visit_priority(_signals()).score == 0
    assert rank_for_visit([_signals()]) == []


def test_a_school_without_a_cop_or_a_session_comes_first_with_its_reasons() -> None:
    quiet = _signals(school="Quiet", has_active_cop=False, weeks_since_session=None, visits_this_year=0)
    slow = _signals(school="Slow", weeks_since_session=6, overdue_actions=2)
    ranked = rank_for_visit([slow, quiet])
    assert [p.signals.school for p in ranked] == ["Quiet", "Slow"]
    assert ranked[0].reasons == ["no active CoP", "no CoP session held yet", "not visited this school year"]
    assert ranked[1].reasons == ["no CoP session for 6 weeks", "2 action(s) past due"]


def test_overdue_actions_and_stuck_cycles_are_capped() -> None:
    many = visit_priority(_signals(overdue_actions=50, stuck_cycles=9))
    assert many.score == 15 + 15


def test_ties_rank_by_name_and_the_list_is_bounded() -> None:
    same = [_signals(school=n, visits_this_year=0) for n in ("B", "A", "C")]
    assert [p.signals.school for p in rank_for_visit(same, limit=2)] == ["A", "B"]


def test_activities_follow_the_cycle_rules() -> None:
    facts = CycleFacts(
        challenges=3,
        priorities=2,
        priorities_planned=2,
        priorities_effective=2,
        tryouts_judged=2,
        outputs=1,
        disseminations=1,
        evaluated=True,
    )
    assert all(activities_done(facts).values())
    half = CycleFacts(3, 2, 1, 1, 1, 1, 0, False)
    done = activities_done(half)
    assert done[EssentialActivity.IDENTIFICATION] and done[EssentialActivity.TRYOUT]
    assert not done[EssentialActivity.PLANNING] and not done[EssentialActivity.CONSOLIDATION]
    assert not activities_done(CycleFacts(0, 0, 0, 0, 0, 0, 0, False))[EssentialActivity.PLANNING]
