"""The embedded server: data survives a restart, and processes started together share one server."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_START_AND_WRITE = """
import sys
import time
from pathlib import Path
import psycopg
from db.embedded import start_embedded
url = start_embedded(Path(sys.argv[1]), database="cop")
with psycopg.connect(url, autocommit=True) as conn:
    conn.execute("SELECT pg_advisory_lock(7)")  # CREATE TABLE IF NOT EXISTS itself races
    conn.execute("CREATE TABLE IF NOT EXISTS marks (who text)")
    conn.execute("INSERT INTO marks VALUES (%s)", (sys.argv[2],))
    conn.execute("SELECT pg_advisory_unlock(7)")
    # Stay until every process of this start has written: sharing is about processes that overlap.
    deadline = time.monotonic() + 60
    count = lambda: conn.execute("SELECT count(*) FROM marks").fetchone()[0]  # noqa: E731
    while count() < int(sys.argv[3]) and time.monotonic() < deadline:
        time.sleep(0.1)
    started = conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0]
    print(started, conn.execute("SELECT count(*) FROM marks").fetchone()[0])
"""


def _run_together(pgdata: Path, names: list[str], expected_rows: int) -> list[str]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _START_AND_WRITE, str(pgdata), name, str(expected_rows)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    outputs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        outputs.append(out.strip())
    return outputs


def test_two_processes_starting_at_once_share_one_server_and_data_survives_a_restart() -> None:
    pgdata = Path(tempfile.mkdtemp(prefix="copemb-")) / "pg"
    first = _run_together(pgdata, ["a", "b"], expected_rows=2)
    # Both wrote to the same database of the same server (one start time, two rows between them).
    start_times = {line.rsplit(" ", 1)[0] for line in first}
    assert len(start_times) == 1
    assert [int(line.rsplit(" ", 1)[1]) for line in first] == [2, 2]
    (again,) = _run_together(pgdata, ["c"], expected_rows=3)
    assert int(again.rsplit(" ", 1)[1]) == 3  # the rows of the first start are still there
