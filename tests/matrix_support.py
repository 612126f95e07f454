"""Support for tests/test_access_matrix.py: each demo person's expected reach, written from the role rules
of DESIGN.md ("Who uses it") and the demo's assignments, never computed by the code under test; the facts
of a database the checks compare against; everything a page shows as text; a fingerprint of every table."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import text_format
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.models import AuditLog, Base, Cop, CopCycle, CopMember, CopSession, District, Person, School

# One demo person per role; the matrix runs as each of them.
DEMO_PEOPLE = (
    "admin",
    "reb.officer",
    "dde.kirehe",
    "urce.facilitator",
    "ttc.tutor",
    "ht.nyakarambi",
    "sbm.nyakarambi",
    "teacher.nyakarambi",
)
DEMO_SCHOOLS = {
    "KRH-001": "GS Nyakarambi",
    "KRH-002": "EP Mahama",
    "RSZ-001": "GS Kamembe",
    "RSZ-002": "GS Nyakabuye",
}
DEMO_DISTRICTS = {"KRH-001": "Kirehe", "KRH-002": "Kirehe", "RSZ-001": "Rusizi", "RSZ-002": "Rusizi"}
# The target school of each case, seen from the home (or first assigned) school KRH-001.
TARGETS = {"own school": "KRH-001", "same district": "KRH-002", "other district": "RSZ-001"}

# How many cases each tier ran, and how many of those ended clean; printed when the module ends.
TALLY: Counter[str] = Counter()


@dataclass(frozen=True)
class Expected:
    """What one person may read and administer, by the rules, in terms of school codes and district names."""

    everything: bool = False
    districts: frozenset[str] = frozenset()
    school_codes: frozenset[str] = frozenset()
    own_cops_only: bool = False
    administers: bool = False  # people, schools and CoPs within the same reach
    reads_audit: bool = False

    def reaches(self, code: str, district: str) -> bool:
        return self.everything or district in self.districts or code in self.school_codes

    def administers_school(self, code: str) -> bool:
        """Whether this person may change the people, CoPs and record of a demo school."""
        return self.administers and self.reaches(code, DEMO_DISTRICTS[code])


_KIREHE_SCHOOLS = frozenset({"KRH-001", "KRH-002"})
EXPECTED: dict[str, Expected] = {
    # Administrator: everything, and administers everything.
    "admin": Expected(everything=True, administers=True, reads_audit=True),
    # REB / programme staff: everything, read-mostly.
    "reb.officer": Expected(everything=True),
    # DDE: their district (Kirehe), which they also administer.
    "dde.kirehe": Expected(districts=frozenset({"Kirehe"}), administers=True),
    # UR-CE facilitator: the schools of the SBMs assigned (sbm.nyakarambi, sbm.mahama).
    "urce.facilitator": Expected(school_codes=_KIREHE_SCHOOLS),
    # TTC tutor: the schools assigned (KRH-001, KRH-002).
    "ttc.tutor": Expected(school_codes=_KIREHE_SCHOOLS),
    # Head teacher: their school, and its audit trail.
    "ht.nyakarambi": Expected(school_codes=frozenset({"KRH-001"}), reads_audit=True),
    # SBM: their school.
    "sbm.nyakarambi": Expected(school_codes=frozenset({"KRH-001"})),
    # Teacher: the CoPs they belong to, in their school.
    "teacher.nyakarambi": Expected(school_codes=frozenset({"KRH-001"}), own_cops_only=True),
}


@dataclass(frozen=True)
class SchoolFact:
    id: str
    code: str
    name: str
    district_id: str
    district: str
    is_active: bool


@dataclass(frozen=True)
class PersonFact:
    id: str
    username: str
    full_name: str
    role: str
    school_id: str | None
    district_id: str | None


@dataclass
class World:
    """The facts of one database, by id, that the checks hold every returned row against."""

    schools: dict[str, SchoolFact]
    districts: dict[str, str]  # id -> name
    people: dict[str, PersonFact]
    cop_school: dict[str, str]
    cop_name: dict[str, str]
    cycles: dict[str, tuple[str, str]]  # id -> (school id, cop id)
    sessions: dict[str, tuple[str, str | None]]  # id -> (school id, cop id or None for whole-school)
    memberships: dict[str, set[str]]  # person id -> current CoP ids
    audit_school: dict[str, str | None]  # audit row id -> school id
    audit_table: dict[str, str]
    usernames: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.usernames = {p.username: p.id for p in self.people.values()}

    def school(self, code: str) -> SchoolFact:
        return next(s for s in self.schools.values() if s.code == code)

    def person(self, username: str) -> PersonFact:
        return self.people[self.usernames[username]]

    def school_reached(self, exp: Expected, school_id: str | None) -> bool:
        if school_id is None:
            return exp.everything
        s = self.schools[school_id]
        return exp.reaches(s.code, s.district)

    def district_reached(self, exp: Expected, district_id: str | None) -> bool:
        """A district is in reach when the person reaches all of it, by the rules (everything, or theirs)."""
        if district_id is None:
            return exp.everything
        return exp.everything or self.districts[district_id] in exp.districts

    def person_reached(self, exp: Expected, person_id: str) -> bool:
        """School staff by their school; people without a school (officials) by their home district."""
        p = self.people[person_id]
        if p.school_id is not None:
            return self.school_reached(exp, p.school_id)
        return self.district_reached(exp, p.district_id)

    def forbidden_words(self, username: str) -> list[str]:
        """Names and codes a page shown to this person must never contain."""
        exp = EXPECTED[username]
        words = set()
        for code, name in DEMO_SCHOOLS.items():
            s = self.school(code)
            if not exp.reaches(s.code, s.district):
                words |= {code, name}
        # People of schools out of reach, and officials of districts where nothing is in reach. Officials
        # of a district with a school in reach (a DDE who edits it) and national staff may show up.
        districts_touched = {s.district_id for s in self.schools.values() if exp.reaches(s.code, s.district)}
        outside, allowed = set(), set()
        for p in self.people.values():
            if p.school_id is not None:
                far = not self.school_reached(exp, p.school_id)
            else:
                far = p.district_id is not None and p.district_id not in districts_touched
            (outside if far else allowed).add(p.full_name)
        words |= {n for n in outside - allowed if not any(n in a for a in allowed)}
        if exp.own_cops_only:
            me = self.person(username)
            mine = {self.cop_name[c] for c in self.memberships.get(me.id, set())}
            theirs = {n for c, n in self.cop_name.items() if self.cop_school[c] == me.school_id} - mine
            words |= {n for n in theirs if not any(n in m for m in mine)}
        return sorted(words)


def load_world(session: Session) -> World:
    districts = {str(i): n for i, n in session.execute(select(District.id, District.name))}
    schools = {
        str(s.id): SchoolFact(
            str(s.id), s.code, s.name, str(s.district_id), districts[str(s.district_id)], s.is_active
        )
        for s in session.scalars(select(School))
    }
    people = {
        str(p.id): PersonFact(
            str(p.id),
            p.username,
            p.full_name,
            p.role,
            str(p.school_id) if p.school_id else None,
            str(p.district_id) if p.district_id else None,
        )
        for p in session.scalars(select(Person))
    }
    cops = session.execute(select(Cop.id, Cop.school_id, Cop.name)).all()
    memberships: dict[str, set[str]] = {}
    for person_id, cop_id in session.execute(
        select(CopMember.person_id, CopMember.cop_id).where(CopMember.left_on.is_(None))
    ):
        memberships.setdefault(str(person_id), set()).add(str(cop_id))
    audit = session.execute(select(AuditLog.id, AuditLog.school_id, AuditLog.table_name)).all()
    return World(
        schools=schools,
        districts=districts,
        people=people,
        cop_school={str(i): str(s) for i, s, _ in cops},
        cop_name={str(i): n for i, _, n in cops},
        cycles={
            str(i): (str(s), str(c))
            for i, s, c in session.execute(select(CopCycle.id, CopCycle.school_id, CopCycle.cop_id))
        },
        sessions={
            str(i): (str(s), str(c) if c else None)
            for i, s, c in session.execute(select(CopSession.id, CopSession.school_id, CopSession.cop_id))
        },
        memberships=memberships,
        audit_school={str(i): str(s) if s else None for i, s, _ in audit},
        audit_table={str(i): t for i, _, t in audit},
    )


# --- pages --------------------------------------------------------------------------------------------


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def page_text(at: AppTest) -> str:
    """Everything the page put on screen: every element's and container's message (titles, markdown,
    captions, metrics, alerts, JSON, widget labels and options, tab labels), and each table as CSV."""
    parts = []
    for root in (at.main, at.sidebar):
        for node in _nodes(root):
            if node.type in {"arrow_data_frame", "dataframe"} and hasattr(node.value, "to_csv"):
                parts.append(node.value.to_csv(index=False))
            elif node.proto is not None:
                parts.append(text_format.MessageToString(node.proto, as_utf8=True))
    return "\n".join(parts)


def leaked(text_shown: str, words: Iterable[str]) -> list[str]:
    """The words that appear in the text as whole words (so "KRH-001" does not match "KRH-0010")."""
    return [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text_shown)]


# --- writes -------------------------------------------------------------------------------------------


def fingerprint(session: Session) -> dict[str, str]:
    """Row count and a digest of the contents of every table, in one query: any insert, update or delete
    anywhere (audit trail included) changes it."""
    session.flush()
    columns = ",\n".join(
        f"(SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "
        f'FROM "{t.name}" t) AS "{t.name}"'
        for t in Base.metadata.sorted_tables
    )
    row = session.execute(text(f"SELECT {columns}")).mappings().one()
    return dict(row)


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in before if before[t] != after[t])
