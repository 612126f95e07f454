"""The audit trail: every insert, update and delete made through an ORM session writes one audit row."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from db.models import AuditLog, Base, ChangeMarker, Draft, Person, School, SignInAttempt

# Technical tables: their rows are records of events themselves, not data people edit.
_NOT_AUDITED = {AuditLog, SignInAttempt, Draft, ChangeMarker}
_REDACTED = {"password_hash"}
# Bookkeeping columns: a change to only these is not an edit anyone needs to read about.
_BOOKKEEPING = {"updated_at", "version", "last_signed_in_at"}
_CLASS_OF_TABLE = {m.local_table.name: m.class_ for m in Base.registry.mappers}  # type: ignore[attr-defined]
ACTOR_KEY = "cop_actor"
AUDIT_KEY = "cop_audit"


@dataclass(frozen=True)
class Actor:
    person_id: str | None
    role: str | None


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes>"
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _values(obj: object, *, before: bool, redact: bool = True) -> dict[str, Any]:
    state = inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in state.unloaded:  # deferred (file bytes) and never loaded: not part of this change
            continue
        hist = state.attrs[key].history
        if before:
            value = hist.deleted[0] if hist.deleted else (hist.unchanged[0] if hist.unchanged else None)
        else:
            value = state.attrs[key].value
        out[key] = "***" if redact and key in _REDACTED else _plain(value)
    return out


def _school_of(session: Session, obj: object, depth: int = 0) -> str | None:
    """The school a row belongs to, so a head teacher's audit view also shows the rows of child tables
    (attendance, ratings, checklist marks...): its own school_id, else its parent's, found through the
    row's foreign keys (people excluded: a person's school is not the school of what they touch)."""
    if isinstance(obj, School):
        return str(obj.id)
    sid = getattr(obj, "school_id", None)
    if sid or depth >= 3 or isinstance(obj, Person):
        return str(sid) if sid else None
    mapper = inspect(obj).mapper
    for column in mapper.columns:
        for fk in column.foreign_keys:
            target = fk.column.table.name
            value = getattr(obj, mapper.get_property_by_column(column).key, None)
            if value is None or target in ("person", "school") or target not in _CLASS_OF_TABLE:
                continue
            with session.no_autoflush:
                parent = session.get(_CLASS_OF_TABLE[target], value)
            if parent is not None and (found := _school_of(session, parent, depth + 1)):
                return found
    return None


def _rows(session: Session) -> list[dict[str, Any]]:
    actor: Actor | None = session.info.get(ACTOR_KEY)
    who = {"actor_id": actor.person_id if actor else None, "actor_role": actor.role if actor else None}
    rows = []
    for action, objs in (("insert", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objs:
            if type(obj) in _NOT_AUDITED:
                continue
            before = after = None
            if action == "insert":
                after = _values(obj, before=False)
            elif action == "delete":
                before = _values(obj, before=True)
            else:
                if not session.is_modified(obj, include_collections=False):
                    continue
                # Compare unredacted values, so a new password hash counts as a change (shown as ***).
                raw_before = _values(obj, before=True, redact=False)
                raw_after = _values(obj, before=False, redact=False)
                changed = {k for k in raw_after if raw_before.get(k) != raw_after.get(k)} - _BOOKKEEPING
                if not changed:
                    continue
                before_all, after_all = _values(obj, before=True), _values(obj, before=False)
                before = {k: before_all[k] for k in changed if k in before_all}
                after = {k: after_all[k] for k in changed | {"version"} if k in after_all}
                if isinstance(after.get("version"), int):
                    # The flush already bumped the version in place; the row it replaced was one lower.
                    before["version"] = after["version"] - 1
            record_id = inspect(obj).identity[0] if inspect(obj).identity else getattr(obj, "id", None)
            rows.append(
                {
                    **who,
                    "table_name": inspect(obj).mapper.local_table.name,
                    "record_id": str(record_id),
                    "action": action,
                    "school_id": _school_of(session, obj),
                    "before": before,
                    "after": after,
                }
            )
    return rows


@event.listens_for(Session, "after_flush")
def _write_audit_rows(session: Session, _flush_context: object) -> None:
    if session.info.get(AUDIT_KEY, True) is False:
        return
    rows = _rows(session)
    if rows:
        session.connection().execute(insert(AuditLog), rows)
