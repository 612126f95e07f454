"""Bring a database to the current schema (and demo data) safely, however many processes start at once."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant will do; it only has to be the same in every process of this app.
_MIGRATION_LOCK = 0x0C0D_A5B0


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for our migrations; with a connection, env.py runs on it."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade to `revision` under a transaction-level advisory lock, so concurrent starts queue up."""
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        command.upgrade(alembic_config(conn), revision)


def prepare_database(engine: Engine, *, demo: bool) -> None:
    """Migrate to head, then seed the demo data if asked and the database has no school yet."""
    migrate(engine)
    if demo:
        from db.demo import seed_demo_if_empty

        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            seed_demo_if_empty(conn)
