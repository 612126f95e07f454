"""NUL characters typed or pasted into any field are dropped, never a failed write."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.drafts import load_draft, save_draft
from db.models import School
from tests import factories


def test_a_draft_with_nul_characters_is_kept_without_them(session: Session) -> None:
    someone = factories.person(session, role="teacher")
    save_draft(session, str(someone.id), "form", {"notes": "a\x00b", "rows": [{"x\x00": "c\x00"}]})
    assert load_draft(session, str(someone.id), "form") == {"notes": "ab", "rows": [{"x": "c"}]}


def test_an_orm_write_with_nul_characters_stores_the_text_without_them(session: Session) -> None:
    row = factories.school(session, name="GS\x00 Nyamata")
    row.sector = "Ny\x00amata"
    session.flush()
    stored = session.execute(select(School.name, School.sector).where(School.id == row.id)).one()
    assert tuple(stored) == ("GS Nyamata", "Nyamata")
