"""Projector mode: the running session in large type for the room — its step, the timer, the join code
and QR code, and every contribution as it arrives (from any phone, through any server process)."""

from __future__ import annotations

import html

import streamlit as st

from cop.access import AccessDenied, Page
from cop.errors import CopRuleError
from cop.vocab import ReflectionStep, SessionKind, SessionStatus
from db import live
from db.engine import session_scope
from db.queries.overview import schools_in_reach
from ui import live_session as ls
from ui.auth import require_viewer
from ui.join_qr import join_url, qr_svg
from ui.live import watch
from ui.resources import engine
from ui.widgets import school_picker

viewer = require_viewer(Page.PROJECTOR)

st.markdown(ls.PROJECTOR_CSS, unsafe_allow_html=True)


def _start(session_id: str, kind: SessionKind, version: int) -> None:
    """Start a planned cycle session now (the cycle's own rule decides whether it may start)."""
    from db.cycles.sessions import start_session

    if kind is not SessionKind.REFLECTION:
        ls.run(
            lambda s, who: start_session(s, who, session_id, version=version), done="The session has started."
        )


def _open_code(session_id: str) -> None:
    ls.run(lambda s, who: live.open_join_code(s, who, session_id))


def _step(session_id: str, kind: SessionKind, step: str, current: str | None) -> None:
    if kind is SessionKind.REFLECTION:
        from db.reflection import move_reflection_step

        forward = step == "next"
        ls.run(
            lambda s, who: move_reflection_step(
                s, who, session_id, from_step=current or ReflectionStep.OVERVIEW.value, forward=forward
            )
        )
    else:
        ls.run(lambda s, who: live.set_live_step(s, who, session_id, step, from_step=current))


with session_scope(engine()) as s:
    schools = schools_in_reach(s, viewer)

with st.sidebar:
    st.markdown("**Projector**")
    school_id = school_picker(schools, home_school_id=viewer.school_id)
    choices: list[live.LiveSession] = []
    if school_id:
        with session_scope(engine()) as s:
            choices = live.sessions_to_project(s, viewer, school_id=school_id)
    by_id = {c.id: c for c in choices}
    wanted = ls.chosen_session()
    ids = list(by_id)
    picked = None
    if ids:
        picked = st.selectbox(
            "Session",
            ids,
            index=ids.index(wanted) if wanted in ids else 0,
            format_func=lambda i: (
                f"{by_id[i].title} · {by_id[i].cop or by_id[i].school} · "
                f"{'running' if by_id[i].running else by_id[i].session_date.strftime('%d %b')}"
            ),
        )

school_name = next((c.label for c in schools if c.id == school_id), "")
if picked is None:
    st.title("Projector")
    if school_name:
        st.caption(school_name)
    st.info(
        "No session to project: start a CoP session on its page (or a reflection session), "
        "then open the projector."
    )
    st.stop()

ls.remember_session(picked)
chosen = by_id[picked]
if chosen.running and chosen.join_code is None:
    _open_code(chosen.id)  # the room needs a code as soon as the session is on screen
try:
    with session_scope(engine()) as s:
        session = live.live_session(s, viewer, picked)
except AccessDenied as refused:
    st.title("Projector")
    st.warning(str(refused))
    st.stop()


@st.fragment
def _live_board(shown: live.LiveSession) -> None:
    """The part that changes as people add: a change reruns only this, not the whole page."""
    watch(shown.scopes, key=f"cop_live_watch_proj_{shown.id}")
    with session_scope(engine()) as s:
        board = live.board(s, viewer, shown.id)
    if (board.session.step, board.session.status) != (shown.step, shown.status):
        st.rerun(scope="app")  # a new step or an ended session changes the whole page
    where = " · ".join(x for x in (shown.school, shown.cop) if x)
    st.markdown(
        f'<div class="cop-proj-sub">{html.escape(where)}</div>'
        f'<div class="cop-proj-step">{html.escape(board.session.step_label)}</div>',
        unsafe_allow_html=True,
    )
    st.markdown(ls.projector_cards(board), unsafe_allow_html=True)


with st.sidebar:
    if session.status == SessionStatus.PLANNED.value and session.kind is not SessionKind.REFLECTION:
        st.button(
            "Start the session now",
            type="primary",
            on_click=_start,
            args=(session.id, session.kind, session.version),
            width="stretch",
        )
    if session.running:
        st.markdown("**Step**")
        if session.kind is SessionKind.REFLECTION:
            c1, c2 = st.columns(2)
            c1.button("◀ Back", on_click=_step, args=(session.id, session.kind, "previous", session.step))
            c2.button("Next ▶", on_click=_step, args=(session.id, session.kind, "next", session.step))
        else:
            for value, label in session.steps:
                st.button(
                    label,
                    key=f"step_{value}",
                    type="primary" if value == session.step else "secondary",
                    on_click=_step,
                    args=(session.id, session.kind, value, session.step),
                    width="stretch",
                )
        try:
            st.page_link("pages/contribute.py", label="Moderate on the phone page", icon=":material/edit:")
        except Exception:  # outside the app's navigation (a direct test run)
            pass
    ls.show_flash()

st.title(session.title)
left, right = st.columns([3, 1], gap="large")
with left:
    _live_board(session)
with right:
    if session.running and session.join_code:
        url = join_url(st.context.url, session.join_code)
        st.markdown(ls.code_block(session.join_code, qr_svg(url), url), unsafe_allow_html=True)
    elif not session.running:
        st.info("Not running: start it to open it to phones.")
    try:
        from ui.timer import session_timer
    except ImportError:  # the timer belongs to the reflection work; the projector runs without it
        session_timer = None  # type: ignore[assignment]
    if session_timer is not None and session.running:
        try:
            session_timer(session.started_at, key=f"timer_{session.id}")
        except CopRuleError:  # pragma: no cover - defensive: a timer never blocks the projector
            pass
