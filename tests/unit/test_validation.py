"""Administration input rules: people, schools, CoPs and CSV rows, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from cop.errors import ValidationError
from cop.validation import (
    MAX_CSV_BYTES,
    MAX_CSV_ROWS,
    PEOPLE_COLUMNS,
    CopInput,
    PersonInput,
    RowError,
    SchoolInput,
    check_assignments,
    clean_cop,
    clean_person,
    clean_school,
    decode_csv,
    parse_bool,
    parse_date,
    parse_people_csv,
    parse_schools_csv,
)
from cop.vocab import Role

TODAY = date(2026, 11, 25)


def _person(**changes: object) -> PersonInput:
    values: dict[str, object] = {
        "username": "grace.uwase",
        "full_name": "Grace Uwase",
        "role": "teacher",
        "school_code": "KRH-001",
    }
    values.update(changes)
    return PersonInput(**values)  # type: ignore[arg-type]


def _errors(call: object, *args: object, **kwargs: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value.errors


# --- people


def test_a_person_is_trimmed_and_normalised() -> None:
    cleaned = clean_person(
        _person(username="  Grace.Uwase ", full_name="  Grace   Uwase ", school_code="krh-001", email=" "),
        today=TODAY,
    )
    assert (cleaned.username, cleaned.full_name, cleaned.school_code, cleaned.email) == (
        "grace.uwase",
        "Grace Uwase",
        "KRH-001",
        None,
    )


@pytest.mark.parametrize("username", ["ab", "grace uwase", "grace@school", "é.teacher", "x" * 65, ""])
def test_usernames_outside_the_allowed_characters_or_length_are_refused(username: str) -> None:
    assert "username" in _errors(clean_person, _person(username=username), today=TODAY)


@pytest.mark.parametrize("username", ["abc", "t.krh001.01", "new-teacher_2", "x" * 64])
def test_usernames_of_lowercase_letters_digits_dots_dashes_and_underscores_pass(username: str) -> None:
    assert clean_person(_person(username=username), today=TODAY).username == username


def test_every_bad_field_is_reported_at_once() -> None:
    errors = _errors(clean_person, _person(username="a", full_name="", email="not-an-email"), today=TODAY)
    assert set(errors) == {"username", "full_name", "email"}


def test_roles_may_be_written_as_their_label() -> None:
    assert clean_person(_person(role="Head teacher"), today=TODAY).role == Role.HEAD_TEACHER


def test_an_unknown_role_is_refused_with_the_list_of_roles() -> None:
    assert "teacher" in _errors(clean_person, _person(role="principal"), today=TODAY)["role"]


def test_school_staff_need_a_home_school() -> None:
    errors = _errors(clean_person, _person(role="facilitator", school_code=None), today=TODAY)
    assert "home school" in errors["school_code"]


def test_a_district_officer_needs_a_district_and_no_school() -> None:
    errors = _errors(clean_person, _person(role="district_officer"), today=TODAY)
    assert set(errors) == {"school_code", "district"}
    assert clean_person(_person(role="district_officer", school_code=None, district="Kirehe"), today=TODAY)


def test_a_ttc_tutor_is_assigned_schools_rather_than_given_a_home_school() -> None:
    errors = _errors(clean_person, _person(role="ttc_tutor"), today=TODAY)
    assert "Assign schools" in errors["school_code"]


def test_national_roles_take_no_district() -> None:
    errors = _errors(clean_person, _person(role="admin", school_code=None, district="Kirehe"), today=TODAY)
    assert set(errors) == {"district"}


def test_a_new_teacher_needs_a_start_date() -> None:
    errors = _errors(clean_person, _person(is_new_teacher=True), today=TODAY)
    assert set(errors) == {"teacher_start_date"}
    assert clean_person(_person(is_new_teacher=True, teacher_start_date=date(2026, 9, 1)), today=TODAY)


def test_only_a_teacher_can_be_flagged_as_new() -> None:
    errors = _errors(
        clean_person,
        _person(role="facilitator", is_new_teacher=True, teacher_start_date=date(2026, 9, 1)),
        today=TODAY,
    )
    assert set(errors) == {"is_new_teacher", "teacher_start_date"}


@pytest.mark.parametrize("start", [date(1960, 1, 1), date(2028, 1, 1)])
def test_an_implausible_start_date_is_refused(start: date) -> None:
    errors = _errors(clean_person, _person(is_new_teacher=True, teacher_start_date=start), today=TODAY)
    assert "plausible" in errors["teacher_start_date"]


# --- schools and CoPs


def test_a_school_code_is_put_in_capitals_and_the_level_read_loosely() -> None:
    school = clean_school(
        SchoolInput(code=" krh-003 ", name=" EP  Nasho ", district="Kirehe", level="Primary")
    )
    assert (school.code, school.name, school.level) == ("KRH-003", "EP Nasho", "primary")


def test_a_school_without_name_district_or_valid_level_names_every_field() -> None:
    errors = _errors(clean_school, SchoolInput(code="K 1", name="", district=" ", level="college"))
    assert set(errors) == {"code", "name", "district", "level"}


def test_a_general_cop_needs_a_grade_and_a_subject_cop_a_subject() -> None:
    assert set(_errors(clean_cop, CopInput(name="P4 CoP", kind="general"))) == {"grade"}
    assert set(_errors(clean_cop, CopInput(name="Maths", kind="subject"))) == {"subject"}
    cop = clean_cop(CopInput(name=" P4 CoP ", kind="general", grade="P4", facilitator=" SBM.X "))
    assert (cop.name, cop.facilitator) == ("P4 CoP", "sbm.x")


def test_assignments_must_fit_the_role() -> None:
    check_assignments(Role.DISTRICT_OFFICER, districts=2)
    check_assignments(Role.FIELD_FACILITATOR, schools=1, sbms=3)
    check_assignments(Role.TTC_TUTOR, schools=2)
    assert set(_errors(check_assignments, Role.TTC_TUTOR, sbms=1)) == {"sbm_ids"}
    assert set(_errors(check_assignments, Role.TEACHER, schools=1)) == {"school_ids"}
    assert set(_errors(check_assignments, Role.DISTRICT_OFFICER, schools=1)) == {"school_ids"}


# --- cells and files


@pytest.mark.parametrize(
    ("cell", "value"), [("yes", True), ("Y", True), ("1", True), ("", False), ("no", False)]
)
def test_yes_no_cells(cell: str, value: bool) -> None:
    assert parse_bool(cell) is value


def test_a_yes_no_cell_with_anything_else_is_refused() -> None:
    with pytest.raises(ValueError, match="yes or no"):
        parse_bool("maybe")


def test_dates_are_read_as_iso_dates_only() -> None:
    assert parse_date(" 2026-01-15 ") == date(2026, 1, 15)
    assert parse_date("") is None
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("15/01/2026")


def test_an_uploaded_file_must_be_utf8_and_small() -> None:
    assert decode_csv("\ufeffcode,name\n".encode()) == "code,name\n"
    assert "UTF-8" in _errors(decode_csv, "Ecole Primaire é".encode("latin-1"))["file"]
    assert "MB" in _errors(decode_csv, b"x" * (MAX_CSV_BYTES + 1))["file"]


SCHOOLS_CSV = """code,name,district,sector,level
KRH-010,EP Nasho,Kirehe,Nasho,primary
krh-011,GS Gahara,kirehe,,Secondary
"""


def test_good_school_rows_parse_into_typed_inputs() -> None:
    parsed = parse_schools_csv(SCHOOLS_CSV)
    assert parsed.errors == []
    assert parsed.rows_read == 2
    assert [(n, s.code, s.level) for n, s in parsed.rows] == [
        (2, "KRH-010", "primary"),
        (3, "KRH-011", "secondary"),
    ]


def test_bad_school_rows_are_reported_by_row_number_counting_the_header_as_row_one() -> None:
    text = "code,name,district,level\nKRH-010,EP Nasho,Kirehe,primary\n\nKRH-011,,Kirehe,college\n"
    parsed = parse_schools_csv(text)
    assert parsed.errors == [
        RowError(4, "level", "Choose one of: primary, secondary, both."),
        RowError(4, "name", "Give the school's name."),
    ]
    assert [n for n, _ in parsed.rows] == [2]


def test_a_code_repeated_in_the_file_is_reported_on_its_second_row() -> None:
    parsed = parse_schools_csv(
        "code,name,district,level\nK-1,A school,Kirehe,primary\nk-1,B school,Kirehe,primary\n"
    )
    assert parsed.errors == [RowError(3, "code", "K-1 is also on row 2.")]


def test_missing_and_unknown_columns_are_reported_on_the_header_row() -> None:
    parsed = parse_schools_csv("code,name,districts,level\nK-1,A,Kirehe,primary\n")
    assert {(e.row, e.field) for e in parsed.errors} == {(1, "district"), (1, "districts")}
    assert parsed.rows == []


def test_semicolon_separated_files_from_spreadsheets_are_read() -> None:
    parsed = parse_schools_csv("code;name;district;level\nK-1;A school;Kirehe;primary\n")
    assert parsed.errors == [] and len(parsed.rows) == 1


def test_a_row_with_more_cells_than_the_header_is_refused() -> None:
    parsed = parse_schools_csv("code,name,district,level\nK-1,A school,Kirehe,primary,extra\n")
    assert parsed.errors == [RowError(2, "row", "This row has 5 cells; the header has 4.")]


def test_an_empty_file_and_a_file_with_too_many_rows_are_refused_as_a_whole() -> None:
    assert parse_schools_csv("  \n").errors == [RowError(0, "file", "The file is empty.")]
    rows = "".join(f"K-{i},School {i},Kirehe,primary\n" for i in range(MAX_CSV_ROWS + 1))
    parsed = parse_schools_csv("code,name,district,level\n" + rows)
    assert [(e.row, e.field) for e in parsed.errors] == [(0, "file")]
    assert parsed.rows == []


PEOPLE_CSV = (
    ",".join(PEOPLE_COLUMNS)
    + """
t.new,Keza Mutesi,keza@example.org,teacher,KRH-001,,P1 teacher,Kinyarwanda,yes,2026-09-01
dde.nyagatare,Samuel Kalisa,,district_officer,,Nyagatare,DDE,,,
"""
)


def test_good_people_rows_parse_with_their_flags_and_dates() -> None:
    parsed = parse_people_csv(PEOPLE_CSV, today=TODAY)
    assert parsed.errors == []
    (_, teacher), (_, officer) = parsed.rows
    assert (teacher.is_new_teacher, teacher.teacher_start_date) == (True, date(2026, 9, 1))
    assert (officer.role, officer.district, officer.school_code) == ("district_officer", "Nyagatare", None)


def test_every_problem_of_a_people_row_is_listed_with_its_column() -> None:
    text = (
        "username,full_name,role,school_code,is_new_teacher,teacher_start_date\n"
        "Bad Name,,teacher,,maybe,01/09/2026\n"
    )
    parsed = parse_people_csv(text, today=TODAY)
    assert {e.field for e in parsed.errors} == {
        "username",
        "full_name",
        "school_code",
        "is_new_teacher",
        "teacher_start_date",
    }
    assert {e.row for e in parsed.errors} == {2}
    assert "yes or no" in next(e.message for e in parsed.errors if e.field == "is_new_teacher")


def test_only_username_full_name_and_role_columns_are_required() -> None:
    parsed = parse_people_csv(
        "username,full_name,role\nreb.two,Agnes Uwineza,national_officer\n", today=TODAY
    )
    assert parsed.errors == [] and parsed.rows[0][1].role == "national_officer"
