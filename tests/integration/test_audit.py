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


def test_rows_of_child_tables_carry_the_school_of_their_parent(session: Session) -> None:
    """A head teacher's audit view filters on school_id: ratings, attendance and reports must have it."""
    from datetime import date

    from db.models import Attendance, LessonObservation, PracticeRating, SessionReport, TeachingPractice

    school = f.school(session)
    teacher = f.person(session, role="teacher", school=school)
    observation = LessonObservation(
        school_id=school.id,
        teacher_id=teacher.id,
        observer_id=teacher.id,
        subject="Maths",
        grade="P4",
        observed_on=date(2026, 11, 2),
    )
    session.add(observation)
    session.flush()
    practice = session.scalars(select(TeachingPractice)).first()
    assert practice is not None
    rating = PracticeRating(observation_id=observation.id, practice_id=practice.id, rating=4)
    held = f.held_session(session, f.cycle(session, f.cop(session, school)))
    attendance = Attendance(session_id=held.id, person_id=teacher.id, present=True)
    report = SessionReport(session_id=held.id, main_discussions="Exit tickets")
    session.add_all([rating, attendance, report])
    session.flush()
    for row in (rating, attendance, report):
        assert [r.school_id for r in _audit(session, row.id)] == [school.id], type(row).__name__
