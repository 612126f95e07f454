"""School dashboard: live statistics of one school, its CoPs and cycles, evidence, visits and flags."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cop.access import Page
from cop.assessment_import import EXAMPLE_CSV
from cop.dashboard import period_label, school_year_of
from cop.validation import decode_csv
from cop.vocab import CyclePhase
from db.assessments import AssessmentImport, import_assessment_results, may_import_assessments
from db.changes import school_scope
from db.queries.dashboard_school import SchoolDashboard
from db.queries.overview import SchoolOverview
from db.queries.timeline import Timeline
from ui.auth import require_viewer
from ui.dashboard_widgets import (
    Figure,
    chart_with_table,
    period_filter,
    pick_school,
    school_figures,
    school_name,
    school_version,
    table,
)
from ui.live import watch
from ui.saving import write

viewer = require_viewer(Page.SCHOOL_OVERVIEW)


def _render_header(ov: SchoolOverview, d: SchoolDashboard, period: str) -> None:
    sector = f" · {ov.sector} sector" if ov.sector else ""
    st.caption(f"{ov.code} · {ov.district} district{sector} · figures for {period}")
    cols = st.columns(6)
    cols[0].metric("Teachers", d.teachers)
    cols[1].metric("New teachers", d.new_teachers)
    cols[2].metric("CoPs", len(ov.cops))
    cols[3].metric("Cycles under way", len([c for c in ov.cycles if c.phase != CyclePhase.CLOSED]))
    cols[4].metric("Sessions held", sum(a.sessions + a.reflection_sessions for a in d.activity))
    cols[5].metric("Actions overdue", d.overdue_count)


def _render_flags(tl: Timeline) -> None:
    for flag in tl.flags:
        st.warning(f"**{flag.kind.label}.** {flag.message}")


def _render_cops(figures: dict[str, Figure]) -> None:
    st.subheader("Communities of Practice")
    table(figures["cops"], key="cops", file_name="cops.csv", empty="No CoP in this school yet.")


def _render_cycles(figures: dict[str, Figure]) -> None:
    st.subheader("Cycles")
    if figures["phases"].spec is not None:
        st.vega_lite_chart(spec=figures["phases"].spec, width="stretch")
    table(figures["cycles"], key="cycles", file_name="cycles.csv", empty="No cycle started yet.")


def _render_sessions(figures: dict[str, Figure]) -> None:
    st.subheader("Sessions and attendance")
    table(figures["sessions"], key="sessions", file_name="sessions.csv", empty="No session yet.")
    chart_with_table(
        figures["activity"],
        key="activity",
        file_name="sessions_per_month.csv",
        empty="No session held in this period.",
    )


def _render_challenges(d: SchoolDashboard, figures: dict[str, Figure]) -> None:
    st.subheader("Challenges, try-outs and outputs")
    chart_with_table(
        figures["challenges"],
        key="challenges",
        file_name="challenges.csv",
        empty="No challenge listed in this school year's cycles.",
    )
    if d.parking_lot:
        kept = "; ".join(d.parking_lot)
        st.markdown(f"**Parking lot** ({len(d.parking_lot)} out-of-control challenge(s) kept): {kept}")
    left, right = st.columns(2)
    with left:
        chart_with_table(
            figures["tryouts"], key="tryouts", file_name="tryouts.csv", empty="No try-out planned yet."
        )
    with right:
        chart_with_table(
            figures["outputs"], key="outputs", file_name="outputs.csv", empty="No consolidation output yet."
        )
    st.metric("Disseminations done", f"{d.disseminations_done} of {d.disseminations_planned} planned")


def _render_actions(d: SchoolDashboard, figures: dict[str, Figure]) -> None:
    st.subheader(f"Actions overdue ({d.overdue_count})")
    table(figures["overdue"], key="overdue", file_name="overdue.csv", empty="No action is overdue.")


def _render_practices(figures: dict[str, Figure]) -> None:
    st.subheader("Lesson observations: strengths and areas to improve")
    chart_with_table(
        figures["practices"],
        key="practices",
        file_name="practices.csv",
        empty="No lesson observed in this period.",
    )


def _render_assessments(figures: dict[str, Figure], school_id: str, today: date) -> None:
    st.subheader("Assessment results")
    chart_with_table(
        figures["assessments"],
        key="assessments",
        file_name="assessment_results.csv",
        empty="No assessment results imported for this school year or the one before.",
    )
    if may_import_assessments(viewer):
        with st.expander("Import assessment results (CSV)"):
            st.caption("Columns: school_year, term, subject, grade, mean_score, pass_rate, learners.")
            st.download_button(
                "Example file", EXAMPLE_CSV, file_name="assessment_results.csv", key="dl_example"
            )
            upload = st.file_uploader("CSV file", type=["csv"], key="assessment_csv")
            if upload is not None and st.button("Import", key="assessment_import"):
                _import(upload.getvalue(), school_id, today)


def _import(data: bytes, school_id: str, today: date) -> None:
    result: list[AssessmentImport] = []
    year = school_year_of(today)
    ok = write(
        viewer,
        lambda s: result.append(
            import_assessment_results(
                s, viewer, school_id, decode_csv(data), default_year=year, today_year=year
            )
        ),
        labels={"file": "File"},
    )
    if not ok or not result:
        return
    report = result[0]
    if report.ok:
        st.success(f"Imported {report.created} new and {report.updated} updated result(s).")
        return
    st.error(f"Nothing was imported: {len(report.errors)} problem(s) in the file.")
    st.dataframe(
        pd.DataFrame([{"Row": e.row, "Column": e.field, "Problem": e.message} for e in report.errors]),
        hide_index=True,
    )


def _render_visits_and_timeline(figures: dict[str, Figure]) -> None:
    st.subheader("Recent monitoring visits")
    table(figures["visits"], key="visits", file_name="visits.csv", empty="No visit logged yet.")
    st.subheader("School timeline")
    table(figures["timeline"], key="timeline", file_name="timeline.csv", empty="Nothing yet.")


school_id = pick_school(viewer)
if school_id is not None:
    st.title(school_name(viewer, school_id))
    today = date.today()
    year, term = period_filter(today, key="school_dash")
    # Watch before reading: a save that lands between the two still reruns the page.
    watch([school_scope(school_id)], key=f"live_school_{school_id}")
    view = school_figures(viewer, school_id, year, term, today, school_version(school_id))
    _render_header(view.overview, view.dashboard, period_label(year, term))
    _render_flags(view.timeline)
    _render_cops(view.figures)
    _render_cycles(view.figures)
    _render_sessions(view.figures)
    _render_challenges(view.dashboard, view.figures)
    _render_actions(view.dashboard, view.figures)
    _render_practices(view.figures)
    _render_assessments(view.figures, school_id, today)
    _render_visits_and_timeline(view.figures)
