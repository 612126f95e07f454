"""The access matrix of the monitoring and assessment tools (db/tools): every public function that takes a
viewer, as each of the 8 demo people, on the demo database with a few more records in other schools.

What each person may reach is EXPECTED in tests/matrix_support.py. On top of reach, each tool's own rules
below are written from DESIGN.md ("Who uses it", "Monitoring and assessment tools"), not read from cop/ or
db/tools: a rule DESIGN.md states is asserted; where DESIGN.md is silent the code decides and the matrix only
holds it to reach (each such place is named "silent" below).

Tiers (parametrized, so pytest's count is the case count; a summary line per tier is printed at the end):
- reads: 8 people x every read function of db/tools, each called for every school, person and record it
  takes (record ids from the database); every row returned must lie within the person's reach and the
  tool's rules, and every record refused to a person whom the rules exclude;
- writes: every write of db/tools aimed at a record or school outside the person's write reach (a school
  out of reach, or a tool in which DESIGN.md gives the role no part) must be refused and change no table;
  plus a control per write and target where the person the rules name makes the identical call and it
  writes (so each refusal is about access alone, and the fingerprint does see a write);
- nothing forgotten: every public function of db/tools is in READS or WRITES, or named as reading no data.
"""

from __future__ import annotations

import ast
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer
from cop.actions import today_in_rwanda
from cop.cemc import MarksInput
from cop.errors import ValidationError
from cop.field_visit import FieldVisitInput, StepInput
from cop.monitoring_visit import MonitoringInput, extra_items
from cop.observation import ObservationInput
from cop.self_assessment import SelfAssessmentInput
from cop.templates import ItemInput, item_inputs
from cop.ttc_visit import TtcVisitInput
from cop.vocab import ActionSource, ActionStatus, CemcParticipantRole, FormKind, Role, SessionStatus
from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.demo import seed_demo_if_empty
from db.models import (
    ActionItem,
    Assignment,
    CemcMark,
    Cop,
    CopSession,
    FieldVisit,
    FormTemplate,
    LessonObservation,
    MonitoringVisit,
    Person,
    PracticeRating,
    SelfAssessment,
    SessionReport,
    TeachingPractice,
    TtcVisit,
)
from db.tools import (
    actions,
    cemc,
    field_visits,
    monitoring_visits,
    observations,
    self_assessments,
    session_reports,
    templates,
    ttc_visits,
)
from tests.matrix_support import (
    DEMO_DISTRICTS,
    DEMO_PEOPLE,
    EXPECTED,
    TALLY,
    World,
    changed_tables,
    fingerprint,
    load_world,
)

ROOT = Path(__file__).resolve().parents[1]
TODAY = today_in_rwanda()


# --- the database: the demo, and records that make every tool's rules observable --------------------------

# People the fixture adds, so that the other district has a visitor of every kind: a UR-CE facilitator
# assigned to the Rusizi SBM (and to the SSL of GS Nyakarambi) and a TTC tutor assigned to GS Kamembe.
URCE_RUSIZI = "mtx.urce.rusizi"
TTC_RUSIZI = "mtx.ttc.rusizi"
_SCHOOL_SUFFIX = {"KRH-001": "nyakarambi", "KRH-002": "mahama", "RSZ-001": "kamembe", "RSZ-002": "nyakabuye"}


@pytest.fixture(scope="module")
def tools_db(engine: Engine) -> Iterator[Session]:
    """The demo seeded in a transaction rolled back at the end of the module, with the records below."""
    with engine.connect() as conn:
        outer = conn.begin()
        s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            assert seed_demo_if_empty(s.connection())
            _add_records_the_demo_lacks(s)
            BASELINE.clear()
            yield s
        finally:
            s.close()
            outer.rollback()


def _add_records_the_demo_lacks(s: Session) -> None:
    """The demo has monitoring, field and TTC visits only in Kirehe and one self-assessment: add records in
    the other district, records of people whom the rules exclude though their school is in reach, and
    records a visitor made earlier at a school no longer assigned to them (a reassignment)."""
    person = {p.username: p for p in s.scalars(select(Person))}
    school = {code: person[f"ht.{name}"].school_id for code, name in _SCHOOL_SUFFIX.items()}
    kamembe = school["RSZ-001"]
    rusizi = s.scalar(select(Person.district_id).where(Person.username == "dde.rusizi"))
    admin = person["admin"]
    s.info[ACTOR_KEY] = actor_of(load_viewer(s, admin.id))
    urce = Person(username=URCE_RUSIZI, full_name="Matrix Rusizi Facilitator", role=Role.FIELD_FACILITATOR)
    tutor = Person(
        username=TTC_RUSIZI, full_name="Matrix Rusizi Tutor", role=Role.TTC_TUTOR, district_id=rusizi
    )
    s.add_all([urce, tutor])
    s.flush()
    s.add_all(
        [
            Assignment(person_id=urce.id, sbm_id=person["sbm.kamembe"].id),
            Assignment(person_id=urce.id, sbm_id=person["ssl.nyakarambi"].id),
            Assignment(person_id=tutor.id, school_id=kamembe),
        ]
    )
    for visitor, sbm, days in (
        (urce, person["sbm.kamembe"], 30),  # the Rusizi SBM's own facilitator
        (urce, person["ssl.nyakarambi"], 25),  # a visit to the SSL: not the SBM's, read by the HT
        (person["urce.facilitator"], person["sbm.kamembe"], 300),  # before a reassignment
    ):
        _field_visit(s, visitor, sbm, TODAY - timedelta(days=days))
    template = {t.kind: t for t in s.scalars(select(FormTemplate).where(FormTemplate.is_current))}
    cops = {(c.school_id, c.name): c for c in s.scalars(select(Cop))}
    for visitor, code, cop, days in (
        ("dde.rusizi", "RSZ-001", "P6 teachers CoP", 20),
        ("urce.facilitator", "RSZ-002", None, 280),  # before a reassignment
        ("urce.facilitator", "KRH-001", None, 9),  # the whole school, no CoP
        ("reb.officer", "KRH-001", "Mathematics CoP", 5),  # the SSL's CoP, not the SBM's
    ):
        s.add(
            MonitoringVisit(
                school_id=school[code],
                cop_id=cops[(school[code], cop)].id if cop else None,
                visitor_id=person[visitor].id,
                template_id=template[FormKind.MONITORING].id,
                visit_date=TODAY - timedelta(days=days),
                **dict.fromkeys(monitoring_visits.RATING_COLUMNS, 3),
                answers={"outputs": 3},
                recommendations_leadership=f"Matrix: to the leadership of {code}.",
                recommendations_facilitator=f"Matrix: to the facilitator at {code}.",
            )
        )
    for tutor_name, code, sbm, days in (
        ("ttc.tutor", "KRH-002", "sbm.mahama", 15),
        (TTC_RUSIZI, "RSZ-001", "sbm.kamembe", 18),
        ("ttc.tutor", "RSZ-002", "sbm.nyakabuye", 290),  # before a reassignment
        ("ttc.tutor", "KRH-001", "ssl.nyakarambi", 11),  # feedback to the SSL, not the SBM
    ):
        s.add(
            TtcVisit(
                school_id=school[code],
                tutor_id=(tutor if tutor_name == TTC_RUSIZI else person[tutor_name]).id,
                facilitator_id=person[sbm].id,
                template_id=template[FormKind.TTC_CHECKLIST].id,
                visit_date=TODAY - timedelta(days=days),
                feedback_to_facilitator=f"Matrix feedback to {sbm}.",
            )
        )
    answers = {item["key"]: 3 for item in template[FormKind.SELF_ASSESSMENT].items}
    latest = s.scalars(select(SelfAssessment).order_by(SelfAssessment.school_year, SelfAssessment.term)).all()
    for username in ("ssl.nyakarambi", "sbm.mahama", "sbm.kamembe"):
        s.add(
            SelfAssessment(
                person_id=person[username].id,
                school_id=person[username].school_id,
                template_id=template[FormKind.SELF_ASSESSMENT].id,
                school_year=latest[-1].school_year,
                term=latest[-1].term,
                answers=answers,
                cpd_activities="Matrix CPD activities.",
                impact_reflection="Matrix reflection.",
            )
        )
    cohort = s.scalar(select(func.max(CemcMark.cohort)))
    s.add(
        CemcMark(
            participant_id=person["dde.rusizi"].id,
            participant_role=CemcParticipantRole.SEI.value,
            cohort=cohort,
            assessor_id=admin.id,
            district_id=rusizi,
            first_session_report=20,
        )
    )
    # A practice nobody rated (retired, so that new observations do not rate it): one that may be deleted.
    s.add(
        TeachingPractice(
            key="matrix_unrated", label="Matrix unrated practice", sort_order=99, is_active=False
        )
    )
    s.flush()
    s.info[ACTOR_KEY] = None


def _field_visit(s: Session, visitor: Person, sbm: Person, day: date) -> None:
    visit = FieldVisit(
        school_id=sbm.school_id,
        facilitator_id=visitor.id,
        sbm_id=sbm.id,
        visit_date=day,
        priority_challenges="Matrix priority challenges.",
        coaching_given="Matrix coaching.",
        sbm_cpd_progress="Matrix CPD progress.",
        school_cpd_activities="Matrix school CPD.",
        practice_rating=2,
        next_steps="Matrix next step",
    )
    s.add(visit)
    s.flush()
    s.add(
        ActionItem(
            school_id=sbm.school_id,
            source=ActionSource.FIELD_VISIT.value,
            field_visit_id=visit.id,
            description="Matrix next step",
            owner_id=sbm.id,
            due_on=day + timedelta(days=14),
            status=ActionStatus.OPEN.value,
            created_by_id=visitor.id,
        )
    )


# --- the facts the checks hold every row against (read with plain SQL, not through db/tools) -------------


@dataclass
class Facts:
    world: World
    observations: dict[str, tuple[str, str, str]]  # id -> (school, teacher, observer)
    field_visits: dict[str, tuple[str, str, str]]  # id -> (school, SBM, UR-CE facilitator)
    monitoring: dict[str, tuple[str, str | None, str]]  # id -> (school, CoP or None, visitor)
    ttc: dict[str, tuple[str, str, str | None]]  # id -> (school, tutor, SBM / SSL given feedback)
    self_assessments: dict[str, tuple[str, str, int, str]]  # id -> (person, school, year, term)
    marks: dict[str, tuple[str, str | None, str | None]]  # id -> (participant, school, district)
    actions: dict[str, tuple[str, str | None]]  # id -> (school, owner)
    reports: set[str]  # sessions with a report
    session_led_by: dict[str, str | None]
    cop_facilitator: dict[str, str | None]
    assigned_sbms: dict[str, set[str]]  # person -> SBMs assigned to them


def _ids(*values: object) -> tuple[Any, ...]:
    return tuple(str(v) if v is not None else None for v in values)


def load_facts(s: Session) -> Facts:
    world = load_world(s)
    assigned: dict[str, set[str]] = {}
    for person_id, sbm_id in s.execute(select(Assignment.person_id, Assignment.sbm_id)):
        if sbm_id:
            assigned.setdefault(str(person_id), set()).add(str(sbm_id))
    return Facts(
        world=world,
        observations={
            str(i): _ids(*rest)
            for i, *rest in s.execute(
                select(
                    LessonObservation.id,
                    LessonObservation.school_id,
                    LessonObservation.teacher_id,
                    LessonObservation.observer_id,
                )
            )
        },
        field_visits={
            str(i): _ids(*rest)
            for i, *rest in s.execute(
                select(FieldVisit.id, FieldVisit.school_id, FieldVisit.sbm_id, FieldVisit.facilitator_id)
            )
        },
        monitoring={
            str(i): _ids(*rest)
            for i, *rest in s.execute(
                select(
                    MonitoringVisit.id,
                    MonitoringVisit.school_id,
                    MonitoringVisit.cop_id,
                    MonitoringVisit.visitor_id,
                )
            )
        },
        ttc={
            str(i): _ids(*rest)
            for i, *rest in s.execute(
                select(TtcVisit.id, TtcVisit.school_id, TtcVisit.tutor_id, TtcVisit.facilitator_id)
            )
        },
        self_assessments={
            str(i): (str(p), str(sc), y, t)
            for i, p, sc, y, t in s.execute(
                select(
                    SelfAssessment.id,
                    SelfAssessment.person_id,
                    SelfAssessment.school_id,
                    SelfAssessment.school_year,
                    SelfAssessment.term,
                )
            )
        },
        marks={
            str(i): _ids(*rest)
            for i, *rest in s.execute(
                select(CemcMark.id, CemcMark.participant_id, CemcMark.school_id, CemcMark.district_id)
            )
        },
        actions={
            str(i): _ids(*rest)
            for i, *rest in s.execute(select(ActionItem.id, ActionItem.school_id, ActionItem.owner_id))
        },
        reports={str(i) for i in s.scalars(select(SessionReport.session_id))},
        session_led_by={
            str(i): _ids(p)[0] for i, p in s.execute(select(CopSession.id, CopSession.led_by_id))
        },
        cop_facilitator={str(i): _ids(p)[0] for i, p in s.execute(select(Cop.id, Cop.facilitator_id))},
        assigned_sbms=assigned,
    )


@pytest.fixture(scope="module")
def facts(tools_db: Session) -> Facts:
    return load_facts(tools_db)


# --- the rules, per tool, from DESIGN.md (the upper bound of what a person may read) ----------------------


@dataclass(frozen=True)
class Me:
    """The person a check runs as: their id, role, expected reach and CoPs."""

    username: str
    id: str
    role: Role
    exp: Any
    cops: frozenset[str]
    school_id: str | None


def _reached(f: Facts, me: Me, school_id: str | None) -> bool:
    return f.world.school_reached(me.exp, school_id)


def _in_my_cops(f: Facts, me: Me, school_id: str, cop_id: str | None) -> bool:
    """A record of a school in reach; for a teacher, of one of their CoPs ("the CoPs they are members of")."""
    if not _reached(f, me, school_id):
        return False
    return not me.exp.own_cops_only or (cop_id is not None and cop_id in me.cops)


def reads_session_report(f: Facts, me: Me, session_id: str) -> bool:
    """Session reports: the sessions in reach (a teacher: of their CoPs); seen by the HT / DHT."""
    school_id, cop_id = f.world.sessions[session_id]
    return _in_my_cops(f, me, school_id, cop_id)


def reads_observation(f: Facts, me: Me, observation_id: str) -> bool:
    """Lesson observations: in reach; a teacher sees their own lessons only, nobody else's."""
    school_id, teacher_id, _ = f.observations[observation_id]
    return _reached(f, me, school_id) and (not me.exp.own_cops_only or teacher_id == me.id)


def reads_self_assessment(f: Facts, me: Me, assessment_id: str) -> bool:
    """SBM self-assessment: one's own; in reach otherwise (silent on who exactly), never a teacher (an SBM's
    record of themselves is no CoP's)."""
    person_id, school_id, _, _ = f.self_assessments[assessment_id]
    return person_id == me.id or (me.role is not Role.TEACHER and _reached(f, me, school_id))


def reads_monitoring_visit(f: Facts, me: Me, visit_id: str) -> bool:
    """CoP monitoring form: in reach (a teacher at most their own CoP's visits; silent beyond reach)."""
    school_id, cop_id, _ = f.monitoring[visit_id]
    return _in_my_cops(f, me, school_id, cop_id)


def reads_field_visit(f: Facts, me: Me, visit_id: str) -> bool:
    """Supportive field visit report (UR-CE facilitator -> SBM), "shared with the SBM and HT": within reach,
    the facilitator, the SBM visited (not their colleagues), the HT; officials in reach (silent); never a
    teacher or a TTC tutor, who are no party to it."""
    school_id, sbm_id, _ = f.field_visits[visit_id]
    if not _reached(f, me, school_id):
        return False
    match me.role:
        case Role.ADMIN | Role.NATIONAL_OFFICER | Role.DISTRICT_OFFICER | Role.FIELD_FACILITATOR:
            return True
        case Role.HEAD_TEACHER:
            return school_id == me.school_id
        case Role.FACILITATOR:
            return sbm_id == me.id
    return False


def reads_ttc_visit(f: Facts, me: Me, visit_id: str) -> bool:
    """TTC tutor school visit: in reach; never a teacher (it is about colleagues' induction and no CoP's)."""
    school_id, _, _ = f.ttc[visit_id]
    return me.role is not Role.TEACHER and _reached(f, me, school_id)


def reads_marks(f: Facts, me: Me, mark_id: str) -> bool:
    """CEMC marks: one's own; people in reach (school staff by school, officials by district), never a
    teacher (not a participant)."""
    participant, school_id, district_id = f.marks[mark_id]
    if participant == me.id:
        return True
    if me.role is Role.TEACHER:
        return False
    return _reached(f, me, school_id) if school_id else f.world.district_reached(me.exp, district_id)


# DESIGN.md gives a UR-CE facilitator "the SBMs / schools assigned to them"; as CEMC trainer they also mark
# the participants who have no school (SEIs, TTC tutors) in the districts of those schools, since a CEMC
# cohort is trained per district (docs/decisions.md, "CEMC trainers").
def _by_trainer_district(f: Facts, me: Me, school_id: str | None, district_id: str | None, what: str) -> bool:
    """Whether the row is a school-less participant a CEMC trainer reaches through their districts."""
    if me.role is not Role.FIELD_FACILITATOR or school_id is not None:
        return False
    districts = {s.district_id for s in f.world.schools.values() if _reached(f, me, s.id)}
    return district_id in districts


def _me(f: Facts, v: Viewer, username: str) -> Me:
    return Me(
        username,
        v.person_id,
        v.role,
        EXPECTED[username],
        frozenset(f.world.memberships.get(v.person_id, set())),
        v.school_id,
    )


# --- tier 1: every read function of db/tools, as each person, for everything it takes -------------------

REFUSED = object()


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The function's answer, or REFUSED when it raises AccessDenied; counted as one call."""
    TALLY["tools calls"] += 1
    try:
        return fn(*args, **kwargs)
    except AccessDenied:
        TALLY["tools refusals"] += 1
        return REFUSED


def _rows(rows: Any) -> list[Any]:
    rows = list(rows)
    TALLY["tools rows checked"] += len(rows)
    return rows


def _person_in_reach(f: Facts, me: Me, person_id: str) -> bool:
    return person_id == me.id or f.world.person_reached(me.exp, person_id)


Check = Callable[[Session, Facts, Viewer, Me], None]


# session reports


def _check_report_cops(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    for school_id in (None, *f.world.schools):
        got = _call(session_reports.report_cops, s, v, school_id=school_id)
        if got is REFUSED:
            continue
        for c in _rows(got):
            cop_school = f.world.cop_school[c.id]
            assert _in_my_cops(f, me, cop_school, c.id), c.label
            assert school_id is None or cop_school == school_id


def _check_session_reports(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    for school_id in (None, *f.world.schools):
        got = _call(session_reports.session_reports, s, v, school_id=school_id)
        if got is REFUSED:
            continue
        rows = _rows(got)
        assert [r for r in rows if not reads_session_report(f, me, r.session_id)] == []
        if school_id is None:
            assert rows, "every demo person reaches some CoP's session reports"
        if school_id is None and me.role is Role.HEAD_TEACHER:
            # "Seen and acknowledged by the HT / DHT": every report of the school.
            mine = {i for i in f.reports if f.world.sessions[i][0] == me.school_id}
            assert mine and mine <= {r.session_id for r in rows}


def _check_reports_to_acknowledge(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    got = _call(session_reports.reports_to_acknowledge, s, v)
    if got is REFUSED:
        return
    rows = _rows(got)
    # "Seen and acknowledged by the HT / DHT": only the head teacher of the session's school.
    assert me.role is Role.HEAD_TEACHER or rows == []
    assert [r for r in rows if f.world.sessions[r.session_id][0] != me.school_id] == []


def _check_session_report(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    for session_id in f.world.sessions:
        got = _call(session_reports.session_report, s, v, session_id)
        if got is REFUSED:
            continue
        assert reads_session_report(f, me, session_id), session_id
        _rows([got, *got.facts.attendance])
        assert got.school_id == f.world.sessions[session_id][0]
        # Acknowledging is the head teacher's, of that school; editing the school's facilitator's or HT's.
        assert not got.may_acknowledge or (me.role is Role.HEAD_TEACHER and got.school_id == me.school_id)
        writers = {Role.FACILITATOR, Role.HEAD_TEACHER}
        assert not got.may_edit or (me.role in writers and got.school_id == me.school_id)


# lesson observations


def _check_observable_teachers(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    got = _rows(_call(observations.observable_teachers, s, v))
    # Lesson observation is by the SBM, SSL or HT, of teachers of their own school.
    assert me.role in {Role.FACILITATOR, Role.HEAD_TEACHER} or got == []
    for p in got:
        assert f.world.people[p.id].school_id == me.school_id and p.id != me.id, p.label


def _check_observation_filter_choices(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    readable = [o for o in f.observations if reads_observation(f, me, o)]
    for school_id in (None, *f.world.schools):
        got = _call(observations.observation_filter_choices, s, v, school_id=school_id)
        if got is REFUSED:
            continue
        observed = {
            f.observations[o][1] for o in readable if school_id is None or f.observations[o][0] == school_id
        }
        assert [t.label for t in _rows(got.teachers) if t.id not in observed] == []
        _rows([*got.subjects, *got.grades])
        if not observed:
            assert got.subjects == [] and got.grades == []


def _check_observations(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    for school_id in (None, *f.world.schools):
        got = _call(observations.observations, s, v, school_id=school_id)
        if got is REFUSED:
            continue
        rows = _rows(got)
        assert [r.id for r in rows if not reads_observation(f, me, r.id)] == []
        if school_id == me.school_id and me.role is Role.HEAD_TEACHER:
            # The school's statistics rest on them: the HT sees every observation of the school.
            assert {r.id for r in rows} == {
                o for o, (sid, _, _) in f.observations.items() if sid == school_id
            }
    if me.role is Role.TEACHER:
        own = {o for o, (_, teacher, _) in f.observations.items() if teacher == me.id}
        assert own and own <= {r.id for r in _call(observations.observations, s, v)}


def _check_observation(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    for observation_id in f.observations:
        got = _call(observations.observation, s, v, observation_id)
        if got is REFUSED:
            continue
        assert reads_observation(f, me, observation_id), observation_id
        _rows([got, *got.ratings])
        observers = {Role.FACILITATOR, Role.HEAD_TEACHER}
        assert not got.may_edit or (me.role in observers and got.school_id == me.school_id)


def _expected_averages(s: Session, ids: list[str]) -> list[tuple[str, float, int]]:
    if not ids:
        return []
    rows = s.execute(
        select(TeachingPractice.label, func.avg(PracticeRating.rating), func.count())
        .join(PracticeRating, PracticeRating.practice_id == TeachingPractice.id)
        .where(PracticeRating.observation_id.in_([uuid.UUID(i) for i in ids]))
        .group_by(TeachingPractice.id, TeachingPractice.label)
    ).all()
    return sorted((label, round(float(avg), 2), n) for label, avg, n in rows)


def _check_practice_averages(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    """Averages are rows too: each must be the average over the observations the person may read."""
    for school_id in f.world.schools:
        got = _call(observations.practice_averages, s, v, school_id=school_id)
        if got is REFUSED:
            continue
        readable = [
            o for o, (sid, _, _) in f.observations.items() if sid == school_id and reads_observation(f, me, o)
        ]
        shown = sorted((a.label, a.average, a.ratings) for a in _rows(got))
        assert shown in ([], _expected_averages(s, readable)), f.world.schools[school_id].code


# SBM self-assessments


def _check_self_assessment_questions(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    """The form's questions are no one's data: anyone may read them."""
    got = _call(self_assessments.self_assessment_questions, s, v)
    assert got is not REFUSED and _rows(got.indicators)


def _check_self_assessments(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    owners = {p for p, _, _, _ in f.self_assessments.values()}
    calls = [{}, *({"person_id": p} for p in owners), *({"school_id": sid} for sid in f.world.schools)]
    for kwargs in calls:
        got = _call(self_assessments.self_assessments, s, v, **kwargs)
        if got is REFUSED:
            continue
        rows = _rows(got)
        assert [r.person for r in rows if not reads_self_assessment(f, me, r.id)] == []
        if not kwargs and any(p == me.id for p, _, _, _ in f.self_assessments.values()):
            assert me.id in {r.person_id for r in rows}, "one's own self-assessments"


def _check_assessed_people(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    got = _call(self_assessments.assessed_people, s, v)
    if got is REFUSED:
        return
    readable = {p for a, (p, _, _, _) in f.self_assessments.items() if reads_self_assessment(f, me, a)}
    assert [p.label for p in _rows(got) if p.id not in readable] == []


def _check_self_assessment(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    for assessment_id in f.self_assessments:
        got = _call(self_assessments.self_assessment, s, v, assessment_id)
        if got is REFUSED:
            continue
        assert reads_self_assessment(f, me, assessment_id), got.row.person
        _rows([got])


def _check_own_self_assessment(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    for year, term in {(y, t) for _, _, y, t in f.self_assessments.values()}:
        got = _call(self_assessments.own_self_assessment, s, v, school_year=year, term=term)
        if got is REFUSED or got is None:
            continue
        assert _rows([got])[0].row.person_id == me.id


def _check_progress(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    for person_id in {p for p, _, _, _ in f.self_assessments.values()}:
        got = _call(self_assessments.progress, s, v, person_id)
        if got is REFUSED:
            continue
        readable = [
            a
            for a, (p, _, _, _) in f.self_assessments.items()
            if p == person_id and reads_self_assessment(f, me, a)
        ]
        points = _rows(got)
        # At most one point per standard (four) per readable record.
        assert len(points) <= 4 * len(readable), f.world.people[person_id].username


# CoP monitoring visits


def _check_school_cops(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    for school_id in f.world.schools:
        got = _call(monitoring_visits.school_cops, s, v, school_id)
        if got is REFUSED:
            continue
        assert _reached(f, me, school_id), f.world.schools[school_id].code
        for c in _rows(got):
            assert f.world.cop_school[c.id] == school_id and _in_my_cops(f, me, school_id, c.id), c.label


def _check_monitoring_visitors(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    got = _call(monitoring_visits.monitoring_visitors, s, v)
    if got is REFUSED:
        return
    visitors = {vis for m, (_, _, vis) in f.monitoring.items() if reads_monitoring_visit(f, me, m)}
    assert [c.label for c in _rows(got) if c.id not in visitors] == []


def _check_monitoring_visits(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    visitors = {vis for _, _, vis in f.monitoring.values()}
    calls = [{}, *({"school_id": sid} for sid in f.world.schools), *({"visitor_id": p} for p in visitors)]
    for kwargs in calls:
        got = _call(monitoring_visits.monitoring_visits, s, v, **kwargs)
        if got is REFUSED:
            continue
        rows = _rows(got)
        assert [(r.school, r.visit_date) for r in rows if not reads_monitoring_visit(f, me, r.id)] == []
        if not kwargs and me.role is Role.HEAD_TEACHER:
            # Its recommendations are addressed to the school leadership: the HT sees the school's visits.
            mine = {m for m, (sid, _, _) in f.monitoring.items() if sid == me.school_id}
            assert mine and mine <= {r.id for r in rows}


def _check_monitoring_visit(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    for visit_id in f.monitoring:
        got = _call(monitoring_visits.monitoring_visit, s, v, visit_id)
        if got is REFUSED:
            continue
        assert reads_monitoring_visit(f, me, visit_id), (got.school, got.visit_date)
        _rows([got])


def _check_recommendations_for_me(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    """Recommendations "to school leadership and to the SBM / SSL": the HT gets the leadership's of their
    school, an SBM / SSL those of the CoPs they facilitate (or of the whole school); nobody else any."""
    got = _rows(_call(monitoring_visits.recommendations_for_me, s, v, limit=100))
    for r in got:
        school_id, cop_id, _ = f.monitoring[r.visit_id]
        assert school_id == me.school_id and reads_monitoring_visit(f, me, r.visit_id), r.text
        if me.role is Role.FACILITATOR:
            assert cop_id is None or f.cop_facilitator[cop_id] == me.id, r.cop
        else:
            assert me.role is Role.HEAD_TEACHER, me.role
    if me.role in {Role.HEAD_TEACHER, Role.FACILITATOR}:
        assert got, "the demo's visits have recommendations for them"


# supportive field visits


def _check_assigned_sbms(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    got = _rows(_call(field_visits.assigned_sbms, s, v))
    mine = f.assigned_sbms.get(me.id, set())
    assert [c.label for c in got if c.id not in mine or not _person_in_reach(f, me, c.id)] == []


def _check_step_owners(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    """Who may own a next step is asked by the UR-CE facilitator of the SBM (or the report's author):
    everyone else is refused, and nobody is offered anyone out of their reach."""
    sbms = [p.id for p in f.world.people.values() if p.role == Role.FACILITATOR]
    asks = [{"sbm_id": p} for p in sbms]
    asks += [{"sbm_id": sbm, "visit_id": vid} for vid, (_, sbm, _) in f.field_visits.items()]
    for kwargs in asks:
        got = _call(field_visits.step_owners, s, v, **kwargs)
        if got is REFUSED:
            continue
        assert me.role is Role.FIELD_FACILITATOR, me.role
        sbm_school = f.world.people[kwargs["sbm_id"]].school_id
        assert _reached(f, me, sbm_school), f.world.people[kwargs["sbm_id"]].username
        assert [c.label for c in _rows(got) if not _person_in_reach(f, me, c.id)] == []


def _check_field_visits(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    sbms = {sbm for _, sbm, _ in f.field_visits.values()}
    calls = [{}, *({"school_id": sid} for sid in f.world.schools), *({"sbm_id": p} for p in sbms)]
    for kwargs in calls:
        got = _call(field_visits.field_visits, s, v, **kwargs)
        if got is REFUSED:
            continue
        rows = _rows(got)
        assert [(r.school, r.sbm, r.visit_date) for r in rows if not reads_field_visit(f, me, r.id)] == []
        if not kwargs:
            parties = {
                i
                for i, (sid, sbm, author) in f.field_visits.items()
                if _reached(f, me, sid)
                and me.id in {sbm, author}
                or (me.role is Role.HEAD_TEACHER and sid == me.school_id)
            }
            # Shared with the SBM and the HT; the facilitator's own reports in reach.
            assert parties <= {r.id for r in rows}


def _check_field_visit_filters(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    got = _call(field_visits.field_visit_filters, s, v)
    if got is REFUSED:
        return
    readable = [i for i in f.field_visits if reads_field_visit(f, me, i)]
    assert [c.label for c in _rows(got.sbms) if c.id not in {f.field_visits[i][1] for i in readable}] == []
    assert [c.label for c in _rows(got.schools) if c.id not in {f.field_visits[i][0] for i in readable}] == []


def _check_field_visit(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    for visit_id in f.field_visits:
        got = _call(field_visits.field_visit, s, v, visit_id)
        if got is REFUSED:
            continue
        assert reads_field_visit(f, me, visit_id), (got.school, got.sbm, got.visit_date)
        _rows([got, *got.steps])
        assert not got.editable or got.facilitator_id == me.id, "only its author edits a report"


# TTC tutor school visits


def _check_ttc_form(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    for school_id in f.world.schools:
        got = _call(ttc_visits.ttc_form, s, v, school_id)
        if got is REFUSED:
            continue
        assert me.role is not Role.TEACHER and _reached(f, me, school_id), f.world.schools[school_id].code
        people = [*got.new_teachers, *got.facilitators]
        assert [p.id for p in _rows(people) if f.world.people[p.id].school_id != school_id] == []


def _check_ttc_tutors(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    got = _call(ttc_visits.ttc_tutors, s, v)
    if got is REFUSED:
        return
    tutors = {t for i, (_, t, _) in f.ttc.items() if reads_ttc_visit(f, me, i)}
    assert [c.label for c in _rows(got) if c.id not in tutors] == []


def _check_ttc_visits(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    tutors = {t for _, t, _ in f.ttc.values()}
    calls = [{}, *({"school_id": sid} for sid in f.world.schools), *({"tutor_id": t} for t in tutors)]
    for kwargs in calls:
        got = _call(ttc_visits.ttc_visits, s, v, **kwargs)
        if got is REFUSED:
            continue
        assert [(r.school, r.visit_date) for r in _rows(got) if not reads_ttc_visit(f, me, r.id)] == []


def _check_ttc_visit(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    for visit_id in f.ttc:
        got = _call(ttc_visits.ttc_visit, s, v, visit_id)
        if got is REFUSED:
            continue
        assert reads_ttc_visit(f, me, visit_id), (got.school, got.visit_date)
        _rows([got, *got.teachers])


def _check_edit_form(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    """The edit form of each visit, given the visit as the administrator reads it: the form names the
    school's new teachers and SBMs, so it must be refused for a visit the person may not read."""
    admin = load_viewer(s, f.world.usernames["admin"])
    for visit_id in f.ttc:
        detail = ttc_visits.ttc_visit(s, admin, visit_id)
        got = _call(ttc_visits.edit_form, s, v, detail)
        if got is REFUSED:
            continue
        assert reads_ttc_visit(f, me, visit_id), (detail.school, detail.visit_date)
        people = [*got.new_teachers, *got.facilitators]
        assert [
            f.world.people[p.id].username for p in _rows(people) if not _person_in_reach(f, me, p.id)
        ] == []


def _check_feedback_for_me(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    """Feedback "to the SBM / SSL": each person gets only what was addressed to them."""
    got = _rows(_call(ttc_visits.feedback_for_me, s, v, limit=100))
    assert [
        r.text for r in got if f.ttc[r.visit_id][2] != me.id or not reads_ttc_visit(f, me, r.visit_id)
    ] == []
    if me.username == "sbm.nyakarambi":
        assert got, "the demo's TTC visit gave the SBM feedback"


# CPD CEMC marks


def _check_gradebook(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    got = _call(cemc.gradebook, s, v)
    if got is REFUSED:
        return
    rows = _rows(got)
    assert [r.participant for r in rows if not _reads_marks_or_known(f, me, r.id, r.participant)] == []
    if any(p == me.id for p, _, _ in f.marks.values()):
        assert me.id in {r.participant_id for r in rows}, "one's own marks"


def _check_cemc_marks(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    for mark_id in f.marks:
        got = _call(cemc.cemc_marks, s, v, mark_id)
        if got is REFUSED:
            continue
        assert _reads_marks_or_known(f, me, mark_id, got.participant), _rows([got])[0].participant


def _reads_marks_or_known(f: Facts, me: Me, mark_id: str, what: str) -> bool:
    _, school_id, district_id = f.marks[mark_id]
    return reads_marks(f, me, mark_id) or _by_trainer_district(f, me, school_id, district_id, what)


def _check_cohorts(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    got = _call(cemc.cohorts, s, v)
    if got is REFUSED:
        return
    readable = {m for m in f.marks if reads_marks(f, me, m)}
    cohorts = set(s.scalars(select(CemcMark.cohort).where(CemcMark.id.in_([uuid.UUID(m) for m in readable]))))
    assert [c for c in _rows(got) if c not in cohorts] == []


def marks_writer(
    f: Facts, me: Me, participant_id: str, school_id: str | None, district_id: str | None
) -> bool | None:
    """Who may enter CEMC marks: the UR-CE facilitator ("also CEMC trainer"), for participants in reach;
    administrators and REB staff: silent (None); anyone else, never."""
    if me.role in {Role.ADMIN, Role.NATIONAL_OFFICER}:
        return None
    if me.role is not Role.FIELD_FACILITATOR:
        return False
    return _reached(f, me, school_id) if school_id else f.world.district_reached(me.exp, district_id)


def _check_may_edit_marks(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    for mark_id, (participant, school_id, district_id) in f.marks.items():
        got = _call(cemc.may_edit_marks, s, v, mark_id)
        _rows([got])
        name = f.world.people[participant].username
        if got is True and not _by_trainer_district(f, me, school_id, district_id, name):
            assert marks_writer(f, me, participant, school_id, district_id) is not False, name


def _participant_scope(f: Facts, person_id: str) -> tuple[str | None, str | None]:
    p = f.world.people[person_id]
    if p.school_id:
        return p.school_id, f.world.schools[p.school_id].district_id
    return None, p.district_id


def _check_participants_to_mark(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    got = _call(cemc.participants_to_mark, s, v, limit=1000)
    if got is REFUSED:
        return
    for p in _rows(got):
        scope = _participant_scope(f, p.id)
        if not _by_trainer_district(f, me, *scope, p.label):
            assert marks_writer(f, me, p.id, *scope) is not False, p.label


def _check_first_sessions_of(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    participants = [
        p.id
        for p in f.world.people.values()
        if p.role in {Role.FACILITATOR, Role.DISTRICT_OFFICER, Role.TTC_TUTOR}
    ]
    for person_id in participants:
        got = _call(cemc.first_sessions_of, s, v, person_id)
        if got is REFUSED:
            continue
        rows = _rows(got)
        if rows:
            assert marks_writer(f, me, person_id, *_participant_scope(f, person_id)) is not False
        for c in rows:
            assert f.session_led_by[c.id] == person_id and _reached(f, me, f.world.sessions[c.id][0])


# form templates and teaching practices


def _national(me: Me) -> bool | None:
    """The questions of forms and the practice list are the same for every school: changing them (and
    their national counts of use) is for those who reach everything; the administrator; REB: silent."""
    if me.role is Role.ADMIN:
        return True
    return None if me.role is Role.NATIONAL_OFFICER else False


def _check_template_revisions(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    for kind in FormKind.values():
        got = _call(templates.template_revisions, s, v, kind)
        if _national(me) is False:
            assert got is REFUSED, kind
        elif got is not REFUSED:
            assert _rows(got)


def _check_teaching_practices(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    got = _call(templates.teaching_practices, s, v)
    if _national(me) is False:
        assert got is REFUSED
    elif got is not REFUSED:
        assert _rows(got)


# actions


def _check_my_actions(s: Session, f: Facts, v: Viewer, me: Me) -> None:
    """ "Sees own actions": every action listed is the person's own."""
    rows = _rows(_call(actions.my_actions, s, v, limit=1000))
    assert [r.description for r in rows if f.actions[r.id][1] != me.id] == []
    if any(owner == me.id for _, owner in f.actions.values()):
        assert rows, "their own actions"


READS: dict[str, Check] = {
    "db.tools.session_reports.report_cops": _check_report_cops,
    "db.tools.session_reports.session_reports": _check_session_reports,
    "db.tools.session_reports.reports_to_acknowledge": _check_reports_to_acknowledge,
    "db.tools.session_reports.session_report": _check_session_report,
    "db.tools.observations.observable_teachers": _check_observable_teachers,
    "db.tools.observations.observation_filter_choices": _check_observation_filter_choices,
    "db.tools.observations.observations": _check_observations,
    "db.tools.observations.observation": _check_observation,
    "db.tools.observations.practice_averages": _check_practice_averages,
    "db.tools.self_assessments.self_assessment_questions": _check_self_assessment_questions,
    "db.tools.self_assessments.self_assessments": _check_self_assessments,
    "db.tools.self_assessments.assessed_people": _check_assessed_people,
    "db.tools.self_assessments.self_assessment": _check_self_assessment,
    "db.tools.self_assessments.own_self_assessment": _check_own_self_assessment,
    "db.tools.self_assessments.progress": _check_progress,
    "db.tools.monitoring_visits.school_cops": _check_school_cops,
    "db.tools.monitoring_visits.monitoring_visitors": _check_monitoring_visitors,
    "db.tools.monitoring_visits.monitoring_visits": _check_monitoring_visits,
    "db.tools.monitoring_visits.monitoring_visit": _check_monitoring_visit,
    "db.tools.monitoring_visits.recommendations_for_me": _check_recommendations_for_me,
    "db.tools.field_visits.assigned_sbms": _check_assigned_sbms,
    "db.tools.field_visits.step_owners": _check_step_owners,
    "db.tools.field_visits.field_visits": _check_field_visits,
    "db.tools.field_visits.field_visit_filters": _check_field_visit_filters,
    "db.tools.field_visits.field_visit": _check_field_visit,
    "db.tools.ttc_visits.ttc_form": _check_ttc_form,
    "db.tools.ttc_visits.ttc_tutors": _check_ttc_tutors,
    "db.tools.ttc_visits.ttc_visits": _check_ttc_visits,
    "db.tools.ttc_visits.ttc_visit": _check_ttc_visit,
    "db.tools.ttc_visits.edit_form": _check_edit_form,
    "db.tools.ttc_visits.feedback_for_me": _check_feedback_for_me,
    "db.tools.cemc.gradebook": _check_gradebook,
    "db.tools.cemc.cemc_marks": _check_cemc_marks,
    "db.tools.cemc.cohorts": _check_cohorts,
    "db.tools.cemc.may_edit_marks": _check_may_edit_marks,
    "db.tools.cemc.participants_to_mark": _check_participants_to_mark,
    "db.tools.cemc.first_sessions_of": _check_first_sessions_of,
    "db.tools.templates.template_revisions": _check_template_revisions,
    "db.tools.templates.teaching_practices": _check_teaching_practices,
    "db.tools.actions.my_actions": _check_my_actions,
}


@pytest.mark.parametrize("function", list(READS))
@pytest.mark.parametrize("username", DEMO_PEOPLE)
def test_every_row_a_tool_returns_lies_in_the_persons_reach_and_the_tools_rules(
    tools_db: Session, facts: Facts, username: str, function: str
) -> None:
    TALLY["tools reads run"] += 1
    viewer = load_viewer(tools_db, facts.world.usernames[username])
    READS[function](tools_db, facts, viewer, _me(facts, viewer, username))
    TALLY["tools reads clean"] += 1


# --- tier 2: every write of db/tools, aimed outside the person's write reach ----------------------------

Attempt = Callable[[Session, Viewer], Any]
Build = Callable[[Session, Facts, str], Attempt]
# May this demo person make this write at this target: True, False, or None where DESIGN.md is silent.
May = Callable[[str, str], bool | None]

# The people of each target school the rules name (the fixture's Rusizi facilitator and tutor included).
SBM_OF = {"KRH-001": "sbm.nyakarambi", "KRH-002": "sbm.mahama", "RSZ-001": "sbm.kamembe"}
HT_OF = {"KRH-001": "ht.nyakarambi", "KRH-002": "ht.mahama", "RSZ-001": "ht.kamembe"}
URCE_OF = {"KRH-001": "urce.facilitator", "KRH-002": "urce.facilitator", "RSZ-001": URCE_RUSIZI}
TUTOR_OF = {"KRH-001": "ttc.tutor", "KRH-002": "ttc.tutor", "RSZ-001": TTC_RUSIZI}
ROLE = {
    "admin": Role.ADMIN,
    "reb.officer": Role.NATIONAL_OFFICER,
    "dde.kirehe": Role.DISTRICT_OFFICER,
    "urce.facilitator": Role.FIELD_FACILITATOR,
    "ttc.tutor": Role.TTC_TUTOR,
    "ht.nyakarambi": Role.HEAD_TEACHER,
    "sbm.nyakarambi": Role.FACILITATOR,
    "teacher.nyakarambi": Role.TEACHER,
}
SCHOOLS = ("KRH-001", "KRH-002", "RSZ-001")
# Records a visitor made at a school before it stopped being theirs (a reassignment), by target name.
EARLIER = {
    "RSZ-001, urce.facilitator's earlier visit": ("RSZ-001", "urce.facilitator"),
    "RSZ-002, urce.facilitator's earlier visit": ("RSZ-002", "urce.facilitator"),
    "RSZ-002, ttc.tutor's earlier visit": ("RSZ-002", "ttc.tutor"),
}
NATIONAL = "national"  # the target of a write that changes every school's forms


def _code(target: str) -> str:
    return EARLIER[target][0] if target in EARLIER else target


def _reaches(username: str, target: str) -> bool:
    code = _code(target)
    return EXPECTED[username].reaches(code, DEMO_DISTRICTS.get(code, "Rusizi"))


def _author(target: str, authors: dict[str, str]) -> str:
    return EARLIER[target][1] if target in EARLIER else authors[target]


@dataclass(frozen=True)
class Write:
    build: Build
    targets: tuple[str, ...]
    may: May
    control: Callable[[str], str | None]  # who makes the identical call successfully (None: nobody)
    refusal_fields: frozenset[str] = frozenset()  # a ValidationError naming only these is the refusal
    prepares: bool = False  # whether `build` changes the database to set the target up


def _person(s: Session, f: Facts, username: str) -> Person:
    p = s.get(Person, uuid.UUID(f.world.usernames[username]))
    assert p is not None
    return p


def _school_id(f: Facts, code: str) -> str:
    return f.world.school(code).id


def _admin(s: Session, f: Facts) -> Viewer:
    return load_viewer(s, f.world.usernames["admin"])


# session reports: written by the CoP's facilitator ("SBM ... records outputs"); acknowledged by the HT


def _reported_session(s: Session, f: Facts, code: str, *, with_report: bool) -> CopSession:
    """A held cycle session of a CoP the school's SBM facilitates (at GS Nyakarambi, the P4 CoP, which
    the demo teacher belongs to: their refusal is about their role, not their CoPs)."""
    query = (
        select(CopSession)
        .join(Cop, Cop.id == CopSession.cop_id)
        .where(
            CopSession.school_id == uuid.UUID(_school_id(f, code)),
            CopSession.status == SessionStatus.HELD.value,
            CopSession.kind.in_(["first", "middle", "last"]),
            Cop.facilitator_id == uuid.UUID(f.world.usernames[SBM_OF[code]]),
        )
        .order_by((Cop.grade != "P4"), CopSession.session_date.desc())
    )
    if with_report:
        query = query.where(CopSession.id.in_(select(SessionReport.session_id)))
    found = s.scalars(query).first()
    assert found is not None, code
    return found


def _save_session_report(s: Session, f: Facts, target: str) -> Attempt:
    cop_session = _reported_session(s, f, target, with_report=False)
    report = s.scalar(select(SessionReport).where(SessionReport.session_id == cop_session.id))
    version = report.version if report else None
    return lambda s, v: session_reports.save_session_report(
        s,
        v,
        session_id=cop_session.id,
        version=version,
        main_discussions="Matrix main discussions.",
        decisions="Matrix decisions.",
    )


def _acknowledge_session_report(s: Session, f: Facts, target: str) -> Attempt:
    cop_session = _reported_session(s, f, target, with_report=True)
    report = s.scalar(select(SessionReport).where(SessionReport.session_id == cop_session.id))
    assert report is not None
    # Submitted and waiting for the head teacher, so that acknowledging would change it.
    report.submitted_at = report.submitted_at or datetime.now(UTC)
    report.acknowledged_at = report.acknowledged_by_id = None
    s.flush()
    version = report.version
    return lambda s, v: session_reports.acknowledge_session_report(
        s, v, session_id=cop_session.id, version=version
    )


def _may_save_report(u: str, t: str) -> bool | None:
    if u == SBM_OF.get(t):
        return True
    return None if u == HT_OF.get(t) else False  # the HT correcting the report: silent


# lesson observations: "(SBM, SSL, HT) - a teacher's lesson rated"


def _teacher_of(f: Facts, code: str) -> str:
    school_id = _school_id(f, code)
    return min(
        (
            p
            for p in f.world.people.values()
            if p.school_id == school_id and p.role == Role.TEACHER and p.username.startswith("t.")
        ),
        key=lambda p: p.username,
    ).id


def _ratings(s: Session, value: int) -> dict[str, int | None]:
    ids = s.scalars(select(TeachingPractice.id).where(TeachingPractice.is_active)).all()
    return {str(i): value for i in ids}


def _create_observation(s: Session, f: Facts, target: str) -> Attempt:
    data = ObservationInput(
        teacher_id=_teacher_of(f, target),
        subject="Mathematics",
        grade="P4",
        observed_on=TODAY - timedelta(days=1),
        ratings=_ratings(s, 3),
        notes="Matrix observation.",
    )
    return lambda s, v: observations.create_observation(s, v, data=data, idempotency_key="matrix-observation")


def _update_observation(s: Session, f: Facts, target: str) -> Attempt:
    row = s.scalars(
        select(LessonObservation)
        .where(
            LessonObservation.school_id == uuid.UUID(_school_id(f, target)),
            LessonObservation.observer_id == uuid.UUID(f.world.usernames[HT_OF[target]]),
        )
        .order_by(LessonObservation.observed_on.desc())
    ).first()
    assert row is not None, target
    rated = s.execute(
        select(PracticeRating.practice_id, PracticeRating.rating).where(
            PracticeRating.observation_id == row.id
        )
    ).all()
    data = ObservationInput(
        teacher_id=str(row.teacher_id),
        subject=row.subject,
        grade=row.grade,
        observed_on=row.observed_on,
        ratings={str(p): 6 - r for p, r in rated},
        notes="Matrix correction.",
    )
    observation_id, version = row.id, row.version
    return lambda s, v: observations.update_observation(
        s, v, observation_id=observation_id, version=version, data=data
    )


def _may_observe(u: str, t: str) -> bool | None:
    return u in {SBM_OF.get(t), HT_OF.get(t)}


def _may_correct_observation(u: str, t: str) -> bool | None:
    if u == HT_OF.get(t):
        return True  # the observer
    return None if u == SBM_OF.get(t) else False  # another observer of the school: silent


# SBM self-assessment: the SBM's (or SSL's) own


def _submit_self_assessment(s: Session, f: Facts, target: str) -> Attempt:
    questions = self_assessments.self_assessment_questions(s, _admin(s, f))
    year = s.scalar(select(func.min(SelfAssessment.school_year)))
    assert year is not None
    data = SelfAssessmentInput(
        school_year=year - 1,
        term="1",
        answers={q.key: q.low for q in questions.indicators},
        cpd_activities="Matrix CPD activities.",
        impact_reflection="Matrix impact.",
    )
    return lambda s, v: self_assessments.submit_self_assessment(
        s, v, data=data, idempotency_key="matrix-self-assessment"
    )


def _update_self_assessment(s: Session, f: Facts, target: str) -> Attempt:
    row = s.scalars(
        select(SelfAssessment)
        .where(SelfAssessment.person_id == uuid.UUID(f.world.usernames[SBM_OF[target]]))
        .order_by(SelfAssessment.school_year.desc(), SelfAssessment.term.desc())
    ).first()
    assert row is not None, target
    data = SelfAssessmentInput(
        school_year=row.school_year,
        term=row.term,
        answers=dict.fromkeys(row.answers, 1),
        cpd_activities="Matrix CPD activities, changed.",
        impact_reflection="Matrix impact, changed.",
    )
    assessment_id, version = row.id, row.version
    return lambda s, v: self_assessments.update_self_assessment(
        s, v, assessment_id=assessment_id, version=version, data=data
    )


# CoP monitoring form: "(REB, UR-CE, district)"

MONITORED_BY = {"KRH-001": "dde.kirehe", "KRH-002": "reb.officer", "RSZ-001": "dde.rusizi"}


def _monitoring_input(s: Session, school_id: str) -> MonitoringInput:
    form = monitoring_visits.monitoring_form(s)
    answers = {i.key: (i.scale[0] if i.scale else "Matrix answer.") for i in extra_items(form.items)}
    return MonitoringInput(
        school_id=school_id,
        visit_date=TODAY - timedelta(days=1),
        template_id=form.template_id,
        ratings=dict.fromkeys(monitoring_visits.RATING_COLUMNS, 3),
        answers=answers,
        observations="Matrix observations.",
    )


def _record_monitoring_visit(s: Session, f: Facts, target: str) -> Attempt:
    data = _monitoring_input(s, _school_id(f, target))
    return lambda s, v: monitoring_visits.record_monitoring_visit(
        s, v, data=data, idempotency_key="matrix-monitoring"
    )


def _update_monitoring_visit(s: Session, f: Facts, target: str) -> Attempt:
    code, visitor = _code(target), _author(target, MONITORED_BY)
    visit_id = s.scalars(
        select(MonitoringVisit.id)
        .where(
            MonitoringVisit.school_id == uuid.UUID(_school_id(f, code)),
            MonitoringVisit.visitor_id == uuid.UUID(f.world.usernames[visitor]),
        )
        .order_by(MonitoringVisit.visit_date.desc())
    ).first()
    assert visit_id is not None, target
    detail = monitoring_visits.monitoring_visit(s, _admin(s, f), visit_id)
    data = replace(detail.as_input(), observations="Matrix observations, corrected.")
    return lambda s, v: monitoring_visits.update_monitoring_visit(
        s, v, visit_id=visit_id, version=detail.version, data=data
    )


def _may_monitor(u: str, t: str) -> bool | None:
    return ROLE[u] in {Role.NATIONAL_OFFICER, Role.DISTRICT_OFFICER, Role.FIELD_FACILITATOR} and _reaches(
        u, t
    )


def _may_correct_monitoring(u: str, t: str) -> bool | None:
    if u == _author(t, MONITORED_BY):
        return _reaches(u, t)
    if not _reaches(u, t) or not (_may_monitor(u, t) or ROLE[u] is Role.ADMIN):
        return False
    return None  # another visitor in reach, or an administrator, correcting it: silent


# supportive field visits: "(UR-CE facilitator -> SBM)"


def _record_field_visit(s: Session, f: Facts, target: str) -> Attempt:
    sbm_id = f.world.usernames[SBM_OF[target]]
    data = FieldVisitInput(
        sbm_id=sbm_id,
        visit_date=TODAY - timedelta(days=1),
        priority_challenges="Matrix challenges.",
        coaching_given="Matrix coaching.",
        sbm_cpd_progress="Matrix progress.",
        school_cpd_activities="Matrix CPD.",
        practice_rating=3,
        steps=(StepInput("Matrix step", sbm_id, TODAY + timedelta(days=7)),),
    )
    return lambda s, v: field_visits.record_field_visit(s, v, data=data, idempotency_key="matrix-field-visit")


def _update_field_visit(s: Session, f: Facts, target: str) -> Attempt:
    code, author = _code(target), _author(target, URCE_OF)
    visit_id = s.scalars(
        select(FieldVisit.id)
        .where(
            FieldVisit.school_id == uuid.UUID(_school_id(f, code)),
            FieldVisit.facilitator_id == uuid.UUID(f.world.usernames[author]),
        )
        .order_by(FieldVisit.visit_date.desc())
    ).first()
    assert visit_id is not None, target
    d = field_visits.field_visit(s, _admin(s, f), str(visit_id))
    data = FieldVisitInput(
        sbm_id=d.sbm_id,
        visit_date=d.visit_date,
        priority_challenges=d.priority_challenges,
        coaching_given="Matrix coaching, corrected.",
        sbm_cpd_progress=d.sbm_cpd_progress,
        school_cpd_activities=d.school_cpd_activities,
        practice_rating=d.practice_rating,
        steps=tuple(StepInput(x.description, x.owner_id, x.due_on, x.action_id, x.version) for x in d.steps),
    )
    return lambda s, v: field_visits.update_field_visit(
        s, v, visit_id=str(visit_id), version=d.version, data=data
    )


def _may_visit_sbm(u: str, t: str) -> bool | None:
    return u == URCE_OF.get(t) and _reaches(u, t)


def _may_correct_field_visit(u: str, t: str) -> bool | None:
    if u == _author(t, URCE_OF):
        return _reaches(u, t)
    return None if ROLE[u] is Role.ADMIN else False  # the administrator correcting it: silent


# TTC tutor school visits


def _record_ttc_visit(s: Session, f: Facts, target: str) -> Attempt:
    template = s.scalar(
        select(FormTemplate.id).where(
            FormTemplate.kind == FormKind.TTC_CHECKLIST.value, FormTemplate.is_current
        )
    )
    data = TtcVisitInput(
        school_id=_school_id(f, target),
        visit_date=TODAY - timedelta(days=1),
        template_id=str(template),
        facilitator_id=f.world.usernames[SBM_OF[target]],
        feedback="Matrix feedback.",
    )
    return lambda s, v: ttc_visits.record_ttc_visit(s, v, data=data, idempotency_key="matrix-ttc")


def _update_ttc_visit(s: Session, f: Facts, target: str) -> Attempt:
    code, tutor = _code(target), _author(target, TUTOR_OF)
    visit_id = s.scalars(
        select(TtcVisit.id)
        .where(
            TtcVisit.school_id == uuid.UUID(_school_id(f, code)),
            TtcVisit.tutor_id == uuid.UUID(f.world.usernames[tutor]),
        )
        .order_by(TtcVisit.visit_date.desc())
    ).first()
    assert visit_id is not None, target
    detail = ttc_visits.ttc_visit(s, _admin(s, f), visit_id)
    data = replace(detail.as_input(), feedback="Matrix feedback, corrected.")
    return lambda s, v: ttc_visits.update_ttc_visit(
        s, v, visit_id=visit_id, version=detail.version, data=data
    )


def _may_visit_school(u: str, t: str) -> bool | None:
    return u == TUTOR_OF.get(t) and _reaches(u, t)


def _may_correct_ttc_visit(u: str, t: str) -> bool | None:
    if u == _author(t, TUTOR_OF):
        return _reaches(u, t)
    return None if ROLE[u] is Role.ADMIN else False


# CPD CEMC marks: "UR-CE facilitator (also CEMC trainer) ... marks CEMC assessments"


def _record_marks(s: Session, f: Facts, target: str) -> Attempt:
    cohort = s.scalar(select(func.min(CemcMark.cohort)))
    assert cohort is not None
    data = MarksInput(
        participant_role=CemcParticipantRole.SBM.value, cohort=str(int(cohort) - 1), first_session_report=20
    )
    participant = f.world.usernames[SBM_OF[target]]
    return lambda s, v: cemc.record_marks(s, v, participant_id=participant, data=data)


def _update_marks(s: Session, f: Facts, target: str) -> Attempt:
    mark = s.scalar(
        select(CemcMark).where(CemcMark.participant_id == uuid.UUID(f.world.usernames[SBM_OF[target]]))
    )
    assert mark is not None, target
    marks = {n: None if getattr(mark, n) is None else float(getattr(mark, n)) for n in cemc.rules.MARKS}
    marks["final_exam"] = 12.5 if marks["final_exam"] != 12.5 else 13.5
    data = MarksInput(
        participant_role=mark.participant_role,
        cohort=mark.cohort,
        first_session_id=str(mark.first_session_id) if mark.first_session_id else None,
        **marks,
    )
    mark_id, version = mark.id, mark.version
    return lambda s, v: cemc.update_marks(s, v, mark_id=mark_id, version=version, data=data)


def _may_mark(u: str, t: str) -> bool | None:
    if ROLE[u] in {Role.ADMIN, Role.NATIONAL_OFFICER}:
        return None  # silent: DESIGN.md names the UR-CE facilitator only
    return u == URCE_OF.get(t) and _reaches(u, t)


# actions: "concrete actions with an owner"; a teacher "sees own actions": the owner ticks them off

ACTION_OWNER = {"KRH-001": "ssl.nyakarambi", "KRH-002": "sbm.mahama", "RSZ-001": "sbm.kamembe"}


def _set_action_status(s: Session, f: Facts, target: str) -> Attempt:
    action = s.scalars(
        select(ActionItem)
        .where(
            ActionItem.school_id == uuid.UUID(_school_id(f, target)),
            ActionItem.owner_id == uuid.UUID(f.world.usernames[ACTION_OWNER[target]]),
            ActionItem.status == ActionStatus.OPEN.value,
        )
        .order_by(ActionItem.due_on)
    ).first()
    assert action is not None, target
    action_id, version = str(action.id), action.version
    return lambda s, v: actions.set_action_status(s, v, action_id=action_id, version=version, done=True)


# form templates and teaching practices: the same for every school


def _save_template_revision(s: Session, f: Facts, target: str) -> Attempt:
    current = s.scalar(
        select(FormTemplate).where(FormTemplate.kind == FormKind.MONITORING.value, FormTemplate.is_current)
    )
    assert current is not None
    items = [*item_inputs(current.items), ItemInput("matrix_item", "Matrix question", "practice", 1, 4)]
    template_id, title = current.id, current.title
    return lambda s, v: templates.save_template_revision(
        s, v, kind=FormKind.MONITORING.value, based_on=template_id, title=title, items=items
    )


def _add_practice(s: Session, f: Facts, target: str) -> Attempt:
    return lambda s, v: templates.add_practice(s, v, label="Matrix practice")


def _update_practice(s: Session, f: Facts, target: str) -> Attempt:
    rows = s.scalars(
        select(TeachingPractice).order_by(TeachingPractice.sort_order, TeachingPractice.label)
    ).all()
    row = rows[0]
    practice_id, version, label = row.id, row.version, f"{row.label} (matrix)"
    return lambda s, v: templates.update_practice(
        s, v, practice_id=practice_id, version=version, label=label, is_active=True, position=1
    )


def _delete_practice(s: Session, f: Facts, target: str) -> Attempt:
    row = s.scalar(select(TeachingPractice).where(TeachingPractice.key == "matrix_unrated"))
    assert row is not None
    practice_id, version = row.id, row.version
    return lambda s, v: templates.delete_practice(s, v, practice_id=practice_id, version=version)


def _may_change_forms(u: str, t: str) -> bool | None:
    if ROLE[u] is Role.ADMIN:
        return True
    return None if ROLE[u] is Role.NATIONAL_OFFICER else False  # REB: silent


def _the(who: dict[str, str]) -> Callable[[str], str | None]:
    return lambda t: who.get(t)


_FIELD_TARGETS = (*SCHOOLS, "RSZ-001, urce.facilitator's earlier visit")
WRITES: dict[str, Write] = {
    "db.tools.session_reports.save_session_report": Write(
        _save_session_report, SCHOOLS, _may_save_report, _the(SBM_OF)
    ),
    "db.tools.session_reports.acknowledge_session_report": Write(
        _acknowledge_session_report, SCHOOLS, lambda u, t: u == HT_OF.get(t), _the(HT_OF), prepares=True
    ),
    "db.tools.observations.create_observation": Write(
        _create_observation, SCHOOLS, _may_observe, _the(HT_OF), frozenset({"teacher"})
    ),
    "db.tools.observations.update_observation": Write(
        _update_observation, SCHOOLS, _may_correct_observation, _the(HT_OF)
    ),
    "db.tools.self_assessments.submit_self_assessment": Write(
        _submit_self_assessment,
        ("own",),
        lambda u, t: ROLE[u] is Role.FACILITATOR,
        lambda t: "sbm.nyakarambi",
    ),
    "db.tools.self_assessments.update_self_assessment": Write(
        _update_self_assessment, SCHOOLS, lambda u, t: u == SBM_OF.get(t), _the(SBM_OF)
    ),
    "db.tools.monitoring_visits.record_monitoring_visit": Write(
        _record_monitoring_visit, SCHOOLS, _may_monitor, _the(MONITORED_BY)
    ),
    "db.tools.monitoring_visits.update_monitoring_visit": Write(
        _update_monitoring_visit,
        (*SCHOOLS, "RSZ-002, urce.facilitator's earlier visit"),
        _may_correct_monitoring,
        _the(MONITORED_BY),
    ),
    "db.tools.field_visits.record_field_visit": Write(
        _record_field_visit, SCHOOLS, _may_visit_sbm, _the(URCE_OF)
    ),
    "db.tools.field_visits.update_field_visit": Write(
        _update_field_visit, _FIELD_TARGETS, _may_correct_field_visit, _the(URCE_OF)
    ),
    "db.tools.ttc_visits.record_ttc_visit": Write(
        _record_ttc_visit, SCHOOLS, _may_visit_school, _the(TUTOR_OF)
    ),
    "db.tools.ttc_visits.update_ttc_visit": Write(
        _update_ttc_visit,
        (*SCHOOLS, "RSZ-002, ttc.tutor's earlier visit"),
        _may_correct_ttc_visit,
        _the(TUTOR_OF),
    ),
    "db.tools.cemc.record_marks": Write(_record_marks, SCHOOLS, _may_mark, _the(URCE_OF)),
    "db.tools.cemc.update_marks": Write(_update_marks, SCHOOLS, _may_mark, _the(URCE_OF)),
    "db.tools.actions.set_action_status": Write(
        _set_action_status, SCHOOLS, lambda u, t: u == ACTION_OWNER.get(t), _the(ACTION_OWNER)
    ),
    "db.tools.templates.save_template_revision": Write(
        _save_template_revision, (NATIONAL,), _may_change_forms, lambda t: "admin"
    ),
    "db.tools.templates.add_practice": Write(
        _add_practice, (NATIONAL,), _may_change_forms, lambda t: "admin"
    ),
    "db.tools.templates.update_practice": Write(
        _update_practice, (NATIONAL,), _may_change_forms, lambda t: "admin"
    ),
    "db.tools.templates.delete_practice": Write(
        _delete_practice, (NATIONAL,), _may_change_forms, lambda t: "admin"
    ),
}
# Public functions of db/tools that take no viewer: the questions of forms, the same for everyone.
NOT_DATA = {"db.tools.monitoring_visits.monitoring_form", "db.tools.observations.active_practices"}


BASELINE: dict[str, dict[str, str]] = {}  # the fingerprint of the module's database, once taken


def _attempt(s: Session, f: Facts, username: str, function: str, target: str) -> tuple[Any, list[str]]:
    """Run one write as the person inside a savepoint: (its outcome or refusal, the tables it changed)."""
    viewer = load_viewer(s, f.world.usernames[username])
    nested = s.begin_nested()
    try:
        call = WRITES[function].build(s, f, target)
        # Every attempt is rolled back: before one whose set-up writes nothing, the database is the same.
        if WRITES[function].prepares:
            before = fingerprint(s)
        else:
            before = BASELINE.get("") or BASELINE.setdefault("", fingerprint(s))
        s.info[ACTOR_KEY] = actor_of(viewer)
        try:
            outcome = call(s, viewer)
        except (AccessDenied, ValidationError) as refused:
            outcome = refused
        changed = changed_tables(before, fingerprint(s))
    finally:
        s.info[ACTOR_KEY] = None
        nested.rollback()
        s.expire_all()
    return outcome, changed


def _refused(function: str, outcome: Any) -> bool:
    if isinstance(outcome, AccessDenied):
        return True
    fields = WRITES[function].refusal_fields
    return isinstance(outcome, ValidationError) and bool(fields) and set(outcome.errors) <= fields


def _cells(expected: bool | None) -> list[tuple[str, str, str]]:
    return [
        (username, function, target)
        for function, write in WRITES.items()
        for target in write.targets
        for username in DEMO_PEOPLE
        if write.may(username, target) is expected
    ]


REFUSALS = _cells(False)
SILENT = _cells(None)


@pytest.mark.parametrize(("username", "function", "target"), REFUSALS)
def test_a_tool_write_outside_ones_write_reach_is_refused_and_writes_nothing(
    tools_db: Session, facts: Facts, username: str, function: str, target: str
) -> None:
    TALLY["tools writes run"] += 1
    outcome, changed = _attempt(tools_db, facts, username, function, target)
    assert _refused(function, outcome), outcome
    assert changed == []
    TALLY["tools writes clean"] += 1


CONTROLS = [
    (function, target, who)
    for function, write in WRITES.items()
    for target in write.targets
    if (who := write.control(target)) is not None
]


@pytest.mark.parametrize(("function", "target", "username"), CONTROLS)
def test_the_identical_write_by_the_person_the_rules_name_succeeds_so_each_refusal_is_about_access(
    tools_db: Session, facts: Facts, function: str, target: str, username: str
) -> None:
    outcome, changed = _attempt(tools_db, facts, username, function, target)
    assert not isinstance(outcome, AccessDenied | ValidationError), outcome
    assert "audit_log" in changed and len(changed) >= 2, changed
    TALLY["tools write controls"] += 1


def test_every_write_has_refusals_and_a_control_and_every_target_school_is_aimed_at() -> None:
    assert {f for _, f, _ in REFUSALS} == set(WRITES)
    assert {f for f, _, _ in CONTROLS} == set(WRITES)
    assert {_code(t) for _, _, t in REFUSALS} >= {*SCHOOLS, NATIONAL, "own"}
    # Nobody is refused where the rules let them, nor aimed at where DESIGN.md is silent.
    assert not {(u, f, t) for u, f, t in REFUSALS} & {(u, f, t) for u, f, t in SILENT}


# --- nothing forgotten ----------------------------------------------------------------------------------


def _tools_functions() -> dict[str, bool]:
    """module.function of every public function in db/tools, and whether it takes a Viewer (read from the
    source, so a module being written cannot break this)."""
    found = {}
    for path in sorted((ROOT / "db" / "tools").glob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                params = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
                takes = any(
                    a.annotation is not None and "Viewer" in ast.unparse(a.annotation) for a in params
                )
                found[f"{module}.{node.name}"] = takes
    return found


def test_every_public_function_of_the_tools_is_in_the_matrix() -> None:
    """A tool function added later must join READS or WRITES above (or take no viewer and read no data)."""
    found = _tools_functions()
    listed = set(READS) | set(WRITES)
    assert sorted(f for f, takes in found.items() if takes and f not in listed) == [], "add these"
    assert sorted(f for f, takes in found.items() if not takes and f not in NOT_DATA) == [], "add these"
    assert sorted((listed | NOT_DATA) - set(found)) == [], "these are gone: remove them"
