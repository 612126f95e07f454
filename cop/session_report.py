"""The CoP session report form: the text generated from a held session's records, and who may change it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cop.errors import CopRuleError, ValidationError
from cop.vocab import ControlCategory, Labelled, Role, SessionKind, Topic

MAX_TEXT = 20_000
# Report forms belong to cycle sessions; a reflection session's outputs are its cards.
REPORTED_KINDS = frozenset({SessionKind.FIRST, SessionKind.MIDDLE, SessionKind.LAST})


class ReportStatus(Labelled):
    NOT_SUBMITTED = "not_submitted", "Not submitted yet"
    AWAITING = "awaiting", "Awaiting acknowledgement"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"


class NotAcknowledgeable(CopRuleError):
    """The head teacher can acknowledge a report only once it has been submitted."""


@dataclass(frozen=True)
class AttendanceLine:
    name: str
    present: bool
    is_new_teacher: bool


@dataclass(frozen=True)
class ChallengeLine:
    title: str
    topic: str
    topic_other: str | None
    control: str
    is_priority: bool
    priority_rank: int | None

    @property
    def topic_label(self) -> str:
        label = Topic(self.topic).label
        return f"{label}: {self.topic_other}" if self.topic == Topic.OTHER and self.topic_other else label


@dataclass(frozen=True)
class TryoutLine:
    challenge: str
    attempt_no: int
    activities: str
    start_on: date | None
    end_on: date | None
    implementers: tuple[str, ...]
    effective: bool | None = None
    pros: str | None = None
    cons: str | None = None

    @property
    def verdict(self) -> str:
        return {True: "worked", False: "did not work", None: "not judged yet"}[self.effective]


@dataclass(frozen=True)
class ActionLine:
    description: str
    owner: str | None
    due_on: date | None
    status: str


@dataclass(frozen=True)
class SessionFacts:
    """What the records of one held session say; the report is generated from these."""

    summary: str | None
    aob_notes: str | None
    attendance: tuple[AttendanceLine, ...] = ()
    challenges: tuple[ChallengeLine, ...] = ()
    tryouts_planned: tuple[TryoutLine, ...] = ()
    tryouts_judged: tuple[TryoutLine, ...] = ()
    lessons: tuple[str, ...] = ()
    actions: tuple[ActionLine, ...] = ()

    @property
    def present(self) -> int:
        return sum(a.present for a in self.attendance)

    @property
    def absent(self) -> int:
        return len(self.attendance) - self.present

    @property
    def new_teachers_present(self) -> int:
        return sum(a.present and a.is_new_teacher for a in self.attendance)


def _period(start: date | None, end: date | None) -> str:
    if start and end:
        return f", {start:%d %b} to {end:%d %b %Y}"
    return f", from {start:%d %b %Y}" if start else ""


def _short(control: str) -> str:
    """'Direct control' rather than the label's explanation in brackets."""
    return ControlCategory(control).label.split(" (")[0]


def _sentence(text: str | None) -> str:
    """Text ending in one full stop, however it was typed."""
    text = (text or "").strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _challenge(c: ChallengeLine) -> str:
    priority = f"; priority {c.priority_rank or ''}".rstrip() if c.is_priority else ""
    return f"{c.title} ({c.topic_label}; {_short(c.control).lower()}{priority})"


def _activities(t: TryoutLine) -> str:
    by = f", by {', '.join(t.implementers)}" if t.implementers else ""
    return _sentence(f"{t.activities.strip().rstrip('.')}{_period(t.start_on, t.end_on)}{by}")


def _pros_cons(t: TryoutLine) -> str:
    pros = f" Pros: {_sentence(t.pros)}" if (t.pros or "").strip() else ""
    return pros + (f" Cons: {_sentence(t.cons)}" if (t.cons or "").strip() else "")


def _plan(t: TryoutLine) -> str:
    return f"{t.challenge} (attempt {t.attempt_no}): {_activities(t)}"


def _judged(t: TryoutLine) -> str:
    return f"{t.challenge}, attempt {t.attempt_no}: {t.verdict}.{_pros_cons(t)}"


def _action(a: ActionLine) -> str:
    due = f", due {a.due_on:%d %b %Y}" if a.due_on else ", no due date"
    return f"{a.description.strip()} ({a.owner or 'no owner'}{due})"


def _listed(heading: str, lines: list[str]) -> str:
    return "\n".join([heading, *(f"- {line}" for line in lines)]) if lines else ""


def attendance_line(facts: SessionFacts) -> str:
    """'8 of 10 members present (1 new teacher); absent: A, B.'"""
    if not facts.attendance:
        return "No attendance was recorded."
    new = facts.new_teachers_present
    text = f"{facts.present} of {len(facts.attendance)} members present"
    text += f" ({new} new teacher{'s' if new != 1 else ''})" if new else ""
    absent = [a.name for a in facts.attendance if not a.present]
    return text + (f"; absent: {', '.join(absent)}." if absent else ".")


def generated_main_discussions(facts: SessionFacts) -> str:
    """The main discussions as the session's records tell them: summary, attendance, challenges, AOB."""
    parts = [
        (facts.summary or "").strip(),
        "Attendance: " + attendance_line(facts),
        _listed(f"Challenges raised ({len(facts.challenges)}):", [_challenge(c) for c in facts.challenges]),
        _listed("Try-outs reviewed:", [_judged(t) for t in facts.tryouts_judged]),
        f"Any other business: {facts.aob_notes.strip()}" if (facts.aob_notes or "").strip() else "",
    ]
    return "\n\n".join(p for p in parts if p)


def _verdict(t: TryoutLine) -> str:
    follows = (
        "consolidate the lessons learnt" if t.effective else "deeper analysis (ALACT), then a new try-out"
    )
    return f"{t.challenge}, attempt {t.attempt_no} {t.verdict}: {follows}."


def generated_decisions(facts: SessionFacts) -> str:
    """The decisions as the session's records tell them: priorities, try-outs, verdicts, lessons, actions."""
    priorities = sorted((c for c in facts.challenges if c.is_priority), key=lambda c: c.priority_rank or 99)
    numbered = [f"{i}. {c.title}" for i, c in enumerate(priorities, 1)]
    parts = [
        "\n".join(["Priorities:", *numbered]) if numbered else "",
        _listed("Try-outs planned:", [_plan(t) for t in facts.tryouts_planned]),
        _listed("Judgements:", [_verdict(t) for t in facts.tryouts_judged if t.effective is not None]),
        _listed("Lessons learnt:", [text.strip() for text in facts.lessons]),
        _listed("Actions before the next session:", [_action(a) for a in facts.actions]),
    ]
    return "\n\n".join(p for p in parts if p) or "No decision was recorded in this session."


def record_rows(facts: SessionFacts) -> dict[str, list[tuple[str, str]]]:
    """The session's records as labelled lines per heading (for a printed report); empty headings left out."""

    def names(present: bool) -> str:
        return ", ".join(
            a.name + (" (new teacher)" if a.is_new_teacher else "")
            for a in facts.attendance
            if a.present is present
        )

    rows = {
        "Attendance": [
            (label, names(flag)) for label, flag in (("Present", True), ("Absent", False)) if names(flag)
        ],
        "Challenges raised": [
            (
                f"Priority {c.priority_rank or ''}".strip() if c.is_priority else _short(c.control),
                _challenge(c),
            )
            for c in facts.challenges
        ],
        "Try-outs planned": [
            (f"Attempt {t.attempt_no}", f"{t.challenge}: {_activities(t)}") for t in facts.tryouts_planned
        ],
        "Try-outs judged": [
            (t.verdict.capitalize(), f"{t.challenge}, attempt {t.attempt_no}.{_pros_cons(t)}")
            for t in facts.tryouts_judged
        ],
        "Lessons learnt": [("Lesson", text.strip()) for text in facts.lessons],
        "Actions": [
            (
                f"Due {a.due_on:%d %b %Y}" if a.due_on else "No due date",
                f"{a.description.strip()} ({a.owner or 'no owner'})",
            )
            for a in facts.actions
        ],
    }
    return {heading: lines for heading, lines in rows.items() if lines}


@dataclass(frozen=True)
class ReportText:
    main_discussions: str
    decisions: str


def _unstorable(text: str) -> bool:
    """Unpaired surrogates cannot be stored in PostgreSQL text."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _clean_text(errors: dict[str, str], name: str, value: str | None, what: str) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        errors[name] = f"Write the {what}."
    elif len(text) > MAX_TEXT:
        errors[name] = f"Use at most {MAX_TEXT:,} characters (now {len(text):,})."
    elif "\x00" in text or _unstorable(text):
        errors[name] = "Remove the invisible control character (it cannot be stored)."
    return text


def clean_report(main_discussions: str | None, decisions: str | None) -> ReportText:
    """The report's two texts trimmed, or a ValidationError naming each missing or too long one."""
    errors: dict[str, str] = {}
    main = _clean_text(errors, "main_discussions", main_discussions, "main discussions")
    decided = _clean_text(errors, "decisions", decisions, "decisions")
    if errors:
        raise ValidationError(errors)
    return ReportText(main, decided)


def report_status(submitted: bool, acknowledged: bool) -> ReportStatus:
    """Where a report stands: written by the facilitator, then acknowledged by the head teacher."""
    if acknowledged:
        return ReportStatus.ACKNOWLEDGED
    return ReportStatus.AWAITING if submitted else ReportStatus.NOT_SUBMITTED


def may_edit_report(role: Role, *, same_school: bool, facilitates_cop: bool) -> bool:
    """The CoP's facilitator writes the report; the head teacher (or deputy) of the school may correct it."""
    if not same_school:
        return False
    return role is Role.HEAD_TEACHER or (role is Role.FACILITATOR and facilitates_cop)


def may_acknowledge(role: Role, *, same_school: bool) -> bool:
    """Only the head teacher or deputy of the session's school acknowledges its reports."""
    return role is Role.HEAD_TEACHER and same_school


def check_acknowledgeable(submitted: bool) -> None:
    """Refuse to acknowledge a report nobody has submitted yet."""
    if not submitted:
        raise NotAcknowledgeable("This report has not been submitted yet: the facilitator saves it first.")


def keeps_acknowledgement(editor: Role) -> bool:
    """A facilitator's change after acknowledgement sends the report back to the head teacher as new."""
    return editor is Role.HEAD_TEACHER
