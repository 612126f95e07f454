"""Sign-in checks kept in PostgreSQL: credentials, lockout after repeated failures, revocation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import bcrypt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Person, SignInAttempt

MAX_FAILURES = 5
LOCK_WINDOW = timedelta(minutes=15)
# Checked against when the username is unknown, so the time taken does not reveal which usernames exist.
# (A bcrypt hash, same cost as real ones, of a random password nobody knows; fixed to save start-up time.)
_DUMMY_HASH = "$2b$12$pvFpr1ObLR2goCXNJ7TvQ.t7K1G/uyM9Fygr0PpqNJiNfu4FKRsHi"
_COST = 12


def _cost(password_hash: str) -> int:
    """The work factor of a bcrypt hash ("$2b$12$..." -> 12); unknown formats count as full cost."""
    try:
        return int(password_hash.split("$")[2])
    except (IndexError, ValueError):
        return _COST


GENERIC_FAILURE = "Username or password is incorrect, or the account is locked for a while."


@dataclass(frozen=True)
class SignedIn:
    person_id: str
    username: str
    full_name: str
    role: str
    must_change_password: bool


def normalise_username(username: str) -> str:
    return username.strip().lower()


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=_COST)).decode()


def _recent_failures(session: Session, username: str, now: datetime) -> int:
    last_success = (
        select(func.max(SignInAttempt.attempted_at))
        .where(SignInAttempt.username == username, SignInAttempt.succeeded)
        .scalar_subquery()
    )
    return (
        session.scalar(
            select(func.count()).where(
                SignInAttempt.username == username,
                SignInAttempt.succeeded.is_(False),
                SignInAttempt.attempted_at > now - LOCK_WINDOW,
                SignInAttempt.attempted_at > func.coalesce(last_success, now - LOCK_WINDOW),
            )
        )
        or 0
    )


def check_credentials(
    session: Session, username: str, password: str, *, now: datetime | None = None
) -> SignedIn | None:
    """Verify a sign-in and record the attempt; None on any failure (unknown user, wrong password, lock)."""
    now = now or datetime.now(UTC)
    name = normalise_username(username)
    # Serialise attempts on one username across processes, so five parallel guesses count as five.
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(name))))
    locked = _recent_failures(session, name, now) >= MAX_FAILURES
    person = session.scalar(select(Person).where(Person.username == name))
    stored = person.password_hash if person is not None and person.password_hash else _DUMMY_HASH
    candidate = password.encode()
    # bcrypt refuses more than 72 bytes; such a password cannot match, but takes the same time to refuse.
    matches = bcrypt.checkpw(candidate[:72], stored.encode()) and len(candidate) <= 72
    if _cost(stored) < _COST:
        # Imported one-time passwords are hashed cheaply; pad so timing does not single those accounts out.
        bcrypt.checkpw(candidate[:72], _DUMMY_HASH.encode())
    ok = bool(matches and person is not None and person.is_active and not locked)
    session.add(SignInAttempt(username=name, attempted_at=now, succeeded=ok))
    if not ok or person is None:
        return None
    person.last_signed_in_at = now
    return SignedIn(
        str(person.id), person.username, person.full_name, person.role, person.must_change_password
    )


def signin_still_valid(session: Session, person_id: str, signed_in_at: datetime) -> SignedIn | None:
    """The person behind a sign-in, if still active and no revocation came after the sign-in."""
    person = session.get(Person, uuid.UUID(person_id))
    if person is None or not person.is_active:
        return None
    if person.signins_valid_after is not None and signed_in_at < person.signins_valid_after:
        return None
    return SignedIn(
        str(person.id), person.username, person.full_name, person.role, person.must_change_password
    )


def person_id_for_username(session: Session, username: str) -> str | None:
    pid = session.scalar(select(Person.id).where(Person.username == normalise_username(username)))
    return str(pid) if pid else None


def revoke_signins(session: Session, person_id: str, *, now: datetime | None = None) -> None:
    """End every sign-in of a person, in every browser and process, at their next rerun (audited)."""
    person = session.get(Person, uuid.UUID(person_id))
    if person is not None:
        person.signins_valid_after = now or datetime.now(UTC)
        session.flush()
