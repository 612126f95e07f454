"""CSV imports of schools and people: every row checked, against the database too, then all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import bcrypt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.access import Viewer
from cop.errors import ValidationError
from cop.validation import RowError, parse_people_csv, parse_schools_csv
from cop.vocab import Role
from db.admin.accounts import new_one_time_password
from db.admin.assignments import _add_home_assignments
from db.admin.common import _check_role, _district_named, _Refused, _require_administrator
from db.admin.person_records import _check_username_free, _home, _new_person, _usernames_taken
from db.admin.schools import _new_school
from db.models import District, School

R = TypeVar("R")
# Generated one-time passwords carry about 79 random bits, which no work factor needs to protect, while
# cost 12 (~0.3 s a hash, and threads do not help) would make a 5,000-row import take 25 minutes; cost 6
# takes ~5 ms. The person replaces the password at first sign-in, hashed at full cost by db.auth.
_ONE_TIME_COST = 6


@dataclass(frozen=True)
class ImportReport:
    """What an import did: nothing at all unless `errors` is empty; passwords are shown to the admin once."""

    rows_read: int
    rows_imported: int
    errors: list[RowError]
    one_time_passwords: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _collect(errors: list[RowError], row: int, check: Callable[[], R]) -> R | None:
    """Run one check of an imported row, turning a refusal into that row's errors."""
    try:
        return check()
    except _Refused as refused:
        errors.append(RowError(row, refused.field, str(refused)))
    except ValidationError as invalid:
        errors.extend(RowError(row, name, message) for name, message in invalid.errors.items())
    return None


def _districts_by_name(session: Session) -> dict[str, District]:
    return {d.name.lower(): d for d in session.scalars(select(District))}


def _codes_taken(session: Session, codes: set[str]) -> set[str]:
    if not codes:
        return set()
    return set(session.scalars(select(func.upper(School.code)).where(func.upper(School.code).in_(codes))))


def import_schools_csv(session: Session, viewer: Viewer, text: str, *, dry_run: bool = False) -> ImportReport:
    """Create every school of a CSV file or none: all rows are checked, against the database too, first."""
    _require_administrator(viewer)
    parsed = parse_schools_csv(text)
    errors = list(parsed.errors)
    districts = _districts_by_name(session)
    taken = _codes_taken(session, {s.code for _, s in parsed.rows})
    schools = []
    for row, data in parsed.rows:
        district = _collect(
            errors,
            row,
            lambda d=data: _district_named(viewer, d.district, districts.get(d.district.lower())),
        )
        if data.code in taken:
            errors.append(RowError(row, "code", f"A school with code {data.code} already exists."))
        if district is not None:
            schools.append(_new_school(data, district.id))
    if errors or dry_run:
        return ImportReport(parsed.rows_read, 0, sorted(errors))
    session.add_all(schools)
    session.flush()
    return ImportReport(parsed.rows_read, len(schools), [])


def import_people_csv(session: Session, viewer: Viewer, text: str, *, dry_run: bool = False) -> ImportReport:
    """Create every person of a CSV file or none, each with a generated one-time password returned once."""
    _require_administrator(viewer)
    parsed = parse_people_csv(text)
    errors = list(parsed.errors)
    taken = _usernames_taken(session, {p.username for _, p in parsed.rows})
    codes = {p.school_code for _, p in parsed.rows if p.school_code}
    schools = (
        {s.code.upper(): s for s in session.scalars(select(School).where(func.upper(School.code).in_(codes)))}
        if codes
        else {}
    )
    districts = _districts_by_name(session)
    people = []
    for row, data in parsed.rows:
        _collect(errors, row, lambda d=data: _check_role(viewer, Role(d.role)))
        _collect(errors, row, lambda d=data: _check_username_free(d.username, taken))
        home = _collect(
            errors,
            row,
            lambda d=data: _home(
                viewer, d, schools.get(d.school_code or ""), districts.get((d.district or "").lower())
            ),
        )
        if home is not None:
            people.append(_new_person(data, *home))
    if errors or dry_run:
        return ImportReport(parsed.rows_read, 0, sorted(errors))
    passwords = {}
    for person in people:
        passwords[person.username] = new_one_time_password(person.username)
        salt = bcrypt.gensalt(rounds=_ONE_TIME_COST)
        person.password_hash = bcrypt.hashpw(passwords[person.username].encode(), salt).decode()
    session.add_all(people)
    session.flush()
    _add_home_assignments(session, people)
    return ImportReport(parsed.rows_read, len(people), [], passwords)
