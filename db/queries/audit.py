"""The audit trail as the people allowed to read it see it: newest first, filtered, scoped."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Page, Reach, Viewer, pages_for
from db.models import AuditLog, Person, School

ACTIONS = ("insert", "update", "delete")
# Bookkeeping columns every update touches: they say nothing a reader needs in a summary.
_QUIET = {"version", "updated_at", "created_at", "id"}
_SUMMARY_FIELDS = 3
_SUMMARY_VALUE = 40


@dataclass(frozen=True)
class AuditEntry:
    id: str
    at: datetime
    actor_name: str | None
    actor_role: str | None
    action: str
    table_name: str
    record_id: str
    school: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def summary(self) -> str:
        """What changed, short: "name: Old → New" for updates, the first values for inserts and deletes."""
        before, after = self.before or {}, self.after or {}
        if self.action == "update":
            keys = [k for k in after if k not in _QUIET]
            parts = [f"{k}: {_short(before.get(k))} → {_short(after.get(k))}" for k in keys]
        else:
            values = after if self.action == "insert" else before
            keys = [k for k, v in values.items() if k not in _QUIET and v not in (None, "", [], {})]
            parts = [f"{k}: {_short(values[k])}" for k in keys]
        shown = "; ".join(parts[:_SUMMARY_FIELDS])
        return shown + (f" (+{len(parts) - _SUMMARY_FIELDS} more)" if len(parts) > _SUMMARY_FIELDS else "")


def _short(value: Any) -> str:
    text = "–" if value is None else str(value)
    return text if len(text) <= _SUMMARY_VALUE else text[: _SUMMARY_VALUE - 1] + "…"


def _scope(viewer: Viewer) -> ColumnElement[bool]:
    """The rows this viewer may read; refused outright for roles the audit trail is not for."""
    if Page.AUDIT_LOG not in pages_for(viewer.role):
        raise AccessDenied("The audit trail is for administrators and head teachers.")
    if viewer.reach is Reach.EVERYTHING:
        return true()
    if viewer.reach is Reach.SCHOOL and viewer.school_id:
        # Equality on school_id, so ix_audit_log_school_at serves the filter and the order together.
        return AuditLog.school_id == uuid.UUID(viewer.school_id)
    return false()


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_entries(
    session: Session,
    viewer: Viewer,
    *,
    table: str | None = None,
    action: str | None = None,
    actor_query: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 500,
) -> list[AuditEntry]:
    """Audit rows in the viewer's reach, newest first; days are UTC days, both ends included."""
    stmt = (
        select(AuditLog, Person.full_name, School.name)
        .outerjoin(Person, Person.id == AuditLog.actor_id)
        .outerjoin(School, School.id == AuditLog.school_id)
        .where(_scope(viewer))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    if table:
        stmt = stmt.where(AuditLog.table_name == table)
    if action:
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        stmt = stmt.where(AuditLog.action == action)
    if actor_query and actor_query.strip():
        stmt = stmt.where(Person.full_name.ilike(_like(actor_query.strip()), escape="\\"))
    # Half-open ranges on `at` itself (no function around the column), so the (…, at) indexes apply.
    if since:
        stmt = stmt.where(AuditLog.at >= _start_of(since))
    if until:
        stmt = stmt.where(AuditLog.at < _start_of(until + timedelta(days=1)))
    return [
        AuditEntry(
            id=str(row.id),
            at=row.at,
            actor_name=actor_name,
            actor_role=row.actor_role,
            action=row.action,
            table_name=row.table_name,
            record_id=row.record_id,
            school=school,
            before=row.before,
            after=row.after,
        )
        for row, actor_name, school in session.execute(stmt).all()
    ]


def audit_tables(session: Session, viewer: Viewer) -> list[str]:
    """Names of the tables with audit rows in the viewer's reach, for the filter."""
    scope = _scope(viewer)
    if viewer.reach is not Reach.EVERYTHING:
        stmt = select(AuditLog.table_name).where(scope).distinct().order_by(AuditLog.table_name)
        return list(session.scalars(stmt))
    # DISTINCT over the whole trail would read every row; walking ix_audit_log_table_record from one name
    # to the next (a "skip scan") reads one index entry per table instead.
    first = select(AuditLog.table_name).order_by(AuditLog.table_name).limit(1)
    names = first.cte("names", recursive=True)
    following = (
        select(AuditLog.table_name)
        .where(AuditLog.table_name > names.c.table_name)
        .order_by(AuditLog.table_name)
        .limit(1)
        .scalar_subquery()
    )
    names = names.union_all(select(following.label("table_name")).where(names.c.table_name.is_not(None)))
    rows = session.scalars(
        select(names.c.table_name).where(names.c.table_name.is_not(None)).order_by(names.c.table_name)
    )
    return list(rows)
