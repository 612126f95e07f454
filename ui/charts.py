"""Dashboard charts: pure `frame -> alt.Chart` builders (no Streamlit, no database), tested via to_dict()."""

from __future__ import annotations

import altair as alt
import pandas as pd

from cop.dashboard import STRENGTH_THRESHOLD
from cop.vocab import EssentialActivity

_HEIGHT = 220


def bar_chart(
    frame: pd.DataFrame,
    *,
    category: str,
    measure: str,
    title: str,
    color: str | None = None,
    whole: bool = True,
) -> alt.Chart:
    """Horizontal bars of `measure` per `category` (stacked by `color` when given), largest first; `whole`
    counts get whole-number ticks."""
    encoding: dict[str, object] = {
        "y": alt.Y(f"{category}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
        "x": alt.X(f"sum({measure}):Q", title=measure, axis=alt.Axis(tickMinStep=1) if whole else alt.Axis()),
        "tooltip": [f"{category}:N", f"{measure}:Q"] + ([f"{color}:N"] if color else []),
    }
    if color:
        encoding["color"] = alt.Color(
            f"{color}:N", legend=alt.Legend(orient="bottom", title=None, labelLimit=260)
        )
    return alt.Chart(frame, title=title).mark_bar().encode(**encoding).properties(height=alt.Step(22))


def activity_chart(frame: pd.DataFrame) -> alt.Chart:
    """CoP and reflection sessions per month (bars) with the attendance rate (line, right axis)."""
    month = alt.X("yearmonth(Month):O", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0))
    base = alt.Chart(frame, title="Sessions and attendance per month").encode(x=month)
    long = frame.melt(id_vars=["Month"], value_vars=["CoP sessions", "Reflection sessions"], var_name="Kind")
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=month,
            y=alt.Y("sum(value):Q", title="Sessions held", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("Kind:N", legend=alt.Legend(orient="bottom", title=None)),
            tooltip=[
                alt.Tooltip("yearmonth(Month):O", title="Month"),
                "Kind:N",
                alt.Tooltip("sum(value):Q", title="Sessions"),
            ],
        )
    )
    line = base.mark_line(point=True, color="#444").encode(
        y=alt.Y("Attendance %:Q", title="Attendance %", scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("yearmonth(Month):O", title="Month"), "Attendance %:Q"],
    )
    return alt.layer(bars, line).resolve_scale(y="independent").properties(height=_HEIGHT)


def practices_chart(frame: pd.DataFrame) -> alt.Chart:
    """Average rating per teaching practice, coloured strength (>= 4) or area to improve, with the 4 line."""
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("Practice:N", sort="-x", title=None, axis=alt.Axis(labelLimit=420)),
            x=alt.X("Average:Q", scale=alt.Scale(domain=[0, 5]), title="Average rating (1-5)"),
            color=alt.Color(
                "Reading:N",
                scale=alt.Scale(domain=["Strength", "Area to improve"], range=["#2e7d32", "#ef6c00"]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            tooltip=["Practice:N", "Average:Q", "Previous:Q", "Trend:N", "Ratings:Q"],
        )
    )
    rule = alt.Chart(pd.DataFrame({"x": [STRENGTH_THRESHOLD]})).mark_rule(strokeDash=[4, 3]).encode(x="x:Q")
    return alt.layer(
        bars, rule, title="Lesson-observation practices: strengths and areas to improve"
    ).properties(height=alt.Step(22))


def assessments_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Imported mean scores as a grid: a row per class (subject and grade), a column per term, the score
    written in each cell and coloured from red (low) to green (high)."""
    periods = list(dict.fromkeys(frame["Period"]))
    base = alt.Chart(frame).encode(
        x=alt.X("Period:N", sort=periods, title=None, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("Class:N", title=None, axis=alt.Axis(labelLimit=200)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "Mean score:Q",
            scale=alt.Scale(domain=[0, 100], scheme="redyellowgreen"),
            legend=alt.Legend(orient="bottom", title="Mean score %"),
        ),
        tooltip=["Period:N", "Class:N", "Mean score:Q", "Pass rate:Q", "Learners:Q"],
    )
    labels = base.mark_text(fontSize=12).encode(text=alt.Text("Mean score:Q", format=".0f"))
    return alt.layer(cells, labels, title="Assessment results (mean score %)").properties(height=alt.Step(26))


def cycle_timeline_chart(frame: pd.DataFrame) -> alt.Chart:
    """Each cycle as a row, its sessions as marks in time (shape by kind, filled when held): a school's
    cycles side by side."""
    kinds = ["First session", "Middle session", "Last session"]
    line = (
        alt.Chart(frame)
        .mark_rule(color="#999")
        .encode(
            y=alt.Y("Cycle:N", title=None, axis=alt.Axis(labelLimit=320)), x="min(Date):T", x2="max(Date):T"
        )
    )
    points = (
        alt.Chart(frame)
        .mark_point(size=140, filled=True)
        .encode(
            y=alt.Y("Cycle:N", title=None),
            x=alt.X("Date:T", title=None, axis=alt.Axis(format="%d %b %Y")),
            shape=alt.Shape(
                "Session:N", scale=alt.Scale(domain=kinds), legend=alt.Legend(orient="bottom", title=None)
            ),
            color=alt.Color("Status:N", legend=alt.Legend(orient="bottom", title=None)),
            tooltip=["Cycle:N", "Date:T", "Session:N", "Status:N", "Present:Q"],
        )
    )
    return alt.layer(line, points, title="Cycles and their sessions").properties(height=alt.Step(34))


def activities_chart(frame: pd.DataFrame) -> alt.Chart:
    """The six essential activities of each cycle as a grid: done or still to do."""
    order = [a.label for a in EssentialActivity]
    return (
        alt.Chart(frame, title="Six essential activities")
        .mark_rect(stroke="white", strokeWidth=2)
        .encode(
            x=alt.X("Activity:N", sort=order, title=None, axis=alt.Axis(labelAngle=-20, labelLimit=200)),
            y=alt.Y("Cycle:N", title=None, axis=alt.Axis(labelLimit=320)),
            color=alt.Color(
                "Done:N",
                scale=alt.Scale(domain=["done", "to do"], range=["#2e7d32", "#e0e0e0"]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            tooltip=["Cycle:N", "Activity:N", "Done:N"],
        )
        .properties(height=alt.Step(30))
    )


def ranking_chart(frame: pd.DataFrame) -> alt.Chart:
    """Schools to visit next: priority score, highest first, with the reasons in the tooltip."""
    return (
        alt.Chart(frame, title="Where to visit next")
        .mark_bar(color="#c62828")
        .encode(
            y=alt.Y("School:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("Priority:Q", title="Priority score"),
            tooltip=["School:N", "District:N", "Priority:Q", "Why:N"],
        )
        .properties(height=alt.Step(20))
    )
