"""CoP cycles: each CoP's cycles with their phase, sessions and six essential activities; start a cycle
and plan the next session."""

from __future__ import annotations

from datetime import date

import streamlit as st

from cop.access import Page
from cop.vocab import EssentialActivity, SessionKind, SessionStatus
from db.cycles import reads, sessions
from db.cycles.scope import may_run
from db.engine import session_scope
from db.queries.overview import schools_in_reach
from ui.auth import require_viewer
from ui.forms import renew_submit_key, submit_key
from ui.resources import engine
from ui.saving import write
from ui.session_common import flash, show_flash
from ui.widgets import school_picker

viewer = require_viewer(Page.CYCLES)

COP_KEY = "cop_cycles_cop"


def _render_progress(cycle: reads.CycleSummary) -> None:
    done = sum(cycle.activities.values())
    st.progress(
        done / len(EssentialActivity), text=f"Essential activities: {done} of {len(EssentialActivity)}"
    )
    marks = [
        (":material/check_circle:" if ok else ":material/radio_button_unchecked:") + f" {a.label}"
        for a, ok in cycle.activities.items()
    ]
    st.markdown(" · ".join(marks))


def _render_sessions(cycle: reads.CycleSummary) -> None:
    if not cycle.sessions:
        st.caption("No session yet.")
    for x in cycle.sessions:
        label = f"{x.title} · {x.session_date:%d %b %Y} · {SessionStatus(x.status).label}"
        if not cycle.may_run:
            st.markdown(f"- {label}")
        elif st.button(label, icon=":material/groups_2:", key=f"open:{x.id}", type="tertiary"):
            st.switch_page("pages/cop_session.py", query_params={"session": x.id})


def _render_plan_next(cycle: reads.CycleSummary) -> None:
    """Plan the next session; the cycle's rules refuse a kind that may not come next, with their reason."""
    if cycle.open_session is not None or cycle.next_kind is None:
        return
    form = f"plan_next:{cycle.id}"
    kinds = (
        [SessionKind.MIDDLE, SessionKind.LAST]
        if cycle.next_kind != SessionKind.FIRST
        else [SessionKind.FIRST]
    )
    left, mid, right = st.columns([2, 2, 1], vertical_alignment="bottom")
    kind = left.selectbox(
        "Next session",
        kinds,
        format_func=lambda k: k.label.split(":")[0],
        index=kinds.index(cycle.next_kind),
        key=f"{form}:kind",
    )
    when = mid.date_input("Date", value=date.today(), key=f"{form}:date", format="YYYY-MM-DD")
    if cycle.why_not_next and kind == SessionKind.LAST:
        st.caption(cycle.why_not_next)
    if right.button("Plan it", type="primary", key=f"{form}:go"):
        idem = submit_key(form)
        if write(
            viewer,
            lambda s: sessions.plan_session(s, viewer, cycle.id, kind, when, idempotency_key=idem),
            labels={"kind": "Next session"},
        ):
            renew_submit_key(form)
            flash(f"{kind.label.split(':')[0]} planned for {when:%d %b %Y}.")
            st.rerun()


def _render_cycle(cycle: reads.CycleSummary) -> None:
    with st.container(border=True):
        title = f" · {cycle.title}" if cycle.title else ""
        st.markdown(f"#### Cycle {cycle.number} of {cycle.school_year}{title}")
        st.caption(f"{cycle.phase.label} · {cycle.held} session(s) held")
        _render_progress(cycle)
        st.markdown(f"**Next**: {cycle.next_step}")
        _render_sessions(cycle)
        if cycle.may_run:
            _render_plan_next(cycle)


def _render_start(cop_id: str, cycles: list[reads.CycleSummary]) -> None:
    if any(c.phase != "closed" for c in cycles):
        return
    form = f"start_cycle:{cop_id}"
    with st.expander("Start a new cycle", expanded=not cycles):
        title = st.text_input("Focus of the cycle (optional)", key=f"{form}:title")
        left, right = st.columns(2)
        year = left.number_input("School year", 2020, 2100, value=date.today().year, key=f"{form}:year")
        most = right.number_input(
            "Priorities (the guidelines say about 2)", 1, 5, value=2, key=f"{form}:most"
        )
        if st.button("Start the cycle", type="primary", key=f"{form}:go"):
            idem = submit_key(form)
            start = sessions.start_cycle
            if write(
                viewer,
                lambda s: start(
                    s,
                    viewer,
                    cop_id,
                    school_year=int(year),
                    title=title,
                    max_priorities=int(most),
                    idempotency_key=idem,
                ),
            ):
                renew_submit_key(form)
                flash("Cycle started: plan its first session.")
                st.rerun()


st.title("CoP cycles")
show_flash()
with session_scope(engine()) as s:
    schools = schools_in_reach(s, viewer)
school_id = school_picker(schools, home_school_id=viewer.school_id)
if school_id is not None:
    st.caption("School: " + next(c.label for c in schools if c.id == school_id))
    with session_scope(engine()) as s:
        cops = {c.id: c.label for c in reads.cop_choices(s, viewer, school_id=school_id)}
    if not cops:
        st.info("No CoP of this school is in your reach.")
    else:
        if st.session_state.get(COP_KEY) not in cops:
            st.session_state[COP_KEY] = next(iter(cops))
        cop_id = st.selectbox("CoP", list(cops), format_func=cops.__getitem__, key=COP_KEY)
        with session_scope(engine()) as s:
            cycles = reads.cycles_of_cop(s, viewer, cop_id)
        if not cycles:
            st.caption("This CoP has no cycle yet.")
        if may_run(viewer, school_id):
            _render_start(cop_id, cycles)
        for cycle in cycles:
            _render_cycle(cycle)
