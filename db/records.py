"""Helpers every write function shares: idempotent inserts, version checks, current form templates."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied
from cop.errors import EditConflict
from db.models import FormTemplate

M = TypeVar("M")

CONFLICT = (
    "Someone else saved this {what} after you opened it. Their version is shown below: "
    "check it, then apply your changes again and save."
)


def existing_by_key(session: Session, model: type[M], idempotency_key: str | None) -> M | None:
    """The row an earlier submit with this key created (a double click, a rerun, a reconnect), if any."""
    if not idempotency_key:
        return None
    return session.scalar(select(model).where(model.idempotency_key == idempotency_key))  # type: ignore[attr-defined]


def one_in_reach(
    session: Session, model: type[M], record_id: uuid.UUID | str, in_reach: ColumnElement[bool], what: str
) -> M:
    """The record, if `in_reach` lets the viewer read it; else one refusal whether or not it exists (so
    ids cannot be probed), malformed ids included."""
    refused = AccessDenied(f"That {what} is not in your reach.")
    try:
        rid = uuid.UUID(str(record_id))
    except ValueError:
        raise refused from None
    row = session.scalar(select(model).where(model.id == rid, in_reach))  # type: ignore[attr-defined]
    if row is None:
        raise refused
    return row


def check_version(row: Any, version: int | None, what: str, fields: tuple[str, ...] = ()) -> None:
    """Refuse to save over a version newer than the one the form was loaded with."""
    if version is not None and row.version != version:
        theirs = {name: getattr(row, name) for name in fields}
        raise EditConflict(CONFLICT.format(what=what), theirs)


def current_template(session: Session, kind: str) -> FormTemplate:
    """The newest revision of a form's questions (old answers keep the revision they were given with)."""
    row = session.scalar(
        select(FormTemplate)
        .where(FormTemplate.kind == kind, FormTemplate.is_current)
        .order_by(FormTemplate.revision.desc())
        .limit(1)
    )
    if row is None:
        raise LookupError(f"no current {kind} template")
    return row


def template_by_id(session: Session, template_id: uuid.UUID | str) -> FormTemplate:
    """One revision of a form's questions."""
    row = session.get(FormTemplate, uuid.UUID(str(template_id)))
    if row is None:
        raise LookupError(f"no template {template_id}")
    return row
