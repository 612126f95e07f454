"""Dashboard figure rules: school years and terms, strengths and areas to improve, where to visit next."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from cop.self_assessment import school_year_of, term_of  # noqa: F401 - one calendar for every page
from cop.vocab import EssentialActivity, Term

# A practice averaging at least this (on the 1-5 lesson-observation scale) is a strength.
STRENGTH_THRESHOLD = 4.0
# A change of average smaller than this between two periods reads as steady.
TREND_TOLERANCE = 0.1


def year_bounds(school_year: int) -> tuple[date, date]:
    """First day of the school year and first day of the next (half-open)."""
    return date(school_year, 9, 1), date(school_year + 1, 9, 1)


def term_bounds(school_year: int, term: Term | str) -> tuple[date, date]:
    """First day of a term and first day after it (half-open), matching `term_of`."""
    match Term(term):
        case Term.T1:
            return date(school_year, 9, 1), date(school_year + 1, 1, 1)
        case Term.T2:
            return date(school_year + 1, 1, 1), date(school_year + 1, 4, 1)
        case Term.T3:
            return date(school_year + 1, 4, 1), date(school_year + 1, 9, 1)
    raise AssertionError(term)  # pragma: no cover


def year_label(school_year: int) -> str:
    """`2026` -> `2026/27`."""
    return f"{school_year}/{str(school_year + 1)[-2:]}"


def period_label(school_year: int, term: Term | str | None) -> str:
    """`2026/27 term 1`, or the school year alone when no term is chosen."""
    return year_label(school_year) if term is None else f"{year_label(school_year)} term {Term(term).value}"


def recent_years(today: date, count: int = 5) -> list[int]:
    """The current school year and the ones before it, newest first (for filters)."""
    current = school_year_of(today)
    return [current - i for i in range(count)]


@dataclass(frozen=True)
class PracticeAverage:
    practice: str
    average: float
    ratings: int
    previous: float | None = None  # the same practice's average in the period before, for the trend

    @property
    def is_strength(self) -> bool:
        return self.average >= STRENGTH_THRESHOLD

    @property
    def trend(self) -> str:
        """up / down / steady against the previous period, or new when it was not rated then."""
        if self.previous is None:
            return "new"
        delta = self.average - self.previous
        if abs(delta) < TREND_TOLERANCE:
            return "steady"
        return "up" if delta > 0 else "down"


def split_practices(averages: list[PracticeAverage]) -> tuple[list[PracticeAverage], list[PracticeAverage]]:
    """Strengths (average >= 4), best first, and areas to improve (< 4), weakest first."""
    strengths = sorted((a for a in averages if a.is_strength), key=lambda a: (-a.average, a.practice))
    areas = sorted((a for a in averages if not a.is_strength), key=lambda a: (a.average, a.practice))
    return strengths, areas


def share(part: int, whole: int) -> float | None:
    """part / whole as a percentage with one decimal, or None when there is nothing to divide by."""
    return round(100.0 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class SchoolSignals:
    """What an official weighs when choosing the next school to visit, for one school."""

    school_id: str
    school: str
    district: str
    has_active_cop: bool
    weeks_since_session: int | None  # None: never held a CoP session
    sessions_this_term: int
    overdue_actions: int
    stuck_cycles: int
    visits_this_year: int  # monitoring and field visits
    parking_lot: int = 0


@dataclass(frozen=True)
class VisitPriority:
    signals: SchoolSignals
    score: int
    reasons: list[str] = field(default_factory=list)


def visit_priority(s: SchoolSignals) -> VisitPriority:
    """A score (higher = visit sooner) with the reasons behind it, in words an official can act on.

    Weights: a school with no working CoP or long silence needs a visit most; unvisited schools come
    before ones already visited this year; overdue actions and stuck cycles add up but are capped, so
    one large school cannot hide every other."""
    score, reasons = 0, []
    if not s.has_active_cop:
        score += 40
        reasons.append("no active CoP")
    if s.weeks_since_session is None:
        score += 30
        reasons.append("no CoP session held yet")
    elif s.weeks_since_session >= 4:
        score += min(30, 2 * s.weeks_since_session)
        reasons.append(f"no CoP session for {s.weeks_since_session} weeks")
    if s.visits_this_year == 0:
        score += 20
        reasons.append("not visited this school year")
    if s.overdue_actions:
        score += min(15, 3 * s.overdue_actions)
        reasons.append(f"{s.overdue_actions} action(s) past due")
    if s.stuck_cycles:
        score += min(15, 5 * s.stuck_cycles)
        reasons.append(f"{s.stuck_cycles} cycle(s) stuck in middle sessions")
    if s.sessions_this_term == 0 and s.has_active_cop:
        score += 5
        reasons.append("no session this term")
    return VisitPriority(s, score, reasons)


def rank_for_visit(signals: list[SchoolSignals], limit: int = 20) -> list[VisitPriority]:
    """Schools most in need of a visit first; ties by name so the order is stable."""
    ranked = sorted((visit_priority(s) for s in signals), key=lambda p: (-p.score, p.signals.school))
    return [p for p in ranked if p.score > 0][:limit]


@dataclass(frozen=True)
class CycleFacts:
    """Counts of one cycle's records, enough to tell which essential activities are done."""

    challenges: int
    priorities: int
    priorities_planned: int  # priorities with at least one try-out plan
    priorities_effective: int  # priorities whose latest try-out was judged effective
    tryouts_judged: int
    outputs: int
    disseminations: int
    evaluated: bool


def activities_done(f: CycleFacts) -> dict[EssentialActivity, bool]:
    """The six essential activities, in the guidelines' order (the same rule as `cop.cycle.Cycle`)."""
    all_effective = f.priorities > 0 and f.priorities_effective == f.priorities
    return {
        EssentialActivity.IDENTIFICATION: f.challenges > 0,
        EssentialActivity.PLANNING: f.priorities > 0 and f.priorities_planned == f.priorities,
        EssentialActivity.TRYOUT: f.tryouts_judged > 0,
        EssentialActivity.CONSOLIDATION: f.outputs > 0 and all_effective,
        EssentialActivity.DISSEMINATION: f.disseminations > 0,
        EssentialActivity.EVALUATION: f.evaluated,
    }
