"""Text PostgreSQL cannot store: NUL characters (pasted from some editors, or sent by a hostile client)
make psycopg refuse the whole write. They carry no meaning in any field here, so every string written
through an ORM session, and every draft, loses them before it reaches the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

NUL = "\x00"


def without_nul(value: Any) -> Any:
    """The value with NUL removed from every string in it (JSON-like lists and dicts included)."""
    if isinstance(value, str):
        return value.replace(NUL, "") if NUL in value else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(without_nul(v) for v in value)
    return value


@event.listens_for(Session, "before_flush")
def _strip_nul(session: Session, _flush_context: object, _instances: object) -> None:
    for obj in (*session.new, *session.dirty):
        mapper = inspect(obj).mapper
        for attr in mapper.column_attrs:
            value = getattr(obj, attr.key, None)
            if isinstance(value, str | dict | list):
                cleaned = without_nul(value)
                if cleaned != value:
                    setattr(obj, attr.key, cleaned)
