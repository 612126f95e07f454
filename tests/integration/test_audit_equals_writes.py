"""Audit rows equal writes: PostgreSQL's own per-transaction row counters are the oracle."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from cop.validation import CopInput, PersonInput, SchoolInput
from db import admin
from db.access import actor_of, load_viewer
from db.account import change_own_password
from db.audit import ACTOR_KEY
from db.auth import revoke_signins
from db.models import AuditLog
from tests import factories as f

# Tables whose rows are events or bookkeeping of their own (see db/audit.py).
_UNAUDITED = ("audit_log", "sign_in_attempt", "draft", "change_marker", "alembic_version")


def _row_writes(session: Session) -> int:
    """Rows inserted, updated or deleted so far in this transaction, in audited tables."""
    return session.execute(
        text(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables "
            "WHERE relname <> ALL(:skip)"
        ),
        {"skip": list(_UNAUDITED)},
    ).scalar_one()


def _audit_rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditLog)) or 0


def _steps(session: Session) -> list[tuple[str, Callable[[], object]]]:
    school = f.school(session, name="Audit school")
    teacher = f.person(session, role="teacher", school=school)
    admin_person = f.person(session, role="admin")
    viewer = load_viewer(session, admin_person.id)
    session.info[ACTOR_KEY] = actor_of(viewer)
    made: dict[str, object] = {}

    def create_cop() -> None:
        made["cop"] = admin.create_cop(
            session, viewer, school_id=school.id, data=CopInput(name="Audit CoP", kind="general", grade="P5")
        )

    def create_person() -> None:
        data = PersonInput(
            username="audit.person", full_name="Audit Person", role="teacher", school_code=school.code
        )
        made["person"] = admin.create_person(session, viewer, data=data, password="one time password 1")

    c = school.code
    people_csv = (
        f"username,full_name,role,school_code\naudit.csv1,One,teacher,{c}\naudit.csv2,Two,teacher,{c}\n"
    )
    schools_csv = "code,name,district,sector,level\nAUD-2,Two,Kirehe,,primary\nAUD-3,Three,Kirehe,,primary\n"
    new_school = SchoolInput("AUD-1", "Aud", "Kirehe", "primary")
    renamed = SchoolInput(school.code, "Audit school renamed", "Kirehe", "primary")
    return [
        ("create_school", lambda: admin.create_school(session, viewer, data=new_school)),
        (
            "update_school",
            lambda: admin.update_school(
                session, viewer, school_id=school.id, version=school.version, data=renamed
            ),
        ),
        ("create_cop", create_cop),
        ("add_member", lambda: admin.add_member(session, viewer, cop_id=made["cop"], person_id=teacher.id)),
        (
            "remove_member",
            lambda: admin.remove_member(session, viewer, cop_id=made["cop"], person_id=teacher.id),
        ),
        ("create_person", create_person),
        (
            "reset_password",
            lambda: admin.reset_password(
                session, viewer, person_id=made["person"], password="another one time 2"
            ),
        ),
        ("deactivate_person", lambda: admin.deactivate_person(session, viewer, person_id=teacher.id)),
        ("reactivate_person", lambda: admin.reactivate_person(session, viewer, person_id=teacher.id)),
        ("import_schools_csv", lambda: admin.import_schools_csv(session, viewer, schools_csv)),
        ("import_people_csv", lambda: admin.import_people_csv(session, viewer, people_csv)),
        (
            "change_own_password",
            lambda: change_own_password(
                session, str(teacher.id), current_password=f.PASSWORD, new_password="my own new sentence"
            ),
        ),
        ("revoke_signins", lambda: revoke_signins(session, str(teacher.id))),
    ]


def test_every_write_function_leaves_exactly_one_audit_row_per_row_written(session: Session) -> None:
    results = []
    for name, step in _steps(session):
        session.flush()
        writes, audits = _row_writes(session), _audit_rows(session)
        step()
        session.flush()
        results.append((name, _row_writes(session) - writes, _audit_rows(session) - audits))
    assert all(written > 0 for _, written, _ in results), results
    assert [(n, w) for n, w, _ in results] == [(n, a) for n, _, a in results]


@pytest.mark.parametrize("action", ["insert", "update", "delete"])
def test_plain_orm_changes_are_audited_one_for_one(session: Session, action: str) -> None:
    school = f.school(session)
    cop = f.cop(session, school)
    session.flush()
    writes, audits = _row_writes(session), _audit_rows(session)
    if action == "insert":
        f.cop(session, school)
    elif action == "update":
        cop.grade = "P6"
    else:
        session.delete(cop)
    session.flush()
    assert _row_writes(session) - writes == _audit_rows(session) - audits == 1
