"""Seconds from `streamlit run app.py` to a healthy server and to a usable sign-in page.

Measures a new data directory (initdb, migrations, demo seed) and a restart on the same directory.
Run: python -m bench.startup [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_health(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("streamlit exited early")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(url)


def _wait_sign_in(url: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"],
        )
        page = browser.new_page()
        page.goto(url)
        page.get_by_role("button", name="Sign in").wait_for(timeout=120_000)
        browser.close()


def one_start(data_dir: Path) -> tuple[float, float]:
    """(seconds to healthy, seconds to a rendered sign-in page) for one start on `data_dir`."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(COP_DATA_DIR=str(data_dir), COP_DEMO="1")
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py",
         "--server.port", str(port), "--server.headless", "true"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_health(url, proc)
        healthy = time.monotonic() - start
        _wait_sign_in(url)
        usable = time.monotonic() - start
    finally:
        proc.terminate()
        proc.wait(30)
    return healthy, usable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows: list[tuple[str, float, float]] = []
    for _ in range(args.runs):
        data_dir = Path(tempfile.mkdtemp(prefix="copbench-")) / "data"
        try:
            rows.append(("new data dir", *one_start(data_dir)))
            time.sleep(1)  # the embedded server stops when the app exits; let it go
            rows.append(("restart", *one_start(data_dir)))
        finally:
            shutil.rmtree(data_dir.parent, ignore_errors=True)
    print(f"{'start':<14}{'healthy s':>10}{'sign-in page s':>16}")
    for name, healthy, usable in rows:
        print(f"{name:<14}{healthy:>10.2f}{usable:>16.2f}")


if __name__ == "__main__":
    main()
