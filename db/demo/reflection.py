"""Demo reflection sessions led by head teachers (seed 004): complete at KRH-001, running at RSZ-001."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from cop.vocab import (
    ActionSource,
    ActionStatus,
    ReflectionCardKind,
    ReflectionStep,
    SessionKind,
    SessionStatus,
)
from db.demo.base import KIGALI, Demo, at
from db.models import ActionItem, Attendance, CopSession, Person, ReflectionCard, School

INSIGHT, POSITIVE = ReflectionCardKind.INSIGHT, ReflectionCardKind.POSITIVE
IMPROVEMENT, NEXT_STEP = ReflectionCardKind.IMPROVEMENT, ReflectionCardKind.NEXT_STEP

# kind, text, author (username), and for next steps: the owner and the days until it is due
NYAKARAMBI_CARDS = (
    (INSIGHT, "Group work is our strength: observations rate it 4 or more in most lessons.", "sbm"),
    (INSIGHT, "Formative assessment is our weakest practice: we rarely check understanding.", "ssl"),
    (INSIGHT, "Teachers who kept try-out notes could explain what worked and why.", "teacher"),
    (POSITIVE, "Name sticks with think-pair-share got girls answering in P4 mathematics.", "teacher"),
    (POSITIVE, "Peer-marking answer cards give feedback to every learner in large classes.", "sbm"),
    (IMPROVEMENT, "Faster learners still wait with nothing to do in many lessons.", "ssl"),
    (IMPROVEMENT, "CoP actions are not always followed up before the next session.", "sbm"),
    (NEXT_STEP, "Every teacher checks understanding once per lesson (exit ticket or hinge question).", "sbm"),
    (NEXT_STEP, "Share the extension cards with all mathematics teachers.", "ssl"),
    (NEXT_STEP, "Review open CoP actions at each Monday staff briefing.", "ht"),
)
NEXT_STEP_DUE = {"ht": 7, "ssl": 14, "sbm": 21}
KAMEMBE_CARDS = (
    (INSIGHT, "P6 learners now answer in full sentences more often since the sentence starters.", "sbm"),
    (INSIGHT, "Attendance at CoP sessions dropped in the rainy season.", "sbm"),
    (POSITIVE, "The ICT club charging the laptops each morning made weekly laptop lessons possible.", "sbm"),
)


def seed_reflections(demo: Demo) -> None:
    """A completed reflection session with next steps turned into actions, and one still running."""
    school = demo.schools["KRH-001"]
    day = demo.days_ago(18)
    cast = {key: demo.people[f"{key}.nyakarambi"] for key in ("ht", "sbm", "ssl", "teacher")}
    lead = [cast["sbm"], cast["ssl"], cast["teacher"], *demo.rng.sample(demo.teachers["KRH-001"], 3)]
    session = _session(demo, school, cast["ht"], day, ReflectionStep.COMPLETE, lead)
    for kind, text, author in NYAKARAMBI_CARDS:
        _card(demo, session, kind, text, cast[author])
        if kind is NEXT_STEP:
            due = day + timedelta(days=NEXT_STEP_DUE[author])
            done = due < demo.today and author == "ht"  # the briefing review started; the rest is pending
            demo.rows.add(
                ActionItem(
                    school_id=school.id,
                    source=ActionSource.REFLECTION.value,
                    session_id=session.id,
                    description=text,
                    owner_id=cast[author].id,
                    due_on=due,
                    status=(ActionStatus.DONE if done else ActionStatus.OPEN).value,
                    done_at=at(due, 8) if done else None,
                    created_by_id=cast["ht"].id,
                )
            )

    school, head, sbm = demo.schools["RSZ-001"], demo.people["ht.kamembe"], demo.people["sbm.kamembe"]
    lead = [sbm, *demo.rng.sample(demo.teachers["RSZ-001"], 4)]
    running = _session(demo, school, head, demo.today, ReflectionStep.POSITIVES, lead)
    running.join_code = f"KMB-{demo.rng.randint(1000, 9999)}"
    for kind, text, _ in KAMEMBE_CARDS:
        _card(demo, running, kind, text, sbm)


def _session(
    demo: Demo, school: School, head: Person, day: date, step: ReflectionStep, lead: list[Person]
) -> CopSession:
    complete = step is ReflectionStep.COMPLETE
    # A running session started a little while ago; a completed one took its 90 minutes.
    started = at(day, 14) if complete else datetime.now(KIGALI) - timedelta(minutes=25)
    session = demo.rows.add(
        CopSession(
            school_id=school.id,
            kind=SessionKind.REFLECTION.value,
            sequence=1,
            status=(SessionStatus.HELD if complete else SessionStatus.RUNNING).value,
            session_date=day,
            started_at=started,
            ended_at=started + timedelta(minutes=90) if complete else None,
            duration_minutes=90,
            led_by_id=head.id,
            summary="Head teacher-led reflection on the school statistics and the term's CoP work."
            if complete
            else None,
            reflection_step=step.value,
        )
    )
    for person in lead:
        demo.rows.add(Attendance(session_id=session.id, person_id=person.id, present=True))
    return session


def _card(demo: Demo, session: CopSession, kind: ReflectionCardKind, text: str, author: Person) -> None:
    demo.rows.add(
        ReflectionCard(
            session_id=session.id,
            school_id=session.school_id,
            kind=kind.value,
            text=text,
            author_id=author.id,
        )
    )
