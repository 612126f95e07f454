"""CPD CEMC gradebook: each participant's three marks, module totals, entry and edits, CSV and PDF."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session
from streamlit.errors import StreamlitAPIException

from cop import cemc as rules
from cop.access import Page
from cop.cemc import MarksInput
from cop.errors import EditConflict
from cop.self_assessment import school_year_of
from db.engine import session_scope
from db.tools import cemc
from ui.admin_widgets import show_errors
from ui.auth import require_viewer
from ui.forms import draft, drop_draft, keep_draft, saved_state
from ui.reports import CEMC_ROLES, cemc_mark_text, cemc_marks_pdf
from ui.resources import engine
from ui.saving import write
from ui.widgets import table_with_download

viewer = require_viewer(Page.CEMC_GRADEBOOK)

# Session-state keys of this page.
FLASH, VERSIONS, THEIRS, CONFLICT = (
    "cop_cemc_flash",
    "cop_cemc_versions",
    "cop_cemc_theirs",
    "cop_cemc_conflict",
)
FIELDS = ("participant_id", "participant_role", "cohort", *rules.MARKS, "first_session_id")
LABELS = {
    "participant": "Participant",
    "participant_id": "Participant",
    "participant_role": "Takes part as",
    "cohort": "Cohort",
    "first_session_id": "First CoP session",
    **{m: f"{rules.LABELS[m]} (/{rules.MAXIMA[m]})" for m in rules.MARKS},
}
REPORTS_PAGE = Path(__file__).with_name("session_reports.py")  # a colleague's page, present or not
REFUSED = "These marks were saved meanwhile elsewhere: reload the page to see them."


def _wkey(form: str, name: str) -> str:
    return f"cemc|{form}|{name}"


def _values(form: str) -> dict[str, object]:
    return {name: st.session_state.get(_wkey(form, name)) for name in FIELDS}


def _fill(form: str, row: cemc.GradebookRow | None) -> None:
    """Put the draft, or else the saved marks, into the widgets when they hold nothing yet.

    Streamlit forgets a widget's value when a run does not draw it (another row opened); the draft kept
    on every change brings it back."""
    if _wkey(form, "cohort") in st.session_state:
        return
    saved = (
        {name: getattr(row, name) for name in FIELDS}
        if row
        else {"cohort": str(school_year_of(date.today()))}
    )
    source = {**saved, **draft(viewer, form)}
    for name in FIELDS:
        value = source.get(name)
        if name in rules.MARKS:  # a number input holds a float or nothing
            value = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        st.session_state[_wkey(form, name)] = value


def _save(action: Callable[[Session], object], form: str, done: str) -> None:
    """One audited transaction; a refusal is a message and the typed marks stay on screen."""

    def conflicted(conflict: EditConflict) -> None:
        # Saving again applies this person's marks over the version now shown as theirs.
        st.session_state[THEIRS] = {k: (v if v is None else str(v)) for k, v in conflict.theirs.items()}
        st.session_state.setdefault(VERSIONS, {})[form] = conflict.theirs.get("version")
        st.session_state[CONFLICT] = str(conflict)
        st.rerun()  # the form shows their marks above the save button, the typed marks stay

    if not write(viewer, action, labels=LABELS, on_conflict=conflicted, raced=REFUSED):
        return
    drop_draft(viewer, form)
    for name in FIELDS:  # the next run fills the form afresh (empty, or the saved marks)
        st.session_state.pop(_wkey(form, name), None)
    for name in (VERSIONS, THEIRS):
        st.session_state.pop(name, None)
    st.session_state[FLASH] = done
    st.rerun()


def _render_marks_form(form: str, row: cemc.GradebookRow | None) -> MarksInput | None:
    """Participant (new marks only), role, cohort, the three marks and the first session; returns on Save."""
    _fill(form, row)
    keep = {"on_change": lambda: keep_draft(viewer, form, _values(form))}
    if row is None:
        search = st.text_input("Find a participant", key="cemc_search", placeholder="Part of a name")
        with session_scope(engine()) as s:
            found = {c.id: c for c in cemc.participants_to_mark(s, viewer, search=search)}
        current = st.session_state.get(_wkey(form, "participant_id"))
        if current not in found:
            st.session_state[_wkey(form, "participant_id")] = None
        pid = st.selectbox(
            "Participant",
            [None, *found],
            key=_wkey(form, "participant_id"),
            format_func=lambda i: found[i].label if i else "Choose a participant",
            **keep,
        )
        roles = found[pid].roles if pid else tuple(CEMC_ROLES)
    else:
        pid, roles = row.participant_id, row.roles
    if st.session_state.get(_wkey(form, "participant_role")) not in roles:
        st.session_state[_wkey(form, "participant_role")] = (
            found[pid].default_role if row is None and pid else None
        )
    left, right = st.columns(2)
    left.selectbox(
        "Takes part as",
        roles,
        key=_wkey(form, "participant_role"),
        format_func=CEMC_ROLES.__getitem__,
        **keep,
    )
    right.text_input("Cohort (year)", key=_wkey(form, "cohort"), max_chars=4, **keep)
    for column, name in zip(st.columns(3), rules.MARKS, strict=True):
        column.number_input(LABELS[name], value=None, step=0.5, format="%.1f", key=_wkey(form, name), **keep)
    with session_scope(engine()) as s:
        sessions = {c.id: c.label for c in cemc.first_sessions_of(s, viewer, pid)} if pid else {}
    if st.session_state.get(_wkey(form, "first_session_id")) not in sessions:
        st.session_state[_wkey(form, "first_session_id")] = None
    st.selectbox(
        "First CoP session (the report's)",
        [None, *sessions],
        key=_wkey(form, "first_session_id"),
        format_func=lambda i: "None linked" if i is None else sessions[i],
        **keep,
    )
    has_draft = bool(draft(viewer, form))
    saved_state(has_draft or row is not None, what="Draft" if has_draft or row is None else "Marks")
    if message := st.session_state.pop(CONFLICT, None):
        st.error(message)
    if theirs := st.session_state.get(THEIRS):
        st.warning("Their saved marks: " + ", ".join(f"{LABELS.get(k, k)}: {v}" for k, v in theirs.items()))
    if not st.button("Save marks", type="primary", key=f"save_{form}"):
        return None
    values = _values(form)
    return MarksInput(**{k: v for k, v in values.items() if k != "participant_id"})  # type: ignore[arg-type]


def _render_new() -> None:
    data = _render_marks_form("cemc:new", None)
    if data is not None:
        pid = str(st.session_state.get(_wkey("cemc:new", "participant_id")) or "")
        if not pid:
            show_errors({"participant_id": "Choose a participant."}, LABELS)
            return
        _save(
            lambda s: cemc.record_marks(s, viewer, participant_id=pid, data=data), "cemc:new", "Marks saved."
        )


def _render_list() -> cemc.GradebookRow | None:
    with session_scope(engine()) as s:
        known_cohorts = cemc.cohorts(s, viewer)
    cols = st.columns(3)
    cohort = cols[0].selectbox("Cohort", [None, *known_cohorts], format_func=lambda c: c or "All")
    role = cols[1].selectbox(
        "Taking part as", [None, *CEMC_ROLES], format_func=lambda r: "Anyone" if r is None else CEMC_ROLES[r]
    )
    search = cols[2].text_input("Name contains", key="cemc_filter_name")
    with session_scope(engine()) as s:
        rows = cemc.gradebook(s, viewer, cohort=cohort, participant_role=role, search=search)
    frame = pd.DataFrame(
        {
            "Participant": r.participant,
            "Takes part as": CEMC_ROLES[r.participant_role],
            "School / district": r.school or (f"{r.district} district" if r.district else ""),
            "Cohort": r.cohort,
            "First-session report /30": r.first_session_report,
            "Field visit /30": r.field_visit,
            "Final exam /40": r.final_exam,
            "Module 1 recorded": r.totals.module1.known,
            "Module 1 of": r.totals.module1.known_of,
            "Module 2 recorded": r.totals.module2.known,
            "Module 2 of": r.totals.module2.known_of,
            "Marks still missing": ", ".join(r.totals.marks_missing),
        }
        for r in rows
    )
    table_with_download(
        frame, file_name="cemc_gradebook.csv", key="dl_cemc", empty="No marks in your reach yet."
    )
    labels = {r.id: f"{r.participant}, cohort {r.cohort}" for r in rows}
    if not rows:
        return None
    chosen = st.selectbox(
        "Open a participant's marks", [None, *labels], format_func=lambda i: "—" if i is None else labels[i]
    )
    return next((r for r in rows if r.id == chosen), None)


def _render_first_session(row: cemc.GradebookRow) -> None:
    if row.first_session_id is None or row.first_session_date is None:
        st.caption("No first CoP session is linked to the report mark.")
        return
    label = f"First CoP session of {row.first_session_date:%d %B %Y}"
    if REPORTS_PAGE.exists():
        try:
            st.page_link(
                "pages/session_reports.py",
                label=f"{label}: open its report",
                icon=":material/description:",
                # "session" as agreed; "report" and "school" are what session_reports.py reads today.
                query_params={
                    "session": row.first_session_id,
                    "report": row.first_session_id,
                    "school": row.first_session_school_id or "",
                },
            )
            return
        except StreamlitAPIException:
            pass  # the reports page is not in this run's navigation (a page URL opened directly)
    st.caption(label)


def _render_row(row: cemc.GradebookRow) -> None:
    st.subheader(f"{row.participant}, cohort {row.cohort}")
    for column, name in zip(st.columns(3), rules.MARKS, strict=True):
        column.metric(LABELS[name], cemc_mark_text(row, name).split(" / ")[0])
    _render_first_session(row)
    st.markdown("\n".join(f"- {t.describe()}" for t in (row.totals.module1, row.totals.module2)))
    name = f"cemc_{row.participant.replace(' ', '_').lower()}_{row.cohort}.pdf"
    st.download_button(
        "Download PDF", cemc_marks_pdf(row), file_name=name, mime="application/pdf", on_click="ignore"
    )
    with session_scope(engine()) as s:
        editable = cemc.may_edit_marks(s, viewer, row.id)
    if editable:
        with st.expander("Edit these marks"):
            form = f"cemc:{row.id}"
            # The version the form was opened with: saving over a newer one is a conflict.
            version = st.session_state.setdefault(VERSIONS, {}).setdefault(form, row.version)
            data = _render_marks_form(form, row)
            if data is not None:
                update = cemc.update_marks
                _save(
                    lambda s: update(s, viewer, mark_id=row.id, version=version, data=data),
                    form,
                    "Marks saved.",
                )


st.title("CPD CEMC gradebook")
st.caption(
    "First CoP session report /30 (half of module 1's formative score), field-visit assessment of "
    "practice /30 (half of module 2's formative score), final exam /40 (module 1's summative score). "
    "The other halves are not recorded here: each module shows its recorded part and what is missing."
)
if flash := st.session_state.pop(FLASH, None):
    st.success(flash)
if rules.may_enter_marks(viewer):
    with st.expander("Enter marks for a participant"):
        _render_new()
picked = _render_list()
if picked is not None:
    _render_row(picked)
