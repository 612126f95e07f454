"""My actions: what I agreed to do in CoP sessions, reflection sessions and visits, by urgency; tick one
off or reopen it."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from cop.access import AccessDenied, Page
from cop.actions import DUE_SOON_DAYS, Urgency, day_label, group_by_urgency, today_in_rwanda
from cop.errors import EditConflict, ValidationError
from cop.vocab import ActionStatus
from db.access import actor_of
from db.engine import session_scope
from db.tools.actions import MyAction, my_actions, set_action_status
from ui.auth import current_viewer, require_viewer
from ui.resources import engine
from ui.tryout_notes import render_my_tryouts

viewer = require_viewer(Page.MY_ACTIONS)

NOTICE = "cop_my_actions_notice"  # the outcome of the last click, shown once
SHOWN_DONE = 15
HINTS = {
    Urgency.OVERDUE: "Open, and due before today.",
    Urgency.DUE_SOON: f"Due today or within {DUE_SOON_DAYS} days.",
    Urgency.LATER: "Due later, or without a due date.",
    Urgency.DONE: "Most recently done first.",
}
STALE = "This action changed since the page was shown (in another tab?): it is shown as it is now. Try again."


def _toggle(action_id: str, version: int, done: bool) -> None:
    """Button callback, with the version the person saw; it runs before the page redraws."""
    who = current_viewer()
    if who is None:
        return
    try:
        with session_scope(engine(), actor=actor_of(who)) as s:
            set_action_status(s, who, action_id=action_id, version=version, done=done)
    except EditConflict:
        st.session_state[NOTICE] = ("warning", STALE)
    except (AccessDenied, ValidationError) as refused:
        st.session_state[NOTICE] = ("error", str(refused))
    else:
        st.session_state[NOTICE] = ("success", "Marked done." if done else "Reopened: it is open again.")


def _md(text: str) -> str:
    """Typed text shown as text, not as Markdown."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$])", r"\\\1", text)


def _when(action: MyAction, group: Urgency) -> str:
    if group is Urgency.DONE:
        return f"Done {day_label(action.done_at.date())}" if action.done_at else "Done"
    return f"Due {day_label(action.due_on)}" if action.due_on else "No due date"


def _render_action(action: MyAction, group: Urgency) -> None:
    text, when, button = st.columns([7, 2, 2], vertical_alignment="center")
    struck = f"~~{_md(action.description)}~~" if group is Urgency.DONE else f"**{_md(action.description)}**"
    text.markdown(struck)
    text.caption(" · ".join(p for p in (action.origin, action.school) if p))
    when.markdown(f":red[{_when(action, group)}]" if group is Urgency.OVERDUE else _when(action, group))
    done = group is not Urgency.DONE
    button.button(
        "Mark done" if done else "Reopen",
        key=f"toggle_{action.id}",
        type="primary" if group is Urgency.OVERDUE else "secondary",
        icon=":material/check:" if done else ":material/undo:",
        on_click=_toggle,
        args=(action.id, action.version, done),
    )


def _render_groups(groups: dict[Urgency, list[MyAction]]) -> None:
    counts = st.columns(len(groups))
    for column, (group, items) in zip(counts, groups.items(), strict=True):
        column.metric(group.label, len(items))
    for group, items in groups.items():
        if not items:
            continue
        st.subheader(f"{group.label} ({len(items)})")
        st.caption(HINTS[group])
        shown = items[:SHOWN_DONE] if group is Urgency.DONE else items
        for action in shown:
            with st.container(border=True):
                _render_action(action, group)
        if len(items) > len(shown):
            st.caption(f"And {len(items) - len(shown)} more done: they are all in the CSV below.")


def _frame(groups: dict[Urgency, list[MyAction]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Group": group.label,
                "Action": a.description,
                "Due": a.due_on,
                "Status": ActionStatus(a.status).label,
                "Done on": a.done_at.date() if a.done_at else None,
                "From": a.origin,
                "School": a.school or "",
            }
            for group, items in groups.items()
            for a in items
        ]
    )


st.title("My actions")
st.caption(
    "What you agreed to do, from CoP sessions, reflection sessions, field visits and monitoring visits."
)
if notice := st.session_state.pop(NOTICE, None):
    getattr(st, notice[0])(notice[1])
with session_scope(engine()) as s:
    mine = my_actions(s, viewer)
groups = group_by_urgency(mine, today_in_rwanda())
if not mine:
    st.info("You have no actions yet. Actions you own, from sessions and visits, appear here.")
else:
    _render_groups(groups)
    st.download_button(
        "Download CSV",
        _frame(groups).to_csv(index=False).encode(),
        file_name="my_actions.csv",
        mime="text/csv",
        key="dl_my_actions",
        on_click="ignore",
    )

# The try-outs this person implements, with their notes between CoP sessions (ui/tryout_notes.py).
render_my_tryouts(viewer)
