"""Demo CoP cycles: each story is played through `cop.cycle`, so every stored fact obeys the cycle's rules."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from cop.cycle import Cycle
from cop.vocab import ActionSource, ActionStatus, CyclePhase, SessionKind, SessionStatus
from db.demo import outputs, stories
from db.demo.base import CopCast, Demo, at, school_year_of, weekday
from db.demo.stories import Priority, Story
from db.models import (
    ActionItem,
    AlactReflection,
    Attendance,
    Challenge,
    ChallengeAnalysis,
    ChallengeVote,
    ConsolidationOutput,
    CopCycle,
    CopSession,
    LessonLearnt,
    Person,
    TryoutImplementer,
    TryoutNote,
    TryoutPlan,
)

FIRST, MIDDLE, LAST = SessionKind.FIRST, SessionKind.MIDDLE, SessionKind.LAST
PLANNING, CLOSED = CyclePhase.PLANNING, CyclePhase.CLOSED

# school, CoP (grade or subject), story, the phase the story stops in, a member who tries things out
CYCLES = (
    ("KRH-001", "P4", stories.P4_LAST_YEAR, CLOSED, "teacher.nyakarambi"),
    ("KRH-001", "P4", stories.P4_THIS_YEAR, CyclePhase.REFLECTING, "teacher.nyakarambi"),
    ("KRH-001", "Mathematics", stories.MATHS_THIS_YEAR, CyclePhase.TRYING_OUT, "new.teacher"),
    ("KRH-001", "S2", Story("Challenges of S2 teachers", grade="S2"), PLANNING, None),
    ("KRH-002", "P5", stories.P5_MAHAMA, CyclePhase.CONSOLIDATING, None),
    ("KRH-002", "P1-P3", Story("Early-grade literacy in Kinyarwanda", grade="P1-P3"), PLANNING, None),
    ("RSZ-001", "P6", stories.P6_KAMEMBE, CyclePhase.DISSEMINATING, None),
    ("RSZ-001", "S1", stories.S1_KAMEMBE, CyclePhase.TRYING_OUT, None),
    ("RSZ-002", "S3", stories.S3_NYAKABUYE, CyclePhase.REFLECTING, None),
    ("RSZ-002", "S2", Story("Challenges of S2 teachers", grade="S2"), PLANNING, None),
)
# Sessions a story holds before it stops in each phase (first, middle, middle, last; else all four).
HELD = {PLANNING: 0, CyclePhase.TRYING_OUT: 1, CyclePhase.REFLECTING: 2, CyclePhase.CONSOLIDATING: 3}
NOTES = (
    "Tried it in four lessons; most learners took part and the routine got quicker each time.",
    "Worked well in my class of 72 once the learners knew what to do.",
    "Learners liked it; I had to adapt it for the slower group.",
)
PENDING_NOTES = (
    "Tried it in three lessons so far; learners like it but it takes longer than planned.",
    "The first lesson was slow; by the third the routine worked. Will continue next week.",
)


def seed_cycles(demo: Demo) -> None:
    """Every demo cycle, from a planned first session to a closed cycle with its report acknowledged."""
    for code, key, story, phase, featured in CYCLES:
        _Play(demo, demo.cops[(code, key)], story, demo.people.get(featured or "")).play(phase)


class _Play:
    """One story, session by session: each step asks the cycle first, then writes what happened."""

    def __init__(self, demo: Demo, cast: CopCast, story: Story, featured: Person | None) -> None:
        self.demo, self.cast, self.story, self.featured = demo, cast, story, featured
        self.rng, self.rows = demo.rng, demo.rows
        self.cycle = Cycle()
        self.held: list[CopSession] = []
        self.present: dict[uuid.UUID, list[Person]] = {}
        self.challenges: dict[Priority, Challenge] = {}
        self.plans: dict[Priority, list[TryoutPlan]] = {}
        self.implementers: dict[uuid.UUID, list[Person]] = {}
        self.outputs: dict[Priority, ConsolidationOutput] = {}
        self.actions: list[ActionItem] = []

    def play(self, target: CyclePhase) -> None:
        """Hold the sessions up to `target`, plan the next one, store the phase the cycle reached."""
        dates = self._dates(HELD.get(target, 4), target)
        soon = weekday(self.demo.today + timedelta(days=self.rng.randint(6, 20)), 1)
        year = school_year_of(dates[0] if dates else soon)
        self.demo.cycle_numbers[(self.cast.cop.id, year)] += 1
        self.row = self.rows.add(
            CopCycle(
                cop_id=self.cast.cop.id,
                school_id=self.cast.school.id,
                school_year=year,
                number=self.demo.cycle_numbers[(self.cast.cop.id, year)],
                title=self.story.title,
                max_priorities=self.cycle.max_priorities,
                started_on=dates[0] if dates else None,
            )
        )
        for step, day in zip((self._first, self._middle, self._middle, self._last), dates, strict=False):
            step(day)
        if target is CLOSED:
            self._close(dates[-1])
        elif target is not CyclePhase.DISSEMINATING:
            after = dates[-1] + timedelta(days=self.rng.randint(21, 35)) if dates else soon
            self._session(self.cycle.allowed_next_sessions()[-1], max(after, self.demo.today), planned=True)
        self._settle()
        self.row.phase = self.cycle.phase.value
        if self.cycle.phase is not target:
            raise ValueError(f"The demo story '{self.story.title}' ends {self.cycle.phase}, not {target}")

    def _dates(self, count: int, target: CyclePhase) -> list[date]:
        """Session dates 3-5 weeks apart: last year's June for a closed cycle, else ending 1-2 weeks ago."""
        if target is CLOSED:
            end = date(self.demo.school_year, 6, 12)  # term 3 of the previous school year
        else:
            end = self.demo.today - timedelta(days=self.rng.randint(6, 15))
        gaps = [self.rng.randint(21, 35) for _ in range(count - 1)]
        # Keep this year's cycles inside the school year (from early September) by closing up the gaps.
        room = (end - date(school_year_of(end), 9, 8)).days - 3 * len(gaps)  # weekends may add a day each
        while sum(gaps) > room and max(gaps, default=21) > 21:
            gaps[gaps.index(max(gaps))] -= 1
        dates = [weekday(end, -1)]
        for gap in gaps:
            dates.insert(0, weekday(dates[0] - timedelta(days=gap), -1))
        return dates[:count]

    # --- the sessions

    def _session(self, kind: SessionKind, day: date, summary: str = "", planned: bool = False) -> CopSession:
        """A held session with its attendance (the cycle checks it may be held), or a planned one."""
        if planned:
            day = weekday(day + timedelta(days=3), 1)
        else:
            self.cycle.hold_session(kind)
        minutes = 90 if planned else self.rng.choice((85, 90, 90, 90, 95, 100))
        session = self.rows.add(
            CopSession(
                school_id=self.cast.school.id,
                cop_id=self.cast.cop.id,
                cycle_id=self.row.id,
                kind=kind.value,
                sequence=len(self.held) + 1,
                status=(SessionStatus.PLANNED if planned else SessionStatus.HELD).value,
                session_date=day,
                started_at=None if planned else at(day, 14),
                ended_at=None if planned else at(day, 14) + timedelta(minutes=minutes),
                duration_minutes=minutes,
                led_by_id=self.cast.facilitator.id,
                summary=summary or None,
                aob_notes=None if planned else self.rng.choice(stories.AOB),
            )
        )
        if planned:
            return session
        members = self._members_on(day)
        present = [p for p in members if self.rng.random() < 0.85]
        for person in members:
            self.rows.add(Attendance(session_id=session.id, person_id=person.id, present=person in present))
        self.held.append(session)
        self.present[session.id] = present or members
        self.demo.sessions.append(session)
        return session

    def _first(self, day: date) -> None:
        story = self.story
        parked = [o for o in story.others if o[3] == "out_of_control"]
        priorities = " and ".join(f"'{p.title}'" for p in story.priorities)
        summary = (
            f"Members listed {len(story.priorities) + len(story.others)} challenges with their evidence. "
            f"Priorities: {priorities}. "
            f"{len(parked)} challenge(s) out of our control went to the parking lot. Try-outs planned."
        )
        session = self._session(FIRST, day, summary)
        present = self.present[session.id]
        for p in story.priorities:
            self.challenges[p] = self._challenge(
                session, p.title, p.topic, p.evidence, p.control, p.evidence_note
            )
        others = [self._challenge(session, *other) for other in story.others]
        for person in present:  # most members voted for the challenges that became priorities
            for challenge in self.challenges.values():
                if self.rng.random() < 0.8:
                    self.rows.add(ChallengeVote(challenge_id=challenge.id, person_id=person.id))
        if others:
            self.rows.add(ChallengeVote(challenge_id=others[-1].id, person_id=present[0].id))
        for rank, p in enumerate(story.priorities, 1):
            challenge = self.challenges[p]
            self.cycle.prioritise(str(challenge.id))
            challenge.is_priority, challenge.priority_rank = True, rank
            causes, goal, solutions = p.analysis
            self.rows.add(
                ChallengeAnalysis(
                    challenge_id=challenge.id, root_causes=causes, goal=goal, possible_solutions=solutions
                )
            )
            plan = self._plan_tryout(p, session)
            self._action(session, f"Try out in class and keep notes: {plan.activities}", 14, self._doer(plan))
        self._action(session, "Share the try-out plans with the Director of Studies", 7)

    def _middle(self, day: date) -> None:
        pending = [(p, plans[-1]) for p, plans in self.plans.items() if plans[-1].effective is None]
        verdicts = [
            f"'{p.title}' {'worked' if plan.attempt_no == len(p.attempts) else 'did not work: ALACT done'}"
            for p, plan in pending
        ]
        summary = "Implementers shared their try-out notes. " + ("; ".join(verdicts) or "Consolidation")
        session = self._session(MIDDLE, day, summary + ".")
        for output in self.outputs.values():
            output.status, output.link_url = "ready", self._link(output.title)
        for p, plan in pending:
            worked = plan.attempt_no == len(p.attempts)
            self._judge(p, plan, session, worked)
            if worked:
                self._consolidate(p, plan, session)
            else:
                self._alact(p, plan, session)
        self._action(session, "Collect the try-out notes of absent members", 10)

    def _last(self, day: date) -> None:
        summary = f"Reviewed {len(self.outputs)} consolidation outputs, planned their dissemination, agreed"
        session = self._session(LAST, day, summary + " lessons for all members and evaluated the cycle.")
        for output in self.outputs.values():
            output.status, output.link_url = "reviewed", self._link(output.title)
        owners = self._members_on(day)
        for _ in range(
            outputs.add_dissemination(self.demo, self.cast, self.row, [*self.outputs.values()], day, owners)
        ):
            self.cycle.record_dissemination_plan()
        lessons = " ".join(p.lesson for p in self.story.priorities)
        self.rows.add(LessonLearnt(cycle_id=self.row.id, session_id=session.id, text=lessons))
        self.cycle.record_evaluation()
        outputs.add_evaluation(self.demo, self.row, session, lessons)
        self._action(session, "Send the cycle report and the outputs to the head teacher", 5)

    def _close(self, last: date) -> None:
        self.cycle.close()
        titles = [o.title for o in self.outputs.values()]
        outputs.add_report(self.demo, self.cast, self.row, self.story, titles, last)
        for p, plans in self.plans.items():
            outputs.add_card(self.demo, self.cast, self.story, p, self.challenges[p].id, plans[-1])

    # --- challenges and try-outs

    def _challenge(
        self,
        session: CopSession,
        title: str,
        topic: str,
        evidence: str,
        control: str,
        note: str | None = None,
    ) -> Challenge:
        challenge = self.rows.add(
            Challenge(
                school_id=self.cast.school.id,
                cycle_id=self.row.id,
                session_id=session.id,
                title=title,
                evidence_kind=evidence,
                evidence_note=note,
                topic=topic,
                subject=self.story.subject,
                grade=self.story.grade,
                control=control,
                is_priority=False,
                created_by_id=self.rng.choice(self.present[session.id]).id,
            )
        )
        self.cycle.add_challenge(str(challenge.id), control)
        return challenge

    def _plan_tryout(self, p: Priority, session: CopSession) -> TryoutPlan:
        attempt = self.cycle.plan_tryout(str(self.challenges[p].id))
        day = session.session_date
        plan = self.rows.add(
            TryoutPlan(
                challenge_id=self.challenges[p].id,
                attempt_no=attempt.attempt_no,
                planned_in_session_id=session.id,
                activities=p.attempts[attempt.attempt_no - 1],
                resources=[r.value for r in p.resources],
                resources_other="Health club and ICT club support" if "other" in p.resources else None,
                start_on=day + timedelta(days=3),
                end_on=day + timedelta(days=20),
            )
        )
        members = self._members_on(day)
        lead = [self.featured] if self.featured in members else []
        people = lead + self.rng.sample([m for m in members if m not in lead], 2)
        for person in people:
            self.rows.add(TryoutImplementer(plan_id=plan.id, person_id=person.id))
        self.plans.setdefault(p, []).append(plan)
        self.implementers[plan.id] = people
        return plan

    def _judge(self, p: Priority, plan: TryoutPlan, session: CopSession, worked: bool) -> None:
        looking_back = p.alact[1] if p.alact else "It did not work as planned."
        for person in self.implementers[plan.id]:
            tried = (plan.start_on or session.session_date) + timedelta(days=self.rng.randint(2, 12))
            note, result = (
                (self.rng.choice(NOTES), "effective") if worked else (looking_back, "not_effective")
            )
            result = "partly" if self.rng.random() < 0.25 else result  # implementers judge more softly
            self.rows.add(
                TryoutNote(plan_id=plan.id, person_id=person.id, notes=note, result=result, tried_on=tried)
            )
        self.cycle.judge_tryout(str(self.challenges[p].id), worked)
        plan.effective, plan.reviewed_in_session_id = worked, session.id
        plan.pros, plan.cons = (
            p.effect if worked else ("Every implementer tried it and kept notes.", looking_back)
        )

    def _consolidate(self, p: Priority, plan: TryoutPlan, session: CopSession) -> None:
        challenge = self.challenges[p]
        self.rows.add(
            LessonLearnt(
                cycle_id=self.row.id, challenge_id=challenge.id, session_id=session.id, text=p.lesson
            )
        )
        self.cycle.record_consolidation_output()
        kind, title = p.output
        owner = self._doer(plan)
        self.outputs[p] = self.rows.add(
            ConsolidationOutput(
                school_id=self.cast.school.id,
                cycle_id=self.row.id,
                challenge_id=challenge.id,
                planned_in_session_id=session.id,
                kind=kind.value,
                title=title,
                owner_id=owner.id,
                due_on=session.session_date + timedelta(days=21),
                status="planned",
            )
        )
        self._action(session, f"Prepare the consolidation output: {title}", 18, owner)

    def _alact(self, p: Priority, plan: TryoutPlan, session: CopSession) -> None:
        assert p.alact is not None, "every try-out that did not work has an ALACT in its story"
        action, looking_back, awareness, alternatives, trial = p.alact
        self.rows.add(
            AlactReflection(
                plan_id=plan.id,
                session_id=session.id,
                action=action,
                looking_back=looking_back,
                awareness=awareness,
                alternatives=alternatives,
                trial=trial,
            )
        )
        retry = self._plan_tryout(p, session)
        self._action(
            session, f"Try out the new plan and keep notes: {retry.activities}", 14, self._doer(retry)
        )

    # --- actions, reports and notes of the running try-outs

    def _action(self, session: CopSession, text: str, days: int, owner: Person | None = None) -> None:
        self.actions.append(
            self.rows.add(
                ActionItem(
                    school_id=self.cast.school.id,
                    source=ActionSource.SESSION.value,
                    session_id=session.id,
                    cycle_id=self.row.id,
                    description=text,
                    owner_id=(owner or self.cast.facilitator).id,
                    due_on=session.session_date + timedelta(days=days),
                    created_by_id=self.cast.facilitator.id,
                )
            )
        )

    def _settle(self) -> None:
        """Earlier sessions' actions are mostly done; the latest session's stay open, some overdue."""
        today, latest = self.demo.today, self.held[-1].id if self.held else None
        for action in self.actions:
            due = action.due_on or today
            earlier = action.session_id != latest and self.rng.random() < 0.85
            finished = due < today and (self.row.closed_at is not None or earlier)
            action.status = (ActionStatus.DONE if finished else ActionStatus.OPEN).value
            if finished:
                action.done_at = at(due - timedelta(days=self.rng.randint(0, 3)), 16)
        outputs.add_session_reports(self.demo, self.cast, self.held, self.actions)
        for plans in self.plans.values():
            plan = plans[-1]
            if plan.effective is None:  # the first implementer has noted how the running try-out goes
                tried = min(
                    max(plan.start_on or today, today - timedelta(days=self.rng.randint(1, 4))), today
                )
                note = self.rng.choice(PENDING_NOTES)
                self.rows.add(
                    TryoutNote(
                        plan_id=plan.id,
                        person_id=self._doer(plan).id,
                        notes=note,
                        result="partly",
                        tried_on=tried,
                    )
                )

    def _members_on(self, day: date) -> list[Person]:
        return [person for person, joined in self.cast.members if joined <= day]

    def _doer(self, plan: TryoutPlan) -> Person:
        return self.implementers[plan.id][0]

    def _link(self, title: str) -> str:
        slug = "-".join(title.lower().replace(":", "").split()[:6])
        return f"https://files.example.org/{self.cast.school.code.lower()}/{slug}"
