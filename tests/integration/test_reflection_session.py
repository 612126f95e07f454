"""Reflection sessions on PostgreSQL: leading, cards from the room and from phones, completion to actions."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied
from cop.errors import InvalidTransition, ValidationError
from cop.vocab import ActionSource, ReflectionCardKind, ReflectionStep
from db.access import load_viewer
from db.files import store_file
from db.models import ActionItem, Attendance, CopSession, ReflectionCard
from db.reflection import (
    add_reflection_card,
    hide_reflection_card,
    move_reflection_step,
    reflection_session,
    reflection_sessions,
    school_statistics,
    set_next_step,
    set_reflection_attendance,
    start_reflection_session,
)
from tests import factories as f

DAY = date(2026, 10, 5)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def school_cast(session: Session) -> dict[str, object]:
    school = f.school(session)
    ht = f.person(session, role="head_teacher", school=school)
    teacher = f.person(session, role="teacher", school=school)
    other_school = f.school(session)
    outsider = f.person(session, role="teacher", school=other_school)
    other_head = f.person(session, role="head_teacher", school=other_school)
    f.cop(session, school, members=[teacher])
    return {
        "school": school,
        "ht": load_viewer(session, ht.id),
        "teacher": load_viewer(session, teacher.id),
        "teacher_id": teacher.id,
        "outsider": load_viewer(session, outsider.id),
        "other_head": load_viewer(session, other_head.id),
    }


def _walk_to(session: Session, viewer: object, sid: uuid.UUID, step: ReflectionStep) -> None:
    view = reflection_session(session, viewer, sid)  # type: ignore[arg-type]
    while view.step is not step:
        move_reflection_step(session, viewer, sid, from_step=view.step, forward=True)  # type: ignore[arg-type]
        view = reflection_session(session, viewer, sid)  # type: ignore[arg-type]


def test_a_head_teacher_runs_a_reflection_session_to_completion_and_next_steps_become_actions(
    session: Session, school_cast: dict
) -> None:
    ht, teacher, school = school_cast["ht"], school_cast["teacher"], school_cast["school"]
    sid = start_reflection_session(session, ht, school_id=school.id, session_date=DAY)
    assert start_reflection_session(session, ht, school_id=school.id, session_date=DAY) == sid
    _walk_to(session, ht, sid, ReflectionStep.INSIGHTS)
    photo = store_file(session, teacher, school_id=school.id, filename="board.png", data=PNG)
    add_reflection_card(
        session, teacher, sid, "insight", "Group work helps", idempotency_key="k1", photo_file_id=photo
    )
    add_reflection_card(session, teacher, sid, "positive", "Name sticks", idempotency_key="k2")
    step = add_reflection_card(
        session,
        ht,
        sid,
        ReflectionCardKind.NEXT_STEP,
        "Exit tickets daily",
        idempotency_key="k3",
        owner_id=school_cast["teacher_id"],
        due_on=DAY + timedelta(days=14),
    )
    _walk_to(session, ht, sid, ReflectionStep.NEXT_STEPS)
    move_reflection_step(session, ht, sid, from_step=ReflectionStep.NEXT_STEPS, forward=True)

    view = reflection_session(session, ht, sid)
    assert view.step is ReflectionStep.COMPLETE and view.status == "held"
    assert view.cards_of(ReflectionCardKind.INSIGHT)[0].photo_file_id == str(photo)
    action = session.scalar(select(ActionItem).where(ActionItem.session_id == sid))
    assert action is not None and action.source == ActionSource.REFLECTION.value
    assert (action.owner_id, action.due_on, action.description) == (
        school_cast["teacher_id"],
        DAY + timedelta(days=14),
        "Exit tickets daily",
    )
    assert session.get(ReflectionCard, step).action_id == action.id
    assert reflection_sessions(session, ht, school_id=school.id)[0].cards == 3


def test_the_same_card_sent_twice_from_a_phone_is_stored_once(session: Session, school_cast: dict) -> None:
    ht, teacher = school_cast["ht"], school_cast["teacher"]
    sid = start_reflection_session(session, ht, school_id=school_cast["school"].id, session_date=DAY)
    first = add_reflection_card(session, teacher, sid, "insight", "Same", idempotency_key="twice")
    again = add_reflection_card(session, teacher, sid, "insight", "Same", idempotency_key="twice")
    assert first == again
    count = session.scalar(select(func.count()).where(ReflectionCard.session_id == sid))
    assert count == 1


def test_completion_is_refused_until_every_next_step_has_an_owner_and_a_due_date(
    session: Session, school_cast: dict
) -> None:
    ht = school_cast["ht"]
    sid = start_reflection_session(session, ht, school_id=school_cast["school"].id, session_date=DAY)
    _walk_to(session, ht, sid, ReflectionStep.NEXT_STEPS)
    with pytest.raises(InvalidTransition, match="at least one next step"):
        move_reflection_step(session, ht, sid, from_step=ReflectionStep.NEXT_STEPS, forward=True)
    teacher = school_cast["teacher"]
    card = add_reflection_card(session, teacher, sid, "next_step", "Do it", idempotency_key="n")
    with pytest.raises(InvalidTransition, match="owner and a due date"):
        move_reflection_step(session, ht, sid, from_step=ReflectionStep.NEXT_STEPS, forward=True)
    set_next_step(session, ht, sid, card, owner_id=school_cast["teacher_id"], due_on=DAY + timedelta(days=7))
    assert move_reflection_step(session, ht, sid, from_step=ReflectionStep.NEXT_STEPS, forward=True) is (
        ReflectionStep.COMPLETE
    )
    with pytest.raises(InvalidTransition, match="complete"):
        add_reflection_card(session, ht, sid, "insight", "late", idempotency_key="late")


def test_a_double_click_on_next_moves_one_step_only(session: Session, school_cast: dict) -> None:
    ht = school_cast["ht"]
    sid = start_reflection_session(session, ht, school_id=school_cast["school"].id, session_date=DAY)
    move_reflection_step(session, ht, sid, from_step=ReflectionStep.OVERVIEW, forward=True)
    again = move_reflection_step(session, ht, sid, from_step=ReflectionStep.OVERVIEW, forward=True)
    assert again is ReflectionStep.STATISTICS


def test_outsiders_and_teachers_cannot_lead_or_write_into_another_school(
    session: Session, school_cast: dict
) -> None:
    ht, school = school_cast["ht"], school_cast["school"]
    sid = start_reflection_session(session, ht, school_id=school.id, session_date=DAY)
    before = session.scalar(select(func.count()).select_from(CopSession))
    with pytest.raises(AccessDenied):
        start_reflection_session(session, school_cast["teacher"], school_id=school.id, session_date=DAY)
    with pytest.raises(AccessDenied):
        start_reflection_session(session, school_cast["other_head"], school_id=school.id, session_date=DAY)
    with pytest.raises(AccessDenied):
        add_reflection_card(session, school_cast["outsider"], sid, "insight", "x", idempotency_key="o")
    with pytest.raises(AccessDenied):
        move_reflection_step(session, school_cast["teacher"], sid, from_step="overview", forward=True)
    with pytest.raises(AccessDenied):
        reflection_session(session, school_cast["other_head"], sid)
    assert session.scalar(select(func.count()).select_from(CopSession)) == before
    assert session.scalar(select(func.count()).where(ReflectionCard.session_id == sid)) == 0


def test_bad_cards_are_refused_with_the_reason(session: Session, school_cast: dict) -> None:
    ht, school = school_cast["ht"], school_cast["school"]
    sid = start_reflection_session(session, ht, school_id=school.id, session_date=DAY)
    with pytest.raises(ValidationError, match="Write something"):
        add_reflection_card(session, ht, sid, "insight", "   ", idempotency_key="a")
    with pytest.raises(ValidationError, match="kind"):
        add_reflection_card(session, ht, sid, "rant", "text", idempotency_key="b")
    with pytest.raises(ValidationError, match="school's staff"):
        outsider = school_cast["outsider"].person_id
        add_reflection_card(session, ht, sid, "next_step", "t", idempotency_key="c", owner_id=outsider)
    with pytest.raises(ValidationError, match="before the session"):
        early = DAY - timedelta(days=1)
        add_reflection_card(session, ht, sid, "next_step", "t", idempotency_key="d", due_on=early)


def test_a_card_author_or_the_leader_hides_a_card(session: Session, school_cast: dict) -> None:
    ht, teacher = school_cast["ht"], school_cast["teacher"]
    sid = start_reflection_session(session, ht, school_id=school_cast["school"].id, session_date=DAY)
    card = add_reflection_card(session, ht, sid, "insight", "mine", idempotency_key="h")
    with pytest.raises(AccessDenied):
        hide_reflection_card(session, teacher, sid, card)
    hide_reflection_card(session, ht, sid, card)
    assert reflection_session(session, ht, sid).cards == ()


def test_school_statistics_count_this_terms_sessions_attendance_and_overdue_actions(
    session: Session, school_cast: dict
) -> None:
    ht, school = school_cast["ht"], school_cast["school"]
    cop = f.cop(session, school)
    held = f.held_session(session, f.cycle(session, cop), on=DAY)
    session.add_all(
        [
            Attendance(session_id=held.id, person_id=school_cast["teacher_id"], present=True),
            Attendance(session_id=held.id, person_id=uuid.UUID(ht.person_id), present=False),
            ActionItem(school_id=school.id, source="session", description="late", due_on=DAY),
        ]
    )
    session.flush()
    stats = school_statistics(session, ht, school.id, today=DAY + timedelta(days=3))
    assert (stats.cops, stats.sessions_this_term, stats.attendance_rate) == (2, 1, 0.5)
    assert (stats.actions_open, stats.actions_overdue, stats.tryout_success) == (1, 1, None)
    with pytest.raises(AccessDenied):
        school_statistics(session, school_cast["other_head"], school.id, today=DAY)


def test_the_leader_records_who_is_in_the_room_and_unticking_keeps_them_as_absent(
    session: Session, school_cast: dict
) -> None:
    ht, school = school_cast["ht"], school_cast["school"]
    sid = start_reflection_session(session, ht, school_id=school.id, session_date=DAY)
    teacher_id = str(school_cast["teacher_id"])
    assert set_reflection_attendance(session, ht, sid, present_ids=[teacher_id, ht.person_id]) == 2
    assert set(reflection_session(session, ht, sid).present_ids) == {teacher_id, ht.person_id}
    set_reflection_attendance(session, ht, sid, present_ids=[ht.person_id])
    rows = dict(
        session.execute(
            select(Attendance.person_id, Attendance.present).where(Attendance.session_id == sid)
        ).all()
    )
    assert rows == {school_cast["teacher_id"]: False, uuid.UUID(ht.person_id): True}
    with pytest.raises(ValidationError, match="school's staff"):
        set_reflection_attendance(session, ht, sid, present_ids=[school_cast["outsider"].person_id])
    with pytest.raises(AccessDenied):
        set_reflection_attendance(session, school_cast["teacher"], sid, present_ids=[teacher_id])
