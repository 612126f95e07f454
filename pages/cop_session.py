"""Run one CoP session on the projector: its steps (first, middle, last), timer, attendance, AOB, actions."""

from __future__ import annotations

import streamlit as st

from cop.access import AccessDenied, Page
from cop.session_steps import STEPS
from cop.vocab import SessionKind, SessionStatus
from db.cycles import reads
from db.engine import session_scope
from db.queries.overview import schools_in_reach
from ui import session_first, session_last, session_middle
from ui.auth import require_viewer
from ui.resources import engine
from ui.session_common import (
    render_actions,
    render_attendance,
    render_header,
    render_notes,
    render_run_controls,
    show_flash,
)
from ui.widgets import school_picker

viewer = require_viewer(Page.COP_SESSION)

COP_KEY, SESSION_KEY = "cop_sess_cop", "cop_sess_session"


def _pick_session() -> str | None:
    """School, CoP and one of its sessions (the URL's `session` wins, so a link opens it directly)."""
    with session_scope(engine()) as s:
        schools = schools_in_reach(s, viewer)
    school_id = school_picker(schools, home_school_id=viewer.school_id)
    if school_id is None:
        return None
    st.caption("School: " + next(c.label for c in schools if c.id == school_id))
    with session_scope(engine()) as s:
        cops = {c.id: c.label for c in reads.cop_choices(s, viewer, school_id=school_id)}
        wanted = st.query_params.get("session")
        if wanted and COP_KEY not in st.session_state:
            try:
                detail_cop = reads.session_detail(s, viewer, wanted).cycle.summary.cop_id
                if detail_cop in cops:
                    st.session_state[COP_KEY] = detail_cop
            except AccessDenied:
                pass
        if not cops:
            st.info("This school has no CoP yet.")
            return None
        if st.session_state.get(COP_KEY) not in cops:
            st.session_state[COP_KEY] = next(iter(cops))
        cop_id = st.selectbox("CoP", list(cops), format_func=cops.__getitem__, key=COP_KEY)
        cycles = reads.cycles_of_cop(s, viewer, cop_id)
    lines = {
        x.id: f"{x.title} ({x.session_date:%d %b %Y}, {SessionStatus(x.status).label.lower()})"
        f" · cycle {c.number} of {c.school_year}"
        for c in cycles
        for x in c.sessions
    }
    if not lines:
        st.info("No session planned for this CoP yet: plan one on the CoP cycles page.")
        st.page_link("pages/cycles.py", label="Open CoP cycles", icon=":material/autorenew:")
        return None
    open_first = next(
        (x.id for c in cycles for x in c.sessions if x.status != SessionStatus.HELD), next(iter(lines))
    )
    if st.session_state.get(SESSION_KEY) not in lines:
        st.session_state[SESSION_KEY] = wanted if wanted in lines else open_first
    chosen = st.selectbox("Session", list(lines), format_func=lines.__getitem__, key=SESSION_KEY)
    if st.query_params.get("session") != chosen:
        st.query_params["session"] = chosen
    return chosen


def _render(detail: reads.SessionDetail) -> None:
    summary = detail.cycle.summary
    editable = summary.may_run and detail.status != SessionStatus.HELD and summary.phase != "closed"
    # One container for everything above the tabs: what it holds changes from run to run, and the tabs
    # must keep their place on the page, or the browser reopens the first tab after every save.
    with st.container():
        render_header(detail)
        if summary.may_run:
            render_run_controls(viewer, detail)
        if detail.status == SessionStatus.PLANNED and detail.kind != SessionKind.FIRST:
            editable = False
            st.caption("Start the session to record its steps.")
    # A keyed tab bar keeps the open tab across every rerun (a save, a live update from a phone).
    tabs = st.tabs(list(STEPS[detail.kind]), key=f"steps|{detail.id}")
    with tabs[0]:
        render_attendance(viewer, detail, editable)
    steps = {
        SessionKind.FIRST: (
            session_first.render_challenges,
            session_first.render_priorities,
            session_first.render_analysis,
            session_first.render_tryouts,
        ),
        SessionKind.MIDDLE: (
            session_middle.render_results,
            session_middle.render_consolidation,
            session_middle.render_alact,
        ),
        SessionKind.LAST: (
            session_last.render_outputs,
            session_last.render_dissemination,
            session_last.render_evaluation,
            session_last.render_closing,
        ),
    }[detail.kind]
    for tab, render in zip(tabs[1:-1], steps, strict=True):
        with tab:
            render(viewer, detail, editable)
    with tabs[-1]:
        render_notes(viewer, detail, editable)
        st.markdown("##### Actions before the next session")
        render_actions(viewer, detail, editable)
    if detail.kind == SessionKind.MIDDLE and editable:
        session_middle.render_move_on(viewer, detail)


st.title("CoP session")
show_flash()
# Opened from a link (CoP cycles) the session is known: fold the pickers away so the projector shows the
# session, not the menus.
with st.expander("School, CoP and session", expanded="session" not in st.query_params):
    picked = _pick_session()
if picked:
    try:
        with session_scope(engine()) as s:
            shown = reads.session_detail(s, viewer, picked)
    except AccessDenied as denied:
        st.error(str(denied))
    else:
        _render(shown)
