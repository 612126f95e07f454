"""What the demo's seeding steps share: the clock, the randomness, the new rows and the cast so far."""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import TypeVar

from sqlalchemy.orm import Session

from cop.vocab import Role, Term
from db.models import Base, Cop, CopSession, District, FormTemplate, Person, School, TeachingPractice

KIGALI = timezone(timedelta(hours=2), "CAT")
R = TypeVar("R", bound=Base)


def school_year_of(day: date) -> int:
    """The calendar year in which the school year holding `day` started (Rwanda: September to July)."""
    return day.year if day.month >= 9 else day.year - 1


def term_of(day: date) -> Term:
    """Rwanda's terms: September-December, January-March, April-July (August counts with term 3)."""
    if day.month >= 9:
        return Term.T1
    return Term.T2 if day.month <= 3 else Term.T3


def weekday(day: date, step: int) -> date:
    """The nearest school day (Monday to Friday), moving by `step` days away from a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=step)
    return day


def at(day: date, hour: int = 14, minute: int = 0) -> datetime:
    """A moment on a school day, in Kigali time."""
    return datetime.combine(day, time(hour, minute), KIGALI)


class Rows:
    """New rows, inserted table by table in foreign-key order (the models declare no relationships)."""

    def __init__(self) -> None:
        self._by_table: dict[str, list[Base]] = defaultdict(list)

    def add(self, row: R) -> R:
        """Keep a row for insertion, with its id set now so later rows can point at it."""
        if getattr(row, "id", None) is None:
            row.id = uuid.uuid4()  # type: ignore[attr-defined]
        self._by_table[row.__tablename__].append(row)
        return row

    def insert(self, session: Session) -> None:
        """Flush each table's rows in dependency order; the caller's transaction commits them."""
        for table in Base.metadata.sorted_tables:
            if rows := self._by_table.get(table.name):
                session.add_all(rows)
                session.flush()

    def counts(self) -> dict[str, int]:
        """Rows per table, for the log."""
        return {table: len(rows) for table, rows in sorted(self._by_table.items())}


@dataclass(frozen=True)
class CopCast:
    """A demo CoP with its facilitator and members (person, joined on)."""

    cop: Cop
    school: School
    facilitator: Person
    members: list[tuple[Person, date]]


@dataclass
class Demo:
    """The seeding context: every step reads what earlier steps made and adds its rows here."""

    today: date
    password_hash: str
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    rows: Rows = field(default_factory=Rows)
    districts: dict[str, District] = field(default_factory=dict)
    practices: list[TeachingPractice] = field(default_factory=list)
    templates: dict[str, FormTemplate] = field(default_factory=dict)
    schools: dict[str, School] = field(default_factory=dict)  # by code
    people: dict[str, Person] = field(default_factory=dict)  # by username
    teachers: dict[str, list[Person]] = field(default_factory=dict)  # by school code
    cops: dict[tuple[str, str], CopCast] = field(default_factory=dict)  # (school code, grade or subject)
    sessions: list[CopSession] = field(default_factory=list)  # held CoP sessions of the cycles
    cycle_numbers: Counter[tuple[uuid.UUID, int]] = field(default_factory=Counter)

    @property
    def school_year(self) -> int:
        """The current school year, stored as the year it started."""
        return school_year_of(self.today)

    def days_ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    def head_of(self, school: School) -> Person:
        """The head teacher of a demo school."""
        return next(
            p for p in self.people.values() if p.role == Role.HEAD_TEACHER and p.school_id == school.id
        )
