"""District and national dashboards: figures by school, district and programme section, from the summaries.

Reads `school_stat` / `school_term_stat` (kept current by `db.rollups`) for the schools in the viewer's
reach, aggregated in PostgreSQL with GROUPING SETS: one round trip gives every school, district, section
and the total. Only overdue actions and CEMC marks, small and date-dependent, are read from their tables.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Page, Viewer, district_ids_in_reach
from cop.dashboard import SchoolSignals, VisitPriority, rank_for_visit, share
from db.access import school_ids_in_reach

LEVELS = ("school", "district", "section", "total")


@dataclass(frozen=True)
class AreaRow:
    level: str  # school, district, section or total
    name: str
    district: str | None
    section: str | None
    schools: int
    schools_with_cop: int
    teachers: int
    new_teachers: int
    cops: int
    cycles_open: int
    sessions: int
    attendance_rate: float | None
    monitoring_visits: int
    field_visits: int
    cemc_assessments: int
    challenges: int
    parking_lot: int
    tryouts_effective_rate: float | None
    outputs: int
    disseminations: int
    overdue_actions: int

    @property
    def sessions_per_school(self) -> float:
        return round(self.sessions / self.schools, 2) if self.schools else 0.0

    @property
    def cop_coverage(self) -> float | None:
        return share(self.schools_with_cop, self.schools)


@dataclass(frozen=True)
class AreaDashboard:
    total: AreaRow
    by_section: list[AreaRow]
    by_district: list[AreaRow]
    by_school: list[AreaRow]
    ranking: list[VisitPriority]


_FIGURES = """
WITH reach AS ({reach}),
per_school AS (
  SELECT s.id, s.name, d.name AS district, d.programme_section AS section,
         coalesce(st.teachers, 0) AS teachers, coalesce(st.new_teachers, 0) AS new_teachers,
         coalesce(st.cops_active, 0) AS cops, coalesce(st.cycles_open, 0) AS cycles_open,
         coalesce(st.cycles_stuck, 0) AS cycles_stuck, st.last_session_on,
         coalesce(t.sessions, 0) AS sessions, coalesce(t.present, 0) AS present,
         coalesce(t.records, 0) AS records, coalesce(t.monitoring, 0) AS monitoring,
         coalesce(t.field, 0) AS field, coalesce(t.visits_year, 0) AS visits_year,
         coalesce(t.challenges, 0) AS challenges, coalesce(t.parking, 0) AS parking,
         coalesce(t.judged, 0) AS judged, coalesce(t.effective, 0) AS effective,
         coalesce(t.outputs, 0) AS outputs, coalesce(t.dissem, 0) AS dissem,
         coalesce(o.overdue, 0) AS overdue, coalesce(c.cemc, 0) AS cemc
  FROM school s
  JOIN district d ON d.id = s.district_id
  LEFT JOIN school_stat st ON st.school_id = s.id
  LEFT JOIN (
    SELECT school_id,
           sum(sessions_held) FILTER (WHERE {in_term}) AS sessions,
           sum(attendance_present) FILTER (WHERE {in_term}) AS present,
           sum(attendance_records) FILTER (WHERE {in_term}) AS records,
           sum(monitoring_visits) FILTER (WHERE {in_term}) AS monitoring,
           sum(field_visits) FILTER (WHERE {in_term}) AS field,
           sum(monitoring_visits + field_visits) AS visits_year,
           sum(challenges) FILTER (WHERE {in_term}) AS challenges,
           sum(parking_lot) FILTER (WHERE {in_term}) AS parking,
           sum(tryouts_judged) FILTER (WHERE {in_term}) AS judged,
           sum(tryouts_effective) FILTER (WHERE {in_term}) AS effective,
           sum(outputs) FILTER (WHERE {in_term}) AS outputs,
           sum(disseminations_done) FILTER (WHERE {in_term}) AS dissem
    FROM school_term_stat WHERE school_year = :year AND school_id IN (SELECT id FROM reach)
    GROUP BY school_id) t ON t.school_id = s.id
  LEFT JOIN (
    SELECT school_id, count(*) AS overdue FROM action_item
    WHERE status = 'open' AND due_on < :today AND school_id IN (SELECT id FROM reach)
    GROUP BY school_id) o ON o.school_id = s.id
  LEFT JOIN (
    SELECT school_id, count(*) AS cemc FROM cemc_mark
    WHERE cohort = :cohort AND school_id IN (SELECT id FROM reach)
    GROUP BY school_id) c ON c.school_id = s.id
  WHERE s.is_active AND s.id IN (SELECT id FROM reach) {district_filter}
)
SELECT GROUPING(id, district, section) AS g, id::text, min(name) AS name, district, section,
       count(*) AS schools, count(*) FILTER (WHERE cops > 0) AS schools_with_cop,
       sum(teachers), sum(new_teachers), sum(cops), sum(cycles_open), sum(sessions),
       sum(present), sum(records), sum(monitoring), sum(field), sum(cemc), sum(challenges), sum(parking),
       sum(judged), sum(effective), sum(outputs), sum(dissem), sum(overdue),
       min(last_session_on), sum(cycles_stuck), sum(visits_year)
FROM per_school
GROUP BY GROUPING SETS ((id, district, section), (district, section), (section), ())
"""


def _reach_sql(session: Session, viewer: Viewer) -> str:
    stmt = school_ids_in_reach(viewer)
    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def districts_in_view(session: Session, viewer: Viewer) -> list[tuple[str, str]]:
    """(id, name) of the districts with a school in the viewer's reach, for the district filter."""
    rows = session.execute(
        text(
            f"SELECT DISTINCT d.id::text, d.name FROM district d JOIN school s ON s.district_id = d.id "
            f"WHERE s.id IN ({_reach_sql(session, viewer)}) ORDER BY d.name"
        )
    ).all()
    return [(i, n) for i, n in rows]


def _row(level: str, r: tuple) -> AreaRow:
    name, district, section = r[2], r[3], r[4]
    # sum() over no school is NULL: zero.
    (
        schools,
        with_cop,
        teachers,
        new,
        cops,
        open_,
        sessions,
        present,
        records,
        monitoring,
        field,
        cemc,
        challenges,
        parking,
        judged,
        effective,
        outputs,
        dissem,
        overdue,
    ) = (int(x or 0) for x in r[5:24])
    label = {"school": name, "district": district, "section": section, "total": "All schools in view"}[level]
    return AreaRow(
        level, label, district, section, schools, with_cop, teachers, new, cops, open_, sessions,
        share(present, records), monitoring, field, cemc, challenges, parking, share(effective, judged),
        outputs, dissem, overdue,
    )  # fmt: skip


def area_dashboard(
    session: Session,
    viewer: Viewer,
    *,
    school_year: int,
    term: str | None = None,
    district_id: str | None = None,
    today: date | None = None,
    ranking_size: int = 20,
) -> AreaDashboard:
    """Every figure of the area dashboard for the schools in reach (optionally one district)."""
    if Page.AREA_DASHBOARD not in viewer.rule.pages:
        raise AccessDenied("The district and national dashboards are for officials.")
    today = today or date.today()
    params: dict[str, object] = {"year": school_year, "today": today, "cohort": str(school_year)}
    district_filter = ""
    if district_id:
        allowed = district_ids_in_reach(viewer)
        wanted = str(uuid.UUID(str(district_id)))
        if allowed is not None and wanted not in allowed and not _district_has_reach(session, viewer, wanted):
            raise AccessDenied("You do not have access to that district.")
        district_filter = "AND s.district_id = CAST(:district AS uuid)"
        params["district"] = wanted
    in_term = "TRUE" if term is None else "term = :term"
    if term is not None:
        params["term"] = str(term)
    sql = _FIGURES.format(reach=_reach_sql(session, viewer), in_term=in_term, district_filter=district_filter)
    rows = session.execute(text(sql), params).all()
    grouped: dict[str, list[AreaRow]] = {k: [] for k in LEVELS}
    signals: list[SchoolSignals] = []
    for r in rows:
        level = {0: "school", 4: "district", 6: "section", 7: "total"}[r[0]]
        row = _row(level, tuple(r))
        grouped[level].append(row)
        if level == "school":
            last_on, stuck, visits_year = r[-3], r[-2], r[-1]
            signals.append(
                SchoolSignals(
                    school_id=r[1],
                    school=row.name,
                    district=row.district or "",
                    has_active_cop=row.cops > 0,
                    weeks_since_session=None if last_on is None else (today - last_on).days // 7,
                    sessions_this_term=row.sessions,
                    overdue_actions=row.overdue_actions,
                    stuck_cycles=int(stuck),
                    visits_this_year=int(visits_year),
                    parking_lot=row.parking_lot,
                )
            )
    empty = AreaRow(
        "total", "All schools in view", None, None, 0, 0, 0, 0, 0, 0, 0, None, 0, 0, 0, 0, 0, None, 0, 0, 0
    )
    by_name = lambda rs: sorted(rs, key=lambda x: x.name or "")  # noqa: E731
    return AreaDashboard(
        total=grouped["total"][0] if grouped["total"] else empty,
        by_section=by_name(grouped["section"]),
        by_district=by_name(grouped["district"]),
        by_school=sorted(grouped["school"], key=lambda x: (x.district or "", x.name)),
        ranking=rank_for_visit(signals, ranking_size),
    )


def _district_has_reach(session: Session, viewer: Viewer, district_id: str) -> bool:
    """Field facilitators and tutors reach some schools of a district: they may filter to it."""
    return any(d == district_id for d, _ in districts_in_view(session, viewer))
