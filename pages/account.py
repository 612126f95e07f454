"""Your account: who you are signed in as, and signing out."""

from __future__ import annotations

import streamlit as st

from cop.access import Page
from cop.vocab import Role
from ui import state
from ui.auth import require_viewer, sign_out

viewer = require_viewer(Page.ACCOUNT)


st.title("Your account")
st.write(f"Signed in as **{st.session_state.get(state.AUTH_NAME, '')}** ({Role(viewer.role).label}).")
if st.button("Sign out", type="primary"):
    sign_out()
    st.success("You are signed out on every device. Reload the page to sign in again.")
