"""Signing in: one-time passwords, password resets, deactivating and reactivating people."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy.orm import Session

from cop.access import Viewer
from cop.errors import ValidationError
from cop.passwords import check_new_password
from db.admin.common import _person_to_administer
from db.auth import hash_password, revoke_signins

# No 0/o, 1/l/i: one-time passwords are read aloud and copied from paper.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_one_time_password(username: str | None = None) -> str:
    """A random password that reads well aloud and on paper: four groups of four (about 79 bits)."""
    while True:
        password = "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))
        try:
            check_new_password(password, username=username)
        except ValidationError:  # it happened to contain the username: draw again
            continue
        return password


def deactivate_person(session: Session, viewer: Viewer, *, person_id: uuid.UUID | str) -> None:
    """Stop a person signing in, and end their open sign-ins at once; their records stay."""
    person = _person_to_administer(session, viewer, person_id)
    if str(person.id) == viewer.person_id:
        raise ValidationError(
            {"person": "You cannot deactivate your own account: ask another administrator."}
        )
    person.is_active = False
    # Same flush, so the audit trail shows one change: deactivated, sign-ins void.
    revoke_signins(session, str(person.id))


def reactivate_person(session: Session, viewer: Viewer, *, person_id: uuid.UUID | str) -> None:
    """Let a deactivated person sign in again (sign-ins from before stay void)."""
    person = _person_to_administer(session, viewer, person_id)
    person.is_active = True
    session.flush()


def reset_password(session: Session, viewer: Viewer, *, person_id: uuid.UUID | str, password: str) -> None:
    """Give a person a new one-time password to change at next sign-in; their open sign-ins end."""
    person = _person_to_administer(session, viewer, person_id)
    if str(person.id) == viewer.person_id:
        raise ValidationError({"password": "Change your own password on the Account page."})
    check_new_password(password, username=person.username)
    person.password_hash = hash_password(password)
    person.must_change_password = True
    revoke_signins(session, str(person.id))
