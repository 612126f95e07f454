"""Change markers: every committed write bumps a counter per school and per session it touched.

Open pages compare these counters (one primary-key lookup, or a NOTIFY pushed by the trigger of
migration 0006) and re-query only when one moved. The bump runs once per transaction, just before the
commit, as one INSERT ... ON CONFLICT DO UPDATE with the scopes sorted: rows are locked in one order by
every writer (no deadlock), and only for the instant of the commit.

Writes made with Core statements (`session.execute(update(...))`) bypass the unit of work: call
`touch(session, scope, ...)` for those.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.models import AuditLog, Base, ChangeMarker, CopSession, Draft, Person, School, SignInAttempt

PENDING_KEY = "cop_change_scopes"
NOTIFY_CHANNEL = "cop_change"
# Rows that record events or scratch work, not data others look at: they move no marker.
_IGNORED = {AuditLog, SignInAttempt, Draft, ChangeMarker}
# A change of only these columns is bookkeeping (a sign-in stamps last_signed_in_at): no marker moves.
_BOOKKEEPING = {"updated_at", "version", "last_signed_in_at"}
_SESSION_COLUMNS = ("session_id", "planned_in_session_id", "reviewed_in_session_id", "first_session_id")
_CLASS_OF_TABLE = {m.local_table.name: m.class_ for m in Base.registry.mappers}  # type: ignore[attr-defined]


def school_scope(school_id: uuid.UUID | str) -> str:
    """The marker scope of everything of one school."""
    return f"school:{school_id}"


def session_scope_of(session_id: uuid.UUID | str) -> str:
    """The marker scope of one CoP / reflection session (its contributions, steps, attendance)."""
    return f"session:{session_id}"


def _changed(obj: object) -> bool:
    state = inspect(obj)
    changed = {a.key for a in state.mapper.column_attrs if state.attrs[a.key].history.has_changes()}
    return bool(changed - _BOOKKEEPING)


def _scopes_of(s: Session, obj: object, depth: int = 0) -> set[str]:
    """The school and session scopes of a row: its own columns, else its parents' (through foreign keys)."""
    if isinstance(obj, School):
        return {school_scope(obj.id)} if obj.id else set()
    if isinstance(obj, CopSession):
        out = {session_scope_of(obj.id)} if obj.id else set()
        return out | ({school_scope(obj.school_id)} if obj.school_id else set())
    scopes: set[str] = set()
    if sid := getattr(obj, "school_id", None):
        scopes.add(school_scope(sid))
    for column in _SESSION_COLUMNS:
        if ses := getattr(obj, column, None):
            scopes.add(session_scope_of(ses))
    has_school = any(x.startswith("school:") for x in scopes)
    has_session = any(x.startswith("session:") for x in scopes)
    if (has_school and has_session) or depth >= 3 or isinstance(obj, Person):
        return scopes
    mapper = inspect(obj).mapper
    for column in mapper.columns:
        for fk in column.foreign_keys:
            target = fk.column.table.name
            if target in ("person", "school", "stored_file") or target not in _CLASS_OF_TABLE:
                continue
            value = getattr(obj, mapper.get_property_by_column(column).key, None)
            if value is None:
                continue
            with s.no_autoflush:
                parent = s.get(_CLASS_OF_TABLE[target], value)
            if parent is None:
                continue
            for found in _scopes_of(s, parent, depth + 1):
                kind = found.split(":", 1)[0]
                if (kind == "school" and not has_school) or (kind == "session" and not has_session):
                    scopes.add(found)
    return scopes


def _pending(s: Session) -> set[str]:
    return s.info.setdefault(PENDING_KEY, set())


def touch(s: Session, *scopes: str) -> None:
    """Bump these scopes at this transaction's commit (for Core writes the unit of work does not see)."""
    _pending(s).update(scopes)


@event.listens_for(Session, "after_flush")
def _collect(s: Session, _ctx: object) -> None:
    found = _pending(s)
    for objs, check in ((s.new, False), (s.dirty, True), (s.deleted, False)):
        for obj in objs:
            if type(obj) in _IGNORED or (check and not _changed(obj)):
                continue
            found |= _scopes_of(s, obj)


@event.listens_for(Session, "before_commit")
def _bump(s: Session) -> None:
    # The commit's own final flush runs after this event: flush first so its rows are counted too.
    s.flush()
    scopes = s.info.pop(PENDING_KEY, None)
    if scopes:
        bump(s, scopes)


@event.listens_for(Session, "after_rollback")
def _forget(s: Session) -> None:
    s.info.pop(PENDING_KEY, None)


def bump(s: Session, scopes: Iterable[str]) -> None:
    """Increment the markers now (one statement; sorted so concurrent writers lock rows in one order)."""
    rows: list[dict[str, Any]] = [
        {"scope": x, "counter": 1, "changed_at": func.now()} for x in sorted(set(scopes))
    ]
    if not rows:
        return
    stmt = insert(ChangeMarker).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ChangeMarker.scope],
        set_={"counter": ChangeMarker.counter + 1, "changed_at": func.now()},
    )
    s.connection().execute(stmt)


def marker_values(s: Session, scopes: Iterable[str]) -> dict[str, int]:
    """Current counters of these scopes (0 for a scope never written): one primary-key lookup."""
    wanted = sorted(set(scopes))
    if not wanted:
        return {}
    stmt = select(ChangeMarker.scope, ChangeMarker.counter).where(ChangeMarker.scope.in_(wanted))
    found: dict[str, int] = dict(s.execute(stmt).all())  # type: ignore[arg-type]
    return {x: int(found.get(x, 0)) for x in wanted}
