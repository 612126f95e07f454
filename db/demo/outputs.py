"""The paperwork of demo cycles: dissemination plans, evaluations, reports and the practice card."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from cop.vocab import Audience, StoragePlace
from db.demo.base import CopCast, Demo, at, weekday
from db.demo.stories import Priority, Story
from db.models import (
    ActionItem,
    ConsolidationOutput,
    CopCycle,
    CopSession,
    CycleEvaluation,
    CycleReport,
    DisseminationPlan,
    Person,
    PracticeCard,
    SessionReport,
    TryoutPlan,
)

# audience, channel, days after the last session
DISSEMINATION = (
    (Audience.COLLEAGUES, "Staff meeting: a 15-minute demonstration", 7),
    (Audience.SCHOOL_COMMUNITY, "Parents' general assembly", 21),
    (Audience.BEYOND_SCHOOL, "Sector meeting of SBMs and SSLs", 45),
)
IMPROVEMENTS = (
    "Start the try-outs in the week after the session; invite the head teacher to a middle session; "
    "keep all try-out notes in one notebook."
)


def add_dissemination(
    demo: Demo,
    cast: CopCast,
    row: CopCycle,
    outputs: list[ConsolidationOutput],
    day: date,
    owners: list[Person],
) -> int:
    """Plans to share the outputs beyond the CoP; the ones whose date has passed are mostly done."""
    for i, (audience, channel, after) in enumerate(DISSEMINATION):
        on = weekday(day + timedelta(days=after), 1)
        done = on <= demo.today and i < 2  # the sector meeting is always still to come
        demo.rows.add(
            DisseminationPlan(
                school_id=cast.school.id,
                cycle_id=row.id,
                output_id=outputs[i % len(outputs)].id,
                audience=audience.value,
                channel=channel,
                planned_on=on,
                owner_id=demo.rng.choice(owners).id,
                done=done,
                done_on=on if done else None,
            )
        )
    return len(DISSEMINATION)


def add_evaluation(demo: Demo, row: CopCycle, session: CopSession, lessons: str) -> None:
    """The last session's evaluation: effectiveness and the six key enablers, 1-5."""
    scores = {e: demo.rng.randint(3, 5) for e in ("purpose_focus", "relationships", "collaboration")}
    scores |= {e: demo.rng.randint(2, 5) for e in ("inquiry", "leadership", "accountability")}
    demo.rows.add(
        CycleEvaluation(
            cycle_id=row.id,
            session_id=session.id,
            effectiveness=demo.rng.randint(4, 5),
            lessons_for_all=lessons,
            improvements_next_cycle=IMPROVEMENTS,
            **scores,
        )
    )


def add_report(demo: Demo, cast: CopCast, row: CopCycle, story: Story, titles: list[str], last: date) -> None:
    """The closed cycle's report to the head teacher, acknowledged, and where its outputs are kept."""
    row.closed_at = at(last + timedelta(days=10), 16)
    row.storage_place = StoragePlace.BOTH.value
    row.storage_note = "Printed copies in the staff-room cupboard; the video on the library laptop."
    body = [f"{story.title} ({cast.cop.name}, {cast.school.name})."]
    body += [f"- {p.title}: {len(p.attempts)} try-out(s). {p.lesson}" for p in story.priorities]
    body.append("Outputs: " + "; ".join(titles) + ".")
    demo.rows.add(
        CycleReport(
            cycle_id=row.id,
            body="\n".join(body),
            submitted_by_id=cast.facilitator.id,
            submitted_at=at(last + timedelta(days=5), 15),
            acknowledged_by_id=demo.head_of(cast.school).id,
            acknowledged_at=at(last + timedelta(days=8), 10),
        )
    )


def add_card(
    demo: Demo, cast: CopCast, story: Story, p: Priority, challenge_id: uuid.UUID, plan: TryoutPlan
) -> None:
    """A published practice card from a try-out that worked, for other schools to find."""
    if p.card is None:
        return
    title, evidence, materials = p.card
    demo.rows.add(
        PracticeCard(
            school_id=cast.school.id,
            challenge_id=challenge_id,
            tryout_plan_id=plan.id,
            title=title,
            topic=p.topic.value,
            subject=story.subject or "Mathematics",
            grade=story.grade,
            context=f"{cast.school.name}, {story.grade}: {p.evidence_note}",
            what_was_done=plan.activities,
            evidence_of_effect=evidence,
            materials=materials,
            published=True,
            created_by_id=cast.facilitator.id,
        )
    )


def add_session_reports(demo: Demo, cast: CopCast, held: list[CopSession], actions: list[ActionItem]) -> None:
    """A session report per held session; the head teacher has acknowledged those older than ten days."""
    head = demo.head_of(cast.school)
    for session in held:
        acknowledged = session.session_date <= demo.today - timedelta(days=10)
        demo.rows.add(
            SessionReport(
                session_id=session.id,
                main_discussions=session.summary,
                decisions="\n".join(a.description for a in actions if a.session_id == session.id),
                edited_by_id=cast.facilitator.id,
                submitted_at=at(session.session_date, 17),
                acknowledged_by_id=head.id if acknowledged else None,
                acknowledged_at=at(session.session_date + timedelta(days=3), 9) if acknowledged else None,
            )
        )
