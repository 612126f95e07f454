"""The sign-in guard every page starts with, on streamlit-authenticator's signed cookie."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
import streamlit as st
from streamlit_authenticator.controllers import CookieController

from cop.access import AccessDenied, Page, Viewer, pages_for
from db.access import load_viewer
from db.auth import (
    GENERIC_FAILURE,
    SignedIn,
    check_credentials,
    person_id_for_username,
    revoke_signins,
    signin_still_valid,
)
from db.engine import session_scope
from ui import state
from ui.resources import cookie_settings, engine, ensure_configured

log = logging.getLogger(__name__)
# Long enough for a slow phone to load the component and write the cookie.
_COOKIE_WRITE_SECONDS = 20


def _cookie_signin() -> tuple[str, datetime] | None:
    """(username, issued at) of a valid signed cookie; it holds only its expiry, so issue time is derived."""
    settings = cookie_settings()
    token = st.context.cookies.get(settings.name)
    if not token:
        return None
    try:
        claims = jwt.decode(token, settings.key, algorithms=["HS256"])
        username, expires = str(claims["username"]), float(claims["exp_date"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return None  # forged, edited or malformed: treated as no cookie
    now = datetime.now(UTC).timestamp()
    if expires <= now:
        return None
    issued = datetime.fromtimestamp(expires, UTC) - timedelta(days=settings.expiry_days)
    return username, issued


def _remember(signed: SignedIn, at: datetime) -> None:
    st.session_state[state.PERSON_ID] = signed.person_id
    st.session_state[state.SIGNED_IN_AT] = at
    st.session_state[state.MUST_CHANGE_PASSWORD] = signed.must_change_password
    # The authenticator's cookie controller encodes these into its token.
    st.session_state[state.AUTH_USERNAME] = signed.username
    st.session_state[state.AUTH_NAME] = signed.full_name
    st.session_state[state.AUTH_ROLES] = [signed.role]
    st.session_state[state.AUTH_STATUS] = True
    st.session_state[state.AUTH_LOGOUT] = False


def _forget() -> None:
    for key in (
        state.PERSON_ID,
        state.SIGNED_IN_AT,
        state.MUST_CHANGE_PASSWORD,
        state.AUTH_USERNAME,
        state.AUTH_NAME,
        state.AUTH_ROLES,
    ):
        st.session_state.pop(key, None)
    st.session_state[state.AUTH_STATUS] = None


def current_viewer() -> Viewer | None:
    """The signed-in person, checked against the database on every run (revocation, deactivation)."""
    ensure_configured()
    person_id = st.session_state.get(state.PERSON_ID)
    signed_at = st.session_state.get(state.SIGNED_IN_AT)
    with session_scope(engine()) as s:
        if person_id is None:
            from_cookie = _cookie_signin()
            if from_cookie is None:
                return None
            person_id = person_id_for_username(s, from_cookie[0])
            signed_at = from_cookie[1]
            if person_id is None:
                return None
        signed = signin_still_valid(s, person_id, signed_at)
        if signed is None:
            _forget()
            return None
        _remember(signed, signed_at)
        try:
            viewer = load_viewer(s, signed.person_id)
        except AccessDenied:
            _forget()
            return None
    return viewer


@dataclass(frozen=True)
class _PendingCookie:
    token: str
    expires_at: datetime
    render_until: float  # time.time() after which we stop drawing the cookie component


def _queue_cookie(username: str) -> None:
    """Ask the next runs to write the sign-in cookie (the authenticator's token format: username, expiry)."""
    settings = cookie_settings()
    expires_at = datetime.now(UTC) + timedelta(days=settings.expiry_days)
    token = jwt.encode(
        {"username": username, "exp_date": expires_at.timestamp()}, settings.key, algorithm="HS256"
    )
    st.session_state[state.COOKIE_PENDING] = _PendingCookie(
        token, expires_at, time.time() + _COOKIE_WRITE_SECONDS
    )


def _write_pending_cookie() -> None:
    """Draw the cookie-writing component, unchanged, on every run until it reports the cookie written.

    The component writes the cookie from the browser a moment after it appears; another component's reply
    can rerun the script first, and a component not drawn again in that rerun is removed unwritten."""
    pending: _PendingCookie | None = st.session_state.get(state.COOKIE_PENDING)
    if pending is None:
        return
    if time.time() > pending.render_until:
        del st.session_state[state.COOKIE_PENDING]
        return
    settings = cookie_settings()
    manager = CookieController(settings.name, settings.key, settings.expiry_days).cookie_model.cookie_manager
    # The component behind the authenticator's cookie manager answers True once the browser holds the cookie.
    written = manager.cookie_manager(
        method="set",
        cookie=settings.name,
        value=pending.token,
        options={"path": "/", "expires": pending.expires_at.isoformat(), "sameSite": "strict"},
        key="set",
        default=False,
    )
    if written:
        del st.session_state[state.COOKIE_PENDING]


def sign_in_form() -> None:
    """Render the sign-in form; on success remember the person and rerun into their pages."""
    st.title("CoP Dashboard")
    st.caption("Communities of Practice of Rwandan schools")
    with st.form("sign_in", clear_on_submit=False):
        st.subheader("Sign in")
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if not submitted:
        return
    if not username.strip() or not password:
        st.error("Enter your username and password.")
        return
    with session_scope(engine()) as s:
        signed = check_credentials(s, username, password)
    if signed is None:
        st.error(GENERIC_FAILURE)
        return
    _remember(signed, datetime.now(UTC))
    # The next runs draw the cookie component (see _write_pending_cookie); drawing it here, just before
    # st.rerun(), would remove it before the browser stores the cookie.
    _queue_cookie(signed.username)
    st.rerun()


def password_change_required() -> bool:
    """Whether the signed-in person still has to replace a one-time password (as of this run's check)."""
    return bool(st.session_state.get(state.MUST_CHANGE_PASSWORD))


def renew_signin(at: datetime) -> None:
    """Keep this browser signed in after a change that voided earlier sign-ins: remember `at`, new cookie."""
    person_id = st.session_state.get(state.PERSON_ID)
    if person_id is None:
        return
    with session_scope(engine()) as s:
        signed = signin_still_valid(s, person_id, at)
    if signed is None:
        _forget()
        return
    _remember(signed, at)
    # The old cookie predates `at` and is now void; no st.rerun() after this, or it would not be written.
    _queue_cookie(signed.username)


def sign_out() -> None:
    """End this person's sign-ins everywhere (every browser, every process) and drop the cookie."""
    person_id = st.session_state.get(state.PERSON_ID)
    if person_id:
        with session_scope(engine()) as s:
            revoke_signins(s, person_id)
    settings = cookie_settings()
    CookieController(settings.name, settings.key, settings.expiry_days).delete_cookie()
    st.session_state[state.AUTH_LOGOUT] = True
    _forget()


def require_viewer(page: Page | None = None) -> Viewer:
    """Start of every page: a valid sign-in allowed on `page`; otherwise the form it lacks, and a stop."""
    viewer = current_viewer()
    if viewer is None:
        sign_in_form()
        st.stop()
    _write_pending_cookie()
    if password_change_required():
        # Imported here: the form renews the sign-in through this module.
        from ui.password_form import forced_password_change

        forced_password_change(viewer)
        st.stop()
    if page is not None and page not in pages_for(viewer.role):
        st.error("This page is not available for your role.")
        st.stop()
    return viewer
