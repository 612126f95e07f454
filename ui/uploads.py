"""The upload widget: pick a file, check it by its content, store it, say what happened."""

from __future__ import annotations

import streamlit as st

from cop.access import AccessDenied, Viewer
from cop.uploads import ACCEPTED_TEXT, ANY, EXTENSIONS, IMAGES, MAX_BYTES, FileKind, UploadRefused
from db.access import actor_of
from db.engine import session_scope
from db.files import store_file
from ui.resources import engine

_STORED = "cop_upload_stored_"  # + key: (file_id of the widget's file, its name) once stored


def _extensions(allowed: frozenset[FileKind]) -> list[str]:
    # The picker's filter is a convenience only: the bytes are checked on the server either way.
    return sorted({ext for kind in allowed for ext in EXTENSIONS.get(kind, (kind.value,))})


def upload_output_file(
    viewer: Viewer,
    school_id: str,
    *,
    key: str,
    label: str = "Upload a file",
    allowed: frozenset[FileKind] = ANY,
) -> str | None:
    """A file uploader that stores the chosen file for the school; the stored file's id, or None.

    Refusals (type, size, access) are shown under the widget and nothing is stored. The same file
    picked again, or a rerun with the file still in the widget, stores nothing new."""
    accepted = "JPEG, PNG, GIF or WebP photos" if allowed == IMAGES else ACCEPTED_TEXT
    uploaded = st.file_uploader(
        label,
        type=_extensions(allowed),
        key=key,
        max_upload_size=MAX_BYTES // (1024 * 1024),
        help=f"{accepted}; at most 20 MiB.",
    )
    if uploaded is None:
        st.session_state.pop(_STORED + key, None)
        return None
    stored = st.session_state.get(_STORED + key)
    if stored is not None and stored[0] == uploaded.file_id:
        return stored[1]
    try:
        with session_scope(engine(), actor=actor_of(viewer)) as s:
            file_id = store_file(
                s,
                viewer,
                school_id=school_id,
                filename=uploaded.name,
                data=uploaded.getvalue(),
                allowed=allowed,
            )
    except (UploadRefused, AccessDenied) as refused:
        st.error(str(refused))
        return None
    st.session_state[_STORED + key] = (uploaded.file_id, str(file_id))
    return str(file_id)
