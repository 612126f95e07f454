"""Alembic environment: runs on the connection the app hands over, or on the app's own settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from db.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    # Run from the command line (`alembic revision --autogenerate`): use the app's own settings.
    from db.config import load_settings
    from db.engine import make_engine, resolve_url

    engine = make_engine(resolve_url(load_settings()))
    with engine.begin() as conn:
        _run(conn)


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported: run them against a database.")
run_migrations_online()
