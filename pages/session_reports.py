"""CoP session reports: new ones for the head teacher, the history, and one report to read, edit and print."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Page
from cop.errors import EditConflict
from cop.vocab import ActionStatus, ControlCategory, Role
from db.engine import session_scope
from db.queries.overview import schools_in_reach
from db.tools import session_reports as reports
from ui.auth import require_viewer
from ui.forms import draft, drop_draft, keep_draft, saved_state
from ui.reports import session_kind_label, session_report_pdf
from ui.resources import engine
from ui.saving import write
from ui.widgets import school_picker, table_with_download

viewer = require_viewer(Page.SESSION_REPORTS)

# Session-state keys of this page.
LOADED = "cop_sr_loaded_versions"  # session id -> report version the form's text is based on
SHOWN = "cop_sr_shown_versions"  # session id -> report version the last run showed (what is acknowledged)
FLASH = "cop_sr_flash"
PICK = "cop_sr_pick"
LABELS = {"main_discussions": "Main discussions", "decisions": "Decisions"}
ACKNOWLEDGED = {"All": None, "Not acknowledged": False, "Acknowledged": True}


def _plain(text: str | None) -> str:
    """People's text shown as written: `$` would start a formula in Markdown, a bare newline be lost."""
    return (text or "").replace("$", "\\$").replace("\n", "  \n")


def _write(
    action: Callable[[Session], object], on_conflict: Callable[[EditConflict], None] | None = None
) -> bool:
    """One audited transaction; a conflict shows its message, then the other version (`on_conflict`)."""

    def conflicted(conflict: EditConflict) -> None:
        st.warning(str(conflict))
        if on_conflict is not None:
            on_conflict(conflict)

    raced = "Someone saved this report at the same moment: open it again to see their text."
    return write(viewer, action, labels=LABELS, on_conflict=conflicted, raced=raced)


def _render_filters() -> tuple[list[reports.ReportRow], list[reports.ReportRow]]:
    """The filters and the history they select; also the head teacher's new reports."""
    with session_scope(engine()) as s:
        schools = schools_in_reach(s, viewer)
        waiting = reports.reports_to_acknowledge(s, viewer)
    if waiting:
        st.subheader(f"New reports to acknowledge ({len(waiting)})")
        table_with_download(_frame(waiting), file_name="reports_to_acknowledge.csv", key="dl_new", empty="")
    school_id = school_picker(schools, home_school_id=viewer.school_id)
    if school_id is None:
        return waiting, []
    with session_scope(engine()) as s:
        cops = {c.id: c.label for c in reports.report_cops(s, viewer, school_id=school_id)}
    cols = st.columns([3, 2, 2, 2])
    cop_id = cols[0].selectbox("CoP", [None, *cops], format_func=lambda c: cops.get(c, "All CoPs"))
    since = cols[1].date_input("From", value=None, format="YYYY-MM-DD")
    until = cols[2].date_input("To", value=None, format="YYYY-MM-DD")
    acknowledged = cols[3].selectbox("Acknowledgement", list(ACKNOWLEDGED))
    if since and until and since > until:
        st.error("The **From** date is after the **To** date.")
        return waiting, []
    with session_scope(engine()) as s:
        rows = reports.session_reports(
            s,
            viewer,
            school_id=school_id,
            cop_id=cop_id,
            date_from=since,
            date_to=until,
            acknowledged=ACKNOWLEDGED[acknowledged],
        )
    st.subheader("Session reports")
    table_with_download(
        _frame(rows), file_name="session_reports.csv", key="dl_reports", empty="No report matches."
    )
    return waiting, rows


def _frame(rows: list[reports.ReportRow]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Date": r.session_date,
            "School": r.school,
            "CoP": r.cop,
            "Session": session_kind_label(r.kind, r.sequence),
            "Present": f"{r.present} of {r.members}",
            "Status": r.status.label,
            "Acknowledged by": r.acknowledged_by or "",
        }
        for r in rows
    )


def _pick(rows: list[reports.ReportRow]) -> str | None:
    labels = {
        r.session_id: " · ".join(
            (str(r.session_date), r.cop, session_kind_label(r.kind, r.sequence), r.status.label)
        )
        for r in rows
    }
    wanted = st.query_params.get("report")
    index = list(labels).index(wanted) if wanted in labels else None
    chosen = st.selectbox(
        "Open a report",
        list(labels),
        index=index,
        format_func=labels.get,
        placeholder="Choose a report",
        key=PICK,
    )
    if chosen and st.query_params.get("report") != chosen:
        st.query_params["report"] = chosen
    return chosen


def _render_records(view: reports.ReportView) -> None:
    facts = view.facts
    cols = st.columns(4)
    cols[0].metric("Present", facts.present)
    cols[1].metric("Absent", facts.absent)
    cols[2].metric("New teachers present", facts.new_teachers_present)
    cols[3].metric("Actions", len(facts.actions))
    tables = {
        "Attendance": [
            {"Member": a.name, "Present": a.present, "New teacher": a.is_new_teacher}
            for a in facts.attendance
        ],
        "Challenges raised": [
            {
                "Challenge": c.title,
                "Topic": c.topic_label,
                "Control": ControlCategory(c.control).label,
                "Priority": c.priority_rank if c.is_priority else None,
            }
            for c in facts.challenges
        ],
        "Try-outs planned": [
            {
                "Challenge": t.challenge,
                "Attempt": t.attempt_no,
                "Activities": t.activities,
                "From": t.start_on,
                "To": t.end_on,
                "Who": ", ".join(t.implementers),
            }
            for t in facts.tryouts_planned
        ],
        "Try-outs judged": [
            {
                "Challenge": t.challenge,
                "Attempt": t.attempt_no,
                "Verdict": t.verdict.capitalize(),
                "Pros": t.pros,
                "Cons": t.cons,
            }
            for t in facts.tryouts_judged
        ],
        "Actions": [
            {
                "Action": a.description,
                "Owner": a.owner,
                "Due": a.due_on,
                "Status": ActionStatus(a.status).label,
            }
            for a in facts.actions
        ],
    }
    for title, records in tables.items():
        if records:
            st.markdown(f"**{title}**")
            st.dataframe(pd.DataFrame(records), hide_index=True, width="stretch")
    for title, text in (
        ("Lessons learnt", "\n".join(facts.lessons)),
        ("Any other business", facts.aob_notes),
    ):
        if text:
            st.markdown(f"**{title}**  \n{_plain(text)}")


def _render_text(view: reports.ReportView) -> None:
    """The report as saved (or as generated, until the facilitator submits it)."""
    note = " (generated from the records, not submitted yet)" if view.main_discussions is None else ""
    st.markdown(
        f"**Main discussions**{note}  \n" + _plain(view.main_discussions or view.generated_main_discussions)
    )
    st.markdown("**Decisions**  \n" + _plain(view.decisions or view.generated_decisions))
    if viewer.role is Role.TEACHER:
        st.caption("The CoP's facilitator writes this report; tell them what is missing.")


def _render_report(view: reports.ReportView) -> None:
    """The report's text (editable for its facilitator and the head teacher), then the records behind it."""
    st.subheader(f"{view.cop}: {session_kind_label(view.kind, view.sequence)}, {view.session_date:%d %b %Y}")
    minutes = f" · {view.duration_minutes} minutes" if view.duration_minutes else ""
    st.caption(f"{view.school} · facilitator: {view.facilitator or 'not set'}{minutes} · {view.status.label}")
    if view.may_edit:
        _render_edit(view)
    else:
        _render_text(view)
    if view.edited_by:
        st.caption(f"Last saved by {view.edited_by}, {view.submitted_at:%Y-%m-%d %H:%M} UTC")
    if view.acknowledged_by:
        st.caption(f"Acknowledged by {view.acknowledged_by}, {view.acknowledged_at:%Y-%m-%d %H:%M} UTC")
    left, right = st.columns(2)
    left.download_button(
        "Download PDF",
        session_report_pdf(view),
        file_name=f"session_report_{view.session_date}.pdf",
        mime="application/pdf",
        on_click="ignore",
        key=f"pdf_{view.session_id}",
    )
    # The head teacher acknowledges the text they read, shown by the run before their click.
    shown: dict[str, int | None] = st.session_state.setdefault(SHOWN, {})
    read, shown[view.session_id] = shown.get(view.session_id, view.version), view.version
    if view.may_acknowledge and right.button(
        "Acknowledge this report", type="primary", key=f"ack_{view.session_id}"
    ):
        ack = reports.acknowledge_session_report
        if _write(lambda s: ack(s, viewer, session_id=view.session_id, version=read)):
            st.session_state[FLASH] = "Report acknowledged."
            st.rerun()
    st.markdown("##### From the session's records")
    _render_records(view)


def _render_edit(view: reports.ReportView) -> None:
    form, keys = f"session_report:{view.session_id}", {f: f"sr_{view.session_id}_{f}" for f in LABELS}
    loaded: dict[str, int | None] = st.session_state.setdefault(LOADED, {})
    kept = draft(viewer, form)
    saved = {"main_discussions": view.main_discussions, "decisions": view.decisions}
    generated = {"main_discussions": view.generated_main_discussions, "decisions": view.generated_decisions}
    # Someone saved a newer text while this one stood untouched (no draft): show theirs instead.
    stale = not kept and loaded.get(view.session_id, view.version) != view.version
    for field, key in keys.items():
        if key not in st.session_state or stale:
            st.session_state[key] = kept.get(field, saved[field] or generated[field])
    # The version the text on screen started from; a save checks nobody saved another one since.
    if stale:
        loaded[view.session_id] = view.version
    loaded.setdefault(view.session_id, kept.get("version", view.version))

    def keep() -> None:
        texts = {f: st.session_state[k] for f, k in keys.items()}
        # PostgreSQL's JSON cannot hold NUL; the draft drops it, the save still names the field.
        texts = {f: t.replace("\x00", "") for f, t in texts.items()}
        keep_draft(viewer, form, texts | {"version": loaded.get(view.session_id)})

    def regenerate() -> None:
        for field, key in keys.items():
            st.session_state[key] = generated[field]
        keep()

    def rebase(conflict: EditConflict) -> None:
        """Show their text; the user's stays in the fields, and the next save goes over the version shown."""
        if "version" in conflict.theirs:
            loaded[view.session_id] = conflict.theirs["version"]  # type: ignore[assignment]
            keep()
        st.markdown(
            "**Their version** (your text is still in the fields above: reapply your changes, then save)"
        )
        for field, label in LABELS.items():
            st.markdown(f"*{label}*  \n{_plain(str(conflict.theirs.get(field) or ''))}")

    st.text_area("Main discussions", key=keys["main_discussions"], height=220, on_change=keep)
    st.text_area("Decisions", key=keys["decisions"], height=180, on_change=keep)
    saved_state(bool(kept) or view.version is not None, what="Draft" if kept else "Report")
    left, right = st.columns(2)
    left.button("Fill again from the session's records", on_click=regenerate, key=f"regen_{view.session_id}")
    if right.button("Save and submit", type="primary", key=f"save_{view.session_id}"):
        save, version = reports.save_session_report, loaded.get(view.session_id)
        texts = {f: st.session_state[k] for f, k in keys.items()}
        if _write(lambda s: save(s, viewer, session_id=view.session_id, version=version, **texts), rebase):
            drop_draft(viewer, form)
            for key in keys.values():
                del st.session_state[key]
            loaded.pop(view.session_id, None)
            st.session_state[FLASH] = "Report saved and submitted to the head teacher."
            st.rerun()


st.title("CoP session reports")
if flash := st.session_state.pop(FLASH, None):
    st.success(flash)
waiting, history = _render_filters()
seen = {r.session_id for r in waiting}
picked = _pick(waiting + [r for r in history if r.session_id not in seen])
if picked:
    try:
        with session_scope(engine()) as s:
            report = reports.session_report(s, viewer, picked)
    except AccessDenied as denied:
        st.error(str(denied))
    else:
        _render_report(report)
