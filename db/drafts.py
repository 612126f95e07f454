"""Drafts: what a person was typing, kept so a rerun, page switch or lost connection loses nothing."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.clean import without_nul
from db.models import Draft


def save_draft(session: Session, person_id: str, form_key: str, payload: dict[str, Any]) -> None:
    """Keep the latest draft of one form for one person (an upsert: one row per person and form)."""
    payload = without_nul(payload)  # jsonb refuses \u0000
    stmt = insert(Draft).values(person_id=uuid.UUID(person_id), form_key=form_key, payload=payload)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Draft.person_id, Draft.form_key], set_={"payload": payload}
        )
    )


def load_draft(session: Session, person_id: str, form_key: str) -> dict[str, Any] | None:
    """The person's draft of this form, if any."""
    return session.scalar(
        select(Draft.payload).where(Draft.person_id == uuid.UUID(person_id), Draft.form_key == form_key)
    )


def clear_draft(session: Session, person_id: str, form_key: str) -> None:
    """Forget a draft once its form is saved."""
    session.execute(delete(Draft).where(Draft.person_id == uuid.UUID(person_id), Draft.form_key == form_key))
