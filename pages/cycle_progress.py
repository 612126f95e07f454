"""Cycle progress: a school's cycles side by side, each a timeline of its sessions with its six activities."""

from __future__ import annotations

from datetime import date

import streamlit as st

from cop.access import Page
from cop.dashboard import recent_years, school_year_of, year_label
from cop.vocab import CyclePhase, EssentialActivity
from db.changes import school_scope
from db.queries.cycle_progress import CycleTimeline
from ui.auth import require_viewer
from ui.dashboard_widgets import chart_with_table, cycle_figures, pick_school, school_name, school_version
from ui.live import watch

viewer = require_viewer(Page.CYCLE_PROGRESS)
_ALL_YEARS = "all"
# Material icons, not emoji: they render the same on every device (and in headless Chromium).
_DONE, _TO_DO = ":green[:material/check_circle:]", ":gray[:material/radio_button_unchecked:]"


def _year_filter(today: date) -> int | None:
    """A school year, or every year; kept in the URL (`?year=2026`) so the view can be shared."""
    options = [_ALL_YEARS, *(str(y) for y in recent_years(today))]
    wanted = st.query_params.get("year")
    default = str(school_year_of(today))
    chosen = st.radio(
        "School year",
        options,
        index=options.index(wanted if wanted in options else default),
        format_func=lambda y: "All years" if y == _ALL_YEARS else year_label(int(y)),
        horizontal=True,
        key="cycle_year",
    )
    if st.query_params.get("year") != chosen:
        st.query_params["year"] = chosen
    return None if chosen == _ALL_YEARS else int(chosen)


def _render_cycle_cards(cycles: list[CycleTimeline]) -> None:
    """Each cycle as a small card, three to a row: phase, sessions held and the activity checklist."""
    for start in range(0, len(cycles), 3):
        cols = st.columns(3)
        for col, c in zip(cols, cycles[start : start + 3], strict=False):
            with col.container(border=True):
                st.markdown(f"**{c.label}**")
                held = sum(1 for s in c.sessions if s.status == "held")
                st.caption(f"{CyclePhase(c.phase).label} · {held} session(s) held")
                st.markdown(
                    "\n".join(
                        f"- {_DONE if c.activities[a] else _TO_DO} {a.label}" for a in EssentialActivity
                    )
                )


school_id = pick_school(viewer)
if school_id is not None:
    st.title(f"Cycle progress · {school_name(viewer, school_id)}")
    today = date.today()
    year = _year_filter(today)
    watch([school_scope(school_id)], key=f"live_cycles_{school_id}")
    view = cycle_figures(viewer, school_id, year, school_version(school_id))
    if not view.cycles:
        st.info("No cycle in this period yet.")
    else:
        chart_with_table(
            view.figures["sessions"],
            key="cycle_sessions",
            file_name="cycle_sessions.csv",
            empty="No session planned or held in these cycles yet.",
        )
        chart_with_table(
            view.figures["activities"],
            key="cycle_activities",
            file_name="cycle_activities.csv",
            empty="No cycle.",
        )
        _render_cycle_cards(view.cycles)
