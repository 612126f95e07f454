"""Sign-in checks in PostgreSQL: credentials, lockout, and revocation of earlier sign-ins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.auth import MAX_FAILURES, check_credentials, revoke_signins, signin_still_valid
from db.models import SignInAttempt
from tests import factories as f


def test_right_password_signs_in_and_is_recorded(session: Session) -> None:
    p = f.person(session, role="teacher", school=f.school(session))
    signed = check_credentials(session, p.username.upper(), f.PASSWORD)
    assert signed is not None and signed.person_id == str(p.id)
    ok = session.scalar(
        select(func.count()).where(SignInAttempt.username == p.username, SignInAttempt.succeeded)
    )
    assert ok == 1


def test_wrong_password_and_unknown_user_fail_alike_and_are_recorded(session: Session) -> None:
    p = f.person(session, role="teacher", school=f.school(session))
    assert check_credentials(session, p.username, "not the password") is None
    assert check_credentials(session, "nobody-by-that-name", "whatever it is") is None
    failures = session.scalar(
        select(func.count()).where(
            SignInAttempt.username.in_([p.username, "nobody-by-that-name"]),
            SignInAttempt.succeeded.is_(False),
        )
    )
    assert failures == 2


def test_five_failures_lock_the_username_for_fifteen_minutes(session: Session) -> None:
    p = f.person(session, role="teacher", school=f.school(session))
    start = datetime.now(UTC)
    for i in range(MAX_FAILURES):
        assert check_credentials(session, p.username, "wrong guess", now=start + timedelta(seconds=i)) is None
    locked_at = start + timedelta(minutes=1)
    assert check_credentials(session, p.username, f.PASSWORD, now=locked_at) is None
    assert check_credentials(session, p.username, f.PASSWORD, now=start + timedelta(minutes=16)) is not None


def test_a_deactivated_person_cannot_sign_in(session: Session) -> None:
    p = f.person(session, role="teacher", school=f.school(session), active=False)
    assert check_credentials(session, p.username, f.PASSWORD) is None


def test_revocation_voids_earlier_signins_but_not_later_ones(session: Session) -> None:
    p = f.person(session, role="facilitator", school=f.school(session))
    before = datetime.now(UTC) - timedelta(minutes=5)
    assert signin_still_valid(session, str(p.id), before) is not None
    revoke_signins(session, str(p.id))
    session.expire_all()
    assert signin_still_valid(session, str(p.id), before) is None
    assert signin_still_valid(session, str(p.id), datetime.now(UTC) + timedelta(seconds=1)) is not None


def test_deactivation_voids_every_signin(session: Session) -> None:
    p = f.person(session, role="facilitator", school=f.school(session))
    p.is_active = False
    session.flush()
    assert signin_still_valid(session, str(p.id), datetime.now(UTC)) is None
