"""Dashboard widgets: a chart with its table and CSV download, filters kept in the URL query string, and
the cached figures of each dashboard.

Building an Altair chart validates it against the Vega-Lite schema (tens of ms each): the cached figure
functions build every frame and chart spec once per change of the data, and a page run then only draws
the stored specs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from cop.access import Viewer
from cop.dashboard import recent_years, school_year_of, year_label
from cop.vocab import Term
from db.changes import marker_values, school_scope
from db.engine import session_scope
from db.queries.cycle_progress import CycleTimeline, cycle_progress
from db.queries.dashboard_area import AreaDashboard, area_dashboard, districts_in_view
from db.queries.dashboard_school import SchoolDashboard, school_dashboard
from db.queries.overview import SchoolChoice, SchoolOverview, school_overview, schools_in_reach
from db.queries.timeline import Timeline, school_timeline
from db.rollups import refresh_stale, rollup_version
from ui import charts
from ui import dashboard_frames as frames
from ui.resources import engine
from ui.widgets import school_picker

ALL = "all"


@dataclass(frozen=True)
class Figure:
    """A chart's table and its Vega-Lite spec (None: a table without a chart)."""

    frame: pd.DataFrame
    spec: dict[str, Any] | None
    csv: bytes


def _bar(**kw: Any) -> Callable[[pd.DataFrame], alt.Chart]:
    return lambda f: charts.bar_chart(f, **kw)


# Every chart of the dashboards by name, so a spec can be cached by (name, data).
BUILDERS: dict[str, Callable[[pd.DataFrame], alt.TopLevelMixin | None]] = {
    "phases": _bar(category="Phase", measure="Cycles", title="Cycles of the year by phase"),
    "activity": charts.activity_chart,
    "challenges": _bar(category="Topic", measure="Challenges", color="Control", title="Challenges by topic"),
    "tryouts": _bar(category="Result", measure="Try-outs", title="Try-out success"),
    "outputs": _bar(category="Kind", measure="Outputs", color="Status", title="Outputs by kind"),
    "practices": charts.practices_chart,
    "assessments": lambda f: charts.assessments_chart(f) if f["Mean score"].notna().any() else None,
    "cycle_sessions": charts.cycle_timeline_chart,
    "cycle_activities": charts.activities_chart,
    "ranking": charts.ranking_chart,
    "sections": _bar(
        category="Section", measure="Sessions per school", title="Sessions per school", whole=False
    ),
    "districts": _bar(
        category="District", measure="CoP coverage %", title="Schools with an active CoP (%)", whole=False
    ),
}


@st.cache_data(max_entries=2000, show_spinner=False)
def _chart_spec(kind: str, csv: bytes, _frame: pd.DataFrame) -> dict[str, Any] | None:
    """A chart's Vega-Lite spec, its datasets as the Arrow bytes Streamlit sends: built once per (chart,
    data), so a page rerun after a save rebuilds only the charts whose figures moved. Keyed by the frame's
    CSV (hashing bytes is far cheaper than hashing a frame; `_frame` is not hashed). Checked against the
    schema by the unit tests (tests/unit/test_charts.py), not on every build."""
    chart = BUILDERS[kind](_frame)
    if chart is None:
        return None
    spec = chart.to_dict(validate=False)
    if "datasets" in spec:
        spec["datasets"] = {
            name: dataframe_util.convert_anything_to_arrow_bytes(pd.DataFrame(rows))
            for name, rows in spec["datasets"].items()
        }
    return spec


def figure(frame: pd.DataFrame, kind: str | None = None) -> Figure:
    """The frame, its chart's spec (none for an empty frame or a plain table) and its CSV."""
    csv = frame.to_csv(index=False).encode()
    spec = _chart_spec(kind, csv, frame) if kind is not None and not frame.empty else None
    return Figure(frame, spec, csv)


def table(fig: Figure, *, key: str, file_name: str, empty: str) -> None:
    """A table and its CSV download, or a friendly line when there is nothing yet."""
    if fig.frame.empty:
        st.caption(empty)
        return
    st.dataframe(fig.frame, hide_index=True, width="stretch")
    st.download_button("Download CSV", fig.csv, file_name=file_name, mime="text/csv", key=f"dl_{key}")


def chart_with_table(fig: Figure, *, key: str, file_name: str, empty: str, expanded: bool = False) -> None:
    """The chart, and below it the same figures as a table (folded unless `expanded`) with a CSV download."""
    if fig.frame.empty:
        st.caption(empty)
        return
    if fig.spec is not None:
        st.vega_lite_chart(spec=fig.spec, width="stretch")
    with st.expander("Table", expanded=expanded):
        st.dataframe(fig.frame, hide_index=True, width="stretch")
    st.download_button("Download CSV", fig.csv, file_name=file_name, mime="text/csv", key=f"dl_{key}")


def _param_choice(name: str, options: list[str], default: str) -> str:
    """The query-string value of `name` if it is one of the options, else the default."""
    value = st.query_params.get(name)
    return value if value in options else default


def _keep(name: str, value: str, default: str) -> None:
    """Write the choice into the URL (drop it when it is the default) so a view can be shared."""
    if value == default:
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != value:
        st.query_params[name] = value


def period_filter(today: date, *, key: str) -> tuple[int, str | None]:
    """School year and term (or the whole year), from and into the URL (`?year=2026&term=1`)."""
    years = [str(y) for y in recent_years(today)]
    terms = [ALL, *Term.values()]
    current = str(school_year_of(today))
    # Radios, not select boxes: a handful of options, visible at a glance, one click to change.
    cols = st.columns([3, 2])
    year = cols[0].radio(
        "School year",
        years,
        index=years.index(_param_choice("year", years, current)),
        format_func=lambda y: year_label(int(y)),
        horizontal=True,
        key=f"{key}_year",
    )
    term = cols[1].radio(
        "Term",
        terms,
        index=terms.index(_param_choice("term", terms, ALL)),
        format_func=lambda t: "Whole year" if t == ALL else f"T{t}",
        horizontal=True,
        key=f"{key}_term",
    )
    _keep("year", year, current)
    _keep("term", term, ALL)
    return int(year), None if term == ALL else term


def id_filter(
    label: str, options: list[tuple[str, str]], *, param: str, key: str, everything: str
) -> str | None:
    """One of `options` (id, name) or everything, from and into the URL (`?district=<id>`)."""
    ids = [ALL, *(i for i, _ in options)]
    names = dict(options)
    chosen = st.selectbox(
        label,
        ids,
        index=ids.index(_param_choice(param, ids, ALL)),
        format_func=lambda i: everything if i == ALL else names[i],
        key=key,
    )
    _keep(param, chosen, ALL)
    return None if chosen == ALL else chosen


# A select box of more schools than this is no help: at national scale a district is chosen first.
PICKER_LIMIT = 500


@st.cache_data(ttl=300, max_entries=500, show_spinner=False)
def _schools(viewer: Viewer, district_id: str | None) -> list[SchoolChoice]:
    with session_scope(engine()) as s:
        return schools_in_reach(s, viewer, limit=PICKER_LIMIT + 1, district_id=district_id)


@st.cache_data(ttl=300, max_entries=500, show_spinner=False)
def districts_of(viewer: Viewer) -> list[tuple[str, str]]:
    """(id, name) of the districts with a school in the viewer's reach (cached per viewer)."""
    with session_scope(engine()) as s:
        return districts_in_view(s, viewer)


def school_name(viewer: Viewer, school_id: str) -> str:
    """The name of a school the picker offered (from the cached list of the viewer's schools)."""
    for district in (None, st.query_params.get("district")):
        for c in _schools(viewer, district):
            if c.id == school_id:
                return c.label.split(" (")[0]
    return ""


def pick_school(viewer: Viewer) -> str | None:
    """The school picker, with the school kept in the URL; with more schools in reach than a list can
    hold (national staff), a district is chosen first."""
    choices = _schools(viewer, None)
    if len(choices) > PICKER_LIMIT:
        district = id_filter(
            "District",
            districts_of(viewer),
            param="district",
            key="pick_district",
            everything="Choose a district",
        )
        choices = _schools(viewer, district) if district else []
        if not choices:
            st.info("Choose a district to list its schools.")
            return None
    return school_picker(choices, home_school_id=viewer.school_id)


# --- cached figures: keyed by the viewer, the filters, the day and the school's change marker ----------
# Results depend only on these arguments (never on session state), so a cache entry built for one
# person is never served to another, and a write anywhere moves the marker and so the key.


@dataclass(frozen=True)
class SchoolView:
    overview: SchoolOverview
    dashboard: SchoolDashboard
    timeline: Timeline
    figures: dict[str, Figure]


@st.cache_data(ttl=600, max_entries=300, show_spinner=False)
def school_figures(
    viewer: Viewer, school_id: str, school_year: int, term: str | None, today: date, version: int
) -> SchoolView:
    with session_scope(engine()) as s:
        ov = school_overview(s, viewer, school_id)
        d = school_dashboard(s, viewer, school_id, school_year=school_year, term=term, today=today)
        tl = school_timeline(s, viewer, school_id, today=today)
    figures = {
        "phases": figure(frames.phase_frame(d), "phases"),
        "activity": figure(frames.activity_frame(d), "activity"),
        "challenges": figure(frames.challenges_frame(d), "challenges"),
        "tryouts": figure(frames.tryouts_frame(d), "tryouts"),
        "outputs": figure(frames.outputs_frame(d), "outputs"),
        "practices": figure(frames.practices_frame(d.practices), "practices"),
        "cops": figure(frames.cops_frame(ov)),
        "cycles": figure(frames.cycles_frame(ov)),
        "sessions": figure(frames.sessions_frame(ov)),
        "overdue": figure(frames.overdue_frame(d)),
        "visits": figure(frames.visits_frame(d)),
        "timeline": figure(frames.timeline_frame(tl)),
        "assessments": figure(frames.assessments_frame(d), "assessments"),
    }
    return SchoolView(ov, d, tl, figures)


@dataclass(frozen=True)
class CycleView:
    cycles: list[CycleTimeline]
    figures: dict[str, Figure]


@st.cache_data(ttl=600, max_entries=300, show_spinner=False)
def cycle_figures(viewer: Viewer, school_id: str, school_year: int | None, version: int) -> CycleView:
    with session_scope(engine()) as s:
        cycles = cycle_progress(s, viewer, school_id, school_year=school_year)
    return CycleView(
        cycles,
        {
            "sessions": figure(frames.cycle_sessions_frame(cycles), "cycle_sessions"),
            "activities": figure(frames.activities_frame(cycles), "cycle_activities"),
        },
    )


def school_version(school_id: str) -> int:
    """The school's change-marker counter: one primary-key lookup."""
    scope = school_scope(school_id)
    with session_scope(engine()) as s:
        return marker_values(s, [scope])[scope]


@dataclass(frozen=True)
class AreaView:
    dashboard: AreaDashboard
    figures: dict[str, Figure]


# Nationally the ranking and the district rows lead; a table of every school is for a district.
SCHOOL_TABLE_LIMIT = 400


@st.cache_data(ttl=600, max_entries=100, show_spinner=False)
def area_figures(
    viewer: Viewer, school_year: int, term: str | None, district_id: str | None, today: date, version: str
) -> AreaView:
    with session_scope(engine()) as s:
        d = area_dashboard(
            s, viewer, school_year=school_year, term=term, district_id=district_id, today=today
        )
    schools = d.by_school if len(d.by_school) <= SCHOOL_TABLE_LIMIT else []
    return AreaView(
        d,
        {
            "ranking": figure(frames.ranking_frame(d), "ranking"),
            "sections": figure(frames.area_frame(d.by_section, "Section"), "sections"),
            "districts": figure(frames.area_frame(d.by_district, "District"), "districts"),
            "schools": figure(frames.area_frame(schools, "School")),
        },
    )


def fresh_rollups() -> str:
    """Bring the school summaries up to date (cheap when nothing moved) and return their version."""
    with session_scope(engine()) as s:
        refresh_stale(s)
        return rollup_version(s)
