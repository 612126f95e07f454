"""The schema comes from the migrations, matches the models, and holds its constraints."""

from __future__ import annotations

import threading
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.bootstrap import alembic_config, migrate
from db.engine import make_engine
from db.models import Base, CemcMark, Challenge, District, PracticeRating, School
from tests.pg import fresh_database


def test_models_and_migrations_describe_the_same_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_the_seventeen_intervention_districts_are_reference_data(session: Session) -> None:
    rows = session.execute(select(District.name, District.programme_section, District.ttc_supported)).all()
    by_name = {name: (section, ttc) for name, section, ttc in rows}
    assert len(by_name) == 17
    assert by_name["Kirehe"] == ("PE", True)
    assert by_name["Rusizi"] == ("PE&SE", True)
    assert by_name["Kamonyi"] == ("SE", False)
    assert sum(ttc for _, ttc in by_name.values()) == 6


def _head() -> str:
    """The newest revision of the migrations folder."""
    from alembic.script import ScriptDirectory

    from db.bootstrap import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def test_concurrent_starts_migrate_once_without_racing(pg_admin_url: str) -> None:
    eng = make_engine(fresh_database(pg_admin_url, "cop_race"))
    errors: list[BaseException] = []

    def start() -> None:
        try:
            migrate(eng)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with eng.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == _head()
        assert conn.execute(text("SELECT count(*) FROM district")).scalar_one() == 17
    eng.dispose()
    assert errors == []


def test_migrations_downgrade_to_base_and_upgrade_again(pg_admin_url: str) -> None:
    from alembic import command

    eng = make_engine(fresh_database(pg_admin_url, "cop_roundtrip"))
    migrate(eng)
    with eng.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    with eng.connect() as conn:
        assert conn.execute(text("SELECT to_regclass('public.school')")).scalar() is None
    migrate(eng)
    with eng.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM district")).scalar_one() == 17
    eng.dispose()


def _school(session: Session) -> School:
    district = session.scalar(select(District).where(District.name == "Kirehe"))
    assert district is not None
    school = School(
        code=f"T-{uuid.uuid4().hex[:6]}", name="Test school", district_id=district.id, level="primary"
    )
    session.add(school)
    session.flush()
    return school


@pytest.mark.parametrize(
    "column, value", [("first_session_report", 31), ("field_visit", -1), ("final_exam", 40.5)]
)
def test_cemc_marks_outside_their_range_are_refused(session: Session, column: str, value: float) -> None:
    from db.models import Person

    school = _school(session)
    person = Person(
        username=f"p{uuid.uuid4().hex[:8]}", full_name="P", role="facilitator", school_id=school.id
    )
    session.add(person)
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(
            CemcMark(participant_id=person.id, participant_role="sbm", cohort="2026", **{column: value})
        )
        session.flush()


def test_an_out_of_control_challenge_cannot_be_stored_as_a_priority(session: Session) -> None:
    from db.models import Cop, CopCycle

    school = _school(session)
    cop = Cop(school_id=school.id, name="P4 CoP", kind="general")
    session.add(cop)
    session.flush()
    cycle = CopCycle(cop_id=cop.id, school_id=school.id, school_year=2026, number=1)
    session.add(cycle)
    session.flush()
    with pytest.raises(IntegrityError, match="priority_only_if_controllable"), session.begin_nested():
        session.add(
            Challenge(
                school_id=school.id,
                cycle_id=cycle.id,
                title="No textbooks",
                evidence_kind="other",
                topic="cbc_implementation",
                control="out_of_control",
                is_priority=True,
            )
        )
        session.flush()


def test_unknown_vocabulary_values_are_refused(session: Session) -> None:
    with pytest.raises(IntegrityError, match="programme_section_valid"), session.begin_nested():
        session.add(District(name="Atlantis", programme_section="XX", ttc_supported=False))
        session.flush()


def test_practice_ratings_must_be_between_one_and_five(session: Session) -> None:
    with pytest.raises(IntegrityError, match="rating_range"), session.begin_nested():
        session.add(PracticeRating(observation_id=uuid.uuid4(), practice_id=uuid.uuid4(), rating=6))
        session.flush()
