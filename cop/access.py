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
    ADMIN_PEOPLE = "admin_people"
    ADMIN_SCHOOLS = "admin_schools"
    ADMIN_COPS = "admin_cops"
    AUDIT_LOG = "audit_log"
    MY_ACTIONS = "my_actions"
    SESSION_REPORTS = "session_reports"
    LESSON_OBSERVATIONS = "lesson_observations"
    SELF_ASSESSMENT = "self_assessment"
    MONITORING_VISITS = "monitoring_visits"
    FIELD_VISITS = "field_visits"
    TTC_VISITS = "ttc_visits"
    CEMC_GRADEBOOK = "cemc_gradebook"
    FORM_TEMPLATES = "form_templates"
    ACCOUNT = "account"
    CYCLES = "cycles"
    COP_SESSION = "cop_session"
    REFLECTION_SESSION = "reflection_session"
    CYCLE_REPORTS = "cycle_reports"
    CYCLE_PROGRESS = "cycle_progress"
    AREA_DASHBOARD = "area_dashboard"
    PROJECTOR = "projector"
    JOIN = "join"
    CONTRIBUTE = "contribute"


@dataclass(frozen=True)
class RoleRule:
    reach: Reach
    pages: frozenset[Page]
    can_write_school_data: bool = False
    # Administer people, schools and CoPs within reach (admin: everything; district officer: district).
    can_administer: bool = False


_EVERYONE = frozenset(
    {
        Page.SCHOOL_OVERVIEW,
        Page.MY_ACTIONS,
        Page.SESSION_REPORTS,
        Page.ACCOUNT,
        Page.CYCLES,
        Page.CYCLE_REPORTS,
        Page.CYCLE_PROGRESS,
    }
)
# Officials compare schools; school staff and teachers see their own school only.
_AREA = frozenset({Page.AREA_DASHBOARD})
# Running a session in the room (projector, step pages) is the facilitator's and the head teacher's;
# members take part from their phones through the join code.
_RUN_SESSIONS = frozenset({Page.COP_SESSION, Page.REFLECTION_SESSION, Page.PROJECTOR})
_TAKE_PART = frozenset({Page.JOIN, Page.CONTRIBUTE})
_ADMINISTRATION = frozenset({Page.ADMIN_PEOPLE, Page.ADMIN_SCHOOLS, Page.ADMIN_COPS})
# The monitoring and assessment tools; each tool's own rules (who fills, who reads) are in cop.monitoring.
_ALL_TOOLS = frozenset(
    {
        Page.LESSON_OBSERVATIONS,
        Page.SELF_ASSESSMENT,
        Page.MONITORING_VISITS,
        Page.FIELD_VISITS,
        Page.TTC_VISITS,
        Page.CEMC_GRADEBOOK,
    }
)

RULES: dict[Role, RoleRule] = {
    Role.ADMIN: RoleRule(
        Reach.EVERYTHING,
        _EVERYONE
        | _ADMINISTRATION
        | _ALL_TOOLS
        | _AREA
        | _RUN_SESSIONS
        | _TAKE_PART
        | {Page.AUDIT_LOG, Page.FORM_TEMPLATES},
        can_write_school_data=True,
        can_administer=True,
    ),
    Role.NATIONAL_OFFICER: RoleRule(Reach.EVERYTHING, _EVERYONE | _ALL_TOOLS | _AREA),
    Role.DISTRICT_OFFICER: RoleRule(
        Reach.DISTRICTS, _EVERYONE | _ADMINISTRATION | _ALL_TOOLS | _AREA, can_administer=True
    ),
    Role.FIELD_FACILITATOR: RoleRule(Reach.ASSIGNED, _EVERYONE | _AREA | (_ALL_TOOLS - {Page.TTC_VISITS})),
    Role.TTC_TUTOR: RoleRule(Reach.ASSIGNED, _EVERYONE | _AREA | {Page.TTC_VISITS, Page.CEMC_GRADEBOOK}),
    Role.HEAD_TEACHER: RoleRule(
        Reach.SCHOOL,
        _EVERYONE | (_ALL_TOOLS - {Page.CEMC_GRADEBOOK}) | _RUN_SESSIONS | _TAKE_PART | {Page.AUDIT_LOG},
        can_write_school_data=True,
    ),
    Role.FACILITATOR: RoleRule(
        Reach.SCHOOL,
        _EVERYONE | _ALL_TOOLS | _RUN_SESSIONS | _TAKE_PART,
        can_write_school_data=True,
    ),
    Role.TEACHER: RoleRule(Reach.OWN_COPS, _EVERYONE | _TAKE_PART | {Page.LESSON_OBSERVATIONS}),
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


def may_write_school_data(viewer: Viewer, reachable: bool) -> bool:
    """School records need a writing role and the school in reach; officials and teachers write only
    their own forms and contributions, through functions of their own."""
    return viewer.rule.can_write_school_data and reachable


def may_administer(viewer: Viewer, district_id: str | None) -> bool:
    """People, schools and CoPs: an admin anywhere, a district officer within their district(s)."""
    if not viewer.rule.can_administer:
        return False
    districts = district_ids_in_reach(viewer)
    return districts is None or (district_id is not None and district_id in districts)


def assignable_roles(viewer: Viewer) -> tuple[Role, ...]:
    """Roles this administrator may give: a district officer cannot create admins or national staff."""
    if viewer.role is Role.ADMIN:
        return tuple(Role)
    if viewer.rule.can_administer:
        return (Role.HEAD_TEACHER, Role.FACILITATOR, Role.TEACHER)
    return ()
