"""Schools: find, add, edit or close a school, and import schools from a CSV file."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cop.access import Page
from cop.validation import SCHOOL_COLUMNS, SchoolInput
from cop.vocab import SchoolLevel
from db import admin
from db.engine import session_scope
from ui.admin_widgets import csv_import, form_round, loaded_version, pick, save, show_flash
from ui.auth import require_viewer
from ui.resources import engine
from ui.widgets import table_with_download

viewer = require_viewer(Page.ADMIN_SCHOOLS)

TEMPLATE = ",".join(SCHOOL_COLUMNS) + "\nKRH-010,EP Nasho,Kirehe,Nasho,primary\n"
STATUS = {"Open": True, "Closed": False, "All": None}


def _render_list() -> list[admin.SchoolRow]:
    """Search, the matching schools with their staff and CoP counts, and their CSV."""
    search_col, status_col = st.columns([3, 1])
    search = search_col.text_input("Search", placeholder="Code or name")
    status = status_col.selectbox("Status", list(STATUS))
    with session_scope(engine()) as s:
        rows = admin.schools_in_admin_reach(s, viewer, search=search, active=STATUS[status])
    frame = pd.DataFrame(
        {
            "Code": r.code,
            "Name": r.name,
            "District": r.district,
            "Sector": r.sector or "",
            "Level": SchoolLevel(r.level).label,
            "Active staff": r.people,
            "CoPs": r.cops,
            "Open": r.is_active,
        }
        for r in rows
    )
    table_with_download(frame, file_name="schools.csv", key="dl_schools", empty="No school matches.")
    return rows


def _school_fields(key: str, school: admin.SchoolRow | None) -> SchoolInput:
    """A school's fields inside the caller's form, prefilled from `school` when editing."""
    left, right = st.columns(2)
    code = left.text_input("School code", value=school.code if school else "", key=f"{key}_code")
    name = right.text_input("Name", value=school.name if school else "", key=f"{key}_name")
    with left:
        district = pick("District", districts, current=school and school.district, key=f"{key}_district")
        level = pick("Level", SchoolLevel.options(), current=school and school.level, key=f"{key}_level")
    sector = right.text_input(
        "Sector (optional)", value=(school and school.sector) or "", key=f"{key}_sector"
    )
    is_active = right.checkbox("Open", value=school.is_active if school else True, key=f"{key}_open")
    return SchoolInput(
        code=code, name=name, district=district or "", level=level or "", sector=sector, is_active=is_active
    )


def _render_create() -> None:
    key = f"school_new_{form_round('school_new')}"
    with st.form(key):
        data = _school_fields(key, None)
        submitted = st.form_submit_button("Add school", type="primary")
    if submitted:
        done = f"Added {data.name.strip()}."
        save(viewer, lambda s: admin.create_school(s, viewer, data=data), done, reset="school_new")


def _render_edit(rows: list[admin.SchoolRow]) -> None:
    st.subheader("Edit a school")
    names = {r.id: f"{r.name} ({r.code})" for r in rows}
    chosen = pick("School", names, key="schools_edit", none="Choose a school listed above")
    school = next((r for r in rows if r.id == chosen), None)
    if school is None:
        return
    version = loaded_version("school", school.id, school.version)
    key = f"school_{school.id}_{version}"
    with st.form(key):
        data = _school_fields(key, school)
        st.caption("Closing a school hides it from the school pickers; its people and records stay.")
        submitted = st.form_submit_button("Save changes", type="primary")
    if submitted:
        update = admin.update_school
        save(
            viewer,
            lambda s: update(s, viewer, school_id=school.id, version=version, data=data),
            "Changes saved.",
        )


st.title("Schools")
show_flash()
with session_scope(engine()) as s:
    districts = {d.name: d.name for d in admin.districts_in_admin_reach(s, viewer)}
listing, adding, importing = st.tabs(["Schools", "Add a school", "Import from CSV"])
with listing:
    _render_edit(_render_list())
with adding:
    _render_create()
with importing:
    run = admin.import_schools_csv
    csv_import(
        viewer, what="schools", template=TEMPLATE, run=lambda s, v, text, dry: run(s, v, text, dry_run=dry)
    )
