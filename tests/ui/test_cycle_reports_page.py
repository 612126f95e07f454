"""The cycle reports page: the head teacher acknowledges a closed cycle's report; others only read it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, create_engine, select, update
from streamlit.testing.v1 import AppTest

from cop.vocab import CyclePhase
from db.models import CopCycle, CycleReport, Person, School

PAGE = "pages/cycle_reports.py"


@pytest.fixture(scope="module")
def db(app_env: str) -> Iterator[Engine]:
    eng = create_engine(app_env)
    yield eng
    eng.dispose()


@pytest.fixture
def unacknowledged(db: Engine) -> Iterator[str]:
    """The demo's closed cycle at Nyakarambi with its acknowledgement taken away (put back afterwards)."""
    with db.begin() as conn:
        cycle_id, report_id, by, at = conn.execute(
            select(CopCycle.id, CycleReport.id, CycleReport.acknowledged_by_id, CycleReport.acknowledged_at)
            .join(CycleReport, CycleReport.cycle_id == CopCycle.id)
            .join(School, School.id == CopCycle.school_id)
            .where(School.code == "KRH-001", CopCycle.phase == CyclePhase.CLOSED.value)
        ).one()
        conn.execute(
            update(CycleReport)
            .where(CycleReport.id == report_id)
            .values(acknowledged_by_id=None, acknowledged_at=None)
        )
    yield str(cycle_id)
    with db.begin() as conn:
        conn.execute(
            update(CycleReport)
            .where(CycleReport.id == report_id)
            .values(acknowledged_by_id=by, acknowledged_at=at)
        )


def _open(
    app_as: Callable[..., AppTest], username: str, cycle_id: str, school_id: str | None = None
) -> AppTest:
    at = app_as(PAGE, username)
    at.query_params["cycle"] = cycle_id
    if school_id is not None:
        at.query_params["school"] = school_id
    at.run()
    assert not at.exception
    return at


def test_the_head_teacher_reads_and_acknowledges_the_cycle_report(
    app_as: Callable[..., AppTest], db: Engine, unacknowledged: str
) -> None:
    at = _open(app_as, "ht.nyakarambi", unacknowledged)
    shown = " ".join(m.value for m in at.markdown)
    for heading in ("Sessions held and attendance", "Priorities, try-outs and results", "Lessons learnt"):
        assert heading in shown
    assert "Outputs and where they are kept" in shown and "Evaluation" in shown
    assert any(b.label == "Download PDF" for b in at.get("download_button"))
    at.button(key=f"ack_{unacknowledged}").click().run()
    assert not at.exception and not at.error
    assert "Cycle report acknowledged." in [s.value for s in at.success]
    with db.connect() as conn:
        by, when = conn.execute(
            select(Person.username, CycleReport.acknowledged_at)
            .join(Person, Person.id == CycleReport.acknowledged_by_id)
            .join(CopCycle, CopCycle.id == CycleReport.cycle_id)
            .where(CopCycle.id == unacknowledged)
        ).one()
    assert by == "ht.nyakarambi" and isinstance(when, datetime)


@pytest.mark.parametrize("username", ["sbm.nyakarambi", "teacher.nyakarambi", "dde.kirehe"])
def test_staff_and_officials_in_reach_read_the_report_but_cannot_acknowledge_it(
    app_as: Callable[..., AppTest], db: Engine, unacknowledged: str, username: str
) -> None:
    with db.connect() as conn:
        school_id = conn.scalar(select(CopCycle.school_id).where(CopCycle.id == unacknowledged))
    at = _open(app_as, username, unacknowledged, str(school_id))
    assert not at.error
    assert "Priorities, try-outs and results" in " ".join(m.value for m in at.markdown)
    assert [b for b in at.button if b.label == "Acknowledge"] == []


def test_a_head_teacher_of_another_school_does_not_see_the_report(
    app_as: Callable[..., AppTest], unacknowledged: str
) -> None:
    at = _open(app_as, "ht.kamembe", unacknowledged)
    assert "Priorities, try-outs and results" not in " ".join(m.value for m in at.markdown)
    assert [b for b in at.button if b.label == "Acknowledge"] == []
