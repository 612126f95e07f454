"""The access matrix of live sessions (db/live.py): every public function that takes a viewer, as each of
the 8 demo people, on the demo database with a running session of our own in each demo school.

Who may take part, written from the issue ("Only members of the CoP (and the facilitator, HT) may join";
"the facilitator can edit, merge or hide contributions"), not read from cop/live.py:
- a cycle session: the administrator; the school's head teacher and facilitators; the CoP's members;
- a reflection session (the whole school's): the same, and every teacher of the school;
- moderation (codes, steps, edits of others' contributions, merges, hides): the administrator and the
  school's head teacher and facilitators.
Officials (REB, district, UR-CE, TTC) take part in no session from a phone, whatever their reach.

Tiers: reads (every read for every session: allowed exactly when the rule says so, and every returned row
belongs to that session and lies within the rule); writes aimed where the rule gives the person no part
are refused and change no table; a control where the person the rule names makes the same call and it
writes; nothing forgotten (every public function taking a viewer is listed here).
"""

from __future__ import annotations

import ast
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer
from cop.cycle_inputs import ChallengeInput, LessonInput, TryoutNoteInput
from cop.errors import CopRuleError
from cop.vocab import Role
from db import live
from db.access import load_viewer
from db.demo import seed_demo_if_empty
from db.models import (
    Challenge,
    Cop,
    CopCycle,
    CopMember,
    CopSession,
    Person,
    ReflectionCard,
    School,
    TryoutImplementer,
    TryoutPlan,
)
from tests.matrix_support import DEMO_PEOPLE, TALLY, changed_tables, fingerprint

ROOT = Path(__file__).resolve().parents[1]
SCHOOLS = {"KRH-001": "nyakarambi", "KRH-002": "mahama", "RSZ-001": "kamembe", "RSZ-002": "nyakabuye"}
MODERATORS = {Role.ADMIN, Role.HEAD_TEACHER, Role.FACILITATOR}


@dataclass(frozen=True)
class Room:
    """One demo school's live records."""

    code: str
    school_id: str
    first: str  # running first session of our CoP
    middle: str  # running middle session of a second cycle of that CoP, with a try-out under review
    reflection: str  # running reflection session of the school
    join_code: str
    members: frozenset[str]  # person ids of the CoP's members
    challenge: str  # a member's challenge in the first session
    duplicate: str  # another member's challenge, merge source
    card: str  # a teacher's card in the reflection session
    plan: str  # the try-out under review
    implementer: str  # username of its implementer, who also wrote `challenge` and `card`
    second_member: str  # username of the author of `duplicate`


@dataclass
class LiveWorld:
    rooms: dict[str, Room]
    people: dict[str, Person]
    viewers: dict[str, Viewer]


@pytest.fixture(scope="module")
def live_db(engine: Engine) -> Iterator[tuple[Session, LiveWorld]]:
    """The demo, with our rooms, in a transaction rolled back at the end of the module."""
    with engine.connect() as conn:
        outer = conn.begin()
        s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            assert seed_demo_if_empty(s.connection())
            world = _rooms(s)
            yield s, world
        finally:
            s.close()
            outer.rollback()


def _teachers(s: Session, school_id: uuid.UUID) -> list[Person]:
    return list(
        s.scalars(
            select(Person)
            .where(Person.school_id == school_id, Person.role == "teacher", Person.is_active)
            .order_by(Person.username)
        )
    )


def _rooms(s: Session) -> LiveWorld:
    people = {p.username: p for p in s.scalars(select(Person))}
    rooms = {}
    for i, (code, suffix) in enumerate(SCHOOLS.items()):
        school = s.scalar(select(School).where(School.code == code))
        teachers = [t for t in _teachers(s, school.id) if t.username != "new.teacher"]
        members = teachers[:2]
        if code == "KRH-001":
            members = [
                people["teacher.nyakarambi"],
                *[t for t in teachers if t.username != "teacher.nyakarambi"][:1],
            ]
        sbm = people[f"sbm.{suffix}"]
        cop = Cop(
            school_id=school.id, name=f"Live matrix {code}", kind="general", grade="P6", facilitator_id=sbm.id
        )
        s.add(cop)
        s.flush()
        for m in members:
            s.add(CopMember(cop_id=cop.id, person_id=m.id))
        cycle = CopCycle(cop_id=cop.id, school_id=school.id, school_year=2030, number=1)
        cycle2 = CopCycle(cop_id=cop.id, school_id=school.id, school_year=2030, number=2)
        s.add_all([cycle, cycle2])
        s.flush()
        first = CopSession(
            school_id=school.id,
            cop_id=cop.id,
            cycle_id=cycle.id,
            kind="first",
            status="running",
            session_date=date.today(),
            join_code=f"MTXLV{i}",
        )
        middle = CopSession(
            school_id=school.id, cop_id=cop.id, cycle_id=cycle2.id, kind="middle", status="running",
            session_date=date.today(), sequence=2,
        )  # fmt: skip
        reflection = CopSession(
            school_id=school.id, kind="reflection", status="running", session_date=date.today(),
            reflection_step="insights",
        )  # fmt: skip
        s.add_all([first, middle, reflection])
        s.flush()
        ch = [
            Challenge(
                school_id=school.id,
                cycle_id=cycle.id,
                session_id=first.id,
                title=f"{code} challenge {n}",
                evidence_kind="lesson_plan",
                topic="homework",
                control="direct",
                created_by_id=m.id,
            )  # fmt: skip
            for n, m in enumerate(members)
        ]
        priority = Challenge(
            school_id=school.id, cycle_id=cycle2.id, title=f"{code} priority", evidence_kind="lesson_plan",
            topic="homework", control="direct", is_priority=True, priority_rank=1,
        )  # fmt: skip
        s.add_all([*ch, priority])
        s.flush()
        plan = TryoutPlan(challenge_id=priority.id, activities="Pair reading every morning")
        s.add(plan)
        s.flush()
        s.add(TryoutImplementer(plan_id=plan.id, person_id=members[0].id))
        card = ReflectionCard(
            session_id=reflection.id, school_id=school.id, kind="insight", text=f"{code} insight",
            author_id=members[0].id,
        )  # fmt: skip
        s.add(card)
        s.flush()
        rooms[code] = Room(
            code=code,
            school_id=str(school.id),
            first=str(first.id),
            middle=str(middle.id),
            reflection=str(reflection.id),
            join_code=first.join_code,
            members=frozenset(str(m.id) for m in members),
            challenge=str(ch[0].id),
            duplicate=str(ch[1].id),
            card=str(card.id),
            plan=str(plan.id),
            implementer=members[0].username,
            second_member=members[1].username,
        )
    viewers = {u: load_viewer(s, people[u].id) for u in DEMO_PEOPLE}
    return LiveWorld(rooms, people, viewers)


# --- the rule, from the issue ----------------------------------------------------------------------


def _same_school(w: LiveWorld, username: str, room: Room) -> bool:
    return str(w.people[username].school_id) == room.school_id


def joins(w: LiveWorld, username: str, room: Room, *, reflection: bool = False) -> bool:
    role = Role(w.people[username].role)
    if role is Role.ADMIN:
        return True
    if not _same_school(w, username, room):
        return False
    if role in (Role.HEAD_TEACHER, Role.FACILITATOR):
        return True
    return role is Role.TEACHER and (reflection or str(w.people[username].id) in room.members)


def moderates(w: LiveWorld, username: str, room: Room) -> bool:
    role = Role(w.people[username].role)
    return role is Role.ADMIN or (role in MODERATORS and _same_school(w, username, room))


# --- reads -------------------------------------------------------------------------------------------

READS = (
    "live_session",
    "board",
    "people_of",
    "resolve_join_code",
    "sessions_to_join",
    "sessions_to_project",
)


@pytest.mark.parametrize("username", DEMO_PEOPLE)
def test_reads_answer_exactly_whom_the_rule_lets_take_part(
    live_db: tuple[Session, LiveWorld], username: str
) -> None:
    s, w = live_db
    viewer = w.viewers[username]
    for room in w.rooms.values():
        for sid, is_reflection in ((room.first, False), (room.middle, False), (room.reflection, True)):
            allowed = joins(w, username, room, reflection=is_reflection)
            for call in (
                lambda sid=sid: live.live_session(s, viewer, sid),
                lambda sid=sid: live.board(s, viewer, sid),
                lambda sid=sid: live.people_of(s, viewer, sid),
            ):
                TALLY["live reads run"] += 1
                if allowed:
                    call()
                else:
                    with pytest.raises(AccessDenied):
                        call()
                TALLY["live reads clean"] += 1
            if not allowed:
                continue
            board = live.board(s, viewer, sid)
            assert board.session.id == sid and board.session.school_id == room.school_id
            assert board.session.moderator is moderates(w, username, room)
            with s.no_autoflush:
                for c in board.challenges:
                    row = s.get(Challenge, uuid.UUID(c.id))
                    assert str(row.session_id) == sid
                    assert not c.hidden or board.session.moderator
                for card in board.cards:
                    assert str(s.get(ReflectionCard, uuid.UUID(card.id)).session_id) == sid
        TALLY["live reads run"] += 1
        if joins(w, username, room):
            assert live.resolve_join_code(s, viewer, room.join_code) == room.first
        else:
            with pytest.raises(AccessDenied):
                live.resolve_join_code(s, viewer, room.join_code)
        TALLY["live reads clean"] += 1
    rooms_by_session = {
        sid: (room, sid == room.reflection)
        for room in w.rooms.values()
        for sid in (room.first, room.middle, room.reflection)
    }
    joinable = {x.id for x in live.sessions_to_join(s, viewer)}
    projectable = {x.id for x in live.sessions_to_project(s, viewer)}
    for sid in joinable | projectable:
        session_row = s.get(CopSession, uuid.UUID(sid))
        assert session_row.status in ("running", "planned")
        home = next((r for r in w.rooms.values() if r.school_id == str(session_row.school_id)), None)
        assert home is not None or Role(viewer.role) is Role.ADMIN
    for sid, (room, is_reflection) in rooms_by_session.items():
        assert (sid in joinable) is joins(w, username, room, reflection=is_reflection)
        assert (sid in projectable) is (moderates(w, username, room) and joins(w, username, room))


# --- writes ------------------------------------------------------------------------------------------


def _challenge_input(title: str) -> ChallengeInput:
    return ChallengeInput.parse(title=title, evidence_kind="lesson_plan", topic="homework", control="direct")


# Each write: (who the rule lets make it, the call aimed at a room).
Write = Callable[[Session, Viewer, Room], Any]
WRITES: dict[str, tuple[str, Write]] = {
    "open_join_code": ("moderate", lambda s, v, r: live.open_join_code(s, v, r.middle)),
    "set_live_step": (
        "moderate",
        lambda s, v, r: live.set_live_step(s, v, r.first, "voting", from_step=None),
    ),
    "add_challenge": (
        "join",
        lambda s, v, r: live.add_challenge(
            s, v, r.first, _challenge_input("New"), idempotency_key=uuid.uuid4().hex
        ),
    ),
    "set_vote": ("join", lambda s, v, r: live.set_vote(s, v, r.first, r.challenge, on=True)),
    "add_card": (
        "join_reflection",
        lambda s, v, r: live.add_card(
            s, v, r.reflection, "insight", "A card", idempotency_key=uuid.uuid4().hex
        ),
    ),
    "add_tryout_result": (
        "implementer",
        lambda s, v, r: live.add_tryout_result(
            s,
            v,
            r.middle,
            r.plan,
            TryoutNoteInput.parse(today=date.today(), result="effective"),
            version=None,
        ),
    ),
    "add_lesson": (
        "moderate",
        lambda s, v, r: live.add_lesson(
            s, v, r.middle, LessonInput.parse(text="A lesson"), idempotency_key=uuid.uuid4().hex
        ),
    ),
    "edit_challenge": (
        "moderate_or_second_member",
        lambda s, v, r: live.edit_challenge(s, v, r.duplicate, _challenge_input("Edited"), version=None),
    ),
    "set_challenge_hidden": (
        "moderate",
        lambda s, v, r: live.set_challenge_hidden(s, v, r.duplicate, hidden=True, version=None),
    ),
    "merge_challenges": ("moderate", lambda s, v, r: live.merge_challenges(s, v, r.duplicate, r.challenge)),
    "edit_card": (
        "moderate_or_implementer",
        lambda s, v, r: live.edit_card(s, v, r.card, "Edited card", version=None),
    ),
    "set_card_hidden": (
        "moderate",
        lambda s, v, r: live.set_card_hidden(s, v, r.card, hidden=True, version=None),
    ),
}


def _may(w: LiveWorld, username: str, room: Room, who: str) -> bool:
    # Members edit their own contributions; the moderators anyone's.
    if who == "moderate_or_second_member":
        return moderates(w, username, room) or username == room.second_member
    if who == "moderate_or_implementer":
        return moderates(w, username, room) or username == room.implementer
    if who == "moderate":
        return moderates(w, username, room)
    if who == "join_reflection":
        return joins(w, username, room, reflection=True)
    if who == "implementer":
        return username == room.implementer
    return joins(w, username, room)


CASES = [(username, code, name) for username in DEMO_PEOPLE for code in SCHOOLS for name in WRITES]


@pytest.mark.parametrize(("username", "code", "name"), CASES)
def test_a_live_write_is_refused_and_writes_nothing_unless_the_rule_gives_a_part(
    live_db: tuple[Session, LiveWorld], username: str, code: str, name: str
) -> None:
    s, w = live_db
    room = w.rooms[code]
    who, call = WRITES[name]
    allowed = _may(w, username, room, who)
    TALLY["live writes run"] += 1
    before = fingerprint(s)
    with s.begin_nested() as attempt:
        if allowed:
            call(s, w.viewers[username], room)
            assert changed_tables(before, fingerprint(s)), f"{username}'s {name} wrote nothing"
        else:
            with pytest.raises((AccessDenied, CopRuleError)) as refused:
                call(s, w.viewers[username], room)
            # Refused for access, not for a rule met on the way: the person has no part in this room.
            assert isinstance(refused.value, AccessDenied), refused.value
        attempt.rollback()
    assert changed_tables(before, fingerprint(s)) == []
    TALLY["live writes clean"] += 1


@pytest.mark.parametrize("code", list(SCHOOLS))
@pytest.mark.parametrize("name", list(WRITES))
def test_the_same_write_by_the_person_the_rule_names_succeeds(
    live_db: tuple[Session, LiveWorld], code: str, name: str
) -> None:
    s, w = live_db
    room = w.rooms[code]
    who, call = WRITES[name]
    username = room.implementer if who == "implementer" else f"sbm.{SCHOOLS[code]}"
    if username not in w.viewers:
        w.viewers[username] = load_viewer(s, w.people[username].id)
    before = fingerprint(s)
    with s.begin_nested() as attempt:
        call(s, w.viewers[username], room)
        changed = changed_tables(before, fingerprint(s))
        attempt.rollback()
    assert changed, f"{username}'s {name} wrote nothing"
    TALLY["live write controls"] += 1


def test_every_public_function_of_db_live_that_takes_a_viewer_is_in_this_matrix() -> None:
    tree = ast.parse((ROOT / "db" / "live.py").read_text())
    public = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and not node.name.startswith("_")
        and any("Viewer" in ast.unparse(a.annotation) for a in node.args.args if a.annotation is not None)
    }
    assert public == set(READS) | set(WRITES)
