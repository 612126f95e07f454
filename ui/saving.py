"""Saving from a page: one audited transaction whose every refusal becomes a message, never a traceback."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cop.access import AccessDenied, Viewer
from cop.errors import CopRuleError, EditConflict, ValidationError
from db.access import actor_of
from db.engine import session_scope
from ui.admin_widgets import show_errors
from ui.resources import engine

# A unique key or a version that moved between our check and our write: someone else saved meanwhile.
RACED = "Someone saved this meanwhile, or the form was sent twice: reload the page and check."


def write(
    viewer: Viewer,
    action: Callable[[Session], object],
    *,
    labels: dict[str, str] | None = None,
    on_conflict: Callable[[EditConflict], None] | None = None,
    raced: str = RACED,
) -> bool:
    """Run `action` in one transaction as `viewer`; True when it committed.

    Invalid input lists every field by its label; a version conflict goes to `on_conflict` (which keeps
    the other person's version to show) or is shown as a warning; a refusal by access or by a rule of the
    cycle is shown as its own message. Nothing is written in any of those cases."""
    try:
        with session_scope(engine(), actor=actor_of(viewer)) as s:
            action(s)
        return True
    except ValidationError as invalid:
        show_errors(invalid.errors, labels or {})
    except EditConflict as conflict:
        if on_conflict is None:
            st.warning(str(conflict))
        else:
            on_conflict(conflict)
    except (AccessDenied, CopRuleError) as refused:
        st.error(str(refused))
    except (IntegrityError, StaleDataError):
        st.error(raced)
    return False
