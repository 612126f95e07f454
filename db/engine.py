"""One engine per process, and one short transaction per unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from db import (
    audit,  # noqa: F401 - registers the audit listener on every Session
    changes,  # noqa: F401 - bumps the change markers of every committed write
    clean,  # noqa: F401 - strips NUL characters before every flush
)
from db.audit import ACTOR_KEY, Actor
from db.config import Settings, load_settings, sqlalchemy_url
from db.embedded import start_embedded


def resolve_url(settings: Settings) -> str:
    """The SQLAlchemy URL: DATABASE_URL if set, else the embedded server in the data dir."""
    if settings.database_url:
        return sqlalchemy_url(settings.database_url)
    return sqlalchemy_url(start_embedded(settings.data_dir / "pg"))


def make_engine(url: str) -> Engine:
    """An engine with a small pool: a 2-core server runs one process per core."""
    return create_engine(
        url,
        pool_size=5,
        max_overflow=5,
        pool_pre_ping=True,
        pool_recycle=1800,
    )


@cache
def get_engine() -> Engine:
    """The process-wide engine, migrated to head (and seeded when demo data is on)."""
    from db.bootstrap import prepare_database

    settings = load_settings()
    engine = make_engine(resolve_url(settings))
    prepare_database(engine, demo=settings.demo)
    return engine


@cache
def _session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None, *, actor: Actor | None = None) -> Iterator[Session]:
    """One transaction: commit on success, roll back on error; its writes are audited as `actor`."""
    factory = _session_factory(engine or get_engine())
    with factory() as session, session.begin():
        session.info[ACTOR_KEY] = actor
        yield session
