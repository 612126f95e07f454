"""The change-password form: on the account page, and instead of every page while a one-time password
is still in use."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from cop.access import AccessDenied, Viewer
from cop.errors import ValidationError
from cop.passwords import MIN_LENGTH
from db.access import actor_of
from db.account import change_own_password
from db.engine import session_scope
from ui.auth import renew_signin, sign_out
from ui.resources import engine

POLICY = (
    f"At least {MIN_LENGTH} characters. A short sentence you can remember works well: no need for "
    "capitals, digits or symbols. Common passwords and ones containing your username are refused."
)


def _changed_at(viewer: Viewer, *, key: str, current_label: str) -> datetime | None:
    """Render the form and apply a submission; when the password changed, the time to renew the sign-in at."""
    # Cleared on every submit: a refused password should not sit in the page either.
    with st.form(key, clear_on_submit=True):
        st.caption(POLICY)
        current = st.text_input(current_label, type="password", autocomplete="current-password")
        new = st.text_input("New password", type="password", autocomplete="new-password")
        repeat = st.text_input("Repeat the new password", type="password", autocomplete="new-password")
        submitted = st.form_submit_button("Change password", type="primary")
    if not submitted:
        return None
    if not current or not new:
        st.error(f"Enter your {current_label.lower()} and a new password.")
        return None
    if new != repeat:
        st.error("The two new passwords are not the same.")
        return None
    try:
        with session_scope(engine(), actor=actor_of(viewer)) as s:
            return change_own_password(s, viewer.person_id, current_password=current, new_password=new)
    except ValidationError as refused:
        for message in refused.errors.values():
            st.error(message)
    except AccessDenied as refused:
        st.error(str(refused))
    return None


def _confirm(message: str) -> None:
    st.success(message)
    # The cookie component reruns the script once the cookie is written, which clears the message above;
    # a toast outlives that rerun.
    st.toast(message, icon=":material/check_circle:", duration="long")


def account_password_form(viewer: Viewer) -> None:
    """Change one's own password from the account page; this browser stays signed in."""
    changed_at = _changed_at(viewer, key="account_password", current_label="Current password")
    if changed_at is not None:
        renew_signin(changed_at)
        _confirm("Your password is changed. Other devices and browsers will ask you to sign in again.")


def forced_password_change(viewer: Viewer) -> None:
    """The only thing shown until a one-time password from an administrator is replaced."""
    slot = st.empty()
    with slot.container():
        st.title("Choose a new password")
        st.info(
            "An administrator gave you a one-time password. Choose your own password now; "
            "you can use the app as soon as it is saved."
        )
        changed_at = _changed_at(viewer, key="forced_password", current_label="One-time password")
        leave = changed_at is None and st.button("Sign out")
    # The slot is emptied before the cookie is touched: emptying it would remove the cookie component too.
    if changed_at is not None:
        slot.empty()
        renew_signin(changed_at)
        _confirm("Your new password is saved.")
        st.button("Continue", type="primary")
    elif leave:
        slot.empty()
        sign_out()
        st.info("You are signed out. Reload the page to sign in again.")
