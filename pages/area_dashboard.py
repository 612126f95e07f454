"""District and national dashboard: schools compared by district and programme section, coverage, and
where to visit next."""

from __future__ import annotations

from datetime import date

import streamlit as st

from cop.access import Page, Reach
from cop.dashboard import period_label
from db.engine import session_scope
from db.queries.dashboard_area import AreaDashboard, districts_in_view
from ui.auth import require_viewer
from ui.dashboard_widgets import (
    SCHOOL_TABLE_LIMIT,
    Figure,
    area_figures,
    chart_with_table,
    fresh_rollups,
    id_filter,
    period_filter,
)
from ui.resources import engine

viewer = require_viewer(Page.AREA_DASHBOARD)
_TITLES = {Reach.EVERYTHING: "National dashboard", Reach.DISTRICTS: "District dashboard"}


def _render_coverage(d: AreaDashboard, period: str) -> None:
    t = d.total
    st.caption(f"Figures for {period}. Coverage counts active schools in your reach.")
    cols = st.columns(6)
    cols[0].metric("Schools", t.schools)
    cols[1].metric(
        "With an active CoP", t.schools_with_cop, help=f"{t.cop_coverage or 0:.0f}% of the schools"
    )
    cols[2].metric("Sessions per school", f"{t.sessions_per_school:.1f}")
    cols[3].metric("Monitoring visits", t.monitoring_visits)
    cols[4].metric("CEMC assessments", t.cemc_assessments)
    cols[5].metric("Actions overdue", t.overdue_actions)


def _render_ranking(figures: dict[str, Figure]) -> None:
    st.subheader("Where to visit next")
    chart_with_table(
        figures["ranking"],
        key="ranking",
        file_name="where_to_visit_next.csv",
        empty="Every school in view is active and visited: nothing stands out.",
        expanded=True,
    )


def _render_groups(figures: dict[str, Figure]) -> None:
    st.subheader("By programme section")
    chart_with_table(
        figures["sections"], key="sections", file_name="by_section.csv", empty="No school in view."
    )
    st.subheader("By district")
    chart_with_table(
        figures["districts"], key="districts", file_name="by_district.csv", empty="No school in view."
    )


def _render_schools(d: AreaDashboard, figures: dict[str, Figure]) -> None:
    st.subheader("By school")
    if len(d.by_school) > SCHOOL_TABLE_LIMIT:
        st.caption(f"{len(d.by_school):,} schools: choose a district to list them one by one.")
        return
    frame = figures["schools"].frame
    st.dataframe(frame, hide_index=True, width="stretch")
    st.download_button(
        "Download CSV", frame.to_csv(index=False).encode(), file_name="by_school.csv", key="dl_schools"
    )


@st.fragment(run_every=2)
def _follow_changes(shown: str) -> None:
    """A cheap check every two seconds: the page reruns only when a school's summary was rebuilt."""
    if fresh_rollups() != shown:
        st.rerun()


st.title(_TITLES.get(viewer.reach, "My schools"))
today = date.today()
year, term = period_filter(today, key="area")
with session_scope(engine()) as s:
    districts = districts_in_view(s, viewer)
district = (
    id_filter("District", districts, param="district", key="area_district", everything="All districts")
    if len(districts) > 1
    else None
)
version = fresh_rollups()
view = area_figures(viewer, year, term, district, today, version)
_render_coverage(view.dashboard, period_label(year, term))
_render_ranking(view.figures)
_render_groups(view.figures)
_render_schools(view.dashboard, view.figures)
_follow_changes(version)
