"""Chart builders and frames: pure functions, checked through the Vega-Lite spec they produce."""

from __future__ import annotations

from datetime import date

import pandas as pd

from cop.dashboard import PracticeAverage
from cop.vocab import EssentialActivity
from db.queries.cycle_progress import CycleTimeline, SessionPoint
from db.queries.dashboard_area import AreaRow
from db.queries.dashboard_school import MonthActivity, SchoolDashboard
from ui import charts, dashboard_frames


def _dashboard(**kw: object) -> SchoolDashboard:
    base = {
        "school_id": "s",
        "teachers": 4,
        "new_teachers": 1,
        "cycles_by_phase": {"reflecting": 1, "planning": 2},
        "activity": [MonthActivity(date(2026, 9, 1), 2, 1, 9, 12)],
        "challenges": [("ict", "direct", 2)],
        "parking_lot": [],
        "tryouts": {"worked": 1, "not judged yet": 2},
        "outputs": [("video", "ready", 1)],
        "disseminations_done": 0,
        "disseminations_planned": 0,
        "overdue_count": 0,
        "overdue": [],
        "practices": [],
        "assessments": [],
        "visits": [],
    }
    return SchoolDashboard(**{**base, **kw})  # type: ignore[arg-type]


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def test_frames_use_the_vocabulary_labels_in_the_guidelines_order() -> None:
    d = _dashboard()
    assert dashboard_frames.phase_frame(d).to_dict("records") == [
        {"Phase": "Planning the first session", "Cycles": 2},
        {"Phase": "Reflecting (middle sessions)", "Cycles": 1},
    ]
    assert dashboard_frames.challenges_frame(d).iloc[0].to_dict() == {
        "Topic": "Use of ICT",
        "Control": "Direct control (own behaviour)",
        "Challenges": 2,
    }
    assert list(dashboard_frames.tryouts_frame(d)["Result"]) == ["Worked", "Not judged yet"]
    assert dashboard_frames.activity_frame(d).iloc[0]["Attendance %"] == 75.0


def test_a_bar_chart_stacks_by_colour_and_counts_in_whole_numbers() -> None:
    frame = dashboard_frames.challenges_frame(_dashboard())
    spec = charts.bar_chart(
        frame, category="Topic", measure="Challenges", color="Control", title="T"
    ).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["y"]["field"] == "Topic" and spec["encoding"]["color"]["field"] == "Control"
    assert spec["encoding"]["x"]["axis"]["tickMinStep"] == 1
    assert spec["title"] == "T"


def test_the_practices_chart_colours_strengths_and_draws_the_threshold() -> None:
    frame = dashboard_frames.practices_frame(
        [PracticeAverage("Questions", 4.2, 3, 3.9), PracticeAverage("Groups", 2.5, 3)]
    )
    assert list(frame["Reading"]) == ["Strength", "Area to improve"]
    assert list(frame["Trend"]) == ["up", "new"]
    layers = _layers(charts.practices_chart(frame).to_dict())
    assert layers[0]["encoding"]["color"]["scale"]["domain"] == ["Strength", "Area to improve"]
    assert layers[1]["mark"]["type"] == "rule"


def test_the_activity_chart_layers_sessions_and_attendance_on_two_axes() -> None:
    spec = charts.activity_chart(dashboard_frames.activity_frame(_dashboard())).to_dict()
    assert [
        layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]
    ] == [
        "bar",
        "line",
    ]
    assert spec["resolve"]["scale"]["y"] == "independent"


def _cycle() -> CycleTimeline:
    done = {a: a is EssentialActivity.IDENTIFICATION for a in EssentialActivity}
    return CycleTimeline(
        "c", "P4 CoP", 2026, 1, "reflecting", [SessionPoint(date(2026, 10, 1), "first", 1, "held", 5)], done
    )


def test_cycle_frames_put_each_cycle_on_its_own_row_with_six_activities() -> None:
    sessions = dashboard_frames.cycle_sessions_frame([_cycle()])
    assert sessions.iloc[0].to_dict() == {
        "Cycle": "P4 CoP · 2026/27 · cycle 1",
        "Date": date(2026, 10, 1),
        "Session": "First session",
        "Status": "Held",
        "Present": 5,
    }
    activities = dashboard_frames.activities_frame([_cycle()])
    assert len(activities) == 6 and list(activities["Done"]).count("done") == 1
    spec = charts.activities_chart(activities).to_dict()
    assert spec["encoding"]["x"]["sort"][0] == "Identification and analysis"
    layers = _layers(charts.cycle_timeline_chart(sessions).to_dict())
    assert [layer["mark"]["type"] for layer in layers] == ["rule", "point"]


def test_the_area_frame_and_ranking_chart() -> None:
    row = AreaRow(
        "district", "Kirehe", "Kirehe", "PE", 4, 3, 80, 8, 12, 10, 20, 90.0, 3, 4, 2, 9, 2, 50.0, 3, 2, 5
    )
    frame = dashboard_frames.area_frame([row], "District")
    assert frame.iloc[0]["CoP coverage %"] == 75.0 and frame.iloc[0]["Sessions per school"] == 5.0
    schools = dashboard_frames.area_frame([row], "School")
    assert "Schools" not in schools.columns and "District" in schools.columns
    ranking = pd.DataFrame([{"School": "A", "District": "K", "Priority": 40, "Why": "no active CoP"}])
    spec = charts.ranking_chart(ranking).to_dict()
    assert spec["encoding"]["y"]["sort"] == "-x" and spec["encoding"]["x"]["field"] == "Priority"


def test_the_assessment_chart_is_a_grid_of_classes_by_term_with_the_scores_written_in() -> None:
    frame = pd.DataFrame(
        [{"Period": "2026/27 T1", "Class": "Maths P4", "Mean score": 50.0, "Pass rate": 60.0, "Learners": 40}]
    )
    cells, labels = charts.assessments_chart(frame).to_dict()["layer"]
    assert cells["mark"]["type"] == "rect" and cells["encoding"]["color"]["scale"]["domain"] == [0, 100]
    assert labels["mark"]["type"] == "text" and labels["encoding"]["text"]["field"] == "Mean score"
