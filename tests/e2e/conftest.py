"""End-to-end fixtures: `streamlit run app.py` on a free port against a demo database, and Chromium."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from db.bootstrap import prepare_database
from db.engine import make_engine
from tests.pg import fresh_database

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
REPO = Path(__file__).resolve().parents[2]

# Under CI a missing browser is a failure (see the fixture below), never a silent skip.
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not IN_CI, reason="Chromium is not installed: apt-get install -y chromium"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """One `streamlit run app.py` process; stopped by its own PID."""

    def __init__(self, database_url: str, log_path: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "COP_DEMO": "0",
            "COP_COOKIE_KEY": secrets.token_urlsafe(48),
        }
        self._log = log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
             "--server.headless", "true", "--server.address", "127.0.0.1"],
            cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait_healthy()

    def _wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("streamlit did not become healthy in time")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


@pytest.fixture(scope="session")
def e2e_database_url(pg_admin_url: str) -> str:
    url = fresh_database(pg_admin_url, "cop_e2e")
    eng = make_engine(url)
    prepare_database(eng, demo=True)
    eng.dispose()
    return url


@pytest.fixture(scope="session")
def start_server(
    e2e_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], AppServer]]:
    """A factory of fresh servers (tests that need a never-visited server start their own)."""
    started: list[AppServer] = []

    def start() -> AppServer:
        server = AppServer(e2e_database_url, tmp_path_factory.mktemp("server") / "streamlit.log")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def app_server(start_server: Callable[[], AppServer]) -> AppServer:
    return start_server()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is required under CI=true: apt-get install -y chromium")
    from playwright.sync_api import expect, sync_playwright

    # A first script run on a cold 2-core machine (imports, pools) can take several seconds.
    expect.set_options(timeout=20_000)

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 720})  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()
