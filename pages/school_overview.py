"""School overview: the school's CoPs, their cycles and phase, and the latest sessions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cop.access import Page
from cop.vocab import CopKind, CyclePhase, SessionKind, SessionStatus
from db.engine import session_scope
from db.queries.overview import SchoolOverview, school_overview, schools_in_reach
from ui.auth import require_viewer
from ui.resources import engine
from ui.widgets import school_picker, table_with_download

viewer = require_viewer(Page.SCHOOL_OVERVIEW)


def _render_header(ov: SchoolOverview) -> None:
    st.title(ov.name)
    st.caption(f"{ov.code} · {ov.district} district" + (f" · {ov.sector} sector" if ov.sector else ""))
    active = [c for c in ov.cycles if c.phase != CyclePhase.CLOSED]
    cols = st.columns(3)
    cols[0].metric("CoPs", len(ov.cops))
    cols[1].metric("Cycles under way", len(active))
    cols[2].metric("Sessions shown", len(ov.recent_sessions))


def _render_cops(ov: SchoolOverview) -> None:
    st.subheader("Communities of Practice")
    frame = pd.DataFrame(
        [
            {
                "CoP": c.name,
                "Kind": CopKind(c.kind).label,
                "Grade / subject": c.subject or c.grade or "",
                "Facilitator": c.facilitator or "not set",
                "Members": c.members,
            }
            for c in ov.cops
        ]
    )
    table_with_download(frame, file_name="cops.csv", key="dl_cops", empty="No CoP in this school yet.")


def _render_cycles(ov: SchoolOverview) -> None:
    st.subheader("Cycles")
    frame = pd.DataFrame(
        [
            {
                "CoP": c.cop,
                "School year": f"{c.school_year}/{str(c.school_year + 1)[-2:]}",
                "Cycle": c.number,
                "Phase": CyclePhase(c.phase).label,
                "Sessions held": c.sessions_held,
                "Last session": c.last_session_on,
            }
            for c in ov.cycles
        ]
    )
    table_with_download(frame, file_name="cycles.csv", key="dl_cycles", empty="No cycle started yet.")


def _render_sessions(ov: SchoolOverview) -> None:
    st.subheader("Recent sessions")
    frame = pd.DataFrame(
        [
            {
                "Date": s.session_date,
                "CoP": s.cop or "Whole school",
                "Session": SessionKind(s.kind).label,
                "Status": SessionStatus(s.status).label,
                "Present": s.present,
                "Led by": s.led_by or "",
            }
            for s in ov.recent_sessions
        ]
    )
    table_with_download(frame, file_name="sessions.csv", key="dl_sessions", empty="No session recorded yet.")


with session_scope(engine()) as s:
    choices = schools_in_reach(s, viewer)
school_id = school_picker(choices, home_school_id=viewer.school_id)
if school_id is not None:
    with session_scope(engine()) as s:
        overview = school_overview(s, viewer, school_id)
    _render_header(overview)
    _render_cops(overview)
    _render_cycles(overview)
    _render_sessions(overview)
