"""Every insert, update and delete through a session leaves exactly one audit row."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.audit import ACTOR_KEY, Actor
from db.models import AuditLog, SignInAttempt
from tests import factories as f


def _audit(session: Session, record_id: object) -> list[AuditLog]:
    return list(
        session.scalars(select(AuditLog).where(AuditLog.record_id == str(record_id)).order_by(AuditLog.at))
    )


def test_insert_update_and_delete_each_write_one_row_with_who_and_what(session: Session) -> None:
    school = f.school(session)
    admin = f.person(session, role="admin")
    session.info[ACTOR_KEY] = Actor(str(admin.id), "admin")
    cop = f.cop(session, school, name="Before")
    cop.name = "After"
    session.flush()
    session.delete(cop)
    session.flush()
    rows = _audit(session, cop.id)
    assert [r.action for r in rows] == ["insert", "update", "delete"]
    assert all(r.actor_id == admin.id and r.actor_role == "admin" for r in rows)
    assert all(r.table_name == "cop" and r.school_id == school.id for r in rows)
    assert rows[0].after["name"] == "Before"
    assert rows[1].before == {"name": "Before", "version": 1}
    assert rows[1].after == {"name": "After", "version": 2}
    assert rows[2].before["name"] == "After"


def test_password_hashes_never_reach_the_audit_trail(session: Session) -> None:
    person = f.person(session, role="teacher", school=f.school(session))
    row = _audit(session, person.id)[0]
    assert row.after["password_hash"] == "***"


def test_an_update_that_changes_nothing_writes_nothing(session: Session) -> None:
    school = f.school(session, name="Same")
    before = len(_audit(session, school.id))
    school.name = "Same"
    session.flush()
    assert len(_audit(session, school.id)) == before


def test_sign_in_attempts_are_their_own_record_not_audited(session: Session) -> None:
    session.add(SignInAttempt(username="someone", succeeded=False))
    session.flush()
    assert session.scalar(select(func.count()).where(AuditLog.table_name == "sign_in_attempt")) == 0
