"""The dashboards' pages (AppTest) on the hand-counted world of tests/dashboard_support.py, committed to a
database of its own for this module, against the figures counted by hand."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from cop.dashboard import school_year_of, year_label
from db.bootstrap import prepare_database
from db.engine import make_engine
from db.models import CopSession
from tests import dashboard_support
from tests.pg import fresh_database
from ui import state

TODAY = date.today()
YEAR = school_year_of(TODAY)


def _use_database(url: str | None) -> None:
    """Point the app code of this process (the engine caches) at another database."""
    from db.engine import get_engine
    from ui.resources import engine

    if url is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = url
    get_engine.cache_clear()
    engine.clear()


@pytest.fixture(scope="module")
def dash(pg_admin_url: str, app_env: str) -> Iterator[tuple[dashboard_support.DashWorld, str]]:
    url = fresh_database(pg_admin_url, "cop_dash_pages")
    eng = make_engine(url)
    prepare_database(eng, demo=False)
    with Session(eng) as s, s.begin():
        world = dashboard_support.build(s, year=YEAR, today=TODAY)
    eng.dispose()
    previous = os.environ.get("DATABASE_URL")
    _use_database(url)
    try:
        yield world, url
    finally:
        _use_database(previous)


def _page(script: str, person_id: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(Path.cwd() / script), default_timeout=60)
    at.session_state[state.PERSON_ID] = person_id
    at.session_state[state.SIGNED_IN_AT] = datetime.now(UTC)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _frame_with(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_the_head_teachers_dashboard_shows_the_counted_figures(dash) -> None:
    world, _ = dash
    at = _page("pages/school_overview.py", world.ht)
    assert not at.exception and not at.error
    assert at.title[0].value == "Dash Test School"
    m = _metrics(at)
    assert (m["Teachers"], m["New teachers"], m["CoPs"], m["Actions overdue"]) == ("4", "1", "2", "1")
    assert m["Sessions held"] == "3"  # first, middle and the reflection session
    assert m["Disseminations done"] == "1 of 2 planned"
    cops = at.dataframe[0].value
    assert dict(zip(cops["CoP"], cops["Members"], strict=True)) == {"Dash CoP A": 3, "Dash CoP B": 2}
    activity = _frame_with(at, "Attendance %")
    assert list(activity["CoP sessions"]) == [1, 1, 0] and list(activity["Attendance %"])[:2] == [66.7, 100.0]
    practices = _frame_with(at, "Reading").set_index("Practice")
    assert practices.loc["Dash practice one", "Reading"] == "Strength"
    assert practices.loc["Dash practice two", "Trend"] == "up"
    challenges = _frame_with(at, "Control")
    assert int(challenges["Challenges"].sum()) == 3
    warnings = " ".join(w.value for w in at.warning)
    assert "Actions past due" in warnings and "Self-assessment above field-visit findings" in warnings


def test_the_period_is_read_from_the_url_and_a_term_narrows_the_figures(dash) -> None:
    world, _ = dash
    at = _page("pages/school_overview.py", world.ht, year=str(YEAR), term="2")
    assert f"figures for {year_label(YEAR)} term 2" in at.caption[0].value
    assert _metrics(at)["Sessions held"] == "0"
    at = _page("pages/school_overview.py", world.ht, year=str(YEAR - 1))
    assert f"figures for {year_label(YEAR - 1)}" in at.caption[0].value


def test_a_teacher_sees_only_their_cop(dash) -> None:
    world, _ = dash
    at = _page("pages/school_overview.py", world.teacher)
    assert not at.exception
    assert list(at.dataframe[0].value["CoP"]) == ["Dash CoP B"]


def test_a_saved_session_shows_on_the_next_run_without_clearing_anything(dash) -> None:
    world, url = dash
    at = _page("pages/school_overview.py", world.ht)
    before = int(_metrics(at)["Sessions held"])
    eng = make_engine(url)
    with Session(eng) as s, s.begin():
        s.add(
            CopSession(
                school_id=world.school_id, kind="reflection", status="held", session_date=date(YEAR, 11, 3)
            )
        )
    eng.dispose()
    at.run()
    assert int(_metrics(at)["Sessions held"]) == before + 1


def test_the_district_dashboard_ranks_the_quiet_school_first(dash) -> None:
    world, _ = dash
    at = _page("pages/area_dashboard.py", world.officer)
    assert not at.exception and not at.error
    assert at.title[0].value == "District dashboard"
    m = _metrics(at)
    assert (m["Schools"], m["With an active CoP"], m["Actions overdue"]) == ("2", "1", "1")
    ranking = _frame_with(at, "Priority")
    assert ranking.iloc[0]["School"] == "Dash Quiet School" and "no active CoP" in ranking.iloc[0]["Why"]
    schools = _frame_with(at, "CoP coverage %")
    assert set(schools.columns) >= {"Sessions held", "Monitoring visits", "CEMC assessments"}
    by_school = next(
        d.value for d in at.dataframe if "School" in d.value.columns and "Teachers" in d.value.columns
    )
    row = by_school.set_index("School").loc["Dash Test School"]
    assert (row["Sessions held"], row["Attendance %"], row["Parking lot"]) == (2, 85.7, 1)


def test_the_national_dashboard_is_refused_to_a_head_teacher(dash) -> None:
    world, _ = dash
    at = _page("pages/area_dashboard.py", world.ht)
    assert at.error and not at.title


def test_cycle_progress_shows_each_cycle_with_its_six_activities(dash) -> None:
    world, _ = dash
    at = _page("pages/cycle_progress.py", world.sbm)
    assert not at.exception
    assert at.title[0].value == "Cycle progress · Dash Test School"
    activities = _frame_with(at, "Activity")
    assert len(activities) == 12  # two cycles this year, six activities each
    done = activities[activities["Done"] == "done"]
    assert set(done["Activity"]) == {
        "Identification and analysis",
        "Planning",
        "Try-out and reflection",
        "Dissemination",
    }
    sessions = _frame_with(at, "Session")
    assert list(sessions["Session"]) == ["First session", "Middle session"]
