"""Live sessions under load: propagation time across processes, and what idle open pages cost.

Two `streamlit run app.py` processes share one PostgreSQL. A running first session has 30 participants;
they add challenges and votes through db.live (what the phone page calls), about one write every
25 seconds each (≈1.2 writes/s in all), while 5 projector pages in headless Chromium (3 on one process, 2
on the other) watch. Each page records, in the browser, when each new challenge title first appears in
its DOM; propagation = that instant minus the instant the write committed (one machine, one clock).
Then 50 idle contribution pages stay open on one process for 30 s: that process's CPU (from
/proc/<pid>/stat) and the database's transactions per second (pg_stat_database) are reported.

Not a test. Run: python -m bench.live [--seconds 60] [--idle-pages 50]
It starts its own embedded PostgreSQL (or uses DATABASE_URL's server) and stops all it started.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import jwt
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cop.cycle_inputs import ChallengeInput  # noqa: E402
from db.access import actor_of, load_viewer  # noqa: E402
from db.auth import hash_password  # noqa: E402
from db.bootstrap import prepare_database  # noqa: E402
from db.engine import make_engine, session_scope  # noqa: E402
from db.live import add_challenge, set_vote  # noqa: E402
from db.models import Cop, CopCycle, CopMember, CopSession, Person, School  # noqa: E402
from tests.pg import fresh_database, server_admin_url  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
COOKIE_NAME, COOKIE_DAYS = "cop_dashboard_signin", 7.0
PARTICIPANTS, OBSERVERS = 30, 5
# Records, in the page, the first moment each projector card title is in the DOM.
WATCH_JS = """
window.__seen = {};
const mark = () => {
  for (const el of document.querySelectorAll('.cop-proj-title')) {
    const t = el.textContent.trim();
    if (!(t in window.__seen)) window.__seen[t] = Date.now();
  }
};
new MutationObserver(mark).observe(document, {subtree: true, childList: true, characterData: true});
mark();
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_health(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("streamlit exited early")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def _room(url: str) -> dict[str, object]:
    """A CoP of GS Nyakarambi with 30 participants and a running first session."""
    eng = create_engine(url)
    with Session(eng) as s, s.begin():
        school = s.scalar(select(School).where(School.name == "GS Nyakarambi"))
        sbm = s.scalar(select(Person).where(Person.username == "sbm.nyakarambi"))
        cop = Cop(school_id=school.id, name="Bench CoP", kind="general", grade="P6", facilitator_id=sbm.id)
        s.add(cop)
        s.flush()
        hashed = hash_password(secrets.token_urlsafe(16))
        people = []
        for n in range(PARTICIPANTS):
            p = Person(
                username=f"bench.{n:02d}", full_name=f"Bench Teacher {n:02d}", role="teacher",
                school_id=school.id, password_hash=hashed,
            )  # fmt: skip
            s.add(p)
            people.append(p)
        s.flush()
        for p in people:
            s.add(CopMember(cop_id=cop.id, person_id=p.id))
        cycle = CopCycle(cop_id=cop.id, school_id=school.id, school_year=2032, number=1, max_priorities=3)
        s.add(cycle)
        s.flush()
        ses = CopSession(
            school_id=school.id, cop_id=cop.id, cycle_id=cycle.id, kind="first", status="running",
            session_date=date.today(), started_at=datetime.now(UTC), join_code="BNCH42",
        )  # fmt: skip
        s.add(ses)
        s.flush()
        room = {"session": str(ses.id), "people": [str(p.id) for p in people]}
    eng.dispose()
    return room


def _cookie(key: str, username: str) -> dict[str, object]:
    expires = datetime.now(UTC) + timedelta(days=COOKIE_DAYS)
    token = jwt.encode({"username": username, "exp_date": expires.timestamp()}, key, algorithm="HS256")
    return {"name": COOKIE_NAME, "value": token, "domain": "127.0.0.1", "path": "/"}


def _writers(url: str, room: dict, seconds: float, commits: dict[str, float], stop: threading.Event) -> None:
    """30 participants, each writing about every 25 s (a challenge, or a vote), on their own schedule."""
    eng = make_engine(url)
    with session_scope(eng) as s:
        viewers = [load_viewer(s, pid) for pid in room["people"]]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def participant(n: int) -> None:
        rng = random.Random(n)
        stop.wait(rng.uniform(0, 25))
        count = 0
        while not stop.is_set() and time.monotonic() < deadline:
            viewer = viewers[n]
            title = f"Bench challenge {n:02d}-{count:02d}"
            try:
                with session_scope(eng, actor=actor_of(viewer)) as s:
                    if count % 3 == 2:
                        ids = list(
                            s.scalars(
                                text("SELECT id FROM challenge WHERE session_id = :s"), {"s": room["session"]}
                            )
                        )
                        if ids:
                            set_vote(s, viewer, room["session"], str(rng.choice(ids)), on=True)
                    else:
                        data = ChallengeInput.parse(
                            title=title, evidence_kind="lesson_plan", topic="homework", control="direct"
                        )
                        add_challenge(s, viewer, room["session"], data, idempotency_key=uuid.uuid4().hex)
                if count % 3 != 2:
                    with lock:
                        commits[title] = time.time() * 1000  # the transaction has committed here
            except Exception as exc:  # a vote over the limit: the rules refuse it, the bench goes on
                if "votes" not in str(exc):
                    print(f"participant {n}: {exc}", file=sys.stderr)
            count += 1
            stop.wait(rng.uniform(15, 35))

    threads = [threading.Thread(target=participant, args=(n,), daemon=True) for n in range(PARTICIPANTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    eng.dispose()


def _xacts(url: str) -> int:
    eng = create_engine(url)
    with eng.connect() as c:
        n = c.execute(
            text(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
            )
        ).scalar_one()
    eng.dispose()
    return int(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--idle-pages", type=int, default=50)
    parser.add_argument("--idle-seconds", type=float, default=30)
    args = parser.parse_args()

    db_url = fresh_database(server_admin_url(), "cop_bench_live")
    prepare_database(make_engine(db_url), demo=True)
    room = _room(db_url)
    key = secrets.token_urlsafe(48)
    env = {**os.environ, "DATABASE_URL": db_url, "COP_DEMO": "0", "COP_COOKIE_KEY": key}
    logs = Path(tempfile.mkdtemp(prefix="bench-live-"))
    servers = []
    for name in ("A", "B"):
        port = _free_port()
        log = (logs / f"{name}.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        servers.append((f"http://127.0.0.1:{port}", proc))
    try:
        for url, proc in servers:
            _wait_health(url, proc)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"],
            )
            # --- propagation ---
            observers = []
            for i in range(OBSERVERS):
                base = servers[i % 2][0]
                context = browser.new_context(viewport={"width": 1280, "height": 720})
                context.add_cookies([_cookie(key, "sbm.nyakarambi")])
                context.add_init_script(WATCH_JS)
                page = context.new_page()
                page.goto(f"{base}/projector?session={room['session']}")
                page.locator(".cop-proj-code").wait_for(timeout=60_000)
                observers.append((base, page))
            commits: dict[str, float] = {}
            stop = threading.Event()
            writer = threading.Thread(target=_writers, args=(db_url, room, args.seconds, commits, stop))
            writer.start()
            writer.join()  # the pages time themselves (WATCH_JS): nothing to do here meanwhile
            time.sleep(3)
            lags: list[float] = []
            missing = 0
            for _, page in observers:
                seen = page.evaluate("window.__seen")
                for title, committed in commits.items():
                    if title in seen:
                        lags.append((seen[title] - committed) / 1000)
                    else:
                        missing += 1
            for _, page in observers:
                page.context.close()
            lags.sort()
            load = os.getloadavg()[0]
            print(
                f"writes: {len(commits)} challenges (and votes) by {PARTICIPANTS} participants in "
                f"{args.seconds:.0f} s; machine load average {load:.1f} on {os.cpu_count()} cores"
            )
            if lags:
                p95 = lags[min(len(lags) - 1, int(round(0.95 * (len(lags) - 1))))]
                print(
                    f"propagation commit -> visible on {OBSERVERS} projector pages (both processes): "
                    f"p50 {statistics.median(lags):.3f} s, p95 {p95:.3f} s, max {lags[-1]:.3f} s "
                    f"({len(lags)} observations, {missing} never seen)"
                )

            # --- idle pages ---
            base, proc = servers[1]
            idle = []
            for i in range(args.idle_pages):
                context = browser.new_context(viewport={"width": 360, "height": 740})
                context.add_cookies([_cookie(key, f"bench.{i % PARTICIPANTS:02d}")])
                page = context.new_page()
                page.goto(f"{base}/contribute?session={room['session']}")
                idle.append(page)
            for page in idle:
                page.get_by_role("heading", name="First session").wait_for(timeout=120_000)
            time.sleep(5)  # let the last runs finish
            cpu0, xact0, t0 = _cpu_seconds(proc.pid), _xacts(db_url), time.monotonic()
            end = t0 + args.idle_seconds
            while time.monotonic() < end:
                time.sleep(0.5)
            cpu1, xact1, t1 = _cpu_seconds(proc.pid), _xacts(db_url), time.monotonic()
            span = t1 - t0
            # The two reads of pg_stat_database are transactions themselves.
            print(
                f"{len(idle)} idle open pages on one process for {span:.0f} s: "
                f"CPU {100 * (cpu1 - cpu0) / span:.1f} % of one core, "
                f"{max(0, xact1 - xact0 - 1) / span:.2f} database transactions/s"
            )
            browser.close()
    finally:
        for _, proc in servers:
            proc.terminate()
        for _, proc in servers:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
