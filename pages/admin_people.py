"""People: find, add with a one-time password, edit role and home, assignments, sign-in, CSV import."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cop.access import Page
from cop.validation import ASSIGNMENT_TARGETS, PEOPLE_COLUMNS
from cop.vocab import Role
from db import admin
from db.engine import session_scope
from ui.admin_people_forms import person_fields, sign_in_controls
from ui.admin_widgets import csv_import, form_round, loaded_version, pick, save, show_flash
from ui.auth import require_viewer
from ui.resources import engine
from ui.widgets import table_with_download

viewer = require_viewer(Page.ADMIN_PEOPLE)

TEMPLATE = (
    ",".join(PEOPLE_COLUMNS) + "\nk.mutesi,Keza Mutesi,,teacher,KRH-001,,P1 teacher,English,yes,2026-09-01\n"
)
STATUS = {"Active": True, "Deactivated": False, "Everyone": None}
LIST_LIMIT = 200


def _render_list(school_ids: dict[str, str]) -> list[admin.PersonRow]:
    """Filters, the matching people and their CSV."""
    search_col, school_col, role_col, status_col = st.columns(4)
    search = search_col.text_input("Search", placeholder="Name, username or e-mail")
    with school_col:
        school_id = pick("School", school_ids, key="people_school", none="All schools")
    with role_col:
        role = pick("Role", Role.options(), key="people_role", none="All roles")
    status = status_col.selectbox("Status", list(STATUS))
    with session_scope(engine()) as s:
        rows = admin.people_in_reach(
            s, viewer, school_id=school_id, role=role, active=STATUS[status], search=search, limit=LIST_LIMIT
        )
    frame = pd.DataFrame(
        {
            "Name": p.full_name,
            "Username": p.username,
            "Role": Role(p.role).label,
            "School": p.school or "",
            "District": p.district or "",
            "Job title": p.job_title or "",
            "New teacher since": p.teacher_start_date if p.is_new_teacher else None,
            "Active": p.is_active,
            "Must change password": p.must_change_password,
            "Last sign-in": p.last_signed_in_at,
        }
        for p in rows
    )
    table_with_download(frame, file_name="people.csv", key="dl_people", empty="Nobody matches these filters.")
    if len(rows) == LIST_LIMIT:
        st.caption(f"Showing the first {LIST_LIMIT}: narrow the search to find others.")
    return rows


def _render_create() -> None:
    key = f"person_new_{form_round('person_new')}"
    with st.form(key):
        data = person_fields(viewer, key, None, schools=schools, districts=districts)
        typed = st.text_input(
            "One-time password",
            type="password",
            key=f"{key}_password",
            help="At least 10 characters. Leave empty to have one generated (shown once).",
        )
        submitted = st.form_submit_button("Add person", type="primary")
    if submitted:
        password = typed or admin.new_one_time_password(data.username.strip().lower())
        shown = "" if typed else f" Their one-time password is **{password}** (shown only now)."
        done = f"Added {data.full_name.strip()}.{shown} They choose their own password at first sign-in."
        save(
            viewer,
            lambda s: admin.create_person(s, viewer, data=data, password=password),
            done,
            reset="person_new",
        )


def _render_edit(rows: list[admin.PersonRow]) -> None:
    st.subheader("Edit a person")
    names = {p.id: f"{p.full_name} ({p.username})" for p in rows}
    chosen = pick("Person", names, key="people_edit", none="Choose someone listed above")
    person = next((p for p in rows if p.id == chosen), None)
    if person is None:
        return
    version = loaded_version("person", person.id, person.version)
    key = f"person_{person.id}_{version}"
    with st.form(key):
        data = person_fields(viewer, key, person, schools=schools, districts=districts)
        submitted = st.form_submit_button("Save changes", type="primary")
    if submitted:
        update = admin.update_person
        save(
            viewer,
            lambda s: update(s, viewer, person_id=person.id, version=version, data=data),
            "Changes saved.",
        )
    if Role(person.role) in ASSIGNMENT_TARGETS:
        _render_assignments(person)
    sign_in_controls(viewer, person)


def _render_assignments(person: admin.PersonRow) -> None:
    targets = ASSIGNMENT_TARGETS[Role(person.role)]
    with session_scope(engine()) as s:
        now = admin.assignments_of(s, viewer, person_id=person.id)
        sbms = (
            admin.people_in_reach(s, viewer, role=Role.FACILITATOR.value, limit=admin.MAX_LIST)
            if "sbms" in targets
            else []
        )
    options = {
        "district_ids": ("Districts", {d.id: d.name for d in district_rows}, now.district_ids, "districts"),
        "school_ids": (
            "Schools",
            {s.id: f"{s.name} ({s.code})" for s in school_rows},
            now.school_ids,
            "schools",
        ),
        "sbm_ids": ("SBMs / SSLs", {p.id: f"{p.full_name} ({p.school})" for p in sbms}, now.sbm_ids, "sbms"),
    }
    chosen: dict[str, list[str]] = {}
    with st.form(f"assign_{person.id}"):
        st.markdown("**Assigned to**")
        for name, (label, found, current, target) in options.items():
            if target in targets:
                default = [i for i in current if i in found]
                chosen[name] = st.multiselect(
                    label, list(found), default=default, format_func=found.__getitem__
                )
        submitted = st.form_submit_button("Save assignments")
    if submitted:
        save(
            viewer,
            lambda s: admin.set_assignments(s, viewer, person_id=person.id, **chosen),
            "Assignments saved.",
        )


st.title("People")
show_flash()
with session_scope(engine()) as s:
    school_rows = admin.schools_in_admin_reach(s, viewer, limit=admin.MAX_LIST)
    district_rows = admin.districts_in_admin_reach(s, viewer)
schools = {s.code: f"{s.name} ({s.code})" for s in school_rows}
districts = {d.name: d.name for d in district_rows}
listing, adding, importing = st.tabs(["People", "Add a person", "Import from CSV"])
with listing:
    _render_edit(_render_list({s.id: f"{s.name} ({s.code})" for s in school_rows}))
with adding:
    _render_create()
with importing:
    run = admin.import_people_csv
    csv_import(
        viewer, what="people", template=TEMPLATE, run=lambda s, v, text, dry: run(s, v, text, dry_run=dry)
    )
