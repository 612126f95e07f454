"""Cycle reports: the short report of each closed cycle, acknowledged by the head teacher / DHT."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cop.access import AccessDenied, Page
from db import cycle_reports as reports
from db.engine import session_scope
from db.queries.overview import schools_in_reach
from ui.auth import require_viewer
from ui.cycle_report_pdf import cycle_report_pdf, cycle_report_sections
from ui.pdf import PdfSection
from ui.resources import engine
from ui.saving import write
from ui.widgets import school_picker, table_with_download

viewer = require_viewer(Page.CYCLE_REPORTS)

FLASH = "cop_cr_flash"
PICK = "cop_cr_pick"


def _plain(text: object) -> str:
    return str(text if text is not None else "-").replace("$", "\\$").replace("\n", "  \n")


def _frame(rows: list[reports.CycleReportRow]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Closed": f"{r.closed_at:%Y-%m-%d}",
            "School": r.school,
            "CoP": r.cop,
            "Cycle": f"{r.number} ({r.school_year})",
            "Acknowledged by": r.acknowledged_by or "not yet",
        }
        for r in rows
    )


def _pick(rows: list[reports.CycleReportRow]) -> str | None:
    labels = {
        r.cycle_id: f"{r.cop}, cycle {r.number} ({r.school_year}), closed {r.closed_at:%d %b %Y}"
        for r in rows
    }
    wanted = st.query_params.get("cycle")
    chosen = st.selectbox(
        "Open a report",
        list(labels),
        index=list(labels).index(wanted) if wanted in labels else None,
        format_func=labels.get,
        placeholder="Choose a cycle report",
        key=PICK,
    )
    if chosen and st.query_params.get("cycle") != chosen:
        st.query_params["cycle"] = chosen
    return chosen


def _render_section(section: PdfSection) -> None:
    st.markdown(f"##### {section.heading}")
    if section.rows:
        # Try-outs (labels indented by the report) nest under their priority.
        lines = (
            f"{'    ' if str(label).startswith('  ') else ''}- **{_plain(label).strip()}**: {_plain(value)}"
            for label, value in section.rows
        )
        st.markdown("\n".join(lines))
    if section.text:
        st.markdown(_plain(section.text))


def _render_report(view: reports.CycleReportView) -> None:
    f = view.facts
    st.subheader(f"{f.cop}: cycle {f.number} ({f.school_year})")
    if view.acknowledged_by:
        st.success(f"Acknowledged by {view.acknowledged_by}, {view.acknowledged_at:%Y-%m-%d %H:%M} UTC")
    else:
        st.info("Not acknowledged yet by the head teacher / DHT.")
    left, right = st.columns(2)
    left.download_button(
        "Download PDF",
        cycle_report_pdf(view),
        file_name=f"cycle_report_{f.school_year}_{f.number}.pdf",
        mime="application/pdf",
        on_click="ignore",
        key=f"pdf_{view.cycle_id}",
    )
    if view.may_acknowledge and right.button("Acknowledge", type="primary", key=f"ack_{view.cycle_id}"):
        if write(viewer, lambda s: reports.acknowledge_cycle_report(s, viewer, view.cycle_id)):
            st.session_state[FLASH] = "Cycle report acknowledged."
            st.rerun()
    for section in cycle_report_sections(view):
        _render_section(section)


st.title("Cycle reports")
st.caption("When a cycle closes, its short report goes to the head teacher / DHT, who acknowledges it.")
if flash := st.session_state.pop(FLASH, None):
    st.success(flash)
with session_scope(engine()) as s:
    schools = schools_in_reach(s, viewer)
school_id = school_picker(schools, home_school_id=viewer.school_id)
if school_id is not None:
    names = {c.id: c.label for c in schools}
    st.caption(f"School: {names.get(school_id, '')}")
    with session_scope(engine()) as s:
        rows = reports.cycle_reports(s, viewer, school_id=school_id)
    waiting = [r for r in rows if r.acknowledged_at is None]
    if waiting:
        st.markdown(f"**{len(waiting)} report(s) not acknowledged yet.**")
    table_with_download(
        _frame(rows), file_name="cycle_reports.csv", key="dl_cycles", empty="No cycle is closed yet."
    )
    picked = _pick(rows) if rows else None
    if picked:
        try:
            with session_scope(engine()) as s:
                report = reports.cycle_report(s, viewer, picked)
        except AccessDenied as denied:
            st.error(str(denied))
        else:
            _render_report(report)
