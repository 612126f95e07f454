"""The access matrix of the CoP cycle's data layer (db/cycles): every public function that takes a viewer,
as each of the 8 demo people, on the demo database rolled back at the end.

The rules come from DESIGN.md, not from db/cycles: a person reads the cycles of the schools they reach
(a teacher: of the CoPs they are members of); sessions are run by the facilitator (SBM / SSL) and the head
teacher of the school, or an administrator; members add challenges and votes; only an implementer writes
the notes of their try-out. Expected reach per person is EXPECTED in tests/matrix_support.py.

- reads: 8 people x each read, for every cycle, session and CoP of the demo: a refusal exactly when the
  record is out of reach, and everything returned in reach;
- writes: each write aimed at a cycle staged (by the administrator) in the own school, another school of the
  district and a school of the other district, as each person: refused and no table changed unless the
  rules allow it; where they allow it (the control), it writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer
from cop.cycle_inputs import (
    ActionInput,
    AlactInput,
    AnalysisInput,
    ChallengeInput,
    DisseminationInput,
    EvaluationInput,
    JudgementInput,
    LessonInput,
    OutputInput,
    SessionNotesInput,
    StorageInput,
    TryoutInput,
    TryoutNoteInput,
)
from cop.vocab import Enabler, Role
from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.cycles import challenges, closing, reads, sessions, tryouts
from db.demo import seed_demo_if_empty
from db.models import (
    Challenge,
    Cop,
    CopCycle,
    CopMember,
    CopSession,
    DisseminationPlan,
    Person,
    School,
    TryoutImplementer,
    TryoutPlan,
)
from tests.matrix_support import DEMO_DISTRICTS, DEMO_PEOPLE, EXPECTED, TARGETS, changed_tables, fingerprint

TODAY = date.today()
RUNNERS = {Role.ADMIN, Role.HEAD_TEACHER, Role.FACILITATOR}


def k() -> str:
    return uuid.uuid4().hex


@pytest.fixture(scope="module")
def cycles_db(engine: Engine) -> Iterator[Session]:
    with engine.connect() as conn:
        outer = conn.begin()
        s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            assert seed_demo_if_empty(s.connection())
            yield s
        finally:
            s.close()
            outer.rollback()


@dataclass(frozen=True)
class Who:
    username: str
    viewer: Viewer


@pytest.fixture(scope="module")
def people(cycles_db: Session) -> dict[str, Who]:
    rows = {p.username: p for p in cycles_db.scalars(select(Person).where(Person.username.in_(DEMO_PEOPLE)))}
    return {u: Who(u, load_viewer(cycles_db, rows[u].id)) for u in DEMO_PEOPLE}


def _code(s: Session, school_id: uuid.UUID) -> str:
    return s.scalar(select(School.code).where(School.id == school_id)) or ""


def _reads_school(s: Session, who: Who, school_id: uuid.UUID, cop_id: uuid.UUID) -> bool:
    """The rules' answer: the school is in reach, and for a teacher the CoP is one of theirs."""
    code = _code(s, school_id)
    exp = EXPECTED[who.username]
    if not exp.reaches(code, DEMO_DISTRICTS.get(code, "")):
        return False
    if exp.own_cops_only:
        member = s.scalar(
            select(CopMember.id).where(
                CopMember.cop_id == cop_id, CopMember.person_id == uuid.UUID(who.viewer.person_id)
            )
        )
        return member is not None
    return True


READS = ("cycle_detail", "cycles_of_cop", "session_detail", "evidence_choices", "cop_choices", "my_tryouts")


@pytest.mark.parametrize("username", DEMO_PEOPLE)
@pytest.mark.parametrize("read", READS)
def test_reads_return_only_what_is_in_reach(
    cycles_db: Session, people: dict[str, Who], username: str, read: str
) -> None:
    s, who = cycles_db, people[username]
    cycles = s.scalars(select(CopCycle)).all()
    checked = 0
    if read == "cop_choices":
        for choice in reads.cop_choices(s, who.viewer):
            cop = s.get(Cop, uuid.UUID(choice.id))
            assert _reads_school(s, who, cop.school_id, cop.id), choice.label
            checked += 1
        expected = sum(1 for c in s.scalars(select(Cop)) if _reads_school(s, who, c.school_id, c.id))
        assert checked == min(expected, reads.MAX_LIST)
        return
    if read == "my_tryouts":
        me = uuid.UUID(who.viewer.person_id)
        for t in reads.my_tryouts(s, who.viewer):
            plan = s.get(TryoutPlan, uuid.UUID(t.plan_id))
            cycle = s.get(CopCycle, s.get(Challenge, plan.challenge_id).cycle_id)
            assert _reads_school(s, who, cycle.school_id, cycle.cop_id), t.challenge
            assert s.scalar(
                select(TryoutImplementer.id).where(
                    TryoutImplementer.plan_id == plan.id, TryoutImplementer.person_id == me
                )
            )
            checked += 1
        return
    for cycle in cycles:
        allowed = _reads_school(s, who, cycle.school_id, cycle.cop_id)
        targets: list[Callable[[], Any]]
        if read == "cycle_detail":
            targets = [lambda c=cycle: reads.cycle_detail(s, who.viewer, str(c.id))]
        elif read == "cycles_of_cop":
            targets = [lambda c=cycle: reads.cycles_of_cop(s, who.viewer, str(c.cop_id))]
        elif read == "evidence_choices":
            targets = [lambda c=cycle: reads.evidence_choices(s, who.viewer, str(c.id))]
        else:
            ids = s.scalars(select(CopSession.id).where(CopSession.cycle_id == cycle.id)).all()
            targets = [lambda i=i: reads.session_detail(s, who.viewer, str(i)) for i in ids]
        for call in targets:
            if allowed:
                result = call()
                if isinstance(result, list):
                    assert all(c.cop_id == str(cycle.cop_id) for c in result)
            else:
                with pytest.raises(AccessDenied):
                    call()
            checked += 1
    assert checked >= len(cycles)


# --- writes -----------------------------------------------------------------------------------------------


def _stage(s: Session, admin: Viewer, school_id: uuid.UUID, stage: str) -> dict[str, Any]:
    """A new CoP of the school (its teachers and facilitator as members) with a cycle brought to `stage`."""
    members = s.scalars(
        select(Person)
        .where(Person.school_id == school_id, Person.role.in_(["teacher", "facilitator"]))
        .order_by((Person.username == "teacher.nyakarambi").desc(), Person.username)
    ).all()
    teacher = next(p for p in members if p.role == "teacher")
    cop = Cop(school_id=school_id, name=f"Matrix {k()[:6]}", kind="general", grade="P3")
    s.add(cop)
    s.flush()
    for p in members:
        s.add(CopMember(cop_id=cop.id, person_id=p.id))
    s.flush()
    ctx: dict[str, Any] = {"cop": cop.id, "teacher": str(teacher.id)}
    if stage == "cop":
        return ctx
    ctx["cycle"] = sessions.start_cycle(s, admin, cop.id, school_year=2026, idempotency_key=k())
    ctx["first"] = sessions.plan_session(s, admin, ctx["cycle"], "first", TODAY, idempotency_key=k())
    if stage == "planned":
        return ctx
    sessions.start_session(s, admin, ctx["first"], version=None)
    sessions.set_attendance(s, admin, ctx["first"], [str(teacher.id)])
    data = ChallengeInput.parse(
        title="Staged", evidence_kind="lesson_plan", topic="homework", control="direct"
    )
    ctx["challenge"] = challenges.add_challenge(s, admin, ctx["first"], data, idempotency_key=k())
    data = ChallengeInput.parse(
        title="Spare", evidence_kind="lesson_plan", topic="homework", control="direct"
    )
    ctx["spare"] = challenges.add_challenge(s, admin, ctx["first"], data, idempotency_key=k())
    challenges.set_priorities(s, admin, ctx["cycle"], [str(ctx["challenge"])], version=None)
    if stage == "first":
        return ctx
    challenges.save_analysis(s, admin, ctx["challenge"], AnalysisInput("r", "g", "p"), version=None)
    plan = TryoutInput.parse(today=TODAY, activities="Try", implementer_ids=[str(teacher.id)])
    ctx["plan"] = tryouts.plan_tryout(s, admin, ctx["first"], ctx["challenge"], plan, idempotency_key=k())
    if stage == "planned_tryout":
        return ctx
    sessions.finish_session(s, admin, ctx["first"], version=None)
    ctx["middle"] = sessions.plan_session(s, admin, ctx["cycle"], "middle", TODAY, idempotency_key=k())
    sessions.start_session(s, admin, ctx["middle"], version=None)
    if stage == "middle":
        return ctx
    effective = stage != "failed"
    tryouts.judge_tryout(
        s, admin, ctx["middle"], ctx["plan"], JudgementInput(effective, "p", "c"), version=None
    )
    if stage in ("failed", "effective"):
        return ctx
    sessions.set_attendance(s, admin, ctx["middle"], [str(teacher.id)])
    out = OutputInput.parse(today=TODAY, kind="case_study", title="Case", owner_id=str(teacher.id))
    ctx["output"] = closing.plan_output(s, admin, ctx["middle"], ctx["challenge"], out, idempotency_key=k())
    sessions.finish_session(s, admin, ctx["middle"], version=None)
    ctx["last"] = sessions.plan_session(s, admin, ctx["cycle"], "last", TODAY, idempotency_key=k())
    sessions.start_session(s, admin, ctx["last"], version=None)
    sessions.set_attendance(s, admin, ctx["last"], [str(teacher.id)])
    dis = DisseminationInput.parse(
        today=TODAY, audience="colleagues", channel="Staff meeting", owner_id=str(teacher.id)
    )
    ctx["dissemination"] = closing.add_dissemination(s, admin, ctx["last"], dis, idempotency_key=k())
    if stage == "last":
        return ctx
    closing.save_evaluation(s, admin, ctx["last"], _evaluation(), version=None)
    closing.save_storage(s, admin, ctx["cycle"], StorageInput.parse(place="library"), version=None)
    return ctx


def _evaluation() -> EvaluationInput:
    return EvaluationInput.parse(
        effectiveness=4,
        lessons_for_all="l",
        improvements_next_cycle="i",
        **dict.fromkeys(Enabler.values(), 4),
    )


RUN = "run"  # facilitator / head teacher of the school, or an administrator
MEMBER = "member"  # RUN, or a teacher who is a member of the CoP
IMPLEMENTER = "implementer"  # the try-out's implementer only

WRITES: dict[str, tuple[str, str, Callable[[Session, Viewer, dict[str, Any]], object]]] = {
    "sessions.start_cycle": (
        "cop",
        RUN,
        lambda s, v, c: sessions.start_cycle(s, v, c["cop"], school_year=2026, idempotency_key=k()),
    ),
    "sessions.plan_session": (
        "cop_cycle",
        RUN,
        lambda s, v, c: sessions.plan_session(s, v, c["cycle"], "first", TODAY, idempotency_key=k()),
    ),
    "sessions.start_session": (
        "planned",
        RUN,
        lambda s, v, c: sessions.start_session(s, v, c["first"], version=None),
    ),
    "sessions.finish_session": (
        "planned_tryout",
        RUN,
        lambda s, v, c: sessions.finish_session(s, v, c["first"], version=None),
    ),
    "sessions.set_attendance": ("first", RUN, lambda s, v, c: sessions.set_attendance(s, v, c["first"], [])),
    "sessions.save_session_notes": (
        "first",
        RUN,
        lambda s, v, c: sessions.save_session_notes(
            s, v, c["first"], SessionNotesInput(TODAY, "aob", "sum"), version=None
        ),
    ),
    "sessions.add_action": (
        "first",
        RUN,
        lambda s, v, c: sessions.add_action(
            s, v, c["first"], ActionInput("Do", c["teacher"], TODAY), idempotency_key=k()
        ),
    ),
    "challenges.add_challenge": (
        "first",
        MEMBER,
        lambda s, v, c: challenges.add_challenge(
            s,
            v,
            c["first"],
            ChallengeInput.parse(
                title="New", evidence_kind="other", evidence_note="n", topic="ict", control="direct"
            ),
            idempotency_key=k(),
        ),
    ),
    "challenges.vote": (
        "first",
        MEMBER,
        lambda s, v, c: challenges.vote(s, v, c["spare"], idempotency_key=k()),
    ),
    "challenges.unvote": ("voted", MEMBER, lambda s, v, c: challenges.unvote(s, v, c["spare"])),
    "challenges.set_priorities": (
        "first",
        RUN,
        lambda s, v, c: challenges.set_priorities(s, v, c["cycle"], [str(c["spare"])], version=None),
    ),
    "challenges.hide_challenge": (
        "first",
        RUN,
        lambda s, v, c: challenges.hide_challenge(s, v, c["spare"], version=None),
    ),
    "challenges.save_analysis": (
        "first",
        RUN,
        lambda s, v, c: challenges.save_analysis(
            s, v, c["challenge"], AnalysisInput("a", "b", "c"), version=None
        ),
    ),
    "tryouts.plan_tryout": (
        "first",
        RUN,
        lambda s, v, c: tryouts.plan_tryout(
            s, v, c["first"], c["challenge"], TryoutInput("Do", (c["teacher"],)), idempotency_key=k()
        ),
    ),
    "tryouts.record_tryout_note": (
        "planned_tryout",
        IMPLEMENTER,
        lambda s, v, c: tryouts.record_tryout_note(
            s, v, c["plan"], TryoutNoteInput("n", "effective"), version=None
        ),
    ),
    "tryouts.judge_tryout": (
        "middle",
        RUN,
        lambda s, v, c: tryouts.judge_tryout(
            s, v, c["middle"], c["plan"], JudgementInput(True, "p", ""), version=None
        ),
    ),
    "tryouts.save_alact": (
        "failed",
        RUN,
        lambda s, v, c: tryouts.save_alact(
            s, v, c["middle"], c["plan"], AlactInput("a", "b", "c", "d", "e"), version=None
        ),
    ),
    "closing.add_lesson": (
        "effective",
        RUN,
        lambda s, v, c: closing.add_lesson(
            s, v, c["middle"], LessonInput("l"), challenge_id=c["challenge"], idempotency_key=k()
        ),
    ),
    "closing.plan_output": (
        "effective",
        RUN,
        lambda s, v, c: closing.plan_output(
            s, v, c["middle"], c["challenge"], OutputInput("video", "V", c["teacher"]), idempotency_key=k()
        ),
    ),
    "closing.review_output": (
        "last",
        RUN,
        lambda s, v, c: closing.review_output(
            s, v, c["last"], c["output"], link_url="https://example.org/x", version=None
        ),
    ),
    "closing.add_dissemination": (
        "last",
        RUN,
        lambda s, v, c: closing.add_dissemination(
            s,
            v,
            c["last"],
            DisseminationInput("school_community", "Parents' day", None, c["teacher"]),
            idempotency_key=k(),
        ),
    ),
    "closing.set_dissemination_done": (
        "last",
        RUN,
        lambda s, v, c: closing.set_dissemination_done(s, v, c["dissemination"], done=True, version=None),
    ),
    "closing.save_evaluation": (
        "last",
        RUN,
        lambda s, v, c: closing.save_evaluation(s, v, c["last"], _evaluation(), version=None),
    ),
    "closing.save_storage": (
        "last",
        RUN,
        lambda s, v, c: closing.save_storage(s, v, c["cycle"], StorageInput("staff_room"), version=None),
    ),
    "closing.close_cycle": (
        "evaluated",
        RUN,
        lambda s, v, c: closing.close_cycle(s, v, c["cycle"], version=None),
    ),
}


def _allowed(who: Who, rule: str, own: bool) -> bool:
    role = who.viewer.role
    runner = role in RUNNERS and (role is Role.ADMIN or own)
    if rule == RUN:
        return runner
    if rule == MEMBER:
        return runner or (role is Role.TEACHER and own)
    return role is Role.TEACHER and own  # the staged try-out's implementer is the school's demo teacher


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("write", list(WRITES))
def test_writes_out_of_reach_are_refused_and_change_nothing(
    cycles_db: Session, people: dict[str, Who], write: str, target: str
) -> None:
    s = cycles_db
    stage, rule, call = WRITES[write]
    school_id = s.scalar(select(School.id).where(School.code == TARGETS[target]))
    admin = people["admin"].viewer
    controls = refusals = 0
    with s.begin_nested() as staged:
        s.info[ACTOR_KEY] = actor_of(admin)
        ctx = _stage(s, admin, school_id, {"cop_cycle": "planned", "voted": "first"}.get(stage, stage))
        if stage == "cop_cycle":
            # A cycle whose first session is not planned yet.
            s.delete(s.get(CopSession, ctx["first"]))
            s.flush()
        if stage == "voted":
            challenges.vote(s, load_viewer(s, ctx["teacher"]), ctx["spare"])
        for username in DEMO_PEOPLE:
            who = people[username]
            own = who.viewer.school_id == str(school_id)
            with s.begin_nested() as mine:
                s.info[ACTOR_KEY] = actor_of(who.viewer)
                if stage == "voted" and _allowed(who, MEMBER, own):
                    # Someone else's vote stands; the person's own vote is what unvote drops.
                    challenges.vote(s, who.viewer, ctx["spare"])
                before = fingerprint(s)
                if _allowed(who, rule, own):
                    call(s, who.viewer, ctx)
                    assert changed_tables(before, fingerprint(s)), f"{username}: the control wrote nothing"
                    controls += 1
                else:
                    with pytest.raises(AccessDenied), s.begin_nested():
                        call(s, who.viewer, ctx)
                    assert changed_tables(before, fingerprint(s)) == [], username
                    refusals += 1
                mine.rollback()
        if rule == IMPLEMENTER:
            # The control: the try-out's own implementer (the school's teacher) writes its notes.
            implementer = load_viewer(s, ctx["teacher"])
            s.info[ACTOR_KEY] = actor_of(implementer)
            before = fingerprint(s)
            call(s, implementer, ctx)
            assert changed_tables(before, fingerprint(s))
            controls += 1
        staged.rollback()
    assert refusals >= 4
    assert controls >= 1
    assert s.scalar(select(DisseminationPlan.id).where(DisseminationPlan.channel == "Parents' day")) is None


# The reach primitives every function above goes through; they are exercised by every case of the matrix.
PRIMITIVES = {
    "scope.cops_in_reach",
    "scope.cycles_in_reach",
    "scope.may_run",
    "scope.check_runner",
    "scope.load_cop",
    "scope.load_cycle",
    "scope.load_session",
    "scope.is_member",
    "scope.check_contributor",
}


def test_every_function_of_db_cycles_that_takes_a_viewer_is_in_this_matrix() -> None:
    import ast
    from pathlib import Path

    listed = set(WRITES) | {f"reads.{r}" for r in READS} | PRIMITIVES
    missing = []
    for path in sorted((Path(__file__).parents[1] / "db" / "cycles").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                params = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
                if any(a.annotation is not None and "Viewer" in ast.unparse(a.annotation) for a in params):
                    if f"{path.stem}.{node.name}" not in listed:
                        missing.append(f"{path.stem}.{node.name}")
    assert missing == []
