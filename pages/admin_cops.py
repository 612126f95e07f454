"""CoPs and members: a school's CoPs, adding or editing one, and who belongs to it."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cop.access import Page
from cop.validation import SCHOOL_ROLES, CopInput
from cop.vocab import CopKind, Role
from db import admin
from db.engine import session_scope
from db.queries.overview import SchoolChoice
from ui.admin_widgets import form_round, loaded_version, pick, save, show_flash
from ui.auth import require_viewer
from ui.resources import engine
from ui.widgets import school_picker, table_with_download

viewer = require_viewer(Page.ADMIN_COPS)


def _render_cops(school_id: str) -> list[admin.CopAdminRow]:
    with session_scope(engine()) as s:
        rows = admin.cops_of_school(s, viewer, school_id=school_id)
    frame = pd.DataFrame(
        {
            "CoP": c.name,
            "Kind": CopKind(c.kind).label,
            "Grade / subject": c.subject or c.grade or "",
            "Facilitator": c.facilitator or "not set",
            "Members": c.members,
            "Active": c.is_active,
        }
        for c in rows
    )
    table_with_download(frame, file_name="cops.csv", key="dl_admin_cops", empty="This school has no CoP yet.")
    return rows


def _cop_fields(key: str, cop: admin.CopAdminRow | None) -> CopInput:
    """A CoP's fields inside the caller's form, prefilled from `cop` when editing."""
    left, right = st.columns(2)
    name = left.text_input("Name", value=cop.name if cop else "", key=f"{key}_name")
    with right:
        kind = pick("Kind", CopKind.options(), current=cop and cop.kind, key=f"{key}_kind")
    grade = left.text_input("Grade (general CoPs)", value=(cop and cop.grade) or "", key=f"{key}_grade")
    subject = right.text_input(
        "Subject (subject CoPs)", value=(cop and cop.subject) or "", key=f"{key}_subject"
    )
    with left:
        current = cop and cop.facilitator_username
        facilitator = pick(
            "Facilitator (SBM / SSL)", facilitators, current=current, key=f"{key}_sbm", none="Not set"
        )
    is_active = right.checkbox("Active", value=cop.is_active if cop else True, key=f"{key}_active")
    return CopInput(name, kind or "", grade, subject, facilitator, is_active)


def _render_create(school_id: str) -> None:
    key = f"cop_new_{form_round('cop_new')}"
    with st.form(key):
        data = _cop_fields(key, None)
        submitted = st.form_submit_button("Add CoP", type="primary")
    if submitted:
        done = f"Added {data.name.strip()}."
        save(
            viewer,
            lambda s: admin.create_cop(s, viewer, school_id=school_id, data=data),
            done,
            reset="cop_new",
        )


def _render_edit(rows: list[admin.CopAdminRow]) -> admin.CopAdminRow | None:
    chosen = pick("CoP", {c.id: c.name for c in rows}, key="cops_edit", none="Choose a CoP listed above")
    cop = next((c for c in rows if c.id == chosen), None)
    if cop is None:
        return None
    version = loaded_version("cop", cop.id, cop.version)
    key = f"cop_{cop.id}_{version}"
    with st.form(key):
        data = _cop_fields(key, cop)
        submitted = st.form_submit_button("Save changes", type="primary")
    if submitted:
        save(
            viewer, lambda s: admin.update_cop(s, viewer, cop_id=cop.id, version=version, data=data), "Saved."
        )
    return cop


def _render_members(cop: admin.CopAdminRow) -> None:
    st.subheader(f"Members of {cop.name}")
    with session_scope(engine()) as s:
        members = admin.members_of_cop(s, viewer, cop_id=cop.id)
    frame = pd.DataFrame(
        {
            "Name": m.full_name,
            "Username": m.username,
            "Role": Role(m.role).label,
            "New teacher": m.is_new_teacher,
            "Joined on": m.joined_on,
        }
        for m in members
    )
    table_with_download(frame, file_name="members.csv", key="dl_members", empty="No member yet.")
    inside = {m.person_id for m in members}
    outside = {p.id: f"{p.full_name} ({p.username})" for p in staff if p.id not in inside}
    add_col, remove_col = st.columns(2)
    with add_col.form(f"join_{cop.id}"):
        person = pick("Add a member", outside, key=f"join_{cop.id}_who", none="Choose a colleague")
        joined = st.date_input("Joined on", value=date.today(), key=f"join_{cop.id}_on")
        joining = st.form_submit_button("Add member")
    with remove_col.form(f"leave_{cop.id}"):
        names = {m.person_id: m.full_name for m in members}
        leaver = pick("Remove a member", names, key=f"leave_{cop.id}_who", none="Choose a member")
        left_on = st.date_input("Left on", value=date.today(), key=f"leave_{cop.id}_on")
        leaving = st.form_submit_button("Remove member")
    if (joining and not person) or (leaving and not leaver):
        st.warning("Choose a person first.")
    if joining and person:
        add = admin.add_member
        save(
            viewer,
            lambda s: add(s, viewer, cop_id=cop.id, person_id=person, joined_on=joined),
            "Member added.",
        )
    if leaving and leaver:
        remove = admin.remove_member
        save(
            viewer,
            lambda s: remove(s, viewer, cop_id=cop.id, person_id=leaver, left_on=left_on),
            "Member removed.",
        )


st.title("CoPs and members")
show_flash()
with session_scope(engine()) as s:
    school_rows = admin.schools_in_admin_reach(s, viewer, active=True, limit=admin.MAX_LIST)
choices = [SchoolChoice(r.id, f"{r.name} ({r.code}, {r.district})") for r in school_rows]
school_id = school_picker(choices, home_school_id=viewer.school_id)
if school_id is not None:
    with session_scope(engine()) as s:
        staff = admin.people_in_reach(s, viewer, school_id=school_id, active=True, limit=admin.MAX_LIST)
    staff = [p for p in staff if Role(p.role) in SCHOOL_ROLES]
    facilitators = {p.username: p.full_name for p in staff if p.role == Role.FACILITATOR}
    listing, adding = st.tabs(["CoPs", "Add a CoP"])
    with listing:
        chosen = _render_edit(_render_cops(school_id))
        if chosen is not None:
            _render_members(chosen)
    with adding:
        _render_create(school_id)
