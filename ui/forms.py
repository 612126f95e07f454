"""Form helpers shared by the tool pages: one idempotency key per form instance, drafts, saved state."""

from __future__ import annotations

import uuid
from typing import Any

import streamlit as st

from cop.access import Viewer
from db.drafts import clear_draft, load_draft, save_draft
from db.engine import session_scope
from ui.resources import engine

_SUBMIT_PREFIX = "cop_submit_key_"


def submit_key(form: str) -> str:
    """Idempotency key of this form instance: a double click, rerun or reconnect reuses it: one save."""
    key = _SUBMIT_PREFIX + form
    if key not in st.session_state:
        st.session_state[key] = uuid.uuid4().hex
    return st.session_state[key]


def renew_submit_key(form: str) -> None:
    """After a successful save: the next submit of this form is a new record."""
    st.session_state.pop(_SUBMIT_PREFIX + form, None)


def draft(viewer: Viewer, form_key: str) -> dict[str, Any]:
    """The person's saved draft of a form (empty when there is none)."""
    with session_scope(engine()) as s:
        return load_draft(s, viewer.person_id, form_key) or {}


def keep_draft(viewer: Viewer, form_key: str, payload: dict[str, Any]) -> None:
    """Store what is typed so far (call from a widget's on_change)."""
    with session_scope(engine()) as s:
        save_draft(s, viewer.person_id, form_key, payload)


def drop_draft(viewer: Viewer, form_key: str) -> None:
    with session_scope(engine()) as s:
        clear_draft(s, viewer.person_id, form_key)


def saved_state(saved: bool, *, what: str = "Draft") -> None:
    """A small, always-visible line saying whether what is on screen is stored."""
    if saved:
        st.caption(f":material/cloud_done: {what} saved")
    else:
        st.caption(":material/edit: Not saved yet")
