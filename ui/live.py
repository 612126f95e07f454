"""Live pages: rerun a page when a change marker it watches moves, in any process, at almost no cost.

How a change travels:

1. A commit bumps `change_marker` rows (db/changes.py); the table's trigger sends `NOTIFY cop_change`.
2. One listener thread per process (`_Listener`) holds a LISTEN connection. It never touches Streamlit:
   it keeps the counters of the watched scopes, wakes the long-polls waiting on them, and rewrites tiny
   marker files (the fallback below).
3. `watch()` draws an invisible component (ui/live_watch/index.html). Its JavaScript long-polls
   `/_cop/live/wait` (a route this module adds to Streamlit's Starlette app) which answers as soon as
   a counter grows past what the page rendered, or after ~20 s with no news; only then does the
   component set a value, which reruns the page. An idle page costs one short HTTP request every 20 s
   and runs no Python script. Where that route cannot be added (AppTest, a changed server), or when a
   browser already holds four long-polls, it polls the marker file Streamlit serves for the component
   instead (dearer: a request per tick).

Tokens are HMACs of the scopes with a per-process secret: unguessable, and they name nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import hmac
import logging
import os
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import streamlit as st
from sqlalchemy import Engine
from streamlit import config
from streamlit.components.v1 import declare_component

from db.changes import NOTIFY_CHANNEL, marker_values
from db.engine import session_scope
from ui.resources import engine

log = logging.getLogger(__name__)

_SOURCE = Path(__file__).resolve().parent / "live_watch" / "index.html"
# A full re-read of the watched markers now and then, in case a notification was lost on a reconnect.
_RESYNC_SECONDS = 30.0
_MAX_SETS = 20_000
# A long-poll answers after this long without news (the browser then asks again).
LONG_POLL_SECONDS = 20.0
WAIT_PATH = "_cop/live/wait"


def _libpq_url(eng: Engine) -> str:
    return eng.url.set(drivername="postgresql").render_as_string(hide_password=False)


def grew(text: str, expected: list[int]) -> bool:
    """Whether any counter in `text` ("3,17") passed the one the page rendered."""
    got = text.split(",")
    if len(got) != len(expected):
        return False
    return any(g.isdigit() and int(g) > e for g, e in zip(got, expected, strict=True))


class _Listener:
    """LISTEN in a thread; keeps the latest counter of every watched scope, wakes waiters, writes files."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.secret = secrets.token_bytes(16)
        self.dir = Path(tempfile.mkdtemp(prefix=f"cop-live-{os.getpid()}-"))
        (self.dir / "m").mkdir()
        shutil.copy(_SOURCE, self.dir / "index.html")
        self.lock = threading.Lock()
        self.values: dict[str, int] = {}
        self.sets: dict[str, tuple[str, ...]] = {}
        self.by_scope: dict[str, set[str]] = {}
        self.waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]] = {}
        self.notified = 0
        self.connected = threading.Event()
        self.route_installed = False
        self._server: Any = None
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="cop-live-listener", daemon=True)
        self.thread.start()

    # -- called from script threads and the server's event loop ----------------------------------
    def token(self, scopes: tuple[str, ...]) -> str:
        return hmac.new(self.secret, "|".join(scopes).encode(), hashlib.sha256).hexdigest()[:32]

    def register(self, scopes: tuple[str, ...], seen: dict[str, int]) -> str:
        token = self.token(scopes)
        with self.lock:
            if token not in self.sets:
                if len(self.sets) >= _MAX_SETS:
                    self.sets.clear()
                    self.by_scope.clear()
                self.sets[token] = scopes
                for scope in scopes:
                    self.by_scope.setdefault(scope, set()).add(token)
            for scope, value in seen.items():
                self.values[scope] = max(self.values.get(scope, 0), value)
            self._write(token)
        return token

    def text(self, token: str) -> str | None:
        with self.lock:
            scopes = self.sets.get(token)
            return None if scopes is None else ",".join(str(self.values.get(s, 0)) for s in scopes)

    def stopping(self) -> bool:
        return self._stop.is_set() or bool(getattr(self._server, "should_exit", False))

    def stop(self) -> None:
        self._stop.set()
        shutil.rmtree(self.dir, ignore_errors=True)

    async def wait(self, token: str, expected: list[int]) -> str | None:
        """The counters of `token` once one passes `expected`, or after the long-poll time."""
        text = self.text(token)
        if text is None or grew(text, expected):
            return text
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        entry = (loop, future)
        with self.lock:
            self.waiters.setdefault(token, set()).add(entry)
        try:
            deadline = time.monotonic() + LONG_POLL_SECONDS
            # Wake once a second to let a stopping server finish (it waits for open requests).
            while not future.done() and time.monotonic() < deadline and not self.stopping():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(future), 1.0)
        finally:
            with self.lock:
                self.waiters.get(token, set()).discard(entry)
        return self.text(token)

    # -- the listener thread ----------------------------------------------------------------------
    def _write(self, token: str) -> None:
        scopes = self.sets.get(token)
        if scopes is None:
            return
        text = ",".join(str(self.values.get(s, 0)) for s in scopes)
        path = self.dir / "m" / f"{token}.txt"
        tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
        try:
            tmp.write_text(text)
            os.replace(tmp, path)  # atomic: a poll never reads half a file
        except OSError:
            log.warning("could not write live marker file %s", path)

    def _apply(self, changed: dict[str, int]) -> None:
        with self.lock:
            tokens: set[str] = set()
            for scope, value in changed.items():
                if value > self.values.get(scope, 0) and scope in self.by_scope:
                    self.values[scope] = value
                    tokens |= self.by_scope[scope]
            woken = []
            for token in tokens:
                self._write(token)
                woken.extend(self.waiters.pop(token, ()))
        for loop, future in woken:
            with contextlib.suppress(RuntimeError):  # a loop already closed: nobody is waiting
                loop.call_soon_threadsafe(_resolve, future)

    def _resync(self, conn: psycopg.Connection) -> None:
        with self.lock:
            scopes = list(self.by_scope)
        if not scopes:
            return
        rows = conn.execute(
            "SELECT scope, counter FROM change_marker WHERE scope = ANY(%s)", (scopes,)
        ).fetchall()
        self._apply({scope: int(counter) for scope, counter in rows})

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, application_name="cop-live") as conn:
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.connected.set()
                    self._resync(conn)
                    last_sync = time.monotonic()
                    while not self._stop.is_set():
                        # Each notification is applied as it arrives; the generator only ends at its
                        # timeout, which paces the resync check below.
                        for note in conn.notifies(timeout=1.0):
                            scope, _, counter = note.payload.rpartition(" ")
                            if counter.isdigit():
                                self.notified += 1
                                self._apply({scope: int(counter)})
                            if self._stop.is_set():
                                break
                        if time.monotonic() - last_sync > _RESYNC_SECONDS:
                            self._resync(conn)
                            last_sync = time.monotonic()
            except Exception as exc:  # a lost connection or a restarted server: reconnect, then resync
                failures = failures + 1 if not self.connected.is_set() else 1
                self.connected.clear()
                if failures == 1:
                    log.warning("live listener lost its database connection (%s); reconnecting", exc)
                self._stop.wait(min(5.0, 0.5 * failures))


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _base_path() -> str:
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/" if base else "/"


def _install_route(live: _Listener) -> bool:
    """Add the long-poll route to this process's Streamlit server (once); False where there is none."""
    try:
        import uvicorn
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route
    except ImportError:  # pragma: no cover - both ship with Streamlit
        return False
    # Streamlit keeps its Starlette app in a local of its server: find the one instance this process has.
    apps = [o for o in gc.get_objects() if isinstance(o, Starlette)]
    servers = [o for o in gc.get_objects() if isinstance(o, uvicorn.Server)]
    if len(apps) != 1:
        return False
    live._server = servers[0] if len(servers) == 1 else None

    async def wait(request: Request) -> PlainTextResponse:
        token = request.query_params.get("t", "")
        try:
            expected = [int(x) for x in request.query_params.get("v", "").split(",") if x]
        except ValueError:
            return PlainTextResponse("bad request", status_code=400)
        text = await live.wait(token, expected)
        if text is None:
            return PlainTextResponse("unknown", status_code=404, headers={"Cache-Control": "no-store"})
        return PlainTextResponse(text, headers={"Cache-Control": "no-store"})

    path = _base_path() + WAIT_PATH
    routes = apps[0].router.routes
    if not any(getattr(r, "path", None) == path for r in routes):
        routes.insert(0, Route(path, wait, methods=["GET"]))
    return True


@st.cache_resource(show_spinner=False, on_release=lambda listener: listener.stop())
def _listener(url: str) -> _Listener:
    live = _Listener(url)
    try:
        live.route_installed = _install_route(live)
    except Exception:  # the fallback (file polling) still works
        log.warning("could not add the live long-poll route; pages poll instead", exc_info=True)
    return live


def listener() -> _Listener:
    """This process's listener (started on first use)."""
    return _listener(_libpq_url(engine()))


def watch(scopes: list[str], *, key: str, interval_s: float = 0.5, min_gap_s: float = 0.0) -> None:
    """Rerun this page (or the fragment this is called in) when a marker of `scopes` moves.

    Call it near the top of the page, before the page reads its data: a change committed between this
    call and those reads then still reruns the page. Costs one primary-key lookup per run.
    `interval_s` paces the fallback polling only; `min_gap_s` is the least time between two reruns
    (phones: a busy room then costs each phone at most one rerun per gap, however many people write)."""
    wanted = tuple(sorted(set(scopes)))
    if not wanted:
        return
    with session_scope(engine()) as s:
        seen = marker_values(s, wanted)
    live = listener()
    token = live.register(wanted, seen)
    component = declare_component("cop_live_watch", path=str(live.dir))
    component(
        wait_url=f"{_base_path()}{WAIT_PATH}?t={token}" if live.route_installed else None,
        file_url=f"m/{token}.txt",
        expected=[seen[x] for x in wanted],
        interval_ms=int(interval_s * 1000),
        min_gap_ms=int(min_gap_s * 1000),
        key=key,
        default=None,
        height=0,
    )
