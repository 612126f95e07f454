"""The People page's forms: a person's fields, and signing them out, back in, or to a new password."""

from __future__ import annotations

from datetime import date

import streamlit as st

from cop.access import Viewer, assignable_roles
from cop.validation import PersonInput
from cop.vocab import Role
from db import admin
from ui.admin_widgets import pick, save

_TEXTS = (
    ("username", "Username"),
    ("full_name", "Full name"),
    ("email", "E-mail (optional)"),
    ("job_title", "Job title (optional)"),
    ("subject", "Subject (optional)"),
)


def person_fields(
    viewer: Viewer,
    key: str,
    person: admin.PersonRow | None,
    *,
    schools: dict[str, str],
    districts: dict[str, str],
) -> PersonInput:
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


def sign_in_controls(viewer: Viewer, person: admin.PersonRow) -> None:
    """Deactivate or reactivate a person, or give them a new one-time password (never the viewer)."""
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
