"""The demo data: seeded once and quickly, every role and phase present, every cycle true to the rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from cop.cycle import ChallengeState, Cycle, TryoutState, validate
from cop.vocab import ActionStatus, ControlCategory, CyclePhase, Role, SessionKind
from db.demo import DEMO_ACCOUNTS, seed_demo_if_empty
from db.models import (
    ActionItem,
    AuditLog,
    Base,
    Challenge,
    ConsolidationOutput,
    CopCycle,
    CopSession,
    CycleEvaluation,
    CycleReport,
    DisseminationPlan,
    Person,
    PracticeRating,
    TeachingPractice,
    TryoutPlan,
)


@pytest.fixture(scope="module")
def demo(engine: Engine) -> Iterator[Session]:
    """One seeded demo for the read-only tests of this module, rolled back at its end."""
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            assert seed_demo_if_empty(session.connection())
            yield session
        finally:
            session.close()
            outer.rollback()


def _row_counts(session: Session) -> dict[str, int]:
    return {
        t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables
    }


def _rebuild(session: Session, row: CopCycle) -> Cycle:
    """The cycle aggregate from the stored facts alone, as the data layer would load it."""
    held = session.scalars(
        select(CopSession.kind)
        .where(CopSession.cycle_id == row.id, CopSession.status == "held")
        .order_by(CopSession.sequence)
    ).all()
    challenges = session.scalars(select(Challenge).where(Challenge.cycle_id == row.id)).all()
    plans = session.scalars(
        select(TryoutPlan)
        .join(Challenge, Challenge.id == TryoutPlan.challenge_id)
        .where(Challenge.cycle_id == row.id)
        .order_by(TryoutPlan.attempt_no)
    ).all()

    def count(model: type[ConsolidationOutput] | type[DisseminationPlan] | type[CycleEvaluation]) -> int:
        return session.scalar(select(func.count()).select_from(model).where(model.cycle_id == row.id)) or 0

    return Cycle(
        sessions=[SessionKind(kind) for kind in held],
        challenges=[ChallengeState(str(c.id), ControlCategory(c.control), c.is_priority) for c in challenges],
        tryouts=[TryoutState(str(p.challenge_id), p.attempt_no, p.effective) for p in plans],
        consolidation_outputs=count(ConsolidationOutput),
        dissemination_plans=count(DisseminationPlan),
        evaluated=count(CycleEvaluation) > 0,
        closed=row.closed_at is not None,
        max_priorities=row.max_priorities,
    )


def test_the_demo_seeds_once_and_a_second_call_adds_nothing(session: Session) -> None:
    assert seed_demo_if_empty(session.connection()) is True
    before = _row_counts(session)

    assert seed_demo_if_empty(session.connection()) is False
    assert _row_counts(session) == before
    assert before["school"] == 4


def test_seeding_an_already_seeded_database_adds_nothing(session: Session) -> None:
    # Its duration is measured by bench.startup, not asserted here: a timed test fails on a busy machine.
    seed_demo_if_empty(session.connection())
    before = session.scalar(select(func.count()).select_from(Person))
    seed_demo_if_empty(session.connection())
    assert session.scalar(select(func.count()).select_from(Person)) == before > 0


def test_the_demo_writes_no_audit_rows_because_nobody_made_those_changes(demo: Session) -> None:
    assert demo.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_every_role_has_someone_to_sign_in_as(demo: Session) -> None:
    roles = set(demo.scalars(select(Person.role).where(Person.is_active, Person.password_hash.is_not(None))))
    assert roles == set(Role.values())


def test_every_demo_account_exists_with_the_role_the_readme_names(demo: Session) -> None:
    people = {p.username: p.role for p in demo.scalars(select(Person))}
    assert {username: people.get(username) for username, _, _ in DEMO_ACCOUNTS} == {
        username: role for username, role, _ in DEMO_ACCOUNTS
    }


def test_there_is_a_cycle_in_every_phase(demo: Session) -> None:
    phases = set(demo.scalars(select(CopCycle.phase)))
    assert phases == set(CyclePhase.values())


def test_every_stored_phase_is_the_one_the_cycle_rules_compute_and_no_cycle_breaks_a_rule(
    demo: Session,
) -> None:
    rebuilt = [(row, _rebuild(demo, row)) for row in demo.scalars(select(CopCycle))]

    assert [
        (row.title, row.phase, cycle.phase.value) for row, cycle in rebuilt if row.phase != cycle.phase
    ] == []
    assert [(row.title, validate(cycle)) for row, cycle in rebuilt if validate(cycle)] == []


def test_every_cycle_session_belongs_to_its_cop_school_and_cycle(demo: Session) -> None:
    sessions = demo.scalars(select(CopSession).where(CopSession.kind != SessionKind.REFLECTION.value)).all()
    cycles = {c.id: c for c in demo.scalars(select(CopCycle))}

    assert sessions
    assert all(
        cycles[s.cycle_id].cop_id == s.cop_id and cycles[s.cycle_id].school_id == s.school_id
        for s in sessions
    )


def test_the_closed_cycle_is_from_last_school_year_with_its_report_acknowledged(demo: Session) -> None:
    closed = demo.scalars(select(CopCycle).where(CopCycle.phase == CyclePhase.CLOSED.value)).one()
    report = demo.scalars(select(CycleReport).where(CycleReport.cycle_id == closed.id)).one()

    today = date.today()
    assert closed.school_year == (today.year if today.month >= 9 else today.year - 1) - 1
    assert report.acknowledged_by_id is not None and report.acknowledged_at is not None


def test_out_of_control_challenges_stay_in_the_parking_lot(demo: Session) -> None:
    parked = demo.scalars(
        select(Challenge).where(Challenge.control == ControlCategory.OUT_OF_CONTROL.value)
    ).all()

    assert parked
    assert not any(c.is_priority for c in parked)


def test_lesson_observations_rate_every_active_practice_from_1_to_5(demo: Session) -> None:
    ratings = demo.scalars(select(PracticeRating)).all()
    practices = demo.scalar(
        select(func.count()).select_from(TeachingPractice).where(TeachingPractice.is_active)
    )
    observations = {r.observation_id for r in ratings}

    assert ratings
    assert {r.rating for r in ratings} <= {1, 2, 3, 4, 5}
    assert len(ratings) == practices * len(observations)


def test_some_actions_are_open_past_their_due_date(demo: Session) -> None:
    overdue = demo.scalars(
        select(ActionItem).where(
            ActionItem.status == ActionStatus.OPEN.value, ActionItem.due_on < date.today()
        )
    ).all()

    assert len(overdue) >= 2
