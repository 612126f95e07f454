"""Keep the per-school summary tables of the area dashboards current, incrementally.

Every write bumps the school's change marker (`db.changes`). Before an area dashboard reads, the schools
whose marker moved since their summary was built (and schools without a summary) are recomputed from the
source tables: a few indexed per-school aggregates, so a district or the whole country reads ~1 row per
school and term instead of millions of sessions and attendance rows. The summaries are derived data: no
audit, no personal data, rebuilt at any time by `refresh_all`.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session

from db.models.rollups import TERM_COUNTS

# Transactions that bumped a marker may commit a little after their marker's timestamp.
_MARKER_SLACK = "10 minutes"
# One refresher at a time; others read the summaries as they are (at most a second behind).
_LOCK_KEY = 0x0C0D_A5B0


def _year(col: str) -> str:
    """SQL of `cop.dashboard.school_year_of`."""
    month, year = f"extract(month FROM {col})", f"extract(year FROM {col})"
    return f"(CASE WHEN {month} >= 9 THEN {year} ELSE {year} - 1 END)::int"


def _term(col: str) -> str:
    """SQL of `cop.dashboard.term_of`."""
    month = f"extract(month FROM {col})"
    return f"(CASE WHEN {month} >= 9 THEN '1' WHEN {month} <= 3 THEN '2' ELSE '3' END)"


def _source(table_sql: str, day: str, school: str, counts: dict[str, str], where: str) -> str:
    """One source's per-school, per-term counts, padded with zeros for the other columns."""
    cols = ", ".join(f"{counts.get(c, '0')} AS {c}" for c in TERM_COUNTS)
    return (
        f"SELECT {school} AS school_id, {_year(day)} AS school_year, {_term(day)} AS term, {cols} "
        f"FROM {table_sql} WHERE {where} AND {school} IN (SELECT id FROM picked) "
        f"GROUP BY 1, 2, 3"
    )


_SOURCES = [
    _source(
        "cop_session s",
        "s.session_date",
        "s.school_id",
        {
            "sessions_held": "count(*) FILTER (WHERE s.kind <> 'reflection')",
            "reflection_sessions": "count(*) FILTER (WHERE s.kind = 'reflection')",
        },
        "s.status = 'held'",
    ),
    _source(
        "attendance a JOIN cop_session s ON s.id = a.session_id",
        "s.session_date",
        "s.school_id",
        {"attendance_present": "count(*) FILTER (WHERE a.present)", "attendance_records": "count(*)"},
        "s.status = 'held'",
    ),
    _source("monitoring_visit v", "v.visit_date", "v.school_id", {"monitoring_visits": "count(*)"}, "TRUE"),
    _source("field_visit v", "v.visit_date", "v.school_id", {"field_visits": "count(*)"}, "TRUE"),
    _source("ttc_visit v", "v.visit_date", "v.school_id", {"ttc_visits": "count(*)"}, "TRUE"),
    _source("lesson_observation o", "o.observed_on", "o.school_id", {"observations": "count(*)"}, "TRUE"),
    _source(
        "challenge c LEFT JOIN cop_session s ON s.id = c.session_id",
        "coalesce(s.session_date, (c.created_at AT TIME ZONE 'Africa/Kigali')::date)",
        "c.school_id",
        {
            "challenges": "count(*)",
            "parking_lot": "count(*) FILTER (WHERE c.control = 'out_of_control')",
        },
        "NOT c.hidden",
    ),
    _source(
        "tryout_plan t JOIN challenge c ON c.id = t.challenge_id "
        "LEFT JOIN cop_session s ON s.id = t.reviewed_in_session_id",
        "coalesce(s.session_date, t.end_on, (t.updated_at AT TIME ZONE 'Africa/Kigali')::date)",
        "c.school_id",
        {"tryouts_judged": "count(*)", "tryouts_effective": "count(*) FILTER (WHERE t.effective)"},
        "t.effective IS NOT NULL",
    ),
    _source(
        "consolidation_output o",
        "(o.created_at AT TIME ZONE 'Africa/Kigali')::date",
        "o.school_id",
        {"outputs": "count(*)"},
        "TRUE",
    ),
    _source(
        "dissemination_plan d",
        "coalesce(d.done_on, d.planned_on, (d.created_at AT TIME ZONE 'Africa/Kigali')::date)",
        "d.school_id",
        {"disseminations_done": "count(*)"},
        "d.done",
    ),
]

_INSERT_TERMS = (
    "INSERT INTO school_term_stat (school_id, school_year, term, {cols}) "
    "SELECT school_id, school_year, term, {sums} FROM ({union}) u GROUP BY 1, 2, 3"
).format(
    cols=", ".join(TERM_COUNTS),
    sums=", ".join(f"sum({c})" for c in TERM_COUNTS),
    union=" UNION ALL ".join(_SOURCES),
)

# A cycle between its first and last session with three middle sessions or more is stuck.
_INSERT_STATE = """
INSERT INTO school_stat (school_id, teachers, new_teachers, cops_active, cycles_open, cycles_stuck,
                         last_session_on, marker_counter, refreshed_at)
SELECT p.id,
       coalesce(t.teachers, 0), coalesce(t.new_teachers, 0), coalesce(c.cops, 0),
       coalesce(y.open, 0), coalesce(y.stuck, 0), l.last_on,
       coalesce(m.counter, 0), now()
FROM picked p
LEFT JOIN (SELECT school_id, count(*) AS teachers, count(*) FILTER (WHERE is_new_teacher) AS new_teachers
           FROM person WHERE role = 'teacher' AND is_active AND school_id IN (SELECT id FROM picked)
           GROUP BY school_id) t ON t.school_id = p.id
LEFT JOIN (SELECT school_id, count(*) AS cops FROM cop
           WHERE is_active AND school_id IN (SELECT id FROM picked)
           GROUP BY school_id) c ON c.school_id = p.id
LEFT JOIN (SELECT cy.school_id, count(*) AS open,
                  count(*) FILTER (WHERE cy.phase IN ('trying_out', 'reflecting')
                                   AND coalesce(ms.middles, 0) >= 3) AS stuck
           FROM cop_cycle cy
           LEFT JOIN (SELECT cycle_id, count(*) AS middles FROM cop_session
                      WHERE kind = 'middle' AND status = 'held' AND school_id IN (SELECT id FROM picked)
                      GROUP BY cycle_id) ms ON ms.cycle_id = cy.id
           WHERE cy.phase <> 'closed' AND cy.school_id IN (SELECT id FROM picked)
           GROUP BY cy.school_id) y ON y.school_id = p.id
LEFT JOIN (SELECT school_id, max(session_date) AS last_on FROM cop_session
           WHERE status = 'held' AND kind <> 'reflection' AND school_id IN (SELECT id FROM picked)
           GROUP BY school_id) l ON l.school_id = p.id
LEFT JOIN change_marker m ON m.scope = 'school:' || p.id::text
"""


def _with_picked(sql: str) -> str:
    return f"WITH picked AS (SELECT unnest(CAST(:ids AS uuid[])) AS id) {sql}"


def refresh_schools(session: Session, school_ids: list[uuid.UUID]) -> int:
    """Recompute the summaries of these schools from the source tables; returns how many."""
    if not school_ids:
        return 0
    params = {"ids": [uuid.UUID(str(i)) for i in school_ids]}
    session.execute(text("DELETE FROM school_term_stat WHERE school_id = ANY(CAST(:ids AS uuid[]))"), params)
    session.execute(text("DELETE FROM school_stat WHERE school_id = ANY(CAST(:ids AS uuid[]))"), params)
    session.execute(text(_with_picked(_INSERT_TERMS)), params)
    session.execute(text(_with_picked(_INSERT_STATE)), params)
    return len(school_ids)


_STALE = f"""
SELECT s.id FROM school s LEFT JOIN school_stat st ON st.school_id = s.id WHERE st.school_id IS NULL
UNION
SELECT st.school_id FROM change_marker m
JOIN school_stat st ON m.scope = 'school:' || st.school_id::text
WHERE m.changed_at > (SELECT coalesce(max(refreshed_at), '-infinity') FROM school_stat)
      - interval '{_MARKER_SLACK}'
  AND m.scope LIKE 'school:%' AND m.counter <> st.marker_counter
"""


def refresh_stale(session: Session, *, wait: bool = False) -> int:
    """Bring every school's summary up to date with its change marker; cheap when nothing moved.

    Without `wait`, returns 0 at once if another process is refreshing (its result lands in a moment)."""
    lock = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    got = session.execute(text(f"SELECT {lock}(:k)"), {"k": _LOCK_KEY}).scalar()
    if got is False:
        return 0
    stale = list(session.execute(text(_STALE)).scalars())
    return refresh_schools(session, stale)


def refresh_all(session: Session) -> int:
    """Rebuild every school's summary (after a bulk load that bypassed the change markers)."""
    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    ids = list(session.execute(text("SELECT id FROM school")).scalars())
    return refresh_schools(session, ids)


def rollup_version(session: Session) -> str:
    """Moves whenever any school's summary is rebuilt: part of the cache key of area figures."""
    return str(session.execute(text("SELECT max(refreshed_at) FROM school_stat")).scalar())
