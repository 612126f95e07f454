"""A person's own account: who they are, and changing their own password."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import bcrypt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied
from cop.errors import ValidationError
from cop.passwords import check_new_password
from db.auth import hash_password
from db.models import District, Person, School


@dataclass(frozen=True)
class AccountSummary:
    username: str
    full_name: str
    role: str
    job_title: str | None
    school: str | None
    district: str | None


def account_summary(session: Session, person_id: str) -> AccountSummary:
    """Name, role and home school or district of a person, for their account page."""
    row = session.execute(
        select(Person, School.name, District.name)
        .outerjoin(School, School.id == Person.school_id)
        # A school's district when the person has a school; a district officer's own district otherwise.
        .outerjoin(District, District.id == func.coalesce(School.district_id, Person.district_id))
        .where(Person.id == uuid.UUID(person_id))
    ).one_or_none()
    if row is None:
        raise AccessDenied("Your account is not active.")
    person, school, district = row
    return AccountSummary(person.username, person.full_name, person.role, person.job_title, school, district)


def change_own_password(
    session: Session,
    person_id: str,
    *,
    current_password: str,
    new_password: str,
    now: datetime | None = None,
) -> datetime:
    """Replace one's own password and void every earlier sign-in; returns the time to sign in again at."""
    now = now or datetime.now(UTC)
    person = session.get(Person, uuid.UUID(person_id))
    if person is None or not person.is_active:
        raise AccessDenied("Your account is not active.")
    if not _matches(current_password, person.password_hash):
        raise ValidationError({"current_password": "Your current password is not correct."})
    check_new_password(new_password, username=person.username)
    if new_password == current_password:
        raise ValidationError({"password": "Choose a password different from your current one."})
    # Attribute changes, not a Core update(): the flush writes the audit row (with the hash redacted).
    person.password_hash = hash_password(new_password)
    person.must_change_password = False
    person.signins_valid_after = now
    session.flush()
    return now


def _matches(password: str, password_hash: str | None) -> bool:
    if not password_hash:
        return False
    try:
        return bcrypt.checkpw(password.encode(), password_hash.encode())
    except ValueError:  # bcrypt 5 raises on more than 72 bytes: such a password cannot be the stored one
        return False
