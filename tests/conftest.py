"""Shared fixtures: the session-wide PostgreSQL, a migrated schema, per-test rollback, a demo database."""

from __future__ import annotations

import os
import secrets
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from _pytest.nodeid import NodeId
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.bootstrap import migrate
from db.engine import make_engine
from tests.matrix_support import TALLY
from tests.pg import fresh_database, server_admin_url

# Counts of the access matrix, summed over xdist workers (each worker's module fixture fills TALLY).
_MATRIX_TOTAL: Counter[str] = Counter()
_E2E = Path(__file__).parent / "e2e"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The browser tests run one after another on one worker: each starts servers and a Chromium, and
    two at once on a small machine would only make each other slow. First among the hooks: xdist's own
    turns the mark into the group it schedules by, so the mark must be there before it runs."""
    for item in items:
        if _E2E in Path(item.fspath).parents:
            item.add_marker(pytest.mark.xdist_group("e2e"))
            # xdist 3.8 groups by a "@group" suffix it writes to `item._nodeid`, which pytest 9 no longer
            # reads (the id lives in `item._id`): write the suffix where pytest 9 keeps it.
            if getattr(config.option, "loadgroup", False) and not item.nodeid.endswith("@e2e"):
                item._id = NodeId.parse(f"{item.nodeid}@e2e")


def pytest_sessionfinish(session: pytest.Session) -> None:
    if (out := getattr(session.config, "workeroutput", None)) is not None:
        out["matrix_tally"] = dict(TALLY)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    _MATRIX_TOTAL.update(getattr(node, "workeroutput", {}).get("matrix_tally", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per access-matrix tier: cases run, and how many found a leak or an unauthorised write."""
    total = _MATRIX_TOTAL or TALLY
    for tier, detail in (
        ("pages", ""),
        ("functions", f", {total['function calls']} calls, {total['rows checked']} rows checked"),
        ("writes", f", and {total['write controls']} administrator controls that wrote"),
        ("tools reads", f", {total['tools calls']} calls, {total['tools rows checked']} rows checked"),
        ("tools writes", f", and {total['tools write controls']} controls that wrote"),
    ):
        run, clean = total[f"{tier} run"], total[f"{tier} clean"]
        if run:
            problem = "unauthorised writes" if tier.endswith("writes") else "leaks"
            terminalreporter.write_line(
                f"access matrix, {tier}: {run} cases{detail}; {run - clean} {problem}"
            )


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    return server_admin_url()


@pytest.fixture(scope="session")
def engine(pg_admin_url: str) -> Iterator[Engine]:
    """The integration database: schema built by running the Alembic migrations once."""
    eng = make_engine(fresh_database(pg_admin_url, "cop_test"))
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work, commits included, is rolled back at the end of the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield s
        finally:
            s.close()
            outer.rollback()


@pytest.fixture(scope="session")
def demo_database_url(pg_admin_url: str) -> str:
    """A committed database with the demo data, for page tests (AppTest runs its own sessions)."""
    url = fresh_database(pg_admin_url, "cop_demo_test")
    from db.bootstrap import prepare_database

    eng = make_engine(url)
    prepare_database(eng, demo=True)
    eng.dispose()
    return url


@pytest.fixture(scope="session")
def app_env(demo_database_url: str) -> Iterator[str]:
    """Point the app code in this process (get_engine) at the demo database."""
    os.environ["DATABASE_URL"] = demo_database_url
    os.environ["COP_DEMO"] = "0"
    os.environ.setdefault("COP_COOKIE_KEY", secrets.token_urlsafe(48))
    from db.engine import get_engine

    get_engine.cache_clear()
    yield demo_database_url
