"""My try-outs (on My actions): each implementer records notes and the result of their try-outs."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.orm import Session

from cop.access import Viewer
from cop.cycle_inputs import TryoutNoteInput
from cop.vocab import TryoutResult
from db.cycles import reads, tryouts
from db.engine import session_scope
from ui.resources import engine
from ui.session_common import TODAY, DraftForm, plain, show_flash

LABELS = {"notes": "What happened", "result": "How it went", "tried_on": "Tried on"}


def _render_one(viewer: Viewer, t: reads.MyTryout) -> None:
    when = f"{t.start_on:%d %b} to {t.end_on:%d %b}" if t.start_on and t.end_on else "dates open"
    st.markdown(f"**{plain(t.challenge)}** · try-out {t.attempt_no} · {t.cop} · {when}")
    st.markdown(plain(t.activities))
    if t.judged:
        verdict = "effective" if t.effective else "not effective"
        st.caption(f"The CoP judged it {verdict}. Your notes: {t.notes or 'none'}")
        return
    form = DraftForm(
        viewer,
        f"tryout_note:{t.plan_id}",
        {"notes": t.notes or "", "result": t.result, "tried_on": t.tried_on},
        version=t.note_version,
    )
    st.text_area("What happened in class", key=form.key("notes"), on_change=form.keep, height=90)
    left, right = st.columns(2)
    left.selectbox(
        "How it went",
        TryoutResult.values(),
        format_func=lambda v: TryoutResult(v).label,
        key=form.key("result"),
        on_change=form.keep,
        placeholder="Not tried yet",
    )
    right.date_input("Tried on", key=form.key("tried_on"), on_change=form.keep, format="YYYY-MM-DD")
    form.status()

    def save(s: Session, _idem: str, version: int | None) -> None:
        data = TryoutNoteInput.parse(today=TODAY(), **form.values())
        tryouts.record_tryout_note(s, viewer, t.plan_id, data, version=version)

    form.submit("Save my notes", save, labels=LABELS, done="Try-out notes saved.")


def render_my_tryouts(viewer: Viewer) -> None:
    """The viewer's try-outs in open cycles, with a notes form for each one not judged yet."""
    with session_scope(engine()) as s:
        mine = reads.my_tryouts(s, viewer)
    if not mine:
        return
    st.subheader(f"My try-outs ({len(mine)})")
    st.caption("Write what happened in class: the CoP reads your notes in its next session.")
    show_flash()
    for t in mine:
        with st.container(border=True):
            _render_one(viewer, t)
