"""A small school world with hand-countable figures, for the dashboard tests (integration and pages).

School year Y: CoP A (members t1-t3) runs cycle A1, reflecting: a first session on 10 Sep (t1, t2 present,
t3 absent) and a middle session on 8 Oct (all three present); CoP B (t3, t4) has cycle B1, planning,
with no session. Last year CoP A closed cycle A0 (one session, 5 May of Y). The head teacher led a
reflection session on 2 Nov (t4 present). A1 lists three challenges: ICT (direct, priority, try-out
worked), gender (indirect, priority, try-out not judged) and ICT out of control (parking lot); one
planned lesson-plan output; two disseminations, one done. Actions: one open and overdue, one open not
yet due, one done. Lessons observed: practice 1 rated 4 and 5 (a strength), practice 2 rated 3 and 3
(an area to improve; 2 last year). A monitoring visit and a field visit (the SBM's practice rated 2,
while their self-assessment averages 4). A second school of the district has nothing at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import (
    ActionItem,
    Attendance,
    Challenge,
    ConsolidationOutput,
    CopSession,
    DisseminationPlan,
    FieldVisit,
    FormTemplate,
    LessonObservation,
    MonitoringVisit,
    PracticeRating,
    SelfAssessment,
    TeachingPractice,
    TryoutPlan,
)
from tests import factories as f


@dataclass
class DashWorld:
    year: int
    today: date
    school_id: str
    empty_school_id: str
    district_id: str
    ht: str
    sbm: str
    officer: str
    national: str
    teacher: str  # t4: a member of CoP B only
    cop_a: str
    cop_b: str
    practices: tuple[str, str]


def build(s: Session, *, year: int, today: date, district: str = "Kirehe") -> DashWorld:
    school = f.school(s, district_name=district, name="Dash Test School")
    empty = f.school(s, district_name=district, name="Dash Quiet School")
    ht = f.person(s, role="head_teacher", school=school)
    sbm = f.person(s, role="facilitator", school=school)
    teachers = [f.person(s, role="teacher", school=school) for _ in range(4)]
    teachers[3].is_new_teacher = True
    officer = f.person(s, role="district_officer", district_name=district)
    national = f.person(s, role="national_officer")
    cop_a = f.cop(s, school, name="Dash CoP A", members=teachers[:3])
    cop_b = f.cop(s, school, name="Dash CoP B", members=teachers[2:])
    a1 = f.cycle(s, cop_a, school_year=year)
    a1.phase = "reflecting"
    f.cycle(s, cop_b, school_year=year)
    a0 = f.cycle(s, cop_a, school_year=year - 1)
    a0.phase = "closed"
    first = f.held_session(s, a1, kind="first", on=date(year, 9, 10))
    middle = f.held_session(s, a1, kind="middle", on=date(year, 10, 8))
    middle.sequence = 2
    f.held_session(s, a0, kind="first", on=date(year, 5, 5))
    reflection = CopSession(
        school_id=school.id, kind="reflection", status="held", session_date=date(year, 11, 2), led_by_id=ht.id
    )
    s.add(reflection)
    s.flush()
    for who, present in zip(teachers[:3], (True, True, False), strict=True):
        s.add(Attendance(session_id=first.id, person_id=who.id, present=present))
    for who in teachers[:3]:
        s.add(Attendance(session_id=middle.id, person_id=who.id, present=True))
    s.add(Attendance(session_id=reflection.id, person_id=teachers[3].id, present=True))

    def challenge(title: str, topic: str, control: str, priority: bool) -> Challenge:
        row = Challenge(
            school_id=school.id,
            cycle_id=a1.id,
            session_id=first.id,
            title=title,
            evidence_kind="other",
            topic=topic,
            control=control,
            is_priority=priority,
        )
        s.add(row)
        s.flush()
        return row

    c1 = challenge("Learners rarely use the tablets", "ict", "direct", True)
    c2 = challenge("Girls speak less in class", "gender", "indirect", True)
    challenge("No electricity in P4", "ict", "out_of_control", False)
    s.add(
        TryoutPlan(
            challenge_id=c1.id,
            attempt_no=1,
            activities="Pair work",
            resources=[],
            reviewed_in_session_id=middle.id,
            effective=True,
        )
    )
    s.add(TryoutPlan(challenge_id=c2.id, attempt_no=1, activities="Mixed groups", resources=[]))
    output = ConsolidationOutput(
        school_id=school.id, cycle_id=a1.id, kind="lesson_plan", title="Tablet lesson"
    )
    s.add(output)
    s.add(
        DisseminationPlan(
            school_id=school.id,
            cycle_id=a1.id,
            audience="colleagues",
            channel="Staff meeting",
            done=True,
            done_on=date(year, 11, 5),
        )
    )
    s.add(
        DisseminationPlan(school_id=school.id, cycle_id=a1.id, audience="school_community", channel="Parents")
    )
    for due, status in (
        (today - timedelta(days=10), "open"),
        (today + timedelta(days=10), "open"),
        (today - timedelta(days=20), "done"),
    ):
        s.add(
            ActionItem(
                school_id=school.id,
                source="session",
                session_id=middle.id,
                cycle_id=a1.id,
                description=f"Action due {due}",
                owner_id=teachers[0].id,
                due_on=due,
                status=status,
            )
        )

    p1 = TeachingPractice(key=f"dash_p1_{uuid.uuid4().hex[:6]}", label="Dash practice one", sort_order=900)
    p2 = TeachingPractice(key=f"dash_p2_{uuid.uuid4().hex[:6]}", label="Dash practice two", sort_order=901)
    s.add_all([p1, p2])
    s.flush()
    for on, r1, r2 in (
        (date(year, 9, 20), 4, 3),
        (date(year, 10, 20), 5, 3),
        (date(year - 1, 10, 1), None, 2),
    ):
        obs = LessonObservation(
            school_id=school.id,
            teacher_id=teachers[0].id,
            observer_id=sbm.id,
            subject="Mathematics",
            grade="P4",
            observed_on=on,
        )
        s.add(obs)
        s.flush()
        if r1 is not None:
            s.add(PracticeRating(observation_id=obs.id, practice_id=p1.id, rating=r1))
        s.add(PracticeRating(observation_id=obs.id, practice_id=p2.id, rating=r2))
    s.add(MonitoringVisit(school_id=school.id, visitor_id=officer.id, visit_date=date(year, 10, 20)))
    s.add(
        FieldVisit(
            school_id=school.id,
            facilitator_id=officer.id,
            sbm_id=sbm.id,
            visit_date=today - timedelta(days=30),
            practice_rating=2,
        )
    )
    template = s.scalar(
        select(FormTemplate).where(FormTemplate.kind == "self_assessment", FormTemplate.is_current)
    )
    assert template is not None
    s.add(
        SelfAssessment(
            person_id=sbm.id,
            school_id=school.id,
            template_id=template.id,
            school_year=year,
            term="1",
            answers={"a": 4, "b": 4},
        )
    )
    s.flush()
    return DashWorld(
        year,
        today,
        str(school.id),
        str(empty.id),
        str(school.district_id),
        str(ht.id),
        str(sbm.id),
        str(officer.id),
        str(national.id),
        str(teachers[3].id),
        str(cop_a.id),
        str(cop_b.id),
        ("Dash practice one", "Dash practice two"),
    )
