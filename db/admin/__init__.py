"""Administration of people, assignments, schools, CoPs and members, and CSV imports; reach checked here."""

from db.admin.accounts import deactivate_person, new_one_time_password, reactivate_person, reset_password
from db.admin.assignments import AssignmentSet, assignments_of, set_assignments
from db.admin.common import MAX_LIST, STALE, DistrictChoice, districts_in_admin_reach
from db.admin.cops import CopAdminRow, cops_of_school, create_cop, update_cop
from db.admin.imports import ImportReport, import_people_csv, import_schools_csv
from db.admin.members import MemberRow, add_member, members_of_cop, remove_member
from db.admin.people import PersonRow, people_in_reach
from db.admin.person_records import create_person, update_person
from db.admin.schools import SchoolRow, create_school, schools_in_admin_reach, update_school

__all__ = [
    "MAX_LIST",
    "STALE",
    "AssignmentSet",
    "CopAdminRow",
    "DistrictChoice",
    "ImportReport",
    "MemberRow",
    "PersonRow",
    "SchoolRow",
    "add_member",
    "assignments_of",
    "cops_of_school",
    "create_cop",
    "create_person",
    "create_school",
    "deactivate_person",
    "districts_in_admin_reach",
    "import_people_csv",
    "import_schools_csv",
    "members_of_cop",
    "new_one_time_password",
    "people_in_reach",
    "reactivate_person",
    "remove_member",
    "reset_password",
    "schools_in_admin_reach",
    "set_assignments",
    "update_cop",
    "update_person",
    "update_school",
]
