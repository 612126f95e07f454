"""Join a running CoP session from a phone: type the code on the projector, or open its QR link."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException, StreamlitPageNotFoundError

from cop.access import AccessDenied, Page
from cop.errors import CopRuleError, ValidationError
from db import live
from db.engine import session_scope
from ui.auth import require_viewer
from ui.live_session import remember_session
from ui.resources import engine

viewer = require_viewer(Page.JOIN)

st.title("Join a session")


def _go(session_id: str) -> None:
    remember_session(session_id)
    try:
        st.switch_page("pages/contribute.py", query_params={"session": session_id})
    except (StreamlitAPIException, StreamlitPageNotFoundError):
        # A page run outside the app's navigation (a fresh server's first request): a plain link.
        st.success("You have joined the session.")
        st.link_button(
            "Open the session", f"contribute?session={session_id}", type="primary", width="stretch"
        )
        st.stop()


def _resolve(code: str) -> str | None:
    try:
        with session_scope(engine()) as s:
            return live.resolve_join_code(s, viewer, code)
    except ValidationError as invalid:
        st.warning(" ".join(invalid.errors.values()))
    except (AccessDenied, CopRuleError) as refused:
        st.warning(str(refused))
    return None


# The QR code opens /join?code=...: a signed-in member goes straight to the session.
from_link = st.query_params.get("code")
if from_link and (found := _resolve(from_link)):
    _go(found)

with st.form("join_code", border=False):
    code = st.text_input(
        "Join code",
        value=from_link or "",
        max_chars=14,
        placeholder="e.g. K7M-PQ3",
        help="The code shown on the projector. Capitals or not, with or without the dash.",
    )
    if st.form_submit_button("Join", type="primary", width="stretch") and (found := _resolve(code)):
        _go(found)

with session_scope(engine()) as s:
    running = live.sessions_to_join(s, viewer)
if running:
    st.subheader("Running now")
    for item in running:
        where = " · ".join(x for x in (item.school, item.cop) if x)
        if st.button(f"{item.title} — {where}", key=f"join_{item.id}", width="stretch"):
            _go(item.id)
else:
    st.caption("No session you take part in is running now.")
