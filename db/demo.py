"""Demo data (placeholder until the seed lands)."""

from sqlalchemy import Connection


def seed_demo_if_empty(conn: Connection) -> bool:
    return False
