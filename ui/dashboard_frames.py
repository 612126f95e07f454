"""The dashboards' figures as pandas frames (each chart's table and CSV): pure, small, tested."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from cop.dashboard import PracticeAverage, share, split_practices
from cop.vocab import (
    ControlCategory,
    CopKind,
    CyclePhase,
    EssentialActivity,
    OutputKind,
    OutputStatus,
    SessionKind,
    SessionStatus,
    Topic,
)

if TYPE_CHECKING:
    from db.queries.cycle_progress import CycleTimeline
    from db.queries.dashboard_area import AreaDashboard, AreaRow
    from db.queries.dashboard_school import SchoolDashboard
    from db.queries.overview import SchoolOverview
    from db.queries.timeline import Timeline

_SESSION_LABELS = {"first": "First session", "middle": "Middle session", "last": "Last session"}


def phase_frame(d: SchoolDashboard) -> pd.DataFrame:
    rows = [
        {"Phase": p.label, "Cycles": d.cycles_by_phase[p.value]}
        for p in CyclePhase
        if p.value in d.cycles_by_phase
    ]
    return pd.DataFrame(rows, columns=["Phase", "Cycles"])


def activity_frame(d: SchoolDashboard) -> pd.DataFrame:
    rows = [
        {
            "Month": a.month,
            "CoP sessions": a.sessions,
            "Reflection sessions": a.reflection_sessions,
            "Present": a.present,
            "Attendance records": a.attendance_records,
            "Attendance %": share(a.present, a.attendance_records),
        }
        for a in d.activity
    ]
    cols = ["Month", "CoP sessions", "Reflection sessions", "Present", "Attendance records", "Attendance %"]
    return pd.DataFrame(rows, columns=cols)


def challenges_frame(d: SchoolDashboard) -> pd.DataFrame:
    rows = [
        {"Topic": Topic(t).label, "Control": ControlCategory(c).label, "Challenges": n}
        for t, c, n in d.challenges
    ]
    return pd.DataFrame(rows, columns=["Topic", "Control", "Challenges"])


def tryouts_frame(d: SchoolDashboard) -> pd.DataFrame:
    order = ["worked", "did not work", "not judged yet"]
    rows = [{"Result": r.capitalize(), "Try-outs": d.tryouts[r]} for r in order if d.tryouts.get(r)]
    return pd.DataFrame(rows, columns=["Result", "Try-outs"])


def outputs_frame(d: SchoolDashboard) -> pd.DataFrame:
    rows = [
        {"Kind": OutputKind(k).label, "Status": OutputStatus(s).label, "Outputs": n} for k, s, n in d.outputs
    ]
    return pd.DataFrame(rows, columns=["Kind", "Status", "Outputs"])


def practices_frame(practices: list[PracticeAverage]) -> pd.DataFrame:
    strengths, areas = split_practices(practices)
    rows = [
        {
            "Practice": p.practice,
            "Average": p.average,
            "Reading": "Strength" if p.is_strength else "Area to improve",
            "Previous": p.previous,
            "Trend": p.trend,
            "Ratings": p.ratings,
        }
        for p in [*strengths, *areas]
    ]
    return pd.DataFrame(rows, columns=["Practice", "Average", "Reading", "Previous", "Trend", "Ratings"])


def assessments_frame(d: SchoolDashboard) -> pd.DataFrame:
    rows = [
        {
            "Period": f"{a.school_year}/{str(a.school_year + 1)[-2:]} T{a.term}",
            "Class": f"{a.subject} {a.grade}",
            "Subject": a.subject,
            "Grade": a.grade,
            "Mean score": a.mean_score,
            "Pass rate": a.pass_rate,
            "Learners": a.learners,
        }
        for a in d.assessments
    ]
    return pd.DataFrame(
        rows, columns=["Period", "Class", "Subject", "Grade", "Mean score", "Pass rate", "Learners"]
    )


def cycle_sessions_frame(cycles: list[CycleTimeline]) -> pd.DataFrame:
    rows = [
        {
            "Cycle": c.label,
            "Date": s.session_date,
            "Session": _SESSION_LABELS.get(s.kind, s.kind),
            "Status": s.status.capitalize(),
            "Present": s.present,
        }
        for c in cycles
        for s in c.sessions
    ]
    return pd.DataFrame(rows, columns=["Cycle", "Date", "Session", "Status", "Present"])


def activities_frame(cycles: list[CycleTimeline]) -> pd.DataFrame:
    rows = [
        {"Cycle": c.label, "Activity": a.label, "Done": "done" if c.activities.get(a) else "to do"}
        for c in cycles
        for a in EssentialActivity
    ]
    return pd.DataFrame(rows, columns=["Cycle", "Activity", "Done"])


AREA_COLUMNS = [
    "Schools",
    "Schools with an active CoP",
    "CoP coverage %",
    "Teachers",
    "New teachers",
    "CoPs",
    "Cycles under way",
    "Sessions held",
    "Sessions per school",
    "Attendance %",
    "Monitoring visits",
    "Field visits",
    "CEMC assessments",
    "Challenges",
    "Parking lot",
    "Try-outs that worked %",
    "Outputs",
    "Disseminations done",
    "Actions overdue",
]


def area_frame(rows: list[AreaRow], first: str) -> pd.DataFrame:
    """One line per school, district or section, in the order given."""
    data = [
        {
            first: r.name,
            **({"District": r.district} if first == "School" else {}),
            "Schools": r.schools,
            "Schools with an active CoP": r.schools_with_cop,
            "CoP coverage %": r.cop_coverage,
            "Teachers": r.teachers,
            "New teachers": r.new_teachers,
            "CoPs": r.cops,
            "Cycles under way": r.cycles_open,
            "Sessions held": r.sessions,
            "Sessions per school": r.sessions_per_school,
            "Attendance %": r.attendance_rate,
            "Monitoring visits": r.monitoring_visits,
            "Field visits": r.field_visits,
            "CEMC assessments": r.cemc_assessments,
            "Challenges": r.challenges,
            "Parking lot": r.parking_lot,
            "Try-outs that worked %": r.tryouts_effective_rate,
            "Outputs": r.outputs,
            "Disseminations done": r.disseminations,
            "Actions overdue": r.overdue_actions,
        }
        for r in rows
    ]
    cols = [first, *(["District"] if first == "School" else []), *AREA_COLUMNS]
    frame = pd.DataFrame(data, columns=cols)
    return frame.drop(columns=["Schools", "Schools with an active CoP"]) if first == "School" else frame


def cops_frame(ov: SchoolOverview) -> pd.DataFrame:
    rows = [
        {
            "CoP": c.name,
            "Kind": CopKind(c.kind).label,
            "Grade / subject": c.subject or c.grade or "",
            "Facilitator": c.facilitator or "not set",
            "Members": c.members,
        }
        for c in ov.cops
    ]
    return pd.DataFrame(rows, columns=["CoP", "Kind", "Grade / subject", "Facilitator", "Members"])


def cycles_frame(ov: SchoolOverview) -> pd.DataFrame:
    rows = [
        {
            "CoP": c.cop,
            "School year": f"{c.school_year}/{str(c.school_year + 1)[-2:]}",
            "Cycle": c.number,
            "Phase": CyclePhase(c.phase).label,
            "Sessions held": c.sessions_held,
            "Last session": c.last_session_on,
        }
        for c in ov.cycles
    ]
    return pd.DataFrame(
        rows, columns=["CoP", "School year", "Cycle", "Phase", "Sessions held", "Last session"]
    )


def sessions_frame(ov: SchoolOverview) -> pd.DataFrame:
    rows = [
        {
            "Date": s.session_date,
            "CoP": s.cop or "Whole school",
            "Session": SessionKind(s.kind).label,
            "Status": SessionStatus(s.status).label,
            "Present": s.present,
            "Led by": s.led_by or "",
        }
        for s in ov.recent_sessions
    ]
    return pd.DataFrame(rows, columns=["Date", "CoP", "Session", "Status", "Present", "Led by"])


def overdue_frame(d: SchoolDashboard) -> pd.DataFrame:
    rows = [{"Action": a.description, "Owner": a.owner or "", "Due": a.due_on} for a in d.overdue]
    return pd.DataFrame(rows, columns=["Action", "Owner", "Due"])


def visits_frame(d: SchoolDashboard) -> pd.DataFrame:
    rows = [{"Date": v.visit_date, "Visit": v.kind, "Visitor": v.visitor} for v in d.visits]
    return pd.DataFrame(rows, columns=["Date", "Visit", "Visitor"])


def timeline_frame(tl: Timeline) -> pd.DataFrame:
    rows = [{"Date": e.on, "What": e.kind, "Detail": e.what, "Who": e.who or ""} for e in tl.events]
    return pd.DataFrame(rows, columns=["Date", "What", "Detail", "Who"])


def ranking_frame(d: AreaDashboard) -> pd.DataFrame:
    rows = [
        {
            "School": p.signals.school,
            "District": p.signals.district,
            "Priority": p.score,
            "Why": "; ".join(p.reasons),
        }
        for p in d.ranking
    ]
    return pd.DataFrame(rows, columns=["School", "District", "Priority", "Why"])
