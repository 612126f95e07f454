"""Administration input rules: people, schools and CoPs from forms and CSV files, checked field by field."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Generic, NamedTuple, TypeVar

from cop.errors import ValidationError
from cop.vocab import CopKind, Labelled, Role, SchoolLevel

T = TypeVar("T")

USERNAME_RE = re.compile(r"[a-z0-9._-]{3,64}")
SCHOOL_CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,31}")
# Deliberately loose: the address is for contact, never for signing in, so only typos are caught.
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_ROWS = 5000
# A start date this far ahead is a typo rather than a teacher hired early.
_START_DATE_AHEAD = timedelta(days=366)
_EARLIEST_START = date(1970, 1, 1)

# Their work is one school: they need a home school, and only they can be CoP members.
SCHOOL_ROLES = frozenset({Role.HEAD_TEACHER, Role.FACILITATOR, Role.TEACHER})
# Their reach is what they are assigned to, so a home school means nothing for them.
ASSIGNED_ROLES = frozenset({Role.FIELD_FACILITATOR, Role.TTC_TUTOR})
NATIONAL_ROLES = frozenset({Role.ADMIN, Role.NATIONAL_OFFICER})
# What each role may be assigned to (Assignment rows); every other role has none.
ASSIGNMENT_TARGETS: dict[Role, frozenset[str]] = {
    Role.DISTRICT_OFFICER: frozenset({"districts"}),
    Role.FIELD_FACILITATOR: frozenset({"schools", "sbms"}),
    Role.TTC_TUTOR: frozenset({"schools"}),
}
_TARGET_LABELS = {"districts": "districts", "schools": "schools", "sbms": "SBMs / SSLs"}

SCHOOL_COLUMNS = ("code", "name", "district", "sector", "level")
PEOPLE_COLUMNS = (
    "username",
    "full_name",
    "email",
    "role",
    "school_code",
    "district",
    "job_title",
    "subject",
    "is_new_teacher",
    "teacher_start_date",
)
_REQUIRED_SCHOOL_COLUMNS = ("code", "name", "district", "level")
_REQUIRED_PEOPLE_COLUMNS = ("username", "full_name", "role")
_TRUE = {"1", "yes", "y", "true", "x"}
_FALSE = {"", "0", "no", "n", "false"}


@dataclass(frozen=True)
class PersonInput:
    """A person as an administrator describes them; fields are named like the CSV columns."""

    username: str
    full_name: str
    role: str
    email: str | None = None
    school_code: str | None = None  # home school of a head teacher, facilitator or teacher
    district: str | None = None  # district name: home district of a district officer
    job_title: str | None = None
    subject: str | None = None
    is_new_teacher: bool = False
    teacher_start_date: date | None = None


@dataclass(frozen=True)
class SchoolInput:
    """A school as an administrator describes it; `district` is the district's name."""

    code: str
    name: str
    district: str
    level: str
    sector: str | None = None
    is_active: bool = True


@dataclass(frozen=True)
class CopInput:
    """A CoP as an administrator describes it; `facilitator` is the SBM's or SSL's username."""

    name: str
    kind: str
    grade: str | None = None
    subject: str | None = None
    facilitator: str | None = None
    is_active: bool = True


class RowError(NamedTuple):
    """One problem of an imported file: row 1 is the header, row 0 the file as a whole."""

    row: int
    field: str
    message: str


@dataclass(frozen=True)
class CsvRows(Generic[T]):
    """The rows of a file that passed every check on their own, and the problems of the others."""

    rows: list[tuple[int, T]]
    errors: list[RowError]
    rows_read: int


def _text(value: str | None) -> str | None:
    """Trimmed text with inner runs of spaces collapsed; empty means not given."""
    cleaned = " ".join((value or "").split())
    return cleaned or None


def _check_length(errors: dict[str, str], name: str, value: str | None, most: int) -> None:
    if value is not None and len(value) > most:
        errors[name] = f"Use at most {most} characters."


def _choice(value: str, vocabulary: type[Labelled]) -> Labelled | None:
    """A vocabulary member from its value or its label, written loosely ("Head teacher", "head-teacher")."""
    key = value.strip().casefold().replace(" ", "_").replace("-", "_")
    for member in vocabulary:
        if key in (member.value.casefold(), member.label.casefold().replace(" ", "_")):
            return member
    return None


def _one_of(vocabulary: type[Labelled]) -> str:
    return ", ".join(vocabulary.values())


def clean_person(data: PersonInput, *, today: date | None = None) -> PersonInput:
    """The person's fields trimmed and normalised, or a ValidationError naming every bad field."""
    today = today or date.today()
    errors: dict[str, str] = {}
    username = (data.username or "").strip().lower()
    if not USERNAME_RE.fullmatch(username):
        errors["username"] = "Use 3 to 64 characters: lowercase letters, digits, dots, dashes or underscores."
    full_name = _text(data.full_name)
    if full_name is None or len(full_name) < 2:
        errors["full_name"] = "Give the person's full name."
    _check_length(errors, "full_name", full_name, 160)
    email = _text(data.email)
    if email is not None and (not EMAIL_RE.fullmatch(email) or len(email) > 254):
        errors["email"] = "This does not look like an e-mail address (name@example.org)."
    job_title, subject = _text(data.job_title), _text(data.subject)
    _check_length(errors, "job_title", job_title, 80)
    _check_length(errors, "subject", subject, 80)
    school_code = (_text(data.school_code) or "").upper() or None
    district = _text(data.district)

    role = _choice(data.role or "", Role)
    if role is None:
        errors["role"] = f"Choose one of: {_one_of(Role)}."
    else:
        role = Role(role)
        if role in SCHOOL_ROLES and school_code is None:
            errors["school_code"] = f"A {role.label.lower()} needs a home school."
        elif role not in SCHOOL_ROLES and school_code is not None:
            hint = " Assign schools to them instead." if role in ASSIGNED_ROLES else ""
            errors["school_code"] = f"A {role.label.lower()} has no home school: leave it empty.{hint}"
        if role is Role.DISTRICT_OFFICER and district is None:
            errors["district"] = "A district officer needs a home district."
        elif role in NATIONAL_ROLES and district is not None:
            errors["district"] = f"A {role.label.lower()} works nationally: leave the district empty."
        if data.is_new_teacher and role is not Role.TEACHER:
            errors["is_new_teacher"] = "Only a teacher can be flagged as a new teacher."
        if data.teacher_start_date is not None and role is not Role.TEACHER:
            errors["teacher_start_date"] = "Only a teacher has a teaching start date."
    if data.is_new_teacher and data.teacher_start_date is None:
        errors["teacher_start_date"] = "Give the date the new teacher started."
    start = data.teacher_start_date
    if start is not None and not (_EARLIEST_START <= start <= today + _START_DATE_AHEAD):
        errors.setdefault("teacher_start_date", "This start date is not plausible: check the year.")
    if errors:
        raise ValidationError(errors)
    return replace(
        data,
        username=username,
        full_name=full_name or "",
        role=str(role),
        email=email,
        school_code=school_code,
        district=district,
        job_title=job_title,
        subject=subject,
    )


def clean_school(data: SchoolInput) -> SchoolInput:
    """The school's fields trimmed and normalised (code in capitals), or a ValidationError."""
    errors: dict[str, str] = {}
    code = (data.code or "").strip().upper()
    if not SCHOOL_CODE_RE.fullmatch(code):
        errors["code"] = "Use 2 to 32 characters: capital letters, digits and dashes (like KRH-001)."
    name = _text(data.name)
    if name is None or len(name) < 2:
        errors["name"] = "Give the school's name."
    _check_length(errors, "name", name, 160)
    district = _text(data.district)
    if district is None:
        errors["district"] = "Choose the school's district."
    sector = _text(data.sector)
    _check_length(errors, "sector", sector, 80)
    level = _choice(data.level or "", SchoolLevel)
    if level is None:
        errors["level"] = f"Choose one of: {_one_of(SchoolLevel)}."
    if errors:
        raise ValidationError(errors)
    return replace(data, code=code, name=name or "", district=district or "", sector=sector, level=str(level))


def clean_cop(data: CopInput) -> CopInput:
    """The CoP's fields trimmed; a general CoP needs its grade, a subject CoP its subject."""
    errors: dict[str, str] = {}
    name = _text(data.name)
    if name is None or len(name) < 2:
        errors["name"] = 'Give the CoP a name (like "P4 teachers CoP").'
    _check_length(errors, "name", name, 120)
    grade, subject = _text(data.grade), _text(data.subject)
    _check_length(errors, "grade", grade, 32)
    _check_length(errors, "subject", subject, 80)
    kind = _choice(data.kind or "", CopKind)
    if kind is None:
        errors["kind"] = f"Choose one of: {_one_of(CopKind)}."
    elif kind is CopKind.GENERAL and grade is None:
        errors.setdefault("grade", "A general CoP is for a grade or grade band (like P4 or P1-P3).")
    elif kind is CopKind.SUBJECT and subject is None:
        errors.setdefault("subject", "A subject CoP needs its subject (like Mathematics).")
    facilitator = (_text(data.facilitator) or "").lower() or None
    if errors:
        raise ValidationError(errors)
    return replace(
        data, name=name or "", kind=str(kind), grade=grade, subject=subject, facilitator=facilitator
    )


def check_assignments(role: Role, *, districts: int = 0, schools: int = 0, sbms: int = 0) -> None:
    """Refuse assignments a role cannot have: districts for district officers, schools / SBMs otherwise."""
    allowed = ASSIGNMENT_TARGETS.get(role, frozenset())
    given = {"districts": districts, "schools": schools, "sbms": sbms}
    errors = {
        f"{target[:-1]}_ids": f"A {role.label.lower()} cannot be assigned to {_TARGET_LABELS[target]}."
        for target, count in given.items()
        if count and target not in allowed
    }
    if errors:
        raise ValidationError(errors)


def parse_bool(value: str) -> bool:
    """A yes/no cell: 1, yes, y, true, x or 0, no, n, false, empty."""
    folded = value.strip().casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError("Write yes or no (or 1 / 0).")


def parse_date(value: str) -> date | None:
    """A date cell written as YYYY-MM-DD; empty means none."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("Write the date as YYYY-MM-DD (like 2026-01-15).") from None


def decode_csv(data: bytes) -> str:
    """The text of an uploaded CSV file (UTF-8, as spreadsheets export it), or a ValidationError."""
    if len(data) > MAX_CSV_BYTES:
        raise ValidationError({"file": _too_big()})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            {"file": 'The file is not UTF-8 text: save it from your spreadsheet as "CSV UTF-8".'}
        ) from None


def _too_big() -> str:
    return f"The file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB: split it into smaller files."


def _read_table(
    text: str, columns: tuple[str, ...], required: tuple[str, ...]
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError], int]:
    """Rows as column -> cell, numbered as a spreadsheet shows them (blank rows skipped but counted)."""
    if len(text.encode()) > MAX_CSV_BYTES:
        return [], [RowError(0, "file", _too_big())], 0
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return [], [RowError(0, "file", "The file is empty.")], 0
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in French or other locales save "CSV" with semicolons.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        return [], [RowError(0, "file", f"The file is not a readable CSV file ({error}).")], 0
    header = [cell.strip().casefold().replace(" ", "_") for cell in records[0]]
    errors = [RowError(1, name, f'Missing column "{name}".') for name in required if name not in header]
    errors += [
        RowError(
            1, name or f"column {i + 1}", f'Unknown column "{name}"; the columns are: {", ".join(columns)}.'
        )
        for i, name in enumerate(header)
        if name not in columns
    ]
    errors += [
        RowError(1, name, "This column appears twice.") for i, name in enumerate(header) if name in header[:i]
    ]
    if errors:
        return [], errors, 0
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) == MAX_CSV_ROWS:
            return (
                [],
                [RowError(0, "file", f"The file has more than {MAX_CSV_ROWS:,} rows: split it.")],
                len(rows) + 1,
            )
        if any(cell.strip() for cell in cells[len(header) :]):
            errors.append(
                RowError(number, "row", f"This row has {len(cells)} cells; the header has {len(header)}.")
            )
        padded = [*cells, *[""] * (len(header) - len(cells))]
        rows.append((number, dict(zip(header, padded, strict=False))))
    return rows, errors, len(rows)


def _parse_rows(
    text: str,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    parse: Callable[[dict[str, str]], T],
    key: Callable[[T], tuple[str, str]],
) -> CsvRows[T]:
    """Parse and check each row on its own, then flag the rows repeating an earlier row's key."""
    table, errors, read = _read_table(text, columns, required)
    bad_rows = {e.row for e in errors}
    rows: list[tuple[int, T]] = []
    seen: dict[str, int] = {}
    for number, cells in table:
        try:
            item = parse(cells)
        except ValidationError as error:
            errors += [RowError(number, name, message) for name, message in error.errors.items()]
            continue
        name, value = key(item)
        if value in seen:
            errors.append(RowError(number, name, f"{value} is also on row {seen[value]}."))
            continue
        seen[value] = number
        if number not in bad_rows:
            rows.append((number, item))
    return CsvRows(rows, sorted(errors), read)


def _school_from_cells(cells: dict[str, str]) -> SchoolInput:
    return clean_school(
        SchoolInput(
            code=cells.get("code", ""),
            name=cells.get("name", ""),
            district=cells.get("district", ""),
            level=cells.get("level", ""),
            sector=cells.get("sector"),
        )
    )


def _person_from_cells(cells: dict[str, str], today: date | None) -> PersonInput:
    """Typed values first (yes/no, dates), then the person's rules; all problems of the row together."""
    errors: dict[str, str] = {}
    is_new, start = False, None
    try:
        is_new = parse_bool(cells.get("is_new_teacher", ""))
    except ValueError as error:
        errors["is_new_teacher"] = str(error)
    try:
        start = parse_date(cells.get("teacher_start_date", ""))
    except ValueError as error:
        errors["teacher_start_date"] = str(error)
    data = PersonInput(
        username=cells.get("username", ""),
        full_name=cells.get("full_name", ""),
        role=cells.get("role", ""),
        email=cells.get("email"),
        school_code=cells.get("school_code"),
        district=cells.get("district"),
        job_title=cells.get("job_title"),
        subject=cells.get("subject"),
        is_new_teacher=is_new,
        teacher_start_date=start,
    )
    try:
        data = clean_person(data, today=today)
    except ValidationError as error:
        errors = {**error.errors, **errors}
    if errors:
        raise ValidationError(errors)
    return data


def parse_schools_csv(text: str) -> CsvRows[SchoolInput]:
    """Schools from CSV text with columns code,name,district,sector,level (sector may be left out)."""
    return _parse_rows(
        text, SCHOOL_COLUMNS, _REQUIRED_SCHOOL_COLUMNS, _school_from_cells, lambda s: ("code", s.code)
    )


def parse_people_csv(text: str, *, today: date | None = None) -> CsvRows[PersonInput]:
    """People from CSV text with the PEOPLE_COLUMNS; only username, full_name and role are required."""
    return _parse_rows(
        text,
        PEOPLE_COLUMNS,
        _REQUIRED_PEOPLE_COLUMNS,
        lambda cells: _person_from_cells(cells, today),
        lambda p: ("username", p.username),
    )
