"""Widgets the administration pages share: saving with plain messages, a note after reload, CSV import."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cop.access import AccessDenied, Viewer
from cop.errors import ValidationError
from cop.validation import MAX_CSV_BYTES, MAX_CSV_ROWS, decode_csv
from db.access import actor_of
from db.admin import ImportReport
from db.engine import session_scope
from ui.resources import engine

T = TypeVar("T")

# Session-state keys of the administration pages.
FLASH = "cop_admin_flash"
ONE_TIME_PASSWORDS = "cop_admin_one_time_passwords"
LOADED_VERSIONS = "cop_admin_loaded_versions"
UPLOAD_ROUND = "cop_admin_upload_round"
FORM_ROUNDS = "cop_admin_form_rounds"

# How the forms name fields in error messages; other fields show as "Job title" for job_title.
FIELD_LABELS = {
    "username": "Username",
    "full_name": "Full name",
    "email": "E-mail",
    "school_code": "Home school",
    "teacher_start_date": "Started teaching on",
    "password": "One-time password",
    "district_ids": "Districts",
    "school_ids": "Schools",
    "sbm_ids": "SBMs / SSLs",
    "code": "School code",
    "kind": "Kind of CoP",
    "left_on": "Left on",
    "file": "File",
    "version": "Changed meanwhile",
}

STALE = "Someone else saved a change to this a moment ago: the form now shows it; check it and save again."
CONFLICT = "This clashes with a change saved a moment ago (the same username, code or name?): try again."


def _guarded(viewer: Viewer, action: Callable[[Session], T], labels: dict[str, str]) -> tuple[bool, T | None]:
    """One transaction audited as the viewer; a refusal becomes a message, never a stack trace."""
    try:
        with session_scope(engine(), actor=actor_of(viewer)) as s:
            return True, action(s)
    except ValidationError as invalid:
        if "version" in invalid.errors:
            forget_versions()  # the next run loads the newer version into the form
        show_errors(invalid.errors, labels)
    except AccessDenied as denied:
        st.error(str(denied))
    except StaleDataError:
        forget_versions()
        st.error(STALE)
    except IntegrityError:
        st.error(CONFLICT)
    return False, None


def save(
    viewer: Viewer,
    action: Callable[[Session], object],
    success: str,
    *,
    reset: str | None = None,
    labels: dict[str, str] = FIELD_LABELS,
) -> None:
    """Run a write; on success reload the page (lists show the change) with `success` shown once on top.

    `reset` names a form (see `form_round`) to show empty again after the save.
    """
    ok, _ = _guarded(viewer, action, labels)
    if ok:
        forget_versions()
        if reset is not None:
            rounds: dict[str, int] = st.session_state.setdefault(FORM_ROUNDS, {})
            rounds[reset] = rounds.get(reset, 0) + 1
        st.session_state[FLASH] = success
        st.rerun()


def show_errors(errors: dict[str, str], labels: dict[str, str]) -> None:
    """Every problem, each under the name of its field as the form shows it."""
    lines = [
        f"- **{labels.get(name, name.replace('_', ' ').capitalize())}**: {text}"
        for name, text in errors.items()
    ]
    st.error("Nothing was saved. Please correct:\n\n" + "\n".join(lines))


def show_flash() -> None:
    """The confirmation of the last save, and one-time passwords of an import, shown once."""
    if message := st.session_state.pop(FLASH, None):
        st.success(message)
    if passwords := st.session_state.pop(ONE_TIME_PASSWORDS, None):
        st.warning(
            "These one-time passwords are shown only now: download them and give each person theirs. "
            "Everyone chooses their own password at first sign-in."
        )
        frame = pd.DataFrame({"username": list(passwords), "one_time_password": list(passwords.values())})
        st.dataframe(frame, hide_index=True)
        # "ignore": downloading must not rerun the page, which would hide the passwords before they are saved.
        st.download_button(
            "Download the one-time passwords (CSV)",
            frame.to_csv(index=False).encode(),
            file_name="one_time_passwords.csv",
            mime="text/csv",
            on_click="ignore",
        )


def loaded_version(kind: str, record_id: str, current: int) -> int:
    """The version a record had when its form was first shown; saving checks nobody changed it since."""
    versions: dict[str, int] = st.session_state.setdefault(LOADED_VERSIONS, {})
    return versions.setdefault(f"{kind}:{record_id}", current)


def forget_versions() -> None:
    st.session_state.pop(LOADED_VERSIONS, None)


def form_round(name: str) -> int:
    """A counter for a form's key: raised after a save, so the form comes back with empty widgets."""
    return st.session_state.get(FORM_ROUNDS, {}).get(name, 0)


def pick(
    label: str, options: dict[str, str], *, current: str | None = None, key: str, none: str | None = None
) -> str | None:
    """A selectbox over value -> label; with `none`, an empty first choice labelled so."""
    values: list[str | None] = [None, *options] if none is not None else list(options)
    index = values.index(current) if current in values else 0
    return st.selectbox(
        label, values, index=index, key=key, format_func=lambda v: (none or "") if v is None else options[v]
    )


def csv_import(
    viewer: Viewer,
    *,
    what: str,
    template: str,
    run: Callable[[Session, Viewer, str, bool], ImportReport],
    labels: dict[str, str] = FIELD_LABELS,
) -> None:
    """Upload, a check of every row (nothing written), then an explicit "Import N rows" button."""
    st.caption(
        f"A UTF-8 CSV file with a header row, at most {MAX_CSV_ROWS:,} rows and {MAX_CSV_BYTES // 2**20} MB. "
        "Every row is checked first: a file with any bad row imports nothing."
    )
    st.download_button(
        "Download a template",
        template.encode(),
        file_name=f"{what}_template.csv",
        mime="text/csv",
        on_click="ignore",
    )
    # A new key after each import empties the uploader, so the same file is not offered twice.
    round_ = st.session_state.get(UPLOAD_ROUND, 0)
    upload = st.file_uploader(f"CSV file of {what}", type=["csv"], key=f"upload_{what}_{round_}")
    if upload is None:
        return
    try:
        text = decode_csv(upload.getvalue())
    except ValidationError as invalid:
        show_errors(invalid.errors, labels)
        return
    ok, report = _guarded(viewer, lambda s: run(s, viewer, text, True), labels)
    if not ok or report is None:
        return
    if report.errors:
        _show_row_errors(report, what)
        return
    if report.rows_read == 0:
        st.info("The file has no rows below its header.")
        return
    st.info(f"All {report.rows_read} rows are ready to import.")
    if st.button(f"Import {report.rows_read} rows", type="primary", key=f"import_{what}"):
        with st.spinner("Importing…"):
            ok, done = _guarded(viewer, lambda s: run(s, viewer, text, False), labels)
        if ok and done is not None and done.ok:
            st.session_state[UPLOAD_ROUND] = round_ + 1
            if done.one_time_passwords:
                st.session_state[ONE_TIME_PASSWORDS] = done.one_time_passwords
            st.session_state[FLASH] = f"Imported {done.rows_imported} {what}."
            st.rerun()
        elif done is not None:  # someone added the same username or code since the check
            _show_row_errors(done, what)


def _show_row_errors(report: ImportReport, what: str) -> None:
    st.error(
        f"{len(report.errors)} problem(s) in the file ({report.rows_read} rows): nothing was imported. "
        "Correct them and upload the file again."
    )
    frame = pd.DataFrame(
        {
            "Row": [str(e.row) if e.row else "whole file" for e in report.errors],
            "Column": [e.field for e in report.errors],
            "Problem": [e.message for e in report.errors],
        }
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    st.download_button(
        "Download the problems (CSV)",
        frame.to_csv(index=False).encode(),
        file_name=f"{what}_import_problems.csv",
        mime="text/csv",
        on_click="ignore",
    )
