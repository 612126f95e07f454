"""The audit trail: who changed what and when, filtered, with each change's before and after."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import streamlit as st

from cop.access import AccessDenied, Page, Reach
from cop.vocab import Role
from db.engine import session_scope
from db.queries.audit import AuditEntry, audit_entries, audit_tables
from ui.auth import require_viewer
from ui.resources import engine
from ui.widgets import table_with_download

viewer = require_viewer(Page.AUDIT_LOG)

LIMIT = 500
ACTION_LABELS = {"insert": "Created", "update": "Changed", "delete": "Deleted"}
ANY = ""


@dataclass(frozen=True)
class Filters:
    table: str | None
    action: str | None
    actor_query: str | None
    since: date
    until: date


def _role_label(role: str | None) -> str:
    return Role(role).label if role in Role.values() else (role or "")


def _when(entry: AuditEntry) -> str:
    return entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _who(entry: AuditEntry) -> str:
    # No actor: written by the app itself (demo data, migrations), not by a signed-in person.
    return entry.actor_name or "System"


def _action(entry: AuditEntry) -> str:
    return ACTION_LABELS.get(entry.action, entry.action)


def _render_filters(tables: list[str]) -> Filters | None:
    today = datetime.now(UTC).date()
    cols = st.columns([2, 2, 3, 2, 2])
    table = cols[0].selectbox("Table", [ANY, *tables], format_func=lambda t: t or "All tables")
    action = cols[1].selectbox(
        "Action", [ANY, *ACTION_LABELS], format_func=lambda a: ACTION_LABELS.get(a, "All actions")
    )
    actor = cols[2].text_input("Person's name contains", max_chars=80)
    since = cols[3].date_input("From (UTC)", value=today - timedelta(days=30), max_value=today)
    until = cols[4].date_input("To (UTC)", value=today, max_value=today)
    if since > until:
        st.error("The start date is after the end date.")
        return None
    return Filters(table or None, action or None, actor.strip() or None, since, until)


def _frame(entries: list[AuditEntry]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "When (UTC)": _when(e),
                "Who": _who(e),
                "Role": _role_label(e.actor_role),
                "Action": _action(e),
                "Table": e.table_name,
                "Record": e.record_id,
                "School": e.school or "",
                "What changed": e.summary,
            }
            for e in entries
        ]
    )


def _render_details(entries: list[AuditEntry]) -> None:
    if not entries:
        return
    with st.expander("Details of one entry"):
        index = st.selectbox(
            "Entry",
            range(len(entries)),
            format_func=lambda i: " · ".join(
                (_when(entries[i]), entries[i].table_name, _action(entries[i]), _who(entries[i]))
            ),
        )
        chosen = entries[index]
        st.caption(f"Record {chosen.record_id} in {chosen.table_name}")
        before, after = st.columns(2)
        before.markdown("**Before**")
        before.json(chosen.before or {})
        after.markdown("**After**")
        after.json(chosen.after or {})


st.title("Audit trail")
scope = " of your school's records" if viewer.reach is Reach.SCHOOL else ""
st.caption(f"Every change{scope} saved in the app, newest first. Times are in UTC; passwords never show.")
try:
    with session_scope(engine()) as s:
        tables = audit_tables(s, viewer)
    filters = _render_filters(tables)
    entries: list[AuditEntry] = []
    if filters is not None:
        with session_scope(engine()) as s:
            entries = audit_entries(s, viewer, **asdict(filters), limit=LIMIT)
except AccessDenied as refused:
    st.error(str(refused))
    st.stop()
if len(entries) == LIMIT:
    st.info(f"Showing the newest {LIMIT} entries only: narrow the filters to see older ones.")
table_with_download(_frame(entries), file_name="audit_trail.csv", key="dl_audit", empty="No change matches.")
_render_details(entries)
