"""Reflection sessions led by the head teacher: start, step through, cards from the room and from phones."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from cop import reflection as steps
from cop import reflection_session as rules
from cop.access import AccessDenied, Viewer
from cop.errors import ValidationError
from cop.uploads import CONTENT_TYPES, IMAGES
from cop.vocab import ActionSource, ReflectionCardKind, ReflectionStep, SessionKind, SessionStatus
from db.access import ensure_school_in_reach, school_ids_in_reach
from db.models import (
    ActionItem,
    Attendance,
    Challenge,
    Cop,
    CopSession,
    LessonObservation,
    Person,
    PracticeRating,
    ReflectionCard,
    School,
    StoredFile,
    TeachingPractice,
    TryoutPlan,
)
from db.records import existing_by_key

_NOT_IN_REACH = "That reflection session is not in your reach."
_LEADERS_ONLY = "Only the head teacher or a facilitator of the school leads its reflection session."
_IMAGE_TYPES = {CONTENT_TYPES[k] for k in IMAGES}
MAX_LIST = 200


@dataclass(frozen=True)
class SchoolStats:
    """The figures the head teacher shows at the statistics step."""

    teachers: int
    new_teachers: int
    cops: int
    term_start: date
    sessions_this_term: int
    attendance_rate: float | None
    tryouts_judged: int
    tryouts_effective: int
    actions_open: int
    actions_overdue: int
    strengths: tuple[tuple[str, float], ...]  # practices averaging 4 or more in lesson observations
    to_improve: tuple[tuple[str, float], ...]

    @property
    def tryout_success(self) -> float | None:
        return rules.rate(self.tryouts_effective, self.tryouts_judged)


@dataclass(frozen=True)
class SessionRow:
    id: str
    session_date: date
    step: ReflectionStep
    status: str
    led_by: str | None
    cards: int


@dataclass(frozen=True)
class CardView:
    id: str
    kind: ReflectionCardKind
    text: str
    author: str | None
    author_id: str | None
    photo_file_id: str | None
    owner_id: str | None
    owner: str | None
    due_on: date | None
    action_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class ReflectionView:
    session_id: str
    school_id: str
    school: str
    session_date: date
    step: ReflectionStep
    status: str
    led_by: str | None
    started_at: datetime | None
    ended_at: datetime | None
    join_code: str | None
    present: int
    present_ids: tuple[str, ...]
    cards: tuple[CardView, ...]
    may_lead: bool

    def cards_of(self, kind: ReflectionCardKind) -> list[CardView]:
        return [c for c in self.cards if c.kind is kind]


def _session_in_reach(s: Session, viewer: Viewer, session_id: uuid.UUID | str) -> CopSession:
    try:
        sid = uuid.UUID(str(session_id))
    except ValueError:
        raise AccessDenied(_NOT_IN_REACH) from None
    row = s.scalar(
        select(CopSession).where(
            CopSession.id == sid,
            CopSession.kind == SessionKind.REFLECTION.value,
            CopSession.school_id.in_(school_ids_in_reach(viewer)),
        )
    )
    if row is None:
        raise AccessDenied(_NOT_IN_REACH)
    return row


def _same_school(viewer: Viewer, school_id: uuid.UUID) -> bool:
    return viewer.school_id == str(school_id)


def _lead(s: Session, viewer: Viewer, session_id: uuid.UUID | str) -> CopSession:
    row = _session_in_reach(s, viewer, session_id)
    if not rules.may_lead(viewer.role, same_school=_same_school(viewer, row.school_id)):
        raise AccessDenied(_LEADERS_ONLY)
    return row


def reflection_sessions(s: Session, viewer: Viewer, *, school_id: uuid.UUID | str) -> list[SessionRow]:
    """The school's reflection sessions, running ones first, then newest first."""
    sid = ensure_school_in_reach(s, viewer, school_id)
    leader = aliased(Person)
    query = (
        select(CopSession, leader.full_name)
        .outerjoin(leader, leader.id == CopSession.led_by_id)
        .where(CopSession.school_id == sid, CopSession.kind == SessionKind.REFLECTION.value)
        .order_by((CopSession.status == SessionStatus.RUNNING.value).desc(), CopSession.session_date.desc())
        .limit(MAX_LIST)
    )
    rows = s.execute(query).all()
    counts = _card_counts(s, [r.id for r, _ in rows])
    return [
        SessionRow(
            str(r.id),
            r.session_date,
            ReflectionStep(r.reflection_step or ReflectionStep.OVERVIEW),
            r.status,
            name,
            counts.get(r.id, 0),
        )
        for r, name in rows
    ]


def _card_counts(s: Session, session_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not session_ids:
        return {}
    query = (
        select(ReflectionCard.session_id, func.count())
        .where(ReflectionCard.session_id.in_(session_ids), ReflectionCard.hidden.is_(False))
        .group_by(ReflectionCard.session_id)
    )
    return {sid: n for sid, n in s.execute(query)}  # noqa: C416 - rows are not pairs to dict()


def start_reflection_session(
    s: Session, viewer: Viewer, *, school_id: uuid.UUID | str, session_date: date
) -> uuid.UUID:
    """Open a reflection session at the overview; a school's session already running is returned instead
    (one running at a time: a double click or a second leader joins it rather than splitting the room)."""
    sid = ensure_school_in_reach(s, viewer, school_id)
    if not rules.may_lead(viewer.role, same_school=_same_school(viewer, sid)):
        raise AccessDenied(_LEADERS_ONLY)
    running = s.scalar(
        select(CopSession.id).where(
            CopSession.school_id == sid,
            CopSession.kind == SessionKind.REFLECTION.value,
            CopSession.status == SessionStatus.RUNNING.value,
        )
    )
    if running is not None:
        return running
    row = CopSession(
        id=uuid.uuid4(),
        school_id=sid,
        kind=SessionKind.REFLECTION.value,
        sequence=1,
        status=SessionStatus.RUNNING.value,
        session_date=session_date,
        started_at=datetime.now(UTC),
        duration_minutes=90,
        led_by_id=uuid.UUID(viewer.person_id),
        reflection_step=ReflectionStep.OVERVIEW.value,
    )
    s.add(row)
    s.flush()
    return row.id


def reflection_session(s: Session, viewer: Viewer, session_id: uuid.UUID | str) -> ReflectionView:
    """One reflection session in reach with its visible cards, oldest first."""
    row = _session_in_reach(s, viewer, session_id)
    author, owner = aliased(Person), aliased(Person)
    cards = tuple(
        CardView(
            str(c.id),
            ReflectionCardKind(c.kind),
            c.text,
            author_name,
            str(c.author_id) if c.author_id else None,
            str(c.photo_file_id) if c.photo_file_id else None,
            str(c.owner_id) if c.owner_id else None,
            owner_name,
            c.due_on,
            str(c.action_id) if c.action_id else None,
            c.created_at,
        )
        for c, author_name, owner_name in s.execute(
            select(ReflectionCard, author.full_name, owner.full_name)
            .outerjoin(author, author.id == ReflectionCard.author_id)
            .outerjoin(owner, owner.id == ReflectionCard.owner_id)
            .where(ReflectionCard.session_id == row.id, ReflectionCard.hidden.is_(False))
            .order_by(ReflectionCard.created_at, ReflectionCard.id)
        )
    )
    present_ids = tuple(
        str(p)
        for p in s.scalars(
            select(Attendance.person_id).where(Attendance.session_id == row.id, Attendance.present)
        )
    )
    return ReflectionView(
        session_id=str(row.id),
        school_id=str(row.school_id),
        school=s.scalar(select(School.name).where(School.id == row.school_id)) or "",
        session_date=row.session_date,
        step=ReflectionStep(row.reflection_step or ReflectionStep.OVERVIEW),
        status=row.status,
        led_by=s.scalar(select(Person.full_name).where(Person.id == row.led_by_id))
        if row.led_by_id
        else None,
        started_at=row.started_at,
        ended_at=row.ended_at,
        join_code=row.join_code,
        present=len(present_ids),
        present_ids=present_ids,
        cards=cards,
        may_lead=rules.may_lead(viewer.role, same_school=_same_school(viewer, row.school_id)),
    )


def _school_person(
    s: Session, school_id: uuid.UUID, person_id: uuid.UUID | str | None, field: str = "owner_id"
) -> uuid.UUID | None:
    """An active person of the school (a next step's owner, someone present), or None; others are refused."""
    if person_id is None or person_id == "":
        return None
    refused = ValidationError({field: "Choose people of the school's staff."})
    try:
        pid = uuid.UUID(str(person_id))
    except ValueError:
        raise refused from None
    found = s.scalar(
        select(Person.id).where(Person.id == pid, Person.school_id == school_id, Person.is_active)
    )
    if found is None:
        raise refused
    return found


def _photo(s: Session, school_id: uuid.UUID, file_id: uuid.UUID | str | None) -> uuid.UUID | None:
    if file_id is None or file_id == "":
        return None
    try:
        fid = uuid.UUID(str(file_id))
    except ValueError:
        raise ValidationError({"photo": "That photo is not stored for this school."}) from None
    content_type = s.scalar(
        select(StoredFile.content_type).where(StoredFile.id == fid, StoredFile.school_id == school_id)
    )
    if content_type is None or content_type not in _IMAGE_TYPES:
        raise ValidationError({"photo": "That photo is not stored for this school, or is not an image."})
    return fid


def add_reflection_card(
    s: Session,
    viewer: Viewer,
    session_id: uuid.UUID | str,
    kind: ReflectionCardKind | str,
    text: str,
    *,
    idempotency_key: str,
    photo_file_id: uuid.UUID | str | None = None,
    owner_id: uuid.UUID | str | None = None,
    due_on: date | None = None,
) -> uuid.UUID:
    """Add a card (insight, positive strategy, improvement, next step) to a running reflection session.

    Staff and teachers of the school may add cards, from the room or from a phone. The same
    `idempotency_key` again (a double tap, a retry after a lost connection) returns the first card."""
    if (done := existing_by_key(s, ReflectionCard, idempotency_key)) is not None:
        if str(done.author_id) != viewer.person_id:
            raise AccessDenied(_NOT_IN_REACH)
        return done.id
    row = _session_in_reach(s, viewer, session_id)
    if not rules.may_contribute(viewer.role, same_school=_same_school(viewer, row.school_id)):
        raise AccessDenied("Only staff and teachers of the school add cards to its reflection session.")
    rules.check_open(row.reflection_step)
    try:
        card_kind = ReflectionCardKind(kind)
    except ValueError:
        raise ValidationError({"kind": "Choose what kind of card this is."}) from None
    body = rules.clean_card_text(text)
    owner = due = None
    if card_kind is ReflectionCardKind.NEXT_STEP:
        owner = _school_person(s, row.school_id, owner_id)
        rules.check_next_step(str(owner) if owner else None, due_on, session_date=row.session_date)
        due = due_on
    card = ReflectionCard(
        id=uuid.uuid4(),
        session_id=row.id,
        school_id=row.school_id,
        kind=card_kind.value,
        text=body,
        photo_file_id=_photo(s, row.school_id, photo_file_id),
        author_id=uuid.UUID(viewer.person_id),
        owner_id=owner,
        due_on=due,
        idempotency_key=idempotency_key or None,
    )
    s.add(card)
    s.flush()
    return card.id


def _card_in_session(s: Session, row: CopSession, card_id: uuid.UUID | str) -> ReflectionCard:
    try:
        cid = uuid.UUID(str(card_id))
    except ValueError:
        raise AccessDenied("That card is not in your reach.") from None
    card = s.scalar(
        select(ReflectionCard).where(ReflectionCard.id == cid, ReflectionCard.session_id == row.id)
    )
    if card is None:
        raise AccessDenied("That card is not in your reach.")
    return card


def set_next_step(
    s: Session,
    viewer: Viewer,
    session_id: uuid.UUID | str,
    card_id: uuid.UUID | str,
    *,
    owner_id: uuid.UUID | str | None,
    due_on: date | None,
) -> None:
    """The leader gives an agreed next step its owner and due date."""
    row = _lead(s, viewer, session_id)
    rules.check_open(row.reflection_step)
    card = _card_in_session(s, row, card_id)
    if card.kind != ReflectionCardKind.NEXT_STEP.value:
        raise ValidationError({"kind": "Only an agreed next step has an owner and a due date."})
    owner = _school_person(s, row.school_id, owner_id)
    rules.check_next_step(str(owner) if owner else None, due_on, session_date=row.session_date)
    if (card.owner_id, card.due_on) != (owner, due_on):
        card.owner_id, card.due_on = owner, due_on
        s.flush()


def hide_reflection_card(
    s: Session, viewer: Viewer, session_id: uuid.UUID | str, card_id: uuid.UUID | str
) -> None:
    """Take a card off the wall (a duplicate, a mistake): its author or the session's leader."""
    row = _session_in_reach(s, viewer, session_id)
    rules.check_open(row.reflection_step)
    card = _card_in_session(s, row, card_id)
    leads = rules.may_lead(viewer.role, same_school=_same_school(viewer, row.school_id))
    if not leads and str(card.author_id) != viewer.person_id:
        raise AccessDenied("Only the card's author or the session's leader removes a card.")
    if not card.hidden:
        card.hidden = True
        s.flush()


def move_reflection_step(
    s: Session, viewer: Viewer, session_id: uuid.UUID | str, *, from_step: ReflectionStep | str, forward: bool
) -> ReflectionStep:
    """Go to the next (or previous) step from `from_step`, the step the leader saw.

    When the session is no longer at `from_step` (a double click, a second leader's click) nothing
    moves and the current step is returned. Moving past the next steps completes the session."""
    row = _lead(s, viewer, session_id)
    current = ReflectionStep(row.reflection_step or ReflectionStep.OVERVIEW)
    if current is not ReflectionStep(from_step):
        return current
    target = steps.next_step(current) if forward else steps.previous_step(current)
    if target is ReflectionStep.COMPLETE:
        _complete(s, viewer, row)
    row.reflection_step = target.value
    s.flush()
    return target


def _complete(s: Session, viewer: Viewer, row: CopSession) -> None:
    """Check the next steps, make each an action item of its owner, and close the session."""
    next_steps = s.scalars(
        select(ReflectionCard)
        .where(
            ReflectionCard.session_id == row.id,
            ReflectionCard.kind == ReflectionCardKind.NEXT_STEP.value,
            ReflectionCard.hidden.is_(False),
        )
        .order_by(ReflectionCard.created_at)
    ).all()
    rules.check_can_complete(
        rules.NextStepFacts(c.text, str(c.owner_id) if c.owner_id else None, c.due_on) for c in next_steps
    )
    for card in next_steps:
        if card.action_id is not None:
            continue
        action = ActionItem(
            id=uuid.uuid4(),
            school_id=row.school_id,
            source=ActionSource.REFLECTION.value,
            session_id=row.id,
            description=card.text,
            owner_id=card.owner_id,
            due_on=card.due_on,
            created_by_id=uuid.UUID(viewer.person_id),
        )
        s.add(action)
        s.flush()
        card.action_id = action.id
    now = datetime.now(UTC)
    row.status = SessionStatus.HELD.value
    row.ended_at = now
    if row.started_at is not None:
        row.duration_minutes = max(1, min(600, round((now - row.started_at).total_seconds() / 60)))


def set_reflection_attendance(
    s: Session, viewer: Viewer, session_id: uuid.UUID | str, *, present_ids: list[str]
) -> int:
    """Record who is in the room (the school's staff); those unticked stay listed as absent. The count."""
    row = _lead(s, viewer, session_id)
    rules.check_open(row.reflection_step)
    wanted = {_school_person(s, row.school_id, pid, "present_ids") for pid in present_ids} - {None}
    existing = {a.person_id: a for a in s.scalars(select(Attendance).where(Attendance.session_id == row.id))}
    for person_id, attendance in existing.items():
        if attendance.present != (person_id in wanted):
            attendance.present = person_id in wanted
    for person_id in wanted - set(existing):
        s.add(Attendance(id=uuid.uuid4(), session_id=row.id, person_id=person_id, present=True))
    s.flush()
    return len(wanted)


def school_staff(s: Session, viewer: Viewer, school_id: uuid.UUID | str) -> list[tuple[str, str]]:
    """(id, name) of the school's active people, for choosing a next step's owner."""
    sid = ensure_school_in_reach(s, viewer, school_id)
    query = (
        select(Person.id, Person.full_name)
        .where(Person.school_id == sid, Person.is_active)
        .order_by(Person.full_name)
        .limit(500)
    )
    return [(str(i), name) for i, name in s.execute(query)]


def school_statistics(s: Session, viewer: Viewer, school_id: uuid.UUID | str, *, today: date) -> SchoolStats:
    """A few figures of one school, each one aggregate query over indexed columns."""
    sid = ensure_school_in_reach(s, viewer, school_id)
    since = rules.term_start(today)
    people = s.execute(
        select(func.count(), func.count().filter(Person.is_new_teacher)).where(
            Person.school_id == sid, Person.is_active, Person.role.in_(("teacher", "facilitator"))
        )
    ).one()
    cops = s.scalar(select(func.count()).where(Cop.school_id == sid, Cop.is_active)) or 0
    term_sessions = select(CopSession.id).where(
        CopSession.school_id == sid,
        CopSession.status == SessionStatus.HELD.value,
        CopSession.session_date >= since,
        CopSession.session_date <= today,
    )
    sessions = s.scalar(select(func.count()).select_from(term_sessions.subquery())) or 0
    present, listed = s.execute(
        select(func.count().filter(Attendance.present), func.count()).where(
            Attendance.session_id.in_(term_sessions)
        )
    ).one()
    judged, effective = s.execute(
        select(func.count(), func.count().filter(TryoutPlan.effective.is_(True)))
        .join(Challenge, Challenge.id == TryoutPlan.challenge_id)
        .where(Challenge.school_id == sid, TryoutPlan.effective.is_not(None))
    ).one()
    open_actions, overdue = s.execute(
        select(func.count(), func.count().filter(ActionItem.due_on < today)).where(
            ActionItem.school_id == sid, ActionItem.status == "open"
        )
    ).one()
    averages = s.execute(
        select(TeachingPractice.label, func.avg(PracticeRating.rating))
        .join(PracticeRating, PracticeRating.practice_id == TeachingPractice.id)
        .join(LessonObservation, LessonObservation.id == PracticeRating.observation_id)
        .where(LessonObservation.school_id == sid)
        .group_by(TeachingPractice.label)
        .order_by(func.avg(PracticeRating.rating).desc(), TeachingPractice.label)
    ).all()
    rated = [(label, round(float(avg), 1)) for label, avg in averages]
    return SchoolStats(
        teachers=people[0],
        new_teachers=people[1],
        cops=cops,
        term_start=since,
        sessions_this_term=sessions,
        attendance_rate=rules.rate(present, listed),
        tryouts_judged=judged,
        tryouts_effective=effective,
        actions_open=open_actions,
        actions_overdue=overdue,
        strengths=tuple(r for r in rated if r[1] >= 4)[:5],
        to_improve=tuple(sorted((r for r in rated if r[1] < 4), key=lambda r: r[1]))[:5],
    )
