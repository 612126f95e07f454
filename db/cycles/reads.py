"""What the cycle pages show: a CoP's cycles, one cycle in full, one session, and a person's try-outs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop import session_steps
from cop.access import Viewer
from cop.vocab import CyclePhase, EssentialActivity, SessionKind
from db.cycles.facts import session_facts
from db.cycles.scope import cops_in_reach, cycles_in_reach, load_cop, load_cycle, load_session, may_run
from db.cycles.state import cycle_state
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
    DisseminationPlan,
    LessonLearnt,
    Person,
    StoredFile,
    TryoutImplementer,
    TryoutNote,
    TryoutPlan,
)

MAX_LIST = 500


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    is_new_teacher: bool


@dataclass(frozen=True)
class SessionLine:
    id: str
    kind: str
    sequence: int
    status: str
    session_date: date
    title: str


@dataclass(frozen=True)
class CycleSummary:
    id: str
    cop_id: str
    cop: str
    school_id: str
    school_year: int
    number: int
    title: str | None
    phase: CyclePhase
    version: int
    sessions: list[SessionLine]
    activities: dict[EssentialActivity, bool]
    next_step: str
    next_kind: SessionKind | None
    why_not_next: str | None
    may_run: bool
    storage_place: str | None
    storage_note: str | None
    max_priorities: int

    @property
    def held(self) -> int:
        return sum(1 for s in self.sessions if s.status == "held")

    @property
    def open_session(self) -> SessionLine | None:
        return next((s for s in self.sessions if s.status != "held"), None)


@dataclass(frozen=True)
class NoteView:
    person: str
    notes: str | None
    result: str | None
    tried_on: date | None


@dataclass(frozen=True)
class PlanView:
    id: str
    challenge_id: str
    attempt_no: int
    activities: str
    resources: list[str]
    resources_other: str | None
    start_on: date | None
    end_on: date | None
    implementers: list[str]
    effective: bool | None
    pros: str | None
    cons: str | None
    version: int
    notes: list[NoteView]
    alact: dict[str, str | None] | None
    alact_version: int | None
    planned_in: str | None
    reviewed_in: str | None


@dataclass(frozen=True)
class ChallengeView:
    id: str
    title: str
    evidence_kind: str
    evidence_note: str | None
    topic: str
    topic_other: str | None
    control: str
    is_priority: bool
    rank: int | None
    votes: int
    my_vote: bool
    version: int
    analysis: dict[str, str | None] | None
    analysis_version: int | None
    plans: list[PlanView] = field(default_factory=list)


@dataclass(frozen=True)
class OutputView:
    id: str
    challenge_id: str | None
    kind: str
    title: str
    owner: str | None
    due_on: date | None
    status: str
    link_url: str | None
    file_name: str | None
    version: int


@dataclass(frozen=True)
class DisseminationView:
    id: str
    audience: str
    channel: str
    planned_on: date | None
    owner: str | None
    done: bool
    version: int


@dataclass(frozen=True)
class CycleDetail:
    summary: CycleSummary
    members: list[Member]
    challenges: list[ChallengeView]
    outputs: list[OutputView]
    dissemination: list[DisseminationView]
    lessons: list[tuple[str | None, str]]  # (challenge id or None for all, text)
    evaluation: dict[str, object] | None
    evaluation_version: int | None

    @property
    def priorities(self) -> list[ChallengeView]:
        return sorted((c for c in self.challenges if c.is_priority), key=lambda c: c.rank or 99)


@dataclass(frozen=True)
class ActionView:
    description: str
    owner: str | None
    due_on: date | None
    status: str


@dataclass(frozen=True)
class SessionDetail:
    id: str
    kind: SessionKind
    sequence: int
    status: str
    session_date: date
    started_at: datetime | None
    aob_notes: str | None
    summary: str | None
    version: int
    present: set[str]
    attendance_taken: bool
    actions: list[ActionView]
    missing: list[str]
    cycle: CycleDetail

    @property
    def title(self) -> str:
        return session_steps.session_title(self.kind, self.sequence)


def cop_choices(s: Session, viewer: Viewer, *, school_id: str | None = None) -> list[Choice]:
    """CoPs in reach (of one school, when given), by name."""
    query = (
        select(Cop.id, Cop.name).where(Cop.id.in_(cops_in_reach(viewer))).order_by(Cop.name).limit(MAX_LIST)
    )
    if school_id is not None:
        query = query.where(Cop.school_id == uuid.UUID(school_id))
    return [Choice(str(i), name) for i, name in s.execute(query)]


def _summary(s: Session, viewer: Viewer, cycle: CopCycle, cop_name: str) -> CycleSummary:
    state = cycle_state(s, cycle)
    sessions = [
        SessionLine(
            str(r.id),
            r.kind,
            r.sequence,
            r.status,
            r.session_date,
            session_steps.session_title(SessionKind(r.kind), r.sequence),
        )
        for r in s.scalars(
            select(CopSession)
            .where(CopSession.cycle_id == cycle.id)
            .order_by(CopSession.session_date, CopSession.sequence, CopSession.created_at)
        )
    ]
    next_kind = session_steps.next_kind(state)
    why = None
    if not state.closed and not state.held(SessionKind.LAST) and state.held(SessionKind.MIDDLE):
        try:
            state.check_can_hold(SessionKind.LAST)
        except Exception as refused:  # noqa: BLE001 - the rule's message is what we show
            why = str(refused)
    return CycleSummary(
        id=str(cycle.id),
        cop_id=str(cycle.cop_id),
        cop=cop_name,
        school_id=str(cycle.school_id),
        school_year=cycle.school_year,
        number=cycle.number,
        title=cycle.title,
        phase=state.phase,
        version=cycle.version,
        sessions=sessions,
        activities=state.essential_activities(),
        next_step=state.next_step(),
        next_kind=next_kind,
        why_not_next=why,
        may_run=may_run(viewer, cycle.school_id),
        storage_place=cycle.storage_place,
        storage_note=cycle.storage_note,
        max_priorities=cycle.max_priorities,
    )


def cycles_of_cop(s: Session, viewer: Viewer, cop_id: str) -> list[CycleSummary]:
    """A CoP's cycles, newest first, each with its phase, sessions, activities and next step."""
    cop = load_cop(s, viewer, cop_id)
    rows = s.scalars(
        select(CopCycle)
        .where(CopCycle.cop_id == cop.id)
        .order_by(CopCycle.school_year.desc(), CopCycle.number.desc())
    ).all()
    return [_summary(s, viewer, c, cop.name) for c in rows]


def _names(s: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    ids.discard(None)  # type: ignore[arg-type]
    if not ids:
        return {}
    return dict(s.execute(select(Person.id, Person.full_name).where(Person.id.in_(ids))).all())


def cycle_detail(s: Session, viewer: Viewer, cycle_id: str) -> CycleDetail:
    """One cycle in full: members, challenges with votes, analyses and try-outs, outputs, evaluation."""
    cycle = load_cycle(s, viewer, cycle_id)
    cop_name = s.scalar(select(Cop.name).where(Cop.id == cycle.cop_id)) or ""
    summary = _summary(s, viewer, cycle, cop_name)
    members = [
        Member(str(p.id), p.full_name, p.is_new_teacher)
        for p in s.scalars(
            select(Person)
            .join(CopMember, CopMember.person_id == Person.id)
            .where(CopMember.cop_id == cycle.cop_id, CopMember.left_on.is_(None))
            .order_by(Person.full_name)
        )
    ]
    me = uuid.UUID(viewer.person_id)
    votes = dict(
        s.execute(
            select(ChallengeVote.challenge_id, func.count())
            .join(Challenge, Challenge.id == ChallengeVote.challenge_id)
            .where(Challenge.cycle_id == cycle.id)
            .group_by(ChallengeVote.challenge_id)
        ).all()
    )
    mine = set(
        s.scalars(
            select(ChallengeVote.challenge_id)
            .join(Challenge, Challenge.id == ChallengeVote.challenge_id)
            .where(Challenge.cycle_id == cycle.id, ChallengeVote.person_id == me)
        )
    )
    challenges = s.scalars(
        select(Challenge)
        .where(Challenge.cycle_id == cycle.id, Challenge.hidden.is_(False))
        .order_by(Challenge.created_at)
    ).all()
    ids = [c.id for c in challenges]
    analyses = {
        a.challenge_id: a
        for a in s.scalars(select(ChallengeAnalysis).where(ChallengeAnalysis.challenge_id.in_(ids)))
    }
    plans = s.scalars(
        select(TryoutPlan).where(TryoutPlan.challenge_id.in_(ids)).order_by(TryoutPlan.attempt_no)
    ).all()
    plan_ids = [p.id for p in plans]
    impl: dict[uuid.UUID, list[str]] = {}
    for pid, name in s.execute(
        select(TryoutImplementer.plan_id, Person.full_name)
        .join(Person, Person.id == TryoutImplementer.person_id)
        .where(TryoutImplementer.plan_id.in_(plan_ids))
        .order_by(Person.full_name)
    ):
        impl.setdefault(pid, []).append(name)
    notes: dict[uuid.UUID, list[NoteView]] = {}
    for n, name in s.execute(
        select(TryoutNote, Person.full_name)
        .join(Person, Person.id == TryoutNote.person_id)
        .where(TryoutNote.plan_id.in_(plan_ids))
        .order_by(Person.full_name)
    ):
        notes.setdefault(n.plan_id, []).append(NoteView(name, n.notes, n.result, n.tried_on))
    alacts = {
        a.plan_id: a for a in s.scalars(select(AlactReflection).where(AlactReflection.plan_id.in_(plan_ids)))
    }
    fields = ("action", "looking_back", "awareness", "alternatives", "trial")
    plan_views: dict[uuid.UUID, list[PlanView]] = {}
    for p in plans:
        a = alacts.get(p.id)
        plan_views.setdefault(p.challenge_id, []).append(
            PlanView(
                str(p.id),
                str(p.challenge_id),
                p.attempt_no,
                p.activities,
                list(p.resources or []),
                p.resources_other,
                p.start_on,
                p.end_on,
                impl.get(p.id, []),
                p.effective,
                p.pros,
                p.cons,
                p.version,
                notes.get(p.id, []),
                {f: getattr(a, f) for f in fields} if a else None,
                a.version if a else None,
                str(p.planned_in_session_id) if p.planned_in_session_id else None,
                str(p.reviewed_in_session_id) if p.reviewed_in_session_id else None,
            )
        )
    challenge_views = []
    for c in challenges:
        a = analyses.get(c.id)
        challenge_views.append(
            ChallengeView(
                str(c.id),
                c.title,
                c.evidence_kind,
                c.evidence_note,
                c.topic,
                c.topic_other,
                c.control,
                c.is_priority,
                c.priority_rank,
                votes.get(c.id, 0),
                c.id in mine,
                c.version,
                {"root_causes": a.root_causes, "goal": a.goal, "possible_solutions": a.possible_solutions}
                if a
                else None,
                a.version if a else None,
                plan_views.get(c.id, []),
            )
        )
    outputs = s.execute(
        select(ConsolidationOutput, StoredFile.filename)
        .outerjoin(StoredFile, StoredFile.id == ConsolidationOutput.file_id)
        .where(ConsolidationOutput.cycle_id == cycle.id)
        .order_by(ConsolidationOutput.created_at)
    ).all()
    plans_d = s.scalars(
        select(DisseminationPlan)
        .where(DisseminationPlan.cycle_id == cycle.id)
        .order_by(DisseminationPlan.created_at)
    ).all()
    names = _names(s, {o.owner_id for o, _ in outputs} | {d.owner_id for d in plans_d})
    evaluation = s.scalar(select(CycleEvaluation).where(CycleEvaluation.cycle_id == cycle.id))
    eval_fields = (
        "effectiveness",
        "purpose_focus",
        "relationships",
        "collaboration",
        "inquiry",
        "leadership",
        "accountability",
        "lessons_for_all",
        "improvements_next_cycle",
    )
    return CycleDetail(
        summary=summary,
        members=members,
        challenges=challenge_views,
        outputs=[
            OutputView(
                str(o.id),
                str(o.challenge_id) if o.challenge_id else None,
                o.kind,
                o.title,
                names.get(o.owner_id),
                o.due_on,
                o.status,
                o.link_url,
                fname,
                o.version,
            )
            for o, fname in outputs
        ],
        dissemination=[
            DisseminationView(
                str(d.id), d.audience, d.channel, d.planned_on, names.get(d.owner_id), d.done, d.version
            )
            for d in plans_d
        ],
        lessons=[
            (str(cid) if cid else None, text)
            for cid, text in s.execute(
                select(LessonLearnt.challenge_id, LessonLearnt.text)
                .where(LessonLearnt.cycle_id == cycle.id)
                .order_by(LessonLearnt.created_at)
            )
        ],
        evaluation={f: getattr(evaluation, f) for f in eval_fields} if evaluation else None,
        evaluation_version=evaluation.version if evaluation else None,
    )


def session_detail(s: Session, viewer: Viewer, session_id: str) -> SessionDetail:
    """One session of a cycle with its cycle, attendance, actions and what it still lacks to end."""
    row, cycle = load_session(s, viewer, session_id)
    attendance = s.execute(
        select(Attendance.person_id, Attendance.present).where(Attendance.session_id == row.id)
    ).all()
    actions = s.scalars(
        select(ActionItem).where(ActionItem.session_id == row.id).order_by(ActionItem.created_at)
    ).all()
    owner_names = _names(s, {a.owner_id for a in actions})
    state = cycle_state(s, cycle)
    return SessionDetail(
        id=str(row.id),
        kind=SessionKind(row.kind),
        sequence=row.sequence,
        status=row.status,
        session_date=row.session_date,
        started_at=row.started_at,
        aob_notes=row.aob_notes,
        summary=row.summary,
        version=row.version,
        present={str(p) for p, present in attendance if present},
        attendance_taken=bool(attendance),
        actions=[ActionView(a.description, owner_names.get(a.owner_id), a.due_on, a.status) for a in actions],
        missing=session_steps.why_not_finish(state, session_facts(s, row, state)),
        cycle=cycle_detail(s, viewer, str(cycle.id)),
    )


@dataclass(frozen=True)
class MyTryout:
    plan_id: str
    challenge: str
    cop: str
    attempt_no: int
    activities: str
    start_on: date | None
    end_on: date | None
    judged: bool
    effective: bool | None
    notes: str | None
    result: str | None
    tried_on: date | None
    note_version: int | None


def my_tryouts(s: Session, viewer: Viewer) -> list[MyTryout]:
    """The try-outs the viewer implements, open ones first, with their own notes."""
    me = uuid.UUID(viewer.person_id)
    rows = s.execute(
        select(TryoutPlan, Challenge.title, Cop.name, TryoutNote)
        .join(TryoutImplementer, TryoutImplementer.plan_id == TryoutPlan.id)
        .join(Challenge, Challenge.id == TryoutPlan.challenge_id)
        .join(CopCycle, CopCycle.id == Challenge.cycle_id)
        .join(Cop, Cop.id == CopCycle.cop_id)
        .outerjoin(TryoutNote, (TryoutNote.plan_id == TryoutPlan.id) & (TryoutNote.person_id == me))
        .where(
            TryoutImplementer.person_id == me,
            CopCycle.phase != CyclePhase.CLOSED.value,
            CopCycle.id.in_(cycles_in_reach(viewer)),
        )
        .order_by(TryoutPlan.effective.is_not(None), TryoutPlan.start_on.nulls_last(), Challenge.title)
        .limit(MAX_LIST)
    ).all()
    return [
        MyTryout(
            str(p.id),
            title,
            cop,
            p.attempt_no,
            p.activities,
            p.start_on,
            p.end_on,
            p.effective is not None,
            p.effective,
            n.notes if n else None,
            n.result if n else None,
            n.tried_on if n else None,
            n.version if n else None,
        )
        for p, title, cop, n in rows
    ]


def evidence_choices(s: Session, viewer: Viewer, cycle_id: str) -> tuple[list[Choice], list[Choice]]:
    """Lesson observations and assessment results of the cycle's school a challenge may point to."""
    from db.models import AssessmentResult, LessonObservation

    cycle = load_cycle(s, viewer, cycle_id)
    observations = [
        Choice(str(i), f"Lesson observation: {subject} {grade}, {on:%d %b %Y}")
        for i, subject, grade, on in s.execute(
            select(
                LessonObservation.id,
                LessonObservation.subject,
                LessonObservation.grade,
                LessonObservation.observed_on,
            )
            .where(LessonObservation.school_id == cycle.school_id)
            .order_by(LessonObservation.observed_on.desc())
            .limit(50)
        )
    ]
    results = [
        Choice(
            str(i),
            f"Results: {subject} {grade}, {year} term {term}"
            + (f" (mean {mean})" if mean is not None else ""),
        )
        for i, subject, grade, year, term, mean in s.execute(
            select(
                AssessmentResult.id,
                AssessmentResult.subject,
                AssessmentResult.grade,
                AssessmentResult.school_year,
                AssessmentResult.term,
                AssessmentResult.mean_score,
            )
            .where(AssessmentResult.school_id == cycle.school_id)
            .order_by(AssessmentResult.school_year.desc(), AssessmentResult.term.desc())
            .limit(50)
        )
    ]
    return observations, results
