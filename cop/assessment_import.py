"""Learners' assessment results a school imports from CSV, checked row by row before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from cop.errors import ValidationError
from cop.validation import CsvRows, _parse_rows
from cop.vocab import Term

ASSESSMENT_COLUMNS = ("school_year", "term", "subject", "grade", "mean_score", "pass_rate", "learners")
REQUIRED_COLUMNS = ("term", "subject", "grade")
EXAMPLE_CSV = (
    "school_year,term,subject,grade,mean_score,pass_rate,learners\n"
    "2026,1,Mathematics,P4,58.5,64,112\n"
    "2026,1,English,P4,61,70,112\n"
)


@dataclass(frozen=True)
class AssessmentRow:
    school_year: int
    term: str
    subject: str
    grade: str
    mean_score: Decimal | None
    pass_rate: Decimal | None
    learners: int | None

    @property
    def key(self) -> str:
        year = f"{self.school_year}/{str(self.school_year + 1)[-2:]}"
        return f"{self.subject} {self.grade}, {year} term {self.term}"


def _percent(errors: dict[str, str], name: str, raw: str) -> Decimal | None:
    raw = raw.strip().removesuffix("%").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors[name] = f'"{raw}" is not a number.'
        return None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        errors[name] = "Give a percentage between 0 and 100."
        return None
    return value.quantize(Decimal("0.01"))


def _row(cells: dict[str, str], default_year: int, today_year: int) -> AssessmentRow:
    errors: dict[str, str] = {}
    year_raw = cells.get("school_year", "").strip()
    year = default_year
    if year_raw:
        # "2026/27" is how people write a school year; its first part is what we store.
        head = year_raw.split("/")[0].split("-")[0].strip()
        if head.isdigit() and 2000 <= int(head) <= today_year:
            year = int(head)
        else:
            errors["school_year"] = f"Give the school year as its first calendar year, 2000 to {today_year}."
    term_raw = cells.get("term", "").strip().casefold().removeprefix("term").removeprefix("t").strip()
    if term_raw not in Term.values():
        errors["term"] = "The term is 1, 2 or 3."
    subject = " ".join(cells.get("subject", "").split())
    grade = " ".join(cells.get("grade", "").split()).upper()
    if not subject:
        errors["subject"] = "The subject is required."
    elif len(subject) > 80:
        errors["subject"] = "The subject is longer than 80 characters."
    if not grade:
        errors["grade"] = "The grade is required (like P4 or S2)."
    elif len(grade) > 32:
        errors["grade"] = "The grade is longer than 32 characters."
    mean = _percent(errors, "mean_score", cells.get("mean_score", ""))
    passed = _percent(errors, "pass_rate", cells.get("pass_rate", ""))
    if mean is None and passed is None and not {"mean_score", "pass_rate"} & errors.keys():
        errors["mean_score"] = "Give a mean score, a pass rate or both."
    learners_raw = cells.get("learners", "").strip()
    learners = None
    if learners_raw:
        if learners_raw.isdigit() and 0 < int(learners_raw) <= 100_000:
            learners = int(learners_raw)
        else:
            errors["learners"] = "The number of learners is a whole number above 0."
    if errors:
        raise ValidationError(errors)
    return AssessmentRow(year, term_raw, subject, grade, mean, passed, learners)


def parse_assessment_csv(text: str, *, default_year: int, today_year: int) -> CsvRows[AssessmentRow]:
    """Every row checked on its own and against the rows above it; a file with any error imports nothing."""
    return _parse_rows(
        text,
        ASSESSMENT_COLUMNS,
        REQUIRED_COLUMNS,
        lambda cells: _row(cells, default_year, today_year),
        lambda row: ("subject", row.key.casefold()),
    )
