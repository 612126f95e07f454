"""The self-assessment progress chart: a pure frame -> Altair chart builder, tested through to_dict()."""

from __future__ import annotations

import altair as alt
import pandas as pd

from cop.self_assessment import CHART_HIGH, CHART_LOW, ProgressPoint
from cop.vocab import SbmStandard

COLUMNS = ("Term", "Standard", "Average")


def progress_frame(points: list[ProgressPoint]) -> pd.DataFrame:
    """The chart's data as a table (also shown and downloaded as CSV): one row per term and standard."""
    return pd.DataFrame(
        [{"Term": p.term, "Standard": p.standard, "Average": p.average} for p in points],
        columns=list(COLUMNS),
    )


def progress_chart(frame: pd.DataFrame) -> alt.Chart:
    """Average rating per SBM standard over terms: one line per standard, terms in the frame's order."""
    terms = list(dict.fromkeys(frame["Term"]))  # the frame lists terms oldest first
    return (
        alt.Chart(frame, title="Self-assessment per SBM standard")
        .mark_line(point=True)
        .encode(
            x=alt.X("Term:N", sort=terms, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "Average:Q",
                scale=alt.Scale(domain=[CHART_LOW, CHART_HIGH]),
                title=f"Average rating ({CHART_LOW}-{CHART_HIGH})",
            ),
            color=alt.Color(
                "Standard:N",
                sort=[s.label for s in SbmStandard],
                legend=alt.Legend(orient="bottom", columns=2, title=None, labelLimit=320),
            ),
            tooltip=["Term:N", "Standard:N", alt.Tooltip("Average:Q", format=".2f")],
        )
    )
