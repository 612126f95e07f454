"""The cycle's data layer on PostgreSQL: a whole cycle session by session, rules refused with their
message, double submits saved once, stale versions refused, reach enforced."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied
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
    StorageInput,
    TryoutInput,
    TryoutNoteInput,
)
from cop.errors import EditConflict, InvalidTransition, NotPrioritisable, TooManyPriorities
from db.access import load_viewer
from db.cycles import challenges, closing, reads, sessions, tryouts
from db.models import (
    ActionItem,
    Challenge,
    ChallengeVote,
    CopCycle,
    CopSession,
    CycleReport,
    TryoutNote,
    TryoutPlan,
)
from tests import factories as f

TODAY = date.today()


def key() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def world(session: Session) -> dict:
    school = f.school(session, name="Cycle school")
    far = f.school(session, district_name="Rusizi", name="Far school")
    sbm = f.person(session, role="facilitator", school=school)
    t1 = f.person(session, role="teacher", school=school)
    t2 = f.person(session, role="teacher", school=school)
    outsider = f.person(session, role="teacher", school=school)
    far_sbm = f.person(session, role="facilitator", school=far)
    cop = f.cop(session, school, name="P4 CoP", members=[sbm, t1, t2])
    cop.facilitator_id = sbm.id
    session.flush()
    v = {
        n: load_viewer(session, p.id)
        for n, p in {"sbm": sbm, "t1": t1, "t2": t2, "outsider": outsider, "far": far_sbm}.items()
    }
    return {"cop": cop, "v": v, "t1": t1, "t2": t2, "sbm": sbm}


def challenge(title: str, control: str = "direct") -> ChallengeInput:
    return ChallengeInput.parse(
        title=title,
        evidence_kind="lesson_observation",
        evidence_note="seen in 3 lessons",
        topic="large_classes",
        control=control,
    )


def first_session(s: Session, w: dict) -> tuple[str, str, list[uuid.UUID]]:
    sbm = w["v"]["sbm"]
    cycle_id = sessions.start_cycle(s, sbm, w["cop"].id, school_year=2026, idempotency_key=key())
    sid = sessions.plan_session(s, sbm, cycle_id, "first", TODAY, idempotency_key=key())
    sessions.start_session(s, sbm, sid, version=None)
    sessions.set_attendance(s, sbm, sid, [str(w["t1"].id), str(w["t2"].id)])
    ids = [
        challenges.add_challenge(s, sbm, sid, challenge("Large classes, little talk"), idempotency_key=key()),
        challenges.add_challenge(s, w["v"]["t1"], sid, challenge("Homework not done"), idempotency_key=key()),
        challenges.add_challenge(
            s, sbm, sid, challenge("No textbooks", "out_of_control"), idempotency_key=key()
        ),
        challenges.add_challenge(s, sbm, sid, challenge("Slow readers", "indirect"), idempotency_key=key()),
    ]
    return str(cycle_id), str(sid), ids


def version(s: Session, model: type, row_id: object) -> int:
    return s.scalar(select(model.version).where(model.id == uuid.UUID(str(row_id))))


def test_a_whole_cycle_runs_from_first_session_to_the_report(session: Session, world: dict) -> None:
    s, v = session, world["v"]
    sbm = v["sbm"]
    cycle_id, sid, ids = first_session(s, world)
    assert challenges.vote(s, v["t1"], ids[0]) is True
    assert challenges.vote(s, v["t1"], ids[0]) is False  # a second vote counts once
    with pytest.raises(NotPrioritisable, match="parking lot"):
        challenges.set_priorities(s, sbm, cycle_id, [str(ids[2])], version=None)
    with pytest.raises(TooManyPriorities):
        challenges.set_priorities(s, sbm, cycle_id, [str(ids[0]), str(ids[1]), str(ids[3])], version=None)
    challenges.set_priorities(s, sbm, cycle_id, [str(ids[0]), str(ids[1])], version=None)
    with pytest.raises(InvalidTransition, match="Before ending this session"):
        sessions.finish_session(s, sbm, sid, version=None)
    plans = {}
    for cid in ids[:2]:
        challenges.save_analysis(
            s, sbm, cid, AnalysisInput.parse(root_causes="r", goal="g", possible_solutions="p"), version=None
        )
        data = TryoutInput.parse(
            today=TODAY,
            activities="Group work",
            implementer_ids=[str(world["t1"].id)],
            resources=["cbc_syllabus"],
            start_on=TODAY,
            end_on=TODAY + timedelta(days=14),
        )
        k = key()
        plans[cid] = tryouts.plan_tryout(s, sbm, sid, cid, data, idempotency_key=k)
        assert tryouts.plan_tryout(s, sbm, sid, cid, data, idempotency_key=k) == plans[cid]  # double submit
    sessions.add_action(
        s,
        sbm,
        sid,
        ActionInput.parse(
            today=TODAY, description="Try it", owner_id=str(world["t1"].id), due_on=TODAY + timedelta(days=7)
        ),
        idempotency_key=key(),
    )
    sessions.finish_session(s, sbm, sid, version=None)
    assert s.get(CopCycle, uuid.UUID(cycle_id)).phase == "trying_out"
    # Between sessions, the implementer writes notes.
    for cid in ids[:2]:
        tryouts.record_tryout_note(
            s,
            v["t1"],
            plans[cid],
            TryoutNoteInput.parse(today=TODAY, notes="n", result="effective"),
            version=None,
        )
    with pytest.raises(AccessDenied):
        tryouts.record_tryout_note(
            s, v["t2"], plans[ids[0]], TryoutNoteInput.parse(today=TODAY, notes="x"), version=None
        )
    # Middle session 1: one works, one does not.
    m1 = sessions.plan_session(s, sbm, cycle_id, "middle", TODAY, idempotency_key=key())
    sessions.start_session(s, sbm, m1, version=None)
    sessions.set_attendance(s, sbm, m1, [str(world["t1"].id)])
    tryouts.judge_tryout(
        s, sbm, m1, plans[ids[0]], JudgementInput.parse(effective=True, pros="talk"), version=None
    )
    tryouts.judge_tryout(
        s, sbm, m1, plans[ids[1]], JudgementInput.parse(effective=False, cons="no time"), version=None
    )
    with pytest.raises(InvalidTransition, match="Plan the next try-out"):
        sessions.finish_session(s, sbm, m1, version=None)
    alact = AlactInput.parse(action="a", looking_back="b", awareness="c", alternatives="d", trial="e")
    tryouts.save_alact(s, sbm, m1, plans[ids[1]], alact, version=None)
    second = tryouts.plan_tryout(
        s,
        sbm,
        m1,
        ids[1],
        TryoutInput.parse(today=TODAY, activities="Homework clubs", implementer_ids=[str(world["t2"].id)]),
        idempotency_key=key(),
    )
    assert s.get(TryoutPlan, second).attempt_no == 2
    closing.add_lesson(
        s, sbm, m1, LessonInput.parse(text="Talk works"), challenge_id=ids[0], idempotency_key=key()
    )
    closing.plan_output(
        s,
        sbm,
        m1,
        ids[0],
        OutputInput.parse(today=TODAY, kind="case_study", title="Talk case", owner_id=str(world["t1"].id)),
        idempotency_key=key(),
    )
    sessions.finish_session(s, sbm, m1, version=None)
    with pytest.raises(InvalidTransition, match="effective try-out for every priority"):
        sessions.plan_session(s, sbm, cycle_id, "last", TODAY, idempotency_key=key())
    # Middle session 2: the second try-out works.
    m2 = sessions.plan_session(s, sbm, cycle_id, "middle", TODAY, idempotency_key=key())
    sessions.start_session(s, sbm, m2, version=None)
    sessions.set_attendance(s, sbm, m2, [str(world["t2"].id)])
    tryouts.judge_tryout(s, sbm, m2, second, JudgementInput.parse(effective=True, pros="done"), version=None)
    closing.plan_output(
        s,
        sbm,
        m2,
        ids[1],
        OutputInput.parse(today=TODAY, kind="lesson_plan", title="Club plan", owner_id=str(world["t2"].id)),
        idempotency_key=key(),
    )
    sessions.finish_session(s, sbm, m2, version=None)
    assert s.get(CopCycle, uuid.UUID(cycle_id)).phase == "consolidating"
    last = sessions.plan_session(s, sbm, cycle_id, "last", TODAY, idempotency_key=key())
    sessions.start_session(s, sbm, last, version=None)
    sessions.set_attendance(s, sbm, last, [str(world["t1"].id), str(world["t2"].id)])
    detail = reads.session_detail(s, sbm, str(last))
    out = detail.cycle.outputs[0]
    closing.review_output(s, sbm, last, out.id, link_url="https://example.org/case", version=out.version)
    closing.add_dissemination(
        s,
        sbm,
        last,
        DisseminationInput.parse(
            today=TODAY, audience="colleagues", channel="Staff meeting", owner_id=str(world["t1"].id)
        ),
        idempotency_key=key(),
    )
    rating = dict.fromkeys(
        ("purpose_focus", "relationships", "collaboration", "inquiry", "leadership", "accountability"), 4
    )
    closing.save_evaluation(
        s,
        sbm,
        last,
        EvaluationInput.parse(effectiveness=4, lessons_for_all="l", improvements_next_cycle="i", **rating),
        version=None,
    )
    with pytest.raises(InvalidTransition, match="where the cycle's outputs are kept"):
        closing.close_cycle(s, sbm, cycle_id, version=None)
    closing.save_storage(s, sbm, cycle_id, StorageInput.parse(place="library"), version=None)
    closing.close_cycle(s, sbm, cycle_id, version=None)
    cycle = s.get(CopCycle, uuid.UUID(cycle_id))
    assert cycle.phase == "closed" and cycle.closed_at is not None
    assert (
        s.scalar(select(func.count()).select_from(CycleReport).where(CycleReport.cycle_id == cycle.id)) == 1
    )
    assert s.scalar(select(CopSession.status).where(CopSession.id == last)) == "held"
    summary = reads.cycles_of_cop(s, sbm, str(world["cop"].id))[0]
    assert all(summary.activities.values())
    assert s.scalar(select(func.count()).select_from(ActionItem).where(ActionItem.cycle_id == cycle.id)) == 1


def test_a_challenge_submitted_twice_is_saved_once(session: Session, world: dict) -> None:
    cycle_id, sid, _ = first_session(session, world)
    k = key()
    a = challenges.add_challenge(session, world["v"]["t1"], sid, challenge("Twice"), idempotency_key=k)
    b = challenges.add_challenge(session, world["v"]["t1"], sid, challenge("Twice"), idempotency_key=k)
    assert a == b
    assert session.scalar(select(func.count()).select_from(Challenge).where(Challenge.title == "Twice")) == 1


def test_a_save_over_a_newer_version_is_refused(session: Session, world: dict) -> None:
    cycle_id, sid, ids = first_session(session, world)
    sbm = world["v"]["sbm"]
    stale = version(session, CopCycle, cycle_id)
    challenges.set_priorities(session, sbm, cycle_id, [str(ids[0])], version=stale)
    with pytest.raises(EditConflict):
        challenges.set_priorities(session, sbm, cycle_id, [str(ids[1])], version=stale)


def test_people_outside_the_cop_or_school_are_refused(session: Session, world: dict) -> None:
    cycle_id, sid, ids = first_session(session, world)
    v = world["v"]
    with pytest.raises(AccessDenied):
        challenges.add_challenge(session, v["far"], sid, challenge("Far"), idempotency_key=key())
    with pytest.raises(AccessDenied):
        challenges.add_challenge(session, v["outsider"], sid, challenge("Outsider"), idempotency_key=key())
    with pytest.raises(AccessDenied):
        challenges.vote(session, v["far"], ids[0])
    with pytest.raises(AccessDenied):
        challenges.set_priorities(session, v["t1"], cycle_id, [str(ids[0])], version=None)
    with pytest.raises(AccessDenied):
        reads.cycle_detail(session, v["far"], cycle_id)
    assert session.scalar(select(func.count()).select_from(ChallengeVote)) == 0
    assert session.scalar(select(func.count()).select_from(TryoutNote)) == 0


def test_a_second_open_cycle_of_a_cop_is_refused(session: Session, world: dict) -> None:
    sbm = world["v"]["sbm"]
    sessions.start_cycle(session, sbm, world["cop"].id, school_year=2026, idempotency_key=key())
    with pytest.raises(InvalidTransition, match="already has a cycle"):
        sessions.start_cycle(session, sbm, world["cop"].id, school_year=2026, idempotency_key=key())
