"""Who may see and do what: one table of rules, applied by the data layer to every read and write."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from cop.vocab import Role


class Reach(StrEnum):
    """How far a role's reading reaches."""

    EVERYTHING = "everything"
    DISTRICTS = "districts"  # assigned district(s)
    ASSIGNED = "assigned"  # assigned schools, and the schools of assigned SBMs
    SCHOOL = "school"  # home school
    OWN_COPS = "own_cops"  # the CoPs one is a member of, in the home school


class Page(StrEnum):
    """Pages of the app; navigation shows each role its own, the data layer still checks every query."""

    SCHOOL_OVERVIEW = "school_overview"
    ACCOUNT = "account"


@dataclass(frozen=True)
class RoleRule:
    reach: Reach
    pages: frozenset[Page]
    can_write_school_data: bool = False


_ALL_PAGES = frozenset(Page)

RULES: dict[Role, RoleRule] = {
    Role.ADMIN: RoleRule(Reach.EVERYTHING, _ALL_PAGES, can_write_school_data=True),
    Role.NATIONAL_OFFICER: RoleRule(Reach.EVERYTHING, _ALL_PAGES),
    Role.DISTRICT_OFFICER: RoleRule(Reach.DISTRICTS, _ALL_PAGES),
    Role.FIELD_FACILITATOR: RoleRule(Reach.ASSIGNED, _ALL_PAGES),
    Role.TTC_TUTOR: RoleRule(Reach.ASSIGNED, _ALL_PAGES),
    Role.HEAD_TEACHER: RoleRule(Reach.SCHOOL, _ALL_PAGES, can_write_school_data=True),
    Role.FACILITATOR: RoleRule(Reach.SCHOOL, _ALL_PAGES, can_write_school_data=True),
    Role.TEACHER: RoleRule(Reach.OWN_COPS, _ALL_PAGES),
}


@dataclass(frozen=True)
class Viewer:
    """The signed-in person as the rules see them: role and what they are attached or assigned to."""

    person_id: str
    role: Role
    school_id: str | None = None
    district_id: str | None = None
    assigned_district_ids: frozenset[str] = field(default_factory=frozenset)
    assigned_school_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def rule(self) -> RoleRule:
        return RULES[self.role]

    @property
    def reach(self) -> Reach:
        return self.rule.reach


class AccessDenied(PermissionError):
    """Raised when a person asks for something outside their reach; the message is safe to show."""

    def __init__(self, message: str = "You do not have access to that.") -> None:
        super().__init__(message)


def pages_for(role: Role) -> frozenset[Page]:
    """The pages the navigation offers this role."""
    return RULES[role].pages


def district_ids_in_reach(viewer: Viewer) -> frozenset[str] | None:
    """District ids a district officer reaches (home district and assignments); None means no limit."""
    if viewer.reach is Reach.EVERYTHING:
        return None
    if viewer.reach is Reach.DISTRICTS:
        home = {viewer.district_id} if viewer.district_id else set()
        return frozenset(home | set(viewer.assigned_district_ids))
    return frozenset()


def may_write_school_data(viewer: Viewer, school_id: str, reachable: bool) -> bool:
    """Writes need a writing role and the school in reach; reading roles (officials, teachers) write forms
    of their own through their own functions, not school records."""
    return viewer.rule.can_write_school_data and reachable
