"""People: find, add with a one-time password, edit role and home, assignments, sign-in, CSV import."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cop.access import Page, assignable_roles
from cop.validation import ASSIGNMENT_TARGETS, PEOPLE_COLUMNS, PersonInput
from cop.vocab import Role
from db import admin
from db.engine import session_scope
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
_TEXTS = (
    ("username", "Username"),
    ("full_name", "Full name"),
    ("email", "E-mail (optional)"),
    ("job_title", "Job title (optional)"),
    ("subject", "Subject (optional)"),
)


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


def _person_fields(key: str, person: admin.PersonRow | None) -> PersonInput:
    """A person's fields inside the caller's form, prefilled from `person` when editing."""
    cols = st.columns(2)
    texts = {
        name: cols[i % 2].text_input(
            label,
            value=getattr(person, name, None) or "",
            key=f"{key}_{name}",
            disabled=bool(person) and i == 0,
        )
        for i, (name, label) in enumerate(_TEXTS)
    }
    roles = {r.value: r.label for r in assignable_roles(viewer)}
    with cols[1]:
        role = pick("Role", roles, current=person.role if person else Role.TEACHER, key=f"{key}_role")
        # School staff take their district from their school, so only the others show one.
        home = person.district if person and not person.school_code else None
        district = pick(
            "District (district officers)", districts, current=home, key=f"{key}_district", none="None"
        )
    with cols[0]:
        school = pick(
            "Home school (school staff)",
            schools,
            current=person and person.school_code,
            key=f"{key}_school",
            none="None",
        )
        is_new = st.checkbox("New teacher", value=bool(person and person.is_new_teacher), key=f"{key}_new")
    start = cols[1].date_input(
        "Started teaching on (new teachers)",
        min_value=date(1970, 1, 1),
        value=person and person.teacher_start_date,
        key=f"{key}_start",
    )
    return PersonInput(
        **texts,
        role=role or "",
        school_code=school,
        district=district,
        is_new_teacher=is_new,
        teacher_start_date=start,
    )


def _render_create() -> None:
    key = f"person_new_{form_round('person_new')}"
    with st.form(key):
        data = _person_fields(key, None)
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
        data = _person_fields(key, person)
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
    _render_sign_in(person)


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


def _render_sign_in(person: admin.PersonRow) -> None:
    st.markdown("**Signing in**")
    if person.id == viewer.person_id:
        st.caption("This is you: change your own password on the Account page.")
        return
    left, right = st.columns(2)
    if person.is_active and left.button("Deactivate", help="Ends their sign-ins now; their records stay."):
        done = f"{person.full_name} is deactivated and signed out everywhere."
        save(viewer, lambda s: admin.deactivate_person(s, viewer, person_id=person.id), done)
    if not person.is_active and left.button("Reactivate"):
        save(
            viewer,
            lambda s: admin.reactivate_person(s, viewer, person_id=person.id),
            "They can sign in again.",
        )
    with right.form(f"reset_{person.id}"):
        typed = st.text_input(
            "New one-time password", type="password", help="Leave empty to have one generated."
        )
        submitted = st.form_submit_button("Reset password")
    if submitted:
        password = typed or admin.new_one_time_password(person.username)
        shown = "" if typed else f" The one-time password is **{password}** (shown only now)."
        done = f"Password reset: {person.full_name} chooses a new one at next sign-in.{shown}"
        save(viewer, lambda s: admin.reset_password(s, viewer, person_id=person.id, password=password), done)


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
