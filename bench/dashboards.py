"""Time each dashboard on the bench database: its data functions, the full page (AppTest) and the SQL floor.

For each dashboard (school, district, national), after warm-up runs, 30 timed runs of:
- data: the data functions the page calls (uncached), as the page's viewer;
- floor: the same SQL statements those functions send, replayed on a raw connection (no ORM, no objects);
- page: the whole page script rerun in one AppTest (sign-in guard, filters, change-marker check, charts,
  tables): warm (nothing changed: a filter click, a reload), after a save at the school (the live path:
  figures re-queried, unchanged charts reused) and cold (every cache cleared before each run).
Prints a table and writes bench/dashboards.json with p50 / p95 in ms and page / floor ratios.

Run after `python -m bench.generate --scale national|district`: python -m bench.dashboards [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bench.generate import VIEWERS, database_url, server_admin_url
from cop.dashboard import school_year_of

REPO = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "dashboards.json"
GOALS_MS = {"school": 150, "district": 300, "national": 500}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _time(
    fn: Callable[[], object], runs: int, warmup: int, setup: Callable[[], object] | None = None
) -> dict[str, float]:
    """p50 / p95 / max in ms of `runs` calls after `warmup` calls; `setup` runs untimed before each."""
    for _ in range(warmup):
        if setup:
            setup()
        fn()
    samples = []
    for _ in range(runs):
        if setup:
            setup()
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return {"p50": statistics.median(samples), "p95": _pct(samples, 0.95), "max": max(samples)}


class Recorder:
    """Collects the SQL (with parameters) an engine sends, to replay it bare."""

    def __init__(self, engine: Any) -> None:
        self.statements: list[tuple[str, Any]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if self.on:
            self.statements.append((statement, parameters))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--url", help="the PostgreSQL server the bench database is on")
    args = parser.parse_args()

    url = database_url(server_admin_url(args.url))
    os.environ["DATABASE_URL"] = url
    os.environ["COP_DEMO"] = "0"
    os.environ.setdefault("COP_COOKIE_KEY", secrets.token_urlsafe(48))

    from db.access import load_viewer
    from db.changes import bump, school_scope
    from db.engine import get_engine
    from db.models import Person, School
    from db.queries.dashboard_area import area_dashboard
    from db.queries.dashboard_school import school_dashboard
    from db.queries.overview import school_overview
    from db.queries.timeline import school_timeline
    from db.rollups import refresh_stale, rollup_version

    engine = get_engine()
    recorder = Recorder(engine)
    today = date.today()
    year = school_year_of(today)
    with Session(engine) as s:
        ids = {k: str(s.scalar(select(Person.id).where(Person.username == u))) for k, u in VIEWERS.items()}
        viewers = {k: load_viewer(s, i) for k, i in ids.items()}
        school_id = viewers["school"].school_id
        schools = len(s.scalars(select(School.id)).all())

    def school_data() -> None:
        with Session(engine) as s, s.begin():
            school_overview(s, viewers["school"], school_id)
            school_dashboard(s, viewers["school"], school_id, school_year=year, today=today)
            school_timeline(s, viewers["school"], school_id, today=today)

    def area_data(who: str) -> Callable[[], None]:
        def run() -> None:
            with Session(engine) as s, s.begin():
                refresh_stale(s)
                rollup_version(s)
                area_dashboard(s, viewers[who], school_year=year, today=today)

        return run

    def save_elsewhere() -> None:
        """A save at the school (untimed): the open page reruns for it, as a live page does."""
        with Session(engine) as s, s.begin():
            bump(s, [school_scope(school_id)])

    data = {"school": school_data, "district": area_data("district"), "national": area_data("national")}
    pages = {
        "school": ("pages/school_overview.py", "school"),
        "district": ("pages/area_dashboard.py", "district"),
        "national": ("pages/area_dashboard.py", "national"),
    }
    libpq = url.replace("postgresql+psycopg://", "postgresql://")
    results: dict[str, dict[str, Any]] = {}
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from ui import state

    for name, fn in data.items():
        fn()
        recorder.statements.clear()
        recorder.on = True
        fn()
        recorder.on = False
        statements = list(recorder.statements)

        # One open connection, as the app's pool gives a page: the floor pays no connect either.
        conn = psycopg.connect(libpq)

        def floor(statements: list[tuple[str, Any]] = statements, conn: Any = conn) -> None:
            with conn.cursor() as cur:
                for sql_text, params in statements:
                    cur.execute(sql_text, params)
                    if cur.description:
                        cur.fetchall()
            conn.rollback()

        script, who = pages[name]
        # One AppTest per dashboard, run again and again: what a person's open page costs on each rerun
        # (a filter change, a live refresh); AppTest's own set-up (~0.5 s scanning installed packages for
        # components) happens once, as a browser session's would.
        at = AppTest.from_file(str(REPO / script), default_timeout=120)
        at.session_state[state.PERSON_ID] = ids[who]
        at.session_state[state.SIGNED_IN_AT] = datetime.now(UTC)

        def page(clear: bool, at: AppTest = at) -> None:
            if clear:
                st.cache_data.clear()
            at.run()
            assert not at.exception, at.exception
            assert at.title, "the page showed no title"

        results[name] = {
            "statements": len(statements),
            "data": _time(fn, args.runs, args.warmup),
            "floor": _time(floor, args.runs, args.warmup),
            "page_warm": _time(lambda: page(False), args.runs, args.warmup),
            "page_after_save": _time(lambda: page(False), args.runs, args.warmup, setup=save_elsewhere),
            "page_cold": _time(lambda: page(True), args.runs, args.warmup),
        }
        conn.close()
        r = results[name]
        r["ratio_page_warm_to_floor"] = r["page_warm"]["p95"] / r["floor"]["p95"]
        r["ratio_page_cold_to_floor"] = r["page_cold"]["p95"] / r["floor"]["p95"]
        r["ratio_page_after_save_to_floor"] = r["page_after_save"]["p95"] / r["floor"]["p95"]
        r["ratio_data_to_floor"] = r["data"]["p95"] / r["floor"]["p95"]
        r["goal_ms"] = GOALS_MS[name]

    print(f"bench database: {schools:,} schools; {args.runs} runs after {args.warmup} warm-up runs; ms")
    header = f"{'dashboard':<10}{'SQL':>5}{'floor p50/p95':>16}{'data p50/p95':>16}"
    header += f"{'page warm':>16}{'after save':>16}{'page cold':>16}"
    print(header + f"{'warm/floor':>12}{'save/floor':>12}{'goal':>7}")
    kinds = ("floor", "data", "page_warm", "page_after_save", "page_cold")
    for name, r in results.items():
        cells = "".join(f"{r[k]['p50']:.0f}/{r[k]['p95']:.0f}".rjust(16) for k in kinds)
        print(
            f"{name:<10}{r['statements']:>5}{cells}{r['ratio_page_warm_to_floor']:>11.2f}x"
            f"{r['ratio_page_after_save_to_floor']:>11.2f}x{r['goal_ms']:>7}"
        )
    OUT.write_text(json.dumps({"schools": schools, "runs": args.runs, "results": results}, indent=2) + "\n")
    print(f"written {OUT}")


if __name__ == "__main__":
    main()
