"""Shared fixtures: the session-wide PostgreSQL, a migrated schema, per-test rollback, a demo database."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.bootstrap import migrate
from db.engine import make_engine
from tests.pg import fresh_database, server_admin_url


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
