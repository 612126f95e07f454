"""Demo evidence and monitoring: lesson observations, visits, self-assessments, CEMC marks and results."""

from __future__ import annotations

from datetime import date, timedelta

from cop.vocab import ActionSource, ActionStatus, CemcParticipantRole, Enabler, SchoolLevel, Term
from db.demo.base import Demo, at, school_year_of, term_of
from db.models import (
    ActionItem,
    AssessmentResult,
    CemcMark,
    FieldVisit,
    LessonObservation,
    MonitoringVisit,
    Person,
    PracticeRating,
    School,
    SelfAssessment,
    TtcVisit,
    TtcVisitItem,
)

# Ratings a practice draws from: schools are strong in group work and materials, weak in checking and
# differentiating, so the dashboard's "strengths vs areas to improve" has something to show.
STRONG, MIDDLING, WEAK = (4, 4, 5, 5, 4), (2, 3, 3, 4, 3), (1, 2, 2, 3, 2)
PROFILE = {"group_work": STRONG, "materials": STRONG, "formative_assessment": WEAK, "differentiation": WEAK}
OBSERVATION_NOTES = (
    "Lively group work with clear roles; understanding was checked only with 'Have you understood?'.",
    "Good use of local materials; all learners did the same task, faster ones waited.",
    "Clear objectives shared at the start; few open questions.",
    "Learners explained their answers in pairs; the teacher talked for most of the second half.",
)
GRADES = {
    "KRH-001": ("P4", "P5", "S2"),
    "KRH-002": ("P3", "P5"),
    "RSZ-001": ("P6", "S1"),
    "RSZ-002": ("S2", "S3"),
}
# visitor, school, CoP, days ago
MONITORING = (
    ("reb.officer", "KRH-001", "P4", 150),
    ("dde.kirehe", "KRH-001", "P4", 40),
    ("dde.kirehe", "KRH-002", "P5", 26),
    ("reb.officer", "KRH-002", "P5", 12),
)
# SBM, days ago, the visitor's rating of the SBM's practice (1-4), next steps as actions
FIELD_VISITS = (
    (
        "sbm.nyakarambi",
        75,
        2,
        ("Observe two P4 lessons with the new feedback routine", "Update the CPD portfolio"),
    ),
    (
        "sbm.nyakarambi",
        20,
        2,
        ("Plan the middle session with the ALACT questions", "Observe new.teacher's lesson"),
    ),
    ("sbm.mahama", 33, 3, ("Invite parents to the homework buddies launch", "Share the group role cards")),
)
# participant, role, first-session report /30, field visit /30, final exam /40 (None: not marked yet)
CEMC = (
    ("sbm.nyakarambi", CemcParticipantRole.SBM, 24.5, 21.0, 31.0),
    ("ssl.nyakarambi", CemcParticipantRole.SSL, 26.0, None, 34.5),
    ("sbm.mahama", CemcParticipantRole.SBM, 22.0, 24.0, None),
    ("sbm.kamembe", CemcParticipantRole.SBM, 27.5, None, 29.0),
    ("sbm.nyakabuye", CemcParticipantRole.SBM, 19.0, None, None),
    ("ttc.tutor", CemcParticipantRole.TTC_TUTOR, 25.0, 26.5, 33.0),
    ("sei.kirehe", CemcParticipantRole.SEI, 23.0, 20.0, 27.5),
)


def seed_observations(demo: Demo) -> None:
    """4-8 lesson observations per school over the last two terms, rating every active practice 1-5."""
    school_days = [d for d in range(5, 170) if demo.days_ago(d).month != 8 and demo.days_ago(d).weekday() < 5]
    for code, school in demo.schools.items():
        observers = [p for p in demo.people.values() if p.school_id == school.id and p.role != "teacher"]
        teachers = [p for p in demo.people.values() if p.school_id == school.id and p.role == "teacher"]
        for days in sorted(demo.rng.sample(school_days, demo.rng.randint(4, 8)), reverse=True):
            teacher = demo.rng.choice(teachers)
            observation = demo.rows.add(
                LessonObservation(
                    school_id=school.id,
                    teacher_id=teacher.id,
                    observer_id=demo.rng.choice(observers).id,
                    subject=teacher.subject or "Mathematics",
                    grade=demo.rng.choice(GRADES[code]),
                    observed_on=demo.days_ago(days),
                    notes=demo.rng.choice(OBSERVATION_NOTES),
                )
            )
            for practice in demo.practices:
                rating = demo.rng.choice(PROFILE.get(practice.key, MIDDLING))
                demo.rows.add(
                    PracticeRating(observation_id=observation.id, practice_id=practice.id, rating=rating)
                )


def seed_visits(demo: Demo) -> None:
    """CoP monitoring visits in Kirehe, UR-CE field visits to two SBMs, and a TTC tutor's checklist visit."""
    template = demo.templates["monitoring"]
    for visitor, code, cop, days in MONITORING:
        ratings = {f"enabler_{e.value}": demo.rng.randint(2, 4) for e in Enabler}
        demo.rows.add(
            MonitoringVisit(
                school_id=demo.schools[code].id,
                cop_id=demo.cops[(code, cop)].cop.id,
                visitor_id=demo.people[visitor].id,
                template_id=template.id,
                visit_date=demo.days_ago(days),
                regularity=demo.rng.randint(3, 4),
                cycle_followed=demo.rng.randint(2, 4),
                documentation=demo.rng.randint(2, 3),
                answers={"outputs": demo.rng.randint(2, 4)},
                observations="The session followed the cycle; members brought evidence from their classes.",
                outputs_seen="Try-out notes, the session report, consolidation outputs in progress.",
                recommendations_leadership="Protect the CoP's 90 minutes in the timetable; attend a session.",
                recommendations_facilitator="Keep AOB to 30 minutes; follow up actions before the next one.",
                **ratings,
            )
        )
    for sbm, days, rating, next_steps in FIELD_VISITS:
        _field_visit(demo, demo.people[sbm], demo.days_ago(days), rating, next_steps)
    _ttc_visit(demo, demo.schools["KRH-001"], demo.days_ago(27))


def _field_visit(demo: Demo, sbm: Person, day: date, rating: int, next_steps: tuple[str, ...]) -> None:
    facilitator = demo.people["urce.facilitator"]
    visit = demo.rows.add(
        FieldVisit(
            school_id=sbm.school_id,
            facilitator_id=facilitator.id,
            sbm_id=sbm.id,
            visit_date=day,
            priority_challenges="The CoP's current priorities and their try-outs.",
            coaching_given="Co-planned the next session; practised ALACT questions for failed try-outs.",
            sbm_cpd_progress="Portfolio started; CEMC module 1 assignments submitted.",
            school_cpd_activities="Weekly CoP sessions by grade; peer observations in P4.",
            next_steps="; ".join(next_steps),
            practice_rating=rating,
        )
    )
    for i, text in enumerate(next_steps):
        due = day + timedelta(days=14 * (i + 1))
        done = due < demo.today - timedelta(days=14)  # the latest visit's steps are still open
        demo.rows.add(
            ActionItem(
                school_id=sbm.school_id,
                source=ActionSource.FIELD_VISIT.value,
                field_visit_id=visit.id,
                description=text,
                owner_id=sbm.id,
                due_on=due,
                status=(ActionStatus.DONE if done else ActionStatus.OPEN).value,
                done_at=at(due, 12) if done else None,
                created_by_id=facilitator.id,
            )
        )


def _ttc_visit(demo: Demo, school: School, day: date) -> None:
    """The induction checklist for every new teacher of the school; longer-serving ones have done more."""
    template = demo.templates["ttc_checklist"]
    visit = demo.rows.add(
        TtcVisit(
            school_id=school.id,
            tutor_id=demo.people["ttc.tutor"].id,
            facilitator_id=demo.people["sbm.nyakarambi"].id,
            template_id=template.id,
            visit_date=day,
            feedback_to_facilitator="New teachers bring their challenges to the CoP; plan a peer observation "
            "for each of them and check their portfolios monthly.",
        )
    )
    new_teachers = [p for p in demo.people.values() if p.school_id == school.id and p.is_new_teacher]
    for teacher in new_teachers:
        weeks = ((day - (teacher.teacher_start_date or day)).days // 7) or 1
        for i, item in enumerate(template.items):
            # Orientation comes first; the later checklist items take a new teacher longer.
            done = i == 0 or demo.rng.random() < min(0.95, weeks / (i + 2) / 2)
            demo.rows.add(
                TtcVisitItem(
                    visit_id=visit.id,
                    new_teacher_id=teacher.id,
                    item_key=item["key"],
                    done=done,
                    note=None if done else "Planned with the SBM before the next visit.",
                )
            )


def seed_self_assessments(demo: Demo) -> None:
    """sbm.nyakarambi over three terms, improving, the latest well above what the field visits found."""
    sbm, template = demo.people["sbm.nyakarambi"], demo.templates["self_assessment"]
    terms = _recent_terms(demo.today, 3)
    for i, (year, term) in enumerate(terms):
        base = (2, 3, 4)[i]
        answers = {item["key"]: max(1, base - (demo.rng.random() < 0.3)) for item in template.items}
        demo.rows.add(
            SelfAssessment(
                person_id=sbm.id,
                school_id=sbm.school_id,
                template_id=template.id,
                school_year=year,
                term=term.value,
                answers=answers,
                cpd_activities="CoP sessions every 3-5 weeks; observations with feedback; mentoring.",
                impact_reflection=(
                    "Teachers start to bring evidence to the CoP.",
                    "Try-outs are planned with clear roles; some still do not keep notes.",
                    "All teachers apply what the CoP agreed; I master every standard.",
                )[i],
            )
        )


def _recent_terms(today: date, count: int) -> list[tuple[int, Term]]:
    """The last `count` terms up to today's, oldest first, as (school year, term)."""
    year, term = school_year_of(today), int(term_of(today).value)
    terms = []
    for _ in range(count):
        terms.insert(0, (year, Term(str(term))))
        year, term = (year - 1, 3) if term == 1 else (year, term - 1)
    return terms


def seed_cemc(demo: Demo) -> None:
    """CEMC marks of this year's cohort, linked to the participant's latest first session if any."""
    assessor = demo.people["urce.facilitator"]
    for username, role, report, visit, exam in CEMC:
        person = demo.people[username]
        firsts = [s for s in demo.sessions if s.kind == "first" and s.led_by_id == person.id]
        school = next((s for s in demo.schools.values() if s.id == person.school_id), None)
        demo.rows.add(
            CemcMark(
                participant_id=person.id,
                participant_role=role.value,
                cohort=str(demo.school_year),
                assessor_id=assessor.id,
                school_id=person.school_id,
                district_id=school.district_id if school else person.district_id,
                first_session_report=report,
                first_session_id=max(firsts, key=lambda s: s.session_date).id if firsts else None,
                field_visit=visit,
                final_exam=exam,
            )
        )


def seed_results(demo: Demo) -> None:
    """Assessment results for terms 1 and 2 of the latest school year in which term 2 has ended."""
    year = demo.school_year if term_of(demo.today) is Term.T3 else demo.school_year - 1
    imported_on = min(date(year + 1, 4, 20), demo.today)
    for school in demo.schools.values():
        grades = []
        if school.level != SchoolLevel.SECONDARY:
            grades += ["P4", "P5", "P6"]
        if school.level != SchoolLevel.PRIMARY:
            grades += ["S1", "S2", "S3"]
        for subject, base in (("Mathematics", 48.0), ("English", 55.0), ("Science", 58.0)):
            for grade in grades:
                for term in (Term.T1, Term.T2):
                    mean = base + demo.rng.uniform(-7, 7) + (3 if term is Term.T2 else 0)
                    demo.rows.add(
                        AssessmentResult(
                            school_id=school.id,
                            school_year=year,
                            term=term.value,
                            subject=subject,
                            grade=grade,
                            mean_score=round(mean, 1),
                            pass_rate=round(min(100.0, mean + demo.rng.uniform(5, 15)), 1),
                            learners=demo.rng.randint(45, 140),
                            imported_by_id=demo.head_of(school).id,
                            imported_at=at(imported_on, 10),
                        )
                    )
