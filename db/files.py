"""Uploaded files kept in PostgreSQL: stored once per school, read back only within the viewer's reach."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer, may_write_school_data
from cop.uploads import ANY, CheckedFile, FileKind, check_upload
from cop.vocab import Role
from db.access import ensure_school_in_reach, school_ids_in_reach
from db.models import StoredFile

_NOT_IN_REACH = "That file is not in your reach."


def may_store_files(viewer: Viewer, school_id: uuid.UUID | str) -> bool:
    """School staff who write school records; teachers for their own school (photos, their outputs)."""
    same_school = viewer.school_id == str(school_id)
    return may_write_school_data(viewer, reachable=True) or (viewer.role is Role.TEACHER and same_school)


def store_file(
    s: Session,
    viewer: Viewer,
    *,
    school_id: uuid.UUID | str,
    filename: str,
    data: bytes,
    allowed: frozenset[FileKind] = ANY,
) -> uuid.UUID:
    """Check a file by its content and store it for a school; the same bytes again return the same id.

    Raises UploadRefused (type, size) or AccessDenied (school out of reach or read-only for the viewer)."""
    sid = ensure_school_in_reach(s, viewer, school_id)
    if not may_store_files(viewer, sid):
        raise AccessDenied("You may not upload files for that school.")
    checked = check_upload(filename, data, allowed=allowed)
    digest = hashlib.sha256(data).hexdigest()
    if (found := _existing(s, sid, digest)) is not None:
        return found
    row = _row(viewer, sid, checked, digest, data)
    try:
        # A savepoint: a concurrent upload of the same bytes wins the unique key, and we reuse its row.
        with s.begin_nested():
            s.add(row)
    except IntegrityError:
        if (found := _existing(s, sid, digest)) is not None:
            return found
        raise
    return row.id


def _existing(s: Session, school_id: uuid.UUID, digest: str) -> uuid.UUID | None:
    return s.scalar(
        select(StoredFile.id).where(StoredFile.school_id == school_id, StoredFile.sha256 == digest)
    )


def _row(viewer: Viewer, school_id: uuid.UUID, checked: CheckedFile, digest: str, data: bytes) -> StoredFile:
    return StoredFile(
        id=uuid.uuid4(),
        school_id=school_id,
        filename=checked.filename,
        content_type=checked.content_type,
        size_bytes=checked.size_bytes,
        sha256=digest,
        data=data,
        uploaded_by_id=uuid.UUID(viewer.person_id),
    )


def _file_in_reach(s: Session, viewer: Viewer, file_id: uuid.UUID | str) -> StoredFile:
    try:
        fid = uuid.UUID(str(file_id))
    except ValueError:
        raise AccessDenied(_NOT_IN_REACH) from None
    row = s.scalar(
        select(StoredFile).where(StoredFile.id == fid, StoredFile.school_id.in_(school_ids_in_reach(viewer)))
    )
    if row is None:
        raise AccessDenied(_NOT_IN_REACH)
    return row


def file_name(s: Session, viewer: Viewer, file_id: uuid.UUID | str) -> tuple[str, str, int]:
    """Name, content type and size of a file in reach, without loading its bytes."""
    row = _file_in_reach(s, viewer, file_id)
    return row.filename, row.content_type, row.size_bytes


def file_for_download(s: Session, viewer: Viewer, file_id: uuid.UUID | str) -> tuple[str, str, bytes]:
    """Name, content type and bytes of a file whose school the viewer reaches."""
    row = _file_in_reach(s, viewer, file_id)
    return row.filename, row.content_type, row.data
