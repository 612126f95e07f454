"""Streamlit pieces of a live session: saving from a phone, drafts, the board for phones and projector.

Saving: every submit carries an idempotency key made from who, where and what (cop.live.submission_key):
a double tap, a rerun or a reconnect sends the same key and the data layer returns the first row. The
widgets' text is kept as a draft in PostgreSQL on every change, so a lost connection or a restarted
server loses nothing typed; a draft is dropped only once its contribution is saved.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from cop import live as rules
from cop.access import AccessDenied, Viewer
from cop.errors import CopRuleError, EditConflict, ValidationError
from cop.vocab import EvidenceKind, Topic
from db import live
from db.access import actor_of
from db.drafts import clear_draft, load_draft, save_draft
from db.engine import session_scope
from ui.auth import current_viewer
from ui.resources import engine

FLASH = "cop_live_flash"  # (kind, text) shown once at the top of the next run
CONFLICTS = "cop_live_conflicts"  # record id -> the other person's saved values
LOADED = "cop_live_loaded"  # record id -> the version an edit form was opened on
SESSION = "cop_live_session"  # the session this browser tab takes part in


def chosen_session() -> str | None:
    """The session of this page: from the URL (?session=...) or what this tab joined last."""
    return st.query_params.get("session") or st.session_state.get(SESSION)


def remember_session(session_id: str) -> None:
    st.session_state[SESSION] = session_id
    if st.query_params.get("session") != session_id:
        st.query_params["session"] = session_id


FLASH_SECONDS = 8.0


def flash(kind: str, text: str) -> None:
    st.session_state[FLASH] = (kind, text, time.monotonic() + FLASH_SECONDS)


def show_flash() -> None:
    """The outcome of the last tap, for a few seconds: a live rerun meanwhile does not wipe it."""
    kind, text, until = st.session_state.get(FLASH, (None, None, 0.0))
    if time.monotonic() > until:
        st.session_state.pop(FLASH, None)
        return
    if kind == "success":
        st.success(text, icon=":material/check_circle:")
    elif kind == "warning":
        st.warning(text)
    elif kind == "info":
        st.info(text)


def plain(text: str | None) -> str:
    """People's text shown as written in Markdown (no formulas from `$`, line breaks kept)."""
    return (text or "").replace("$", "\\$").replace("\n", "  \n")


def run(action: Callable[[Session, Viewer], object], *, done: str | None = None) -> bool:
    """Run a write as the signed-in person (from a button callback): outcome goes to the flash line.

    Invalid input, refusals and conflicts become messages; nothing is written in those cases."""
    viewer = current_viewer()
    if viewer is None:
        flash("warning", "Your sign-in has ended: sign in again, what you typed is kept.")
        return False
    try:
        with session_scope(engine(), actor=actor_of(viewer)) as s:
            action(s, viewer)
    except ValidationError as invalid:
        flash("warning", " · ".join(invalid.errors.values()))
    except EditConflict:
        raise
    except (AccessDenied, CopRuleError) as refused:
        flash("warning", str(refused))
    except Exception:  # a lost database connection: the draft keeps the text, the person retries
        flash(
            "warning", "That could not be saved just now (connection trouble?). Your text is kept: try again."
        )
        import logging

        logging.getLogger(__name__).warning("live save failed", exc_info=True)
    else:
        if done:
            flash("success", done)
        return True
    return False


# ---------------------------------------------------------------------------------------------------
# Drafts of the phone's forms


def _draft_key(session_id: str, form: str) -> str:
    return f"live:{session_id}:{form}"


def restore_draft(viewer: Viewer, session_id: str, form: str, fields: dict[str, Any]) -> None:
    """Put a saved draft into this form's widgets (once per browser session, before they are drawn)."""
    marker = f"cop_live_restored_{session_id}_{form}"
    if st.session_state.get(marker):
        return
    st.session_state[marker] = True
    with session_scope(engine()) as s:
        saved = load_draft(s, viewer.person_id, _draft_key(session_id, form)) or {}
    for field, default in fields.items():
        key = widget_key(session_id, form, field)
        if key not in st.session_state:
            st.session_state[key] = saved.get(field, default)


def widget_key(session_id: str, form: str, field: str) -> str:
    return f"cop_live_{form}_{field}_{session_id}"


def form_values(session_id: str, form: str, fields: list[str]) -> dict[str, Any]:
    return {f: st.session_state.get(widget_key(session_id, form, f)) for f in fields}


def keep_draft(session_id: str, form: str, fields: list[str]) -> None:
    """on_change of a form's widget: store what is typed so far."""
    viewer = current_viewer()
    if viewer is None:
        return
    payload = {k: v for k, v in form_values(session_id, form, fields).items() if isinstance(v, str | None)}
    try:
        with session_scope(engine()) as s:
            save_draft(s, viewer.person_id, _draft_key(session_id, form), payload)
    except Exception:  # the browser still holds the text; the next change tries again
        pass


def clear_form(viewer: Viewer, session_id: str, form: str, fields: dict[str, Any]) -> None:
    """After a save: empty the widgets and drop the draft (from a callback, before widgets are drawn)."""
    for field, default in fields.items():
        st.session_state[widget_key(session_id, form, field)] = default
    with session_scope(engine()) as s:
        clear_draft(s, viewer.person_id, _draft_key(session_id, form))


# ---------------------------------------------------------------------------------------------------
# Edits with a version check


def edit_conflict(record_id: str) -> dict[str, object] | None:
    return st.session_state.get(CONFLICTS, {}).get(record_id)


def save_edit(record_id: str, action: Callable[[Session, Viewer, int | None], object], *, done: str) -> None:
    """Save an edit made on the version the form was opened with; on a conflict keep theirs to show."""
    loaded = st.session_state.setdefault(LOADED, {}).get(record_id)
    try:
        if run(lambda s, v: action(s, v, loaded), done=done):
            st.session_state.setdefault(CONFLICTS, {}).pop(record_id, None)
            st.session_state[LOADED].pop(record_id, None)
    except EditConflict as conflict:
        st.session_state.setdefault(CONFLICTS, {})[record_id] = conflict.theirs
        flash("warning", str(conflict))


def opened_on(record_id: str, version: int) -> int:
    """The version this person's edit form is based on (kept across reruns until saved)."""
    return st.session_state.setdefault(LOADED, {}).setdefault(record_id, version)


def apply_mine_over(record_id: str) -> None:
    """The person has seen the other version and saves theirs over it: base the edit on that version."""
    theirs = st.session_state.get(CONFLICTS, {}).pop(record_id, None) or {}
    if "version" in theirs:
        st.session_state.setdefault(LOADED, {})[record_id] = theirs["version"]


def take_theirs(record_id: str, keys: dict[str, str]) -> None:
    """Drop this person's edit: the form shows the saved version again."""
    theirs = st.session_state.get(CONFLICTS, {}).pop(record_id, None) or {}
    st.session_state.setdefault(LOADED, {}).pop(record_id, None)
    for field, key in keys.items():
        if field in theirs:
            st.session_state[key] = theirs[field] or ""


# ---------------------------------------------------------------------------------------------------
# The projector's board (HTML: large type, every person's text escaped)

PROJECTOR_CSS = """
<style>
[data-testid="stMainBlockContainer"] {padding-top: 3.2rem; padding-bottom: 1rem;}
h1 {padding-top: 0 !important;}
.cop-proj-step {font-size: 2.3rem; font-weight: 700; line-height: 1.15; margin: 0 0 .6rem 0;}
.cop-proj-sub {font-size: 1.25rem; color: #333; margin-bottom: .2rem;}
.cop-proj-grid {display: grid; grid-template-columns: repeat(auto-fill, minmax(290px, 1fr)); gap: .8rem;}
.cop-proj-card {background: #f3f7f9; border-left: 8px solid #1f6f8b; border-radius: 8px; padding: .7rem 1rem;}
.cop-proj-card.top {border-left-color: #c77800; background: #fff7e8;}
.cop-proj-title {font-size: 1.55rem; font-weight: 650; line-height: 1.2;}
.cop-proj-meta {font-size: 1.05rem; color: #333; margin-top: .3rem;}
.cop-proj-votes {float: right; font-size: 1.7rem; font-weight: 800; color: #1f6f8b; margin-left: .6rem;}
.cop-proj-code {font-size: 2.7rem; font-weight: 800; letter-spacing: .12rem; text-align: center;
  white-space: nowrap; font-family: ui-monospace, Menlo, Consolas, monospace; margin: 0; line-height: 1.1;}
.cop-proj-join {font-size: 1.1rem; text-align: center; color: #333;}
.cop-proj-url {font-size: .85rem; text-align: center; color: #444; overflow-wrap: anywhere;}
.cop-proj-qr svg {width: 100%; max-width: 170px; height: auto; display: block; margin: .3rem auto;}
.cop-proj-empty {font-size: 1.4rem; color: #555; padding: 1rem 0;}
</style>
"""


def _card(title: str, meta: str = "", votes: int | None = None, top: bool = False) -> str:
    badge = f'<span class="cop-proj-votes">{votes}&#9733;</span>' if votes is not None else ""
    meta_html = f'<div class="cop-proj-meta">{html.escape(meta)}</div>' if meta else ""
    cls = "cop-proj-card top" if top else "cop-proj-card"
    return (
        f'<div class="{cls}">{badge}<div class="cop-proj-title">{html.escape(title)}</div>{meta_html}</div>'
    )


def projector_cards(board: live.Board) -> str:
    """The contributions of the session, as the room sees them (hidden ones never)."""
    cards: list[str] = []
    if board.session.cycle_id is not None:
        shown = board.shown_challenges
        top_votes = shown[0].votes if shown and shown[0].votes > 0 else None
        for c in shown:
            meta = f"{c.topic_label} · {c.evidence_label}"
            cards.append(_card(c.title, meta, c.votes, top=top_votes is not None and c.votes == top_votes))
        for t in board.tryouts:
            for person, result, notes in t.results:
                cards.append(
                    _card(f"{t.challenge}: {result or 'noted'}", f"{person}: {notes or ''}".strip(": "))
                )
        for lesson in board.lessons:
            cards.append(_card(lesson.text, lesson.author or ""))
    else:
        for card in board.cards:
            if not card.hidden:
                cards.append(_card(card.text, f"{card.kind.label} · {card.author or ''}".strip(" ·")))
    if not cards:
        return '<div class="cop-proj-empty">Nothing added yet: join from your phone with the code.</div>'
    return '<div class="cop-proj-grid">' + "".join(cards) + "</div>"


def code_block(code: str, qr_svg: str, url: str) -> str:
    return (
        f'<div class="cop-proj-join">Join from your phone</div>'
        f'<div class="cop-proj-code">{html.escape(rules.show_code(code))}</div>'
        f'<div class="cop-proj-qr">{qr_svg}</div>'
        f'<div class="cop-proj-url">{html.escape(url.split("?")[0])}</div>'
    )


def topic_label(value: str) -> str:
    return Topic(value).label


def evidence_label(value: str) -> str:
    return EvidenceKind(value).label
