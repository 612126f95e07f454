"""The assessment-results CSV: every row checked on its own, with a report per row."""

from __future__ import annotations

from decimal import Decimal

from cop.assessment_import import EXAMPLE_CSV, parse_assessment_csv


def _parse(text: str):  # type: ignore[no-untyped-def]
    return parse_assessment_csv(text, default_year=2026, today_year=2026)


def test_the_example_file_parses_cleanly() -> None:
    parsed = _parse(EXAMPLE_CSV)
    assert parsed.errors == []
    (_, first), _ = parsed.rows
    assert (first.school_year, first.term, first.subject, first.grade) == (2026, "1", "Mathematics", "P4")
    assert (first.mean_score, first.pass_rate, first.learners) == (Decimal("58.50"), Decimal("64.00"), 112)


def test_people_write_terms_years_and_percentages_their_own_way() -> None:
    parsed = _parse("school_year;term;subject;grade;pass_rate\n2025/26;Term 2;  English ;p5;72,5%\n")
    assert parsed.errors == []
    row = parsed.rows[0][1]
    assert (row.school_year, row.term, row.subject, row.grade, row.pass_rate) == (
        2025,
        "2",
        "English",
        "P5",
        Decimal("72.50"),
    )


def test_the_school_year_defaults_to_the_chosen_one() -> None:
    assert _parse("term,subject,grade,mean_score\n3,Science,S2,40\n").rows[0][1].school_year == 2026


def test_each_bad_cell_is_named_with_its_row() -> None:
    text = "term,subject,grade,mean_score,pass_rate,learners\n4,,P4,abc,101,-3\n1,Maths,,,,\n"
    errors = {(e.row, e.field) for e in _parse(text).errors}
    assert errors == {
        (2, "term"),
        (2, "subject"),
        (2, "mean_score"),
        (2, "pass_rate"),
        (2, "learners"),
        (3, "grade"),
        (3, "mean_score"),
    }


def test_a_row_repeating_an_earlier_class_and_term_is_an_error() -> None:
    parsed = _parse("term,subject,grade,mean_score\n1,Maths,P4,50\n1,maths,p4,55\n")
    assert [(e.row, e.field) for e in parsed.errors] == [(3, "subject")]
    assert "row 2" in parsed.errors[0].message


def test_a_future_school_year_and_unknown_columns_are_refused() -> None:
    assert [
        e.field for e in _parse("school_year,term,subject,grade,mean_score\n2031,1,M,P4,50\n").errors
    ] == ["school_year"]
    errors = _parse("term,subject,grade,score\n1,M,P4,50\n").errors
    assert errors and all(e.row == 1 for e in errors)


def test_an_empty_file_says_so() -> None:
    assert [e.message for e in _parse("").errors] == ["The file is empty."]
