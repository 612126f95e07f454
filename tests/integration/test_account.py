"""Changing one's own password: the current one proves it is you, the policy holds, old sign-ins end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import bcrypt
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.errors import ValidationError
from db.account import account_summary, change_own_password
from db.audit import ACTOR_KEY, Actor
from db.auth import signin_still_valid
from db.models import AuditLog, Person
from tests import factories as f

NEW = "the goats ate my lesson plan"


def _audit_rows(session: Session, person: Person) -> int:
    return session.scalar(select(func.count()).where(AuditLog.record_id == str(person.id))) or 0


@pytest.fixture
def teacher(session: Session) -> Person:
    person = f.person(session, role="teacher", school=f.school(session, name="GS Test"))
    session.info[ACTOR_KEY] = Actor(str(person.id), "teacher")
    return person


def test_a_wrong_current_password_is_refused_and_nothing_is_written(
    session: Session, teacher: Person
) -> None:
    before = (teacher.password_hash, teacher.version, _audit_rows(session, teacher))
    with pytest.raises(ValidationError) as refused:
        change_own_password(session, str(teacher.id), current_password="not my password", new_password=NEW)
    assert list(refused.value.errors) == ["current_password"]
    session.flush()
    session.refresh(teacher)
    assert (teacher.password_hash, teacher.version, _audit_rows(session, teacher)) == before
    assert teacher.signins_valid_after is None


def test_a_current_password_too_long_for_bcrypt_is_simply_wrong(session: Session, teacher: Person) -> None:
    with pytest.raises(ValidationError) as refused:
        change_own_password(session, str(teacher.id), current_password="x" * 100, new_password=NEW)
    assert list(refused.value.errors) == ["current_password"]


@pytest.mark.parametrize(
    ("new_password", "reason"),
    [("short", "at least 10"), ("cop-demo-2026", "common"), ("password123", "common")],
)
def test_the_policy_refuses_weak_new_passwords(
    session: Session, teacher: Person, new_password: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        change_own_password(session, str(teacher.id), current_password=f.PASSWORD, new_password=new_password)
    assert reason in refused.value.errors["password"]
    assert bcrypt.checkpw(f.PASSWORD.encode(), teacher.password_hash.encode())


def test_a_new_password_containing_the_username_is_refused(session: Session, teacher: Person) -> None:
    with pytest.raises(ValidationError) as refused:
        change_own_password(
            session, str(teacher.id), current_password=f.PASSWORD, new_password=f"my {teacher.username} pass"
        )
    assert "username" in refused.value.errors["password"]


def test_the_current_password_cannot_be_chosen_again(session: Session, teacher: Person) -> None:
    with pytest.raises(ValidationError) as refused:
        change_own_password(session, str(teacher.id), current_password=f.PASSWORD, new_password=f.PASSWORD)
    assert "different" in refused.value.errors["password"]


def test_success_sets_the_new_password_and_clears_the_one_time_flag(
    session: Session, teacher: Person
) -> None:
    teacher.must_change_password = True
    session.flush()
    change_own_password(session, str(teacher.id), current_password=f.PASSWORD, new_password=NEW)
    session.refresh(teacher)
    assert bcrypt.checkpw(NEW.encode(), teacher.password_hash.encode())
    assert teacher.must_change_password is False


def test_success_voids_earlier_sign_ins_but_not_the_returned_one(session: Session, teacher: Person) -> None:
    now = datetime.now(UTC)
    earlier = now - timedelta(seconds=1)
    assert signin_still_valid(session, str(teacher.id), earlier) is not None
    at = change_own_password(session, str(teacher.id), current_password=f.PASSWORD, new_password=NEW, now=now)
    assert at == now
    assert signin_still_valid(session, str(teacher.id), earlier) is None
    assert signin_still_valid(session, str(teacher.id), at) is not None


def test_success_is_audited_as_the_person_and_no_hash_reaches_the_trail(
    session: Session, teacher: Person
) -> None:
    change_own_password(session, str(teacher.id), current_password=f.PASSWORD, new_password=NEW)
    row = session.scalars(
        select(AuditLog)
        .where(AuditLog.record_id == str(teacher.id), AuditLog.action == "update")
        .order_by(AuditLog.at.desc())
    ).first()
    assert row is not None
    assert row.actor_id == teacher.id and row.actor_role == "teacher"
    written = str(row.before) + str(row.after)
    assert "signins_valid_after" in row.after
    assert teacher.password_hash not in written and f.PASSWORD not in written and NEW not in written
    # db.audit compares values after redaction, so "***" → "***" counts as no change and is left out.
    assert row.after.get("password_hash", "***") == "***"


def test_the_account_summary_names_the_school_and_its_district(session: Session, teacher: Person) -> None:
    me = account_summary(session, str(teacher.id))
    assert (me.username, me.full_name, me.role) == (teacher.username, teacher.full_name, "teacher")
    assert (me.school, me.district) == ("GS Test", "Kirehe")


def test_the_account_summary_of_a_district_officer_names_their_district(session: Session) -> None:
    officer = f.person(session, role="district_officer", district_name="Rusizi")
    me = account_summary(session, str(officer.id))
    assert (me.school, me.district) == (None, "Rusizi")
