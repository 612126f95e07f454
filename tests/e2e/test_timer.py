"""In headless Chromium: the 60 + 30 minute timer counts in the browser, with no script rerun per tick."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import REPO, AppServer, _free_port


class TimerServer(AppServer):
    """`streamlit run` of the timer harness alone (no database: it starts in about a second)."""

    def __init__(self, runs: Path, log_path: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "COP_TIMER_RUNS": str(runs), "COP_TIMER_KEY": uuid.uuid4().hex}
        self._log = log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "tests/e2e/timer_harness.py", "--server.port",
             str(self.port), "--server.headless", "true", "--server.address", "127.0.0.1"],
            cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait_healthy()


@pytest.fixture
def timer_server(tmp_path: Path) -> Iterator[tuple[TimerServer, Path]]:
    runs = tmp_path / "runs.txt"
    runs.touch()
    server = TimerServer(runs, tmp_path / "streamlit.log")
    yield server, runs
    server.stop()


def _runs(path: Path) -> int:
    return len(path.read_text().splitlines())


def test_the_timer_ticks_and_changes_part_in_the_browser_without_rerunning_the_script(
    page: Page, timer_server: tuple[TimerServer, Path]
) -> None:
    server, runs = timer_server
    page.goto(server.url)
    timer = page.frame_locator("iframe").first
    clock, part = timer.locator("#clock"), timer.locator("#part")
    expect(part).to_contain_text("Part 1 of 2: discussion")
    expect(timer.locator("#go")).to_have_text("Pause")
    page.locator("[data-test-script-state=notRunning]").wait_for(state="attached")
    before = _runs(runs)
    first = clock.inner_text()

    # The 60-minute part ends five seconds after the page was built: the browser alone moves on.
    expect(part).to_contain_text("Part 2 of 2: planning", timeout=9_000)
    expect(clock).to_have_text(re.compile(r"^29:5\d$"))
    assert clock.inner_text() != first
    assert _runs(runs) == before, "the timer made the server rerun the script"

    # Pause holds the clock; the click stays in the browser too.
    timer.locator("#go").click()
    expect(timer.locator("#go")).to_have_text("Resume")
    held = clock.inner_text()
    page.wait_for_timeout(1_500)
    assert clock.inner_text() == held
    assert _runs(runs) == before

    # A reload (a new script run) finds the paused timer where it was, from the browser's storage.
    page.reload()
    expect(timer.locator("#go")).to_have_text("Resume")
    expect(timer.locator("#clock")).to_have_text(held)
