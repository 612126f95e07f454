"""Learners' assessment results of a school: the CSV import (all rows or none) and the list, both scoped."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer, may_write_school_data
from cop.assessment_import import AssessmentRow, parse_assessment_csv
from cop.validation import RowError
from db.access import ensure_school_in_reach
from db.models import AssessmentResult


@dataclass(frozen=True)
class AssessmentImport:
    """What an import did: nothing at all unless `errors` is empty."""

    rows_read: int
    created: int
    updated: int
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


def import_assessment_results(
    session: Session,
    viewer: Viewer,
    school_id: uuid.UUID | str,
    text: str,
    *,
    default_year: int,
    today_year: int,
) -> AssessmentImport:
    """Check every row, then write them all (a result already there for that subject, grade and term is
    replaced: schools re-import corrected sheets), or write nothing and say what is wrong on which row."""
    sid = ensure_school_in_reach(session, viewer, school_id)
    if not may_write_school_data(viewer, reachable=True):
        raise AccessDenied("Only the school's head teacher or CoP facilitators import assessment results.")
    parsed = parse_assessment_csv(text, default_year=default_year, today_year=today_year)
    if parsed.errors:
        return AssessmentImport(parsed.rows_read, 0, 0, parsed.errors)
    existing = {
        (r.school_year, r.term, r.subject.casefold(), r.grade.casefold()): r
        for r in session.scalars(select(AssessmentResult).where(AssessmentResult.school_id == sid))
    }
    created = updated = 0
    now = datetime.now(UTC)
    for _, row in parsed.rows:
        found = existing.get((row.school_year, row.term, row.subject.casefold(), row.grade.casefold()))
        if found is None:
            session.add(_new(sid, row, viewer, now))
            created += 1
        else:
            found.mean_score, found.pass_rate, found.learners = row.mean_score, row.pass_rate, row.learners
            found.imported_by_id, found.imported_at = uuid.UUID(viewer.person_id), now
            updated += 1
    session.flush()
    return AssessmentImport(parsed.rows_read, created, updated, [])


def _new(sid: uuid.UUID, row: AssessmentRow, viewer: Viewer, now: datetime) -> AssessmentResult:
    return AssessmentResult(
        school_id=sid,
        school_year=row.school_year,
        term=row.term,
        subject=row.subject,
        grade=row.grade,
        mean_score=row.mean_score,
        pass_rate=row.pass_rate,
        learners=row.learners,
        imported_by_id=uuid.UUID(viewer.person_id),
        imported_at=now,
    )


def may_import_assessments(viewer: Viewer) -> bool:
    """Whether the page should offer the import at all (the write checks again)."""
    return may_write_school_data(viewer, reachable=True)
