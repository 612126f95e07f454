"""Stored files on PostgreSQL: checked by content, once per school, read back only within reach."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied
from cop.uploads import IMAGES, UploadRefused
from db.access import load_viewer
from db.files import file_for_download, file_name, store_file
from db.models import AuditLog, StoredFile
from tests import factories as f

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 40


@pytest.fixture
def cast(session: Session) -> dict:
    school, other = f.school(session), f.school(session)
    return {
        "school": school,
        "other": other,
        "sbm": load_viewer(session, f.person(session, role="facilitator", school=school).id),
        "teacher": load_viewer(session, f.person(session, role="teacher", school=school).id),
        "other_ht": load_viewer(session, f.person(session, role="head_teacher", school=other).id),
        "officer": load_viewer(
            session, f.person(session, role="district_officer", district_name="Kirehe").id
        ),
    }


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StoredFile)) or 0


def test_a_facilitator_stores_a_file_and_the_same_bytes_again_are_not_stored_twice(
    session: Session, cast: dict
) -> None:
    before = _count(session)
    first = store_file(session, cast["sbm"], school_id=cast["school"].id, filename="plan.pdf", data=PDF)
    again = store_file(session, cast["teacher"], school_id=cast["school"].id, filename="copy.pdf", data=PDF)
    assert first == again and _count(session) == before + 1
    assert file_for_download(session, cast["teacher"], first) == ("plan.pdf", "application/pdf", PDF)
    assert file_name(session, cast["sbm"], first) == ("plan.pdf", "application/pdf", len(PDF))
    audited = session.scalar(select(func.count()).where(AuditLog.table_name == "stored_file"))
    assert audited and audited >= 1


def test_the_same_bytes_in_another_school_are_that_schools_own_copy(session: Session, cast: dict) -> None:
    mine = store_file(session, cast["sbm"], school_id=cast["school"].id, filename="a.pdf", data=PDF)
    theirs = store_file(session, cast["other_ht"], school_id=cast["other"].id, filename="a.pdf", data=PDF)
    assert mine != theirs
    with pytest.raises(AccessDenied):
        file_for_download(session, cast["other_ht"], mine)


def test_a_mismatching_extension_is_corrected_to_what_the_bytes_are(session: Session, cast: dict) -> None:
    fid = store_file(session, cast["sbm"], school_id=cast["school"].id, filename="photo.png", data=JPEG)
    assert file_for_download(session, cast["sbm"], fid)[:2] == ("photo.jpg", "image/jpeg")


def test_refused_files_and_schools_out_of_reach_store_nothing(session: Session, cast: dict) -> None:
    before = _count(session)
    with pytest.raises(UploadRefused):
        store_file(session, cast["sbm"], school_id=cast["school"].id, filename="x.exe", data=b"MZ\x90\x00")
    with pytest.raises(UploadRefused):
        store_file(
            session, cast["sbm"], school_id=cast["school"].id, filename="p.pdf", data=PDF, allowed=IMAGES
        )
    with pytest.raises(AccessDenied):
        store_file(session, cast["other_ht"], school_id=cast["school"].id, filename="a.pdf", data=PDF)
    with pytest.raises(AccessDenied):
        # A district officer reads the school but does not write its records.
        store_file(session, cast["officer"], school_id=cast["school"].id, filename="a.pdf", data=PDF)
    assert _count(session) == before


def test_a_malformed_or_unknown_file_id_is_the_same_refusal(session: Session, cast: dict) -> None:
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(AccessDenied, match="not in your reach"):
            file_for_download(session, cast["sbm"], bad)
