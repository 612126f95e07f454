"""Live sessions in the data layer: join codes, the board a projector and phones show, contributions,
moderation and version-checked edits.

Adding challenges, votes, try-out notes and lessons goes through the cycle's own functions
(db.cycles), cards through the reflection session's (db.reflection): their rules hold from a phone
too. This module adds what is live-specific: who may join by code, the step a projected session is on,
and the facilitator's edits, merges and hides, each scoped to the viewer and version-checked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from cop import live as rules
from cop.access import AccessDenied, Viewer
from cop.cycle_inputs import ChallengeInput, LessonInput, TryoutNoteInput
from cop.errors import InvalidTransition, ValidationError
from cop.live import Contribution, LiveStep
from cop.reflection_session import clean_card_text
from cop.session_steps import session_title
from cop.vocab import (
    EvidenceKind,
    ReflectionCardKind,
    ReflectionStep,
    Role,
    SessionKind,
    SessionStatus,
    Topic,
    TryoutResult,
)
from db.access import school_ids_in_reach
from db.changes import school_scope, session_scope_of, touch
from db.cycles import challenges as cycle_challenges
from db.cycles import closing as cycle_closing
from db.cycles import tryouts as cycle_tryouts
from db.models import (
    Challenge,
    ChallengeVote,
    Cop,
    CopCycle,
    CopMember,
    CopSession,
    LessonLearnt,
    Person,
    ReflectionCard,
    School,
    TryoutImplementer,
    TryoutNote,
    TryoutPlan,
)
from db.records import check_version, existing_by_key

_SESSION = "That session is not in your reach."
_RECORD = "That contribution is not in your reach."
_MODERATORS = "Only the session's facilitator, the head teacher or an administrator does that."
_CHALLENGE_FIELDS = ("title", "description", "evidence_kind", "evidence_note", "topic", "topic_other")


_Editable = TypeVar("_Editable", Challenge, ReflectionCard)


def _replayed(s: Session, viewer: Viewer, model: type, idempotency_key: str, author: str) -> uuid.UUID | None:
    """The row an earlier submit with this key made (a double click, a rerun), if it was this person's."""
    existing = existing_by_key(s, model, idempotency_key)
    if existing is None:
        return None
    if str(getattr(existing, author)) != viewer.person_id:
        raise AccessDenied(_RECORD)
    return existing.id


@dataclass(frozen=True)
class LiveSession:
    id: str
    kind: SessionKind
    status: str
    title: str
    school_id: str
    school: str
    cop: str | None
    cycle_id: str | None
    session_date: date
    step: str | None
    step_label: str
    steps: tuple[tuple[str, str], ...]
    started_at: datetime | None
    join_code: str | None
    version: int
    moderator: bool
    open: frozenset[Contribution]

    @property
    def running(self) -> bool:
        return rules.code_works(self.status)

    @property
    def scopes(self) -> list[str]:
        """The change markers a page of this session watches."""
        return [session_scope_of(self.id)]


@dataclass(frozen=True)
class ChallengeItem:
    id: str
    title: str
    description: str | None
    topic: str
    topic_label: str
    evidence_kind: str
    evidence_label: str
    evidence_note: str | None
    topic_other: str | None
    control: str
    votes: int
    mine: bool
    hidden: bool
    merged_into: str | None
    is_priority: bool
    version: int
    author_id: str | None
    author: str | None

    def values(self) -> dict[str, object]:
        """The editable fields, as an edit form shows and a conflict compares them."""
        return {f: getattr(self, f) or "" for f in _CHALLENGE_FIELDS}


@dataclass(frozen=True)
class CardItem:
    id: str
    kind: ReflectionCardKind
    text: str
    hidden: bool
    version: int
    author_id: str | None
    author: str | None


@dataclass(frozen=True)
class TryoutItem:
    plan_id: str
    challenge: str
    attempt: int
    activities: str
    results: tuple[tuple[str, str | None, str | None], ...]  # (person, result label, notes)
    implementer: bool
    my_result: str | None
    my_notes: str | None
    my_version: int | None


@dataclass(frozen=True)
class LessonItem:
    id: str
    text: str
    author: str | None


@dataclass(frozen=True)
class Board:
    session: LiveSession
    challenges: tuple[ChallengeItem, ...]
    cards: tuple[CardItem, ...]
    tryouts: tuple[TryoutItem, ...]
    lessons: tuple[LessonItem, ...]
    max_votes: int

    @property
    def shown_challenges(self) -> list[ChallengeItem]:
        """What the room sees: hidden and merged challenges are off the wall, most voted first."""
        shown = [c for c in self.challenges if not c.hidden]
        return sorted(shown, key=lambda c: (-c.votes, c.title.lower()))

    @property
    def my_votes(self) -> int:
        return sum(1 for c in self.challenges if c.mine and not c.hidden)


# ---------------------------------------------------------------------------------------------------
# Sessions, reach and join codes


def _uuid(value: uuid.UUID | str, refusal: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise AccessDenied(refusal) from None


def _is_member(s: Session, viewer: Viewer, cop_id: uuid.UUID | None) -> bool:
    if cop_id is None:
        return False
    return (
        s.scalar(
            select(CopMember.id).where(
                CopMember.cop_id == cop_id,
                CopMember.person_id == uuid.UUID(viewer.person_id),
                CopMember.left_on.is_(None),
            )
        )
        is not None
    )


def _may_join(s: Session, viewer: Viewer, row: CopSession) -> bool:
    return rules.may_join(
        viewer.role,
        same_school=viewer.school_id == str(row.school_id),
        is_member=_is_member(s, viewer, row.cop_id),
        kind=SessionKind(row.kind),
    )


def _moderates(viewer: Viewer, row: CopSession) -> bool:
    return rules.may_moderate(viewer.role, same_school=viewer.school_id == str(row.school_id))


def _row(s: Session, viewer: Viewer, session_id: uuid.UUID | str, *, lock: bool = False) -> CopSession:
    """A session the viewer may take part in (reach first, then the joining rule); one refusal for all."""
    query = select(CopSession).where(
        CopSession.id == _uuid(session_id, _SESSION), CopSession.school_id.in_(school_ids_in_reach(viewer))
    )
    if lock:
        query = query.with_for_update()
    row = s.scalar(query)
    if row is None or not _may_join(s, viewer, row):
        raise AccessDenied(_SESSION)
    return row


def _moderated(s: Session, viewer: Viewer, session_id: uuid.UUID | str, *, lock: bool = False) -> CopSession:
    row = _row(s, viewer, session_id, lock=lock)
    if not _moderates(viewer, row):
        raise AccessDenied(_MODERATORS)
    return row


def _step_of(row: CopSession) -> str | None:
    if row.kind == SessionKind.REFLECTION.value:
        return row.reflection_step
    return row.live_step


def _step_label(kind: SessionKind, step: str | None) -> str:
    if step is None:
        if kind is SessionKind.REFLECTION:
            return ReflectionStep.OVERVIEW.label
        return " · ".join(s.label for s in rules.STEPS[kind])
    try:
        if kind is SessionKind.REFLECTION:
            return ReflectionStep(step).label
        return LiveStep(step).label
    except ValueError:
        return step


def _title(row: CopSession) -> str:
    kind = SessionKind(row.kind)
    return "Reflection session" if kind is SessionKind.REFLECTION else session_title(kind, row.sequence)


def _view(s: Session, viewer: Viewer, row: CopSession) -> LiveSession:
    kind = SessionKind(row.kind)
    step = _step_of(row)
    if kind is SessionKind.REFLECTION:
        steps = tuple((x.value, x.label) for x in ReflectionStep)
    else:
        steps = tuple((x.value, x.label) for x in rules.STEPS[kind])
    return LiveSession(
        id=str(row.id),
        kind=kind,
        status=row.status,
        title=_title(row),
        school_id=str(row.school_id),
        school=s.scalar(select(School.name).where(School.id == row.school_id)) or "",
        cop=s.scalar(select(Cop.name).where(Cop.id == row.cop_id)) if row.cop_id else None,
        cycle_id=str(row.cycle_id) if row.cycle_id else None,
        session_date=row.session_date,
        step=step,
        step_label=_step_label(kind, step),
        steps=steps,
        started_at=row.started_at,
        join_code=row.join_code if rules.code_works(row.status) else None,
        version=row.version,
        moderator=_moderates(viewer, row),
        open=rules.open_kinds(kind, step) if rules.code_works(row.status) else frozenset(),
    )


def live_session(s: Session, viewer: Viewer, session_id: uuid.UUID | str) -> LiveSession:
    """One session the viewer may take part in, as the live pages show it."""
    return _view(s, viewer, _row(s, viewer, session_id))


def sessions_to_join(s: Session, viewer: Viewer) -> list[LiveSession]:
    """The running sessions the viewer may join (their CoPs', their school's reflection session)."""
    rows = s.scalars(
        select(CopSession)
        .where(
            CopSession.status == SessionStatus.RUNNING.value,
            CopSession.school_id.in_(school_ids_in_reach(viewer)),
        )
        .order_by(CopSession.started_at.desc().nulls_last(), CopSession.id)
        .limit(50)
    ).all()
    return [_view(s, viewer, r) for r in rows if _may_join(s, viewer, r)]


def sessions_to_project(
    s: Session, viewer: Viewer, *, school_id: uuid.UUID | str | None = None
) -> list[LiveSession]:
    """Sessions the viewer may put on a projector: running ones, and planned ones of the coming days;
    of one school when given (filtered here, so the limit applies to that school's sessions)."""
    query = select(CopSession).where(
        CopSession.status.in_((SessionStatus.RUNNING.value, SessionStatus.PLANNED.value)),
        CopSession.school_id.in_(school_ids_in_reach(viewer)),
    )
    if school_id is not None:
        query = query.where(CopSession.school_id == _uuid(school_id, _SESSION))
    rows = s.scalars(
        query.order_by(CopSession.status.desc(), CopSession.session_date, CopSession.id).limit(50)
    ).all()
    return [_view(s, viewer, r) for r in rows if _moderates(viewer, r) and _may_join(s, viewer, r)]


def open_join_code(s: Session, viewer: Viewer, session_id: uuid.UUID | str) -> str:
    """The running session's join code, made on first use (a moderator opens the session to phones)."""
    row = _moderated(s, viewer, session_id, lock=True)
    if not rules.code_works(row.status):
        raise InvalidTransition("Start the session first: a join code lives while its session runs")
    if row.join_code:
        return row.join_code
    for _ in range(20):
        code = rules.new_join_code()
        if s.scalar(select(CopSession.id).where(CopSession.join_code == code)) is None:
            row.join_code = code
            s.flush()
            return code
    raise InvalidTransition("Could not make a free join code: try again")  # pragma: no cover


def resolve_join_code(s: Session, viewer: Viewer, code: str) -> str:
    """The id of the running session this code opens for the viewer.

    Unknown codes and sessions the viewer may not join get one answer (codes cannot be probed); a
    known code of a session that has ended says so to those who could have joined it."""
    if not rules.looks_like_code(code):
        raise ValidationError({"code": "A join code has 4 to 12 letters and digits, as on the projector."})
    plain = rules.normalise_code(code)
    row = s.scalar(
        select(CopSession).where(
            func.upper(func.replace(CopSession.join_code, "-", "")) == plain,
            CopSession.school_id.in_(school_ids_in_reach(viewer)),
        )
    )
    if row is None or not _may_join(s, viewer, row):
        raise AccessDenied(rules.NO_SESSION)
    if not rules.code_works(row.status):
        raise InvalidTransition(rules.ENDED)
    return str(row.id)


def set_live_step(
    s: Session, viewer: Viewer, session_id: uuid.UUID | str, step: str, *, from_step: str | None
) -> str:
    """Move a cycle session to a step. When it is no longer at `from_step` (a second facilitator moved
    it meanwhile) nothing moves and the current step is returned."""
    row = _moderated(s, viewer, session_id, lock=True)
    kind = SessionKind(row.kind)
    if kind is SessionKind.REFLECTION:
        raise InvalidTransition("A reflection session moves through its own steps on its page")
    target = rules.check_step(kind, step)
    if row.live_step != from_step:
        return row.live_step or ""
    if row.live_step != target.value:
        row.live_step = target.value
        s.flush()
    return target.value


# ---------------------------------------------------------------------------------------------------
# The board


def board(s: Session, viewer: Viewer, session_id: uuid.UUID | str) -> Board:
    """Everything a live page of this session shows; hidden items only to moderators."""
    row = _row(s, viewer, session_id)
    view = _view(s, viewer, row)
    me = uuid.UUID(viewer.person_id)
    challenges: tuple[ChallengeItem, ...] = ()
    cards: tuple[CardItem, ...] = ()
    tryouts: tuple[TryoutItem, ...] = ()
    lessons: tuple[LessonItem, ...] = ()
    max_votes = 0
    if row.cycle_id is not None:
        cycle = s.get(CopCycle, row.cycle_id)
        max_votes = cycle.max_priorities if cycle else 0
        challenges = _challenges(s, row, me, moderator=view.moderator)
        tryouts = _tryouts(s, row, me)
        lessons = tuple(
            LessonItem(str(lid), text, name)
            for lid, text, name in s.execute(
                select(LessonLearnt.id, LessonLearnt.text, Person.full_name)
                .outerjoin(Person, Person.id == LessonLearnt.created_by_id)
                .where(LessonLearnt.session_id == row.id)
                .order_by(LessonLearnt.created_at, LessonLearnt.id)
            )
        )
    else:
        author = aliased(Person)
        query = (
            select(ReflectionCard, author.full_name)
            .outerjoin(author, author.id == ReflectionCard.author_id)
            .where(ReflectionCard.session_id == row.id)
            .order_by(ReflectionCard.created_at, ReflectionCard.id)
        )
        if not view.moderator:
            query = query.where(ReflectionCard.hidden.is_(False))
        cards = tuple(
            CardItem(
                str(c.id),
                ReflectionCardKind(c.kind),
                c.text,
                c.hidden,
                c.version,
                str(c.author_id) if c.author_id else None,
                name,
            )
            for c, name in s.execute(query)
        )
    return Board(view, challenges, cards, tryouts, lessons, max_votes)


def _challenges(s: Session, row: CopSession, me: uuid.UUID, *, moderator: bool) -> tuple[ChallengeItem, ...]:
    votes = (
        select(ChallengeVote.challenge_id, func.count().label("n"))
        .group_by(ChallengeVote.challenge_id)
        .subquery()
    )
    mine = select(ChallengeVote.challenge_id).where(ChallengeVote.person_id == me)
    target = aliased(Challenge)
    query = (
        select(Challenge, func.coalesce(votes.c.n, 0), Challenge.id.in_(mine), target.title, Person.full_name)
        .outerjoin(votes, votes.c.challenge_id == Challenge.id)
        .outerjoin(target, target.id == Challenge.merged_into_id)
        .outerjoin(Person, Person.id == Challenge.created_by_id)
        .where(Challenge.cycle_id == row.cycle_id, Challenge.session_id == row.id)
        .order_by(Challenge.created_at, Challenge.id)
    )
    if not moderator:
        query = query.where(Challenge.hidden.is_(False))
    return tuple(
        ChallengeItem(
            id=str(c.id),
            title=c.title,
            description=c.description,
            topic=c.topic,
            topic_label=c.topic_other
            if c.topic == Topic.OTHER.value and c.topic_other
            else Topic(c.topic).label,
            evidence_kind=c.evidence_kind,
            evidence_label=EvidenceKind(c.evidence_kind).label,
            evidence_note=c.evidence_note,
            topic_other=c.topic_other,
            control=c.control,
            votes=int(n),
            mine=bool(is_mine),
            hidden=c.hidden,
            merged_into=into,
            is_priority=c.is_priority,
            version=c.version,
            author_id=str(c.created_by_id) if c.created_by_id else None,
            author=name,
        )
        for c, n, is_mine, into, name in s.execute(query)
    )


def _tryouts(s: Session, row: CopSession, me: uuid.UUID) -> tuple[TryoutItem, ...]:
    if row.kind != SessionKind.MIDDLE.value:
        return ()
    plans = s.execute(
        select(TryoutPlan, Challenge.title)
        .join(Challenge, Challenge.id == TryoutPlan.challenge_id)
        .where(Challenge.cycle_id == row.cycle_id, TryoutPlan.effective.is_(None))
        .order_by(Challenge.priority_rank.nulls_last(), TryoutPlan.attempt_no)
    ).all()
    out = []
    for plan, title in plans:
        notes = s.execute(
            select(TryoutNote, Person.full_name)
            .join(Person, Person.id == TryoutNote.person_id)
            .where(TryoutNote.plan_id == plan.id)
            .order_by(Person.full_name)
        ).all()
        implementer = (
            s.scalar(
                select(TryoutImplementer.id).where(
                    TryoutImplementer.plan_id == plan.id, TryoutImplementer.person_id == me
                )
            )
            is not None
        )
        mine = next((n for n, _ in notes if n.person_id == me), None)
        out.append(
            TryoutItem(
                plan_id=str(plan.id),
                challenge=title,
                attempt=plan.attempt_no,
                activities=plan.activities,
                results=tuple(
                    (name, TryoutResult(n.result).label if n.result else None, n.notes) for n, name in notes
                ),
                implementer=implementer,
                my_result=mine.result if mine else None,
                my_notes=mine.notes if mine else None,
                my_version=mine.version if mine else None,
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------------------------------
# Contributions from phones (the cycle's and the reflection session's own rules apply)


def _open_for(s: Session, viewer: Viewer, session_id: uuid.UUID | str, what: Contribution) -> CopSession:
    row = _row(s, viewer, session_id)
    rules.check_open(SessionKind(row.kind), row.status, _step_of(row), what)
    return row


def add_challenge(
    s: Session, viewer: Viewer, session_id: uuid.UUID | str, data: ChallengeInput, *, idempotency_key: str
) -> uuid.UUID:
    """A member lists a challenge with its evidence and topic (once per idempotency key)."""
    if (done := _replayed(s, viewer, Challenge, idempotency_key, "created_by_id")) is not None:
        return done
    _open_for(s, viewer, session_id, Contribution.CHALLENGE)
    return cycle_challenges.add_challenge(s, viewer, session_id, data, idempotency_key=idempotency_key)


def set_vote(s: Session, viewer: Viewer, session_id: uuid.UUID | str, challenge_id: str, *, on: bool) -> bool:
    """Vote for a challenge (or take the vote back); at most the cycle's number of priorities each.
    Voting twice counts once. True when something changed."""
    row = _open_for(s, viewer, session_id, Contribution.VOTE)
    cid = _uuid(challenge_id, _RECORD)
    challenge = s.scalar(
        select(Challenge).where(
            Challenge.id == cid, Challenge.session_id == row.id, Challenge.hidden.is_(False)
        )
    )
    if challenge is None:
        raise AccessDenied(_RECORD)
    me = uuid.UUID(viewer.person_id)
    if not on:
        had = s.scalar(
            select(ChallengeVote.id).where(ChallengeVote.challenge_id == cid, ChallengeVote.person_id == me)
        )
        cycle_challenges.unvote(s, viewer, cid)
        # unvote deletes with a Core statement, which the unit of work (and so the markers) never sees.
        touch(s, session_scope_of(row.id), school_scope(row.school_id))
        return had is not None
    cycle = s.get(CopCycle, row.cycle_id)
    used = s.scalar(
        select(func.count())
        .select_from(ChallengeVote)
        .join(Challenge, Challenge.id == ChallengeVote.challenge_id)
        .where(ChallengeVote.person_id == me, Challenge.session_id == row.id, Challenge.hidden.is_(False))
    )
    already = s.scalar(
        select(ChallengeVote.id).where(ChallengeVote.challenge_id == cid, ChallengeVote.person_id == me)
    )
    if already is not None:
        return False
    limit = cycle.max_priorities if cycle else 2
    if (used or 0) >= limit:
        raise InvalidTransition(f"You have used your {limit} votes: take one back to vote for this one")
    return cycle_challenges.vote(s, viewer, cid)


def add_card(
    s: Session,
    viewer: Viewer,
    session_id: uuid.UUID | str,
    kind: ReflectionCardKind | str,
    text: str,
    *,
    idempotency_key: str,
) -> uuid.UUID:
    """An insight, positive strategy, improvement or next step, in a reflection session at that step."""
    from db.reflection import add_reflection_card

    if (done := _replayed(s, viewer, ReflectionCard, idempotency_key, "author_id")) is not None:
        return done
    try:
        what = rules.CONTRIBUTION_OF_CARD[ReflectionCardKind(kind)]
    except ValueError:
        raise ValidationError({"kind": "Choose what kind of card this is."}) from None
    _open_for(s, viewer, session_id, what)
    return add_reflection_card(s, viewer, session_id, kind, text, idempotency_key=idempotency_key)


def add_tryout_result(
    s: Session,
    viewer: Viewer,
    session_id: uuid.UUID | str,
    plan_id: str,
    data: TryoutNoteInput,
    *,
    version: int | None,
) -> uuid.UUID:
    """An implementer's result of their try-out, in a middle session (one note per person: an edit)."""
    row = _open_for(s, viewer, session_id, Contribution.TRYOUT_RESULT)
    pid = _uuid(plan_id, _RECORD)
    in_cycle = s.scalar(
        select(TryoutPlan.id)
        .join(Challenge, Challenge.id == TryoutPlan.challenge_id)
        .where(TryoutPlan.id == pid, Challenge.cycle_id == row.cycle_id)
    )
    if in_cycle is None:
        raise AccessDenied(_RECORD)
    note_id = cycle_tryouts.record_tryout_note(s, viewer, pid, data, version=version)
    # The note's parents reach the session that planned the try-out; this session shows it live too.
    touch(s, session_scope_of(row.id))
    return note_id


def add_lesson(
    s: Session, viewer: Viewer, session_id: uuid.UUID | str, data: LessonInput, *, idempotency_key: str
) -> uuid.UUID:
    """A lesson learnt for all, in a middle or last session at the lessons step."""
    if (done := _replayed(s, viewer, LessonLearnt, idempotency_key, "created_by_id")) is not None:
        return done
    _open_for(s, viewer, session_id, Contribution.LESSON)
    return cycle_closing.add_lesson(s, viewer, session_id, data, idempotency_key=idempotency_key)


# ---------------------------------------------------------------------------------------------------
# Moderation and version-checked edits


def _for_edit(
    s: Session, viewer: Viewer, model: type[_Editable], record_id: str
) -> tuple[_Editable, CopSession]:
    """The record in the viewer's reach with its session, locked: the version check and the write are
    one step, so concurrent edits conflict cleanly."""
    rid = _uuid(record_id, _RECORD)
    session_id = s.scalar(select(model.session_id).where(model.id == rid))
    if session_id is None:
        raise AccessDenied(_RECORD)
    row = _row(s, viewer, session_id)
    record = s.scalar(
        select(model).where(model.id == rid).with_for_update().execution_options(populate_existing=True)
    )
    assert record is not None
    return record, row


def edit_challenge(
    s: Session, viewer: Viewer, challenge_id: str, data: ChallengeInput, *, version: int | None
) -> int:
    """Save an edit of a challenge made on `version`; the facilitator edits any, a member their own.

    A save over a newer version raises EditConflict carrying the other person's saved values. Returns
    the new version (the same one when nothing changed)."""
    challenge, row = _for_edit(s, viewer, Challenge, challenge_id)
    mine = str(challenge.created_by_id) == viewer.person_id
    if not rules.may_edit(moderator=_moderates(viewer, row), is_author=mine):
        raise AccessDenied(_MODERATORS)
    if not rules.code_works(row.status):
        raise InvalidTransition(rules.ENDED)
    check_version(challenge, version, "challenge", (*_CHALLENGE_FIELDS, "version"))
    new = {
        "title": data.title,
        "description": data.description or None,
        "evidence_kind": data.evidence_kind,
        "evidence_note": data.evidence_note or None,
        "topic": data.topic,
        "topic_other": data.topic_other or None,
    }
    if all(getattr(challenge, k) == v for k, v in new.items()):
        return challenge.version
    for k, v in new.items():
        setattr(challenge, k, v)
    s.flush()
    return challenge.version


def set_challenge_hidden(
    s: Session, viewer: Viewer, challenge_id: str, *, hidden: bool, version: int | None
) -> None:
    """The facilitator takes a challenge off the wall, or puts it back (a merged one stays merged)."""
    challenge, row = _for_edit(s, viewer, Challenge, challenge_id)
    if not _moderates(viewer, row):
        raise AccessDenied(_MODERATORS)
    check_version(challenge, version, "challenge", ("title", "hidden", "version"))
    if hidden and challenge.is_priority:
        raise InvalidTransition(f"'{challenge.title}' is a priority: unprioritise it before hiding it")
    if not hidden and challenge.merged_into_id is not None:
        challenge.merged_into_id = None
    if challenge.hidden != hidden or challenge.merged_into_id is not None:
        challenge.hidden = hidden
        s.flush()


def merge_challenges(s: Session, viewer: Viewer, source_id: str, target_id: str) -> None:
    """Merge a duplicate into another challenge: it is hidden, points at the target, and its votes move
    to the target (a person who voted for both keeps one vote)."""
    source, row = _for_edit(s, viewer, Challenge, source_id)
    if not _moderates(viewer, row):
        raise AccessDenied(_MODERATORS)
    tid = _uuid(target_id, _RECORD)
    target = s.scalar(select(Challenge).where(Challenge.id == tid).with_for_update())
    if target is None or target.cycle_id != source.cycle_id:
        raise AccessDenied(_RECORD)
    rules.check_merge(
        str(source.id),
        str(target.id),
        source_hidden=source.hidden,
        target_hidden=target.hidden,
        source_priority=source.is_priority,
        same_session=source.session_id == target.session_id,
    )
    both = select(ChallengeVote.person_id).where(ChallengeVote.challenge_id == target.id)
    for vote in s.scalars(
        select(ChallengeVote).where(
            ChallengeVote.challenge_id == source.id, ChallengeVote.person_id.in_(both)
        )
    ).all():
        s.delete(vote)
    s.flush()
    s.execute(
        update(ChallengeVote).where(ChallengeVote.challenge_id == source.id).values(challenge_id=target.id)
    )
    touch(s, session_scope_of(row.id), school_scope(row.school_id))
    source.hidden, source.merged_into_id = True, target.id
    s.flush()


def edit_card(s: Session, viewer: Viewer, card_id: str, text: str, *, version: int | None) -> int:
    """Save an edit of a card's text made on `version` (its author or a moderator); returns the version."""
    card, row = _for_edit(s, viewer, ReflectionCard, card_id)
    mine = str(card.author_id) == viewer.person_id
    if not rules.may_edit(moderator=_moderates(viewer, row), is_author=mine):
        raise AccessDenied(_MODERATORS)
    if not rules.code_works(row.status) or row.reflection_step == ReflectionStep.COMPLETE.value:
        raise InvalidTransition(rules.ENDED)
    body = clean_card_text(text)
    check_version(card, version, "card", ("text", "version"))
    if card.text != body:
        card.text = body
        s.flush()
    return card.version


def set_card_hidden(s: Session, viewer: Viewer, card_id: str, *, hidden: bool, version: int | None) -> None:
    """A moderator takes a card off the wall or puts it back."""
    card, row = _for_edit(s, viewer, ReflectionCard, card_id)
    if not _moderates(viewer, row):
        raise AccessDenied(_MODERATORS)
    check_version(card, version, "card", ("text", "hidden", "version"))
    if card.hidden != hidden:
        card.hidden = hidden
        s.flush()


def people_of(s: Session, viewer: Viewer, session_id: uuid.UUID | str) -> int:
    """How many people may join this session (the projector shows '12 may join')."""
    row = _row(s, viewer, session_id)
    if row.cop_id is None:
        return (
            s.scalar(
                select(func.count())
                .select_from(Person)
                .where(
                    Person.school_id == row.school_id,
                    Person.is_active,
                    or_(Person.role == Role.TEACHER.value, Person.role == Role.FACILITATOR.value),
                )
            )
            or 0
        )
    return (
        s.scalar(
            select(func.count())
            .select_from(CopMember)
            .where(CopMember.cop_id == row.cop_id, CopMember.left_on.is_(None))
        )
        or 0
    )
