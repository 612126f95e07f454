"""The cycle pages in AppTest: a facilitator runs first and middle sessions through the widgets; each rule
broken on the page shows the rule's own message and saves nothing; typing survives a lost connection."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, create_engine, delete, func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from cop.cycle_inputs import AnalysisInput, JudgementInput, TryoutInput
from db.access import load_viewer
from db.cycles import challenges, sessions, tryouts
from db.models import (
    ActionItem,
    AlactReflection,
    Attendance,
    Challenge,
    ChallengeAnalysis,
    ChallengeVote,
    ConsolidationOutput,
    Cop,
    CopCycle,
    CopMember,
    CopSession,
    CycleEvaluation,
    CycleReport,
    DisseminationPlan,
    Draft,
    LessonLearnt,
    Person,
    School,
    SessionReport,
    TryoutImplementer,
    TryoutNote,
    TryoutPlan,
)

SESSION_PAGE, CYCLES_PAGE, MY_ACTIONS = "pages/cop_session.py", "pages/cycles.py", "pages/my_actions.py"
SBM, TEACHER = "sbm.nyakarambi", "teacher.nyakarambi"


@pytest.fixture(scope="module")
def db(app_env: str) -> Iterator[Engine]:
    eng = create_engine(app_env)
    yield eng
    eng.dispose()


def _remove_cop(eng: Engine, cop_id: uuid.UUID) -> None:
    """Leave the shared demo database as it was: other page tests count its rows."""
    with Session(eng) as s, s.begin():
        cycles = select(CopCycle.id).where(CopCycle.cop_id == cop_id)
        sess = select(CopSession.id).where(CopSession.cop_id == cop_id)
        chal = select(Challenge.id).where(Challenge.cycle_id.in_(cycles))
        plans = select(TryoutPlan.id).where(TryoutPlan.challenge_id.in_(chal))
        for stmt in (
            delete(ActionItem).where(ActionItem.cycle_id.in_(cycles)),
            delete(CycleReport).where(CycleReport.cycle_id.in_(cycles)),
            delete(CycleEvaluation).where(CycleEvaluation.cycle_id.in_(cycles)),
            delete(DisseminationPlan).where(DisseminationPlan.cycle_id.in_(cycles)),
            delete(ConsolidationOutput).where(ConsolidationOutput.cycle_id.in_(cycles)),
            delete(LessonLearnt).where(LessonLearnt.cycle_id.in_(cycles)),
            delete(AlactReflection).where(AlactReflection.plan_id.in_(plans)),
            delete(TryoutNote).where(TryoutNote.plan_id.in_(plans)),
            delete(TryoutImplementer).where(TryoutImplementer.plan_id.in_(plans)),
            delete(TryoutPlan).where(TryoutPlan.id.in_(plans)),
            delete(ChallengeAnalysis).where(ChallengeAnalysis.challenge_id.in_(chal)),
            delete(ChallengeVote).where(ChallengeVote.challenge_id.in_(chal)),
            delete(Challenge).where(Challenge.id.in_(chal)),
            delete(Attendance).where(Attendance.session_id.in_(sess)),
            delete(SessionReport).where(SessionReport.session_id.in_(sess)),
            delete(CopSession).where(CopSession.cop_id == cop_id),
            delete(CopCycle).where(CopCycle.cop_id == cop_id),
            delete(CopMember).where(CopMember.cop_id == cop_id),
            delete(Cop).where(Cop.id == cop_id),
        ):
            s.execute(stmt)


@pytest.fixture
def world(db: Engine) -> Iterator[dict]:
    """A fresh CoP of the facilitator's school, with a cycle and a planned first session."""
    with Session(db) as s, s.begin():
        sbm = s.scalar(select(Person).where(Person.username == SBM))
        teacher = s.scalar(select(Person).where(Person.username == TEACHER))
        school = s.get(School, sbm.school_id)
        cop = Cop(school_id=school.id, name=f"AppTest CoP {uuid.uuid4().hex[:6]}", kind="general", grade="P6")
        s.add(cop)
        s.flush()
        cop.facilitator_id = sbm.id
        for p in (sbm, teacher):
            s.add(CopMember(cop_id=cop.id, person_id=p.id))
        s.flush()
        viewer = load_viewer(s, sbm.id)
        cycle_id = sessions.start_cycle(s, viewer, cop.id, school_year=2026, idempotency_key=uuid.uuid4().hex)
        first = sessions.plan_session(
            s, viewer, cycle_id, "first", date.today(), idempotency_key=uuid.uuid4().hex
        )
        ids = {"cop": cop.id, "cycle": cycle_id, "first": first, "sbm": sbm.id, "teacher": teacher.id}
    yield ids
    with Session(db) as s, s.begin():
        s.execute(delete(Draft).where(Draft.person_id.in_([ids["sbm"], ids["teacher"]])))
    _remove_cop(db, ids["cop"])


def _open(app_as: Callable[..., AppTest], username: str, session_id: object) -> AppTest:
    at = app_as(SESSION_PAGE, username)
    at.query_params["session"] = str(session_id)
    return at.run()


def _texts(at: AppTest) -> str:
    return " ".join(str(e.value) for e in (*at.markdown, *at.caption, *at.info, *at.success))


def _add_challenge(at: AppTest, sid: object, title: str, control: str) -> AppTest:
    form = f"challenge:{sid}"
    at.text_input(key=f"{form}|title").input(title)
    at.selectbox(key=f"{form}|evidence_kind").select("lesson_observation")
    at.selectbox(key=f"{form}|topic").select("large_classes")
    at.text_input(key=f"{form}|evidence_note").input("Seen in three lessons")
    at.radio(key=f"{form}|control").set_value(control)
    return at.button(key=f"{form}|submit").click().run()


def test_a_first_session_runs_on_the_page_and_refuses_an_out_of_control_priority(
    app_as: Callable[..., AppTest], db: Engine, world: dict
) -> None:
    sid = world["first"]
    at = _open(app_as, SBM, sid)
    assert not at.exception and not at.error
    at.button(key=f"start|{sid}").click().run()
    assert "Session started" in _texts(at)
    for title, control in (
        ("Learners rarely speak in large classes", "direct"),
        ("Homework is not returned", "indirect"),
        ("No electricity for the projector", "out_of_control"),
        ("Slow readers fall behind", "direct"),
    ):
        at = _add_challenge(at, sid, title, control)
        assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Parking lot: out of our control (1)" in _texts(at)
    # A challenge without evidence or control: every field named, nothing saved.
    at.text_input(key=f"challenge:{sid}|title").input("Incomplete")
    at.button(key=f"challenge:{sid}|submit").click().run()
    assert at.error and "Control" in " ".join(e.value for e in at.error)
    with Session(db) as s:
        rows = {
            c.title: str(c.id)
            for c in s.scalars(select(Challenge).where(Challenge.cycle_id == world["cycle"]))
        }
    assert len(rows) == 4
    prio = next(m for m in at.multiselect if m.label == "Priorities, in rank order")
    prio.set_value([rows["No electricity for the projector"]])
    at.button(key=f"prio_save|{sid}").click().run()
    assert any("out of your control: it goes to the parking lot" in e.value for e in at.error)
    prio = next(m for m in at.multiselect if m.label == "Priorities, in rank order")
    prio.set_value([rows["Learners rarely speak in large classes"], rows["Homework is not returned"]])
    at.button(key=f"prio_save|{sid}").click().run()
    assert not at.error and "Priorities saved" in _texts(at)
    with Session(db) as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(Challenge)
                .where(Challenge.cycle_id == world["cycle"], Challenge.is_priority)
            )
            == 2
        )
    # Ending now is refused with what is missing, named by the rule.
    at.button(key=f"end|{sid}").click().run()
    assert any("Before ending this session" in e.value and "Take the attendance" in e.value for e in at.error)
    cid = rows["Learners rarely speak in large classes"]
    at.text_area(key=f"analysis:{cid}|root_causes").input("Lessons are teacher-led")
    at.text_area(key=f"analysis:{cid}|goal").input("Every learner speaks once a lesson")
    at.text_area(key=f"analysis:{cid}|possible_solutions").input("Think-pair-share")
    at.button(key=f"analysis:{cid}|submit").click().run()
    assert "Analysis saved" in _texts(at)
    form = f"tryout:{sid}:{cid}"
    at.text_area(key=f"{form}|activities").input("Think-pair-share twice a lesson")
    at.multiselect(key=f"{form}|implementer_ids").set_value([str(world["teacher"])])
    at.button(key=f"{form}|submit").click().run()
    assert "Try-out planned" in _texts(at)
    with Session(db) as s:
        plan = s.scalar(select(TryoutPlan).where(TryoutPlan.challenge_id == uuid.UUID(cid)))
        assert plan is not None and plan.attempt_no == 1


def test_typing_survives_a_lost_connection(app_as: Callable[..., AppTest], world: dict) -> None:
    sid = world["first"]
    at = _open(app_as, SBM, sid)
    at.text_input(key=f"challenge:{sid}|title").input("Typed before the network dropped").run()
    assert "Draft saved" in _texts(at)
    again = _open(app_as, SBM, sid)  # a new browser session: nothing in memory
    assert again.text_input(key=f"challenge:{sid}|title").value == "Typed before the network dropped"


def _to_middle_with_a_failed_tryout(db: Engine, world: dict) -> tuple[uuid.UUID, uuid.UUID]:
    """The first session done through the data layer; a middle session where one try-out failed."""
    with Session(db) as s, s.begin():
        v = load_viewer(s, world["sbm"])
        sid = world["first"]
        sessions.start_session(s, v, sid, version=None)
        sessions.set_attendance(s, v, sid, [str(world["teacher"])])
        ids = []
        for title in ("Speaking", "Reading"):
            from cop.cycle_inputs import ChallengeInput

            data = ChallengeInput.parse(
                title=title, evidence_kind="lesson_plan", topic="homework", control="direct"
            )
            ids.append(challenges.add_challenge(s, v, sid, data, idempotency_key=uuid.uuid4().hex))
        challenges.set_priorities(s, v, world["cycle"], [str(i) for i in ids], version=None)
        plans = []
        for cid in ids:
            challenges.save_analysis(s, v, cid, AnalysisInput("r", "g", "p"), version=None)
            plan = TryoutInput.parse(
                today=date.today(), activities="Try", implementer_ids=[str(world["teacher"])]
            )
            plans.append(tryouts.plan_tryout(s, v, sid, cid, plan, idempotency_key=uuid.uuid4().hex))
        sessions.finish_session(s, v, sid, version=None)
        middle = sessions.plan_session(
            s, v, world["cycle"], "middle", date.today(), idempotency_key=uuid.uuid4().hex
        )
        sessions.start_session(s, v, middle, version=None)
        tryouts.judge_tryout(s, v, middle, plans[0], JudgementInput(True, "good", ""), version=None)
    return middle, plans[1]


def test_the_last_session_is_refused_while_a_priority_is_not_effective(
    app_as: Callable[..., AppTest], db: Engine, world: dict
) -> None:
    middle, failing = _to_middle_with_a_failed_tryout(db, world)
    at = _open(app_as, SBM, middle)
    assert not at.exception
    form = f"judge:{middle}:{failing}"
    at.text_area(key=f"{form}|cons").input("Took too long")
    at.radio(key=f"{form}|verdict").set_value("not_effective")
    at.button(key=f"{form}|submit").click().run()
    assert "Verdict saved" in _texts(at)
    at.button(key=f"to_last|{middle}").click().run()
    assert any(
        "effective try-out for every priority" in e.value and "did not work" in e.value for e in at.error
    )
    with Session(db) as s:
        kinds = s.scalars(select(CopSession.kind).where(CopSession.cycle_id == world["cycle"])).all()
    assert "last" not in kinds
    # ALACT is asked for the failed one, with its five prompts.
    assert at.text_area(key=f"alact:{failing}|trial") is not None
    at.button(key=f"end|{middle}").click().run()
    assert any("Reflect on 'Reading' with ALACT" in e.value for e in at.error)


def test_the_cycles_page_shows_progress_and_plans_the_next_session(
    app_as: Callable[..., AppTest], world: dict
) -> None:
    at = app_as(CYCLES_PAGE, SBM).run()
    cops = at.selectbox(key="cop_cycles_cop")
    cops.select(str(world["cop"])).run()
    assert not at.exception and not at.error
    assert at.get("progress")[0].proto.text == "Essential activities: 0 of 6"
    assert "List the challenges the members face" in _texts(at)
    assert any(b.label.startswith("First session") for b in at.button)
    teacher = app_as(CYCLES_PAGE, TEACHER).run()
    assert not teacher.exception and not teacher.error
    assert not any(b.label == "Plan it" for b in teacher.button)


def test_an_implementer_records_notes_on_my_actions(
    app_as: Callable[..., AppTest], db: Engine, world: dict
) -> None:
    middle, failing = _to_middle_with_a_failed_tryout(db, world)
    at = app_as(MY_ACTIONS, TEACHER).run()
    assert not at.exception
    form = f"tryout_note:{failing}"
    at.text_area(key=f"{form}|notes").input("Learners liked it but it took long")
    at.selectbox(key=f"{form}|result").select("partly")
    at.button(key=f"{form}|submit").click().run()
    assert not at.error
    with Session(db) as s:
        note = s.scalar(select(TryoutNote).where(TryoutNote.plan_id == failing))
    assert note is not None and note.result == "partly"
