"""A page with only the session timer, for tests/e2e/test_timer.py: each script run appends a line to
the file named by COP_TIMER_RUNS, so the test sees whether the timer makes the server rerun."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import streamlit as st

from ui.timer import session_timer

with Path(os.environ["COP_TIMER_RUNS"]).open("a") as runs:
    runs.write("run\n")
# Five seconds before the end of the 60-minute part: the test watches it turn into the 30-minute part.
started = (
    datetime.now(UTC)
    - timedelta(minutes=60)
    + timedelta(seconds=float(os.environ.get("COP_TIMER_LEFT", "5")))
)
st.title("Timer")
session_timer(started, key=os.environ.get("COP_TIMER_KEY", "harness"))
