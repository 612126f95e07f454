"""Every tool's PDF renders from the demo records, and says what the record says."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from cop.access import Viewer
from db.access import load_viewer
from db.models import Person
from db.tools import cemc
from db.tools import field_visits as fv
from db.tools import monitoring_visits as mv
from db.tools import observations as obs
from db.tools import self_assessments as sa
from db.tools import session_reports as reports
from db.tools import ttc_visits as tv
from ui import reports as pdfs


def pdf_text(pdf: bytes) -> str:
    """The text drawn on the pages (fpdf2 deflates each page's content stream)."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        chunks += re.findall(rb"\((.*?)(?<!\\)\) ?Tj", content, re.S)
    return " ".join(c.decode("latin-1") for c in chunks)


@pytest.fixture(scope="module")
def admin(demo_database_url: str) -> Iterator[tuple[Session, Viewer]]:
    eng = create_engine(demo_database_url)
    with Session(eng) as s:
        person_id = s.scalar(select(Person.id).where(Person.username == "admin"))
        yield s, load_viewer(s, person_id)
    eng.dispose()


def _first(rows: list[Any]) -> Any:
    assert rows, "the demo data has a record of this tool"
    return rows[0]


CASES: dict[str, Callable[[Session, Viewer], tuple[bytes, str]]] = {
    "session report": lambda s, v: (
        pdfs.session_report_pdf(
            d := reports.session_report(s, v, _first(reports.session_reports(s, v)).session_id)
        ),
        d.school,
    ),
    "lesson observation": lambda s, v: (
        pdfs.observation_pdf(d := obs.observation(s, v, _first(obs.observations(s, v)).id)),
        d.teacher,
    ),
    "self-assessment": lambda s, v: (
        pdfs.self_assessment_pdf(d := sa.self_assessment(s, v, _first(sa.self_assessments(s, v)).id)),
        d.row.person,
    ),
    "monitoring visit": lambda s, v: (
        pdfs.monitoring_visit_pdf(d := mv.monitoring_visit(s, v, _first(mv.monitoring_visits(s, v)).id)),
        d.school,
    ),
    "field visit": lambda s, v: (
        pdfs.field_visit_pdf(d := fv.field_visit(s, v, _first(fv.field_visits(s, v)).id)),
        d.sbm,
    ),
    "TTC visit": lambda s, v: (
        pdfs.ttc_visit_pdf(d := tv.ttc_visit(s, v, _first(tv.ttc_visits(s, v)).id)),
        d.school,
    ),
    "CEMC marks": lambda s, v: (pdfs.cemc_marks_pdf(d := _first(cemc.gradebook(s, v))), d.participant),
}


@pytest.mark.parametrize("tool", list(CASES))
def test_the_pdf_of_a_demo_record_renders_and_names_it(admin: tuple[Session, Viewer], tool: str) -> None:
    session, viewer = admin
    pdf, name = CASES[tool](session, viewer)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert name in text, f"{name!r} not in the {tool} PDF"
