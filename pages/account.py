"""Your account: who you are signed in as, changing your password, and signing out everywhere."""

from __future__ import annotations

import streamlit as st

from cop.access import Page
from cop.vocab import Role
from db.account import AccountSummary, account_summary
from db.engine import session_scope
from ui.auth import require_viewer, sign_out
from ui.password_form import account_password_form
from ui.resources import engine

viewer = require_viewer(Page.ACCOUNT)


def _render_identity(me: AccountSummary) -> None:
    st.title("Your account")
    role = Role(me.role).label + (f" · {me.job_title}" if me.job_title else "")
    place = ", ".join(p for p in (me.school, f"{me.district} district" if me.district else None) if p)
    st.markdown(f"**{me.full_name}**  \nUsername: `{me.username}`  \n{role}")
    st.caption(place or "Not attached to a school or district.")


def _render_password() -> None:
    st.subheader("Change your password")
    st.caption("This browser stays signed in; every other device and browser will ask you to sign in again.")
    account_password_form(viewer)


def _sign_out_clicked() -> bool:
    st.subheader("Sign out")
    st.caption(
        "Signs you out on every device and browser where you are signed in, this one included "
        "(for example a school computer you forgot to sign out of)."
    )
    return st.button("Sign out everywhere")


with session_scope(engine()) as s:
    summary = account_summary(s, viewer.person_id)
body = st.empty()
with body.container():
    _render_identity(summary)
    _render_password()
    st.divider()
    leaving = _sign_out_clicked()
if leaving:
    # Emptied first, then signed out: sign_out() renders the component that deletes the cookie.
    body.empty()
    sign_out()
    st.success("You are signed out on every device. Reload the page to sign in again.")
    # Deleting the cookie reruns the page, which then shows the sign-in: the toast outlives that rerun.
    st.toast("You are signed out on every device.", icon=":material/logout:", duration="long")
