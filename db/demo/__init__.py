"""Demo data: four schools in Kirehe and Rusizi, people in every role, and CoP cycles in every phase."""

from __future__ import annotations

import logging
import time
from datetime import date

import bcrypt
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from cop.vocab import Role
from db.audit import AUDIT_KEY
from db.demo.base import Demo
from db.demo.cycles import seed_cycles
from db.demo.monitoring import seed_cemc, seed_observations, seed_results, seed_self_assessments, seed_visits
from db.demo.people import seed_cops, seed_people
from db.demo.reflection import seed_reflections
from db.models import District, FormTemplate, School, TeachingPractice

__all__ = ["DEMO_ACCOUNTS", "DEMO_PASSWORD", "seed_demo_if_empty"]

log = logging.getLogger(__name__)

DEMO_PASSWORD = "cop-demo-2026"

# username, role, what they see: for the README's table of demo sign-ins.
DEMO_ACCOUNTS: list[tuple[str, str, str]] = [
    ("admin", Role.ADMIN.value, "Everything: users, schools, CoPs and imports"),
    (
        "reb.officer",
        Role.NATIONAL_OFFICER.value,
        "Every school, national dashboards; monitoring visits in Kirehe",
    ),
    (
        "dde.kirehe",
        Role.DISTRICT_OFFICER.value,
        "Kirehe district (GS Nyakarambi, EP Mahama); monitoring visits",
    ),
    ("dde.rusizi", Role.DISTRICT_OFFICER.value, "Rusizi district (GS Kamembe, GS Nyakabuye)"),
    ("sei.kirehe", Role.DISTRICT_OFFICER.value, "Kirehe district as a sector inspector, with CEMC marks"),
    (
        "urce.facilitator",
        Role.FIELD_FACILITATOR.value,
        "The SBMs of GS Nyakarambi and EP Mahama; field visits, CEMC",
    ),
    ("ttc.tutor", Role.TTC_TUTOR.value, "GS Nyakarambi and EP Mahama; the new-teacher induction checklist"),
    (
        "ht.nyakarambi",
        Role.HEAD_TEACHER.value,
        "GS Nyakarambi: statistics, a reflection session, cycle reports",
    ),
    ("ht.mahama", Role.HEAD_TEACHER.value, "EP Mahama: a cycle consolidating, one planning"),
    ("ht.kamembe", Role.HEAD_TEACHER.value, "GS Kamembe, with a reflection session running now"),
    ("ht.nyakabuye", Role.HEAD_TEACHER.value, "GS Nyakabuye: a cycle reflecting, one planning"),
    (
        "sbm.nyakarambi",
        Role.FACILITATOR.value,
        "GS Nyakarambi: the P4 and S2 CoPs, self-assessments, field visits",
    ),
    ("ssl.nyakarambi", Role.FACILITATOR.value, "GS Nyakarambi: the Mathematics CoP, trying out"),
    ("sbm.mahama", Role.FACILITATOR.value, "EP Mahama: the P1-P3 and P5 CoPs"),
    ("sbm.kamembe", Role.FACILITATOR.value, "GS Kamembe: one cycle disseminating, one trying out"),
    ("sbm.nyakabuye", Role.FACILITATOR.value, "GS Nyakabuye: the S2 and S3 CoPs"),
    ("teacher.nyakarambi", Role.TEACHER.value, "The P4 CoP of GS Nyakarambi and own actions, some overdue"),
    ("new.teacher", Role.TEACHER.value, "A new teacher in the P4 and Mathematics CoPs, with try-out notes"),
]


def seed_demo_if_empty(conn: Connection) -> bool:
    """Insert the demo if no school exists yet; flush only, so the caller's transaction commits it."""
    if conn.execute(select(School.id).limit(1)).first() is not None:
        return False
    started = time.perf_counter()
    # One bcrypt hash for every demo account: hashing 64 times at 12 rounds would take about 15 s.
    password_hash = bcrypt.hashpw(DEMO_PASSWORD.encode(), bcrypt.gensalt(rounds=12)).decode()
    demo = Demo(today=date.today(), password_hash=password_hash)
    # rollback_only: join the caller's transaction (or savepoint) and leave committing it to the caller.
    # No audit rows: the demo is nobody's edit, and a thousand actorless rows would bury the real trail.
    with Session(bind=conn, join_transaction_mode="rollback_only", info={AUDIT_KEY: False}) as session:
        _load_reference_data(session, demo)
        for seed in (
            seed_people,
            seed_cops,
            seed_observations,
            seed_cycles,
            seed_reflections,
            seed_visits,
            seed_self_assessments,
            seed_cemc,
            seed_results,
        ):
            seed(demo)
        demo.rows.insert(session)
    log.info("demo data seeded in %.2f s: %s", time.perf_counter() - started, demo.rows.counts())
    return True


def _load_reference_data(session: Session, demo: Demo) -> None:
    """The districts, active teaching practices and current form templates the migrations inserted."""
    names = ("Kirehe", "Rusizi")
    demo.districts = {d.name: d for d in session.scalars(select(District).where(District.name.in_(names)))}
    demo.practices = list(
        session.scalars(
            select(TeachingPractice).where(TeachingPractice.is_active).order_by(TeachingPractice.sort_order)
        )
    )
    current = select(FormTemplate).where(FormTemplate.is_current).order_by(FormTemplate.revision)
    demo.templates = {t.kind: t for t in session.scalars(current)}  # the highest current revision wins
