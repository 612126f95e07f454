"""Entry point: the navigation of the pages the signed-in person's role may use, or the sign-in."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import streamlit as st

from cop.access import Page, pages_for
from ui.auth import current_viewer, password_change_required, require_viewer

st.set_page_config(page_title="CoP Dashboard", page_icon="📘", layout="wide")


class PageFile(NamedTuple):
    path: str
    title: str
    icon: str
    section: str

    @property
    def url_path(self) -> str:
        return Path(self.path).stem


# Order here is the order in the navigation; each role sees the pages cop.access gives it.
PAGES: dict[Page, PageFile] = {
    Page.SCHOOL_OVERVIEW: PageFile(
        "pages/school_overview.py", "School dashboard", ":material/school:", "School"
    ),
    Page.CYCLE_PROGRESS: PageFile(
        "pages/cycle_progress.py", "Cycle progress", ":material/timeline:", "School"
    ),
    Page.AREA_DASHBOARD: PageFile(
        "pages/area_dashboard.py", "District and national", ":material/map:", "School"
    ),
    Page.CYCLES: PageFile("pages/cycles.py", "CoP cycles", ":material/autorenew:", "CoP sessions"),
    Page.COP_SESSION: PageFile("pages/cop_session.py", "CoP session", ":material/groups_2:", "CoP sessions"),
    Page.REFLECTION_SESSION: PageFile(
        "pages/reflection_session.py", "Reflection session", ":material/psychology:", "CoP sessions"
    ),
    Page.PROJECTOR: PageFile("pages/projector.py", "Projector", ":material/cast:", "CoP sessions"),
    Page.JOIN: PageFile("pages/join.py", "Join a session", ":material/qr_code_2:", "CoP sessions"),
    Page.CONTRIBUTE: PageFile("pages/contribute.py", "Contribute", ":material/add_comment:", "CoP sessions"),
    Page.CYCLE_REPORTS: PageFile(
        "pages/cycle_reports.py", "Cycle reports", ":material/description:", "CoP sessions"
    ),
    Page.MY_ACTIONS: PageFile("pages/my_actions.py", "My actions", ":material/task_alt:", "School"),
    Page.SESSION_REPORTS: PageFile(
        "pages/session_reports.py", "Session reports", ":material/summarize:", "School"
    ),
    Page.LESSON_OBSERVATIONS: PageFile(
        "pages/lesson_observations.py", "Lesson observations", ":material/visibility:", "Monitoring"
    ),
    Page.SELF_ASSESSMENT: PageFile(
        "pages/self_assessment.py", "SBM self-assessment", ":material/insights:", "Monitoring"
    ),
    Page.MONITORING_VISITS: PageFile(
        "pages/monitoring_visits.py", "CoP monitoring visits", ":material/fact_check:", "Monitoring"
    ),
    Page.FIELD_VISITS: PageFile(
        "pages/field_visits.py", "Field visits", ":material/directions_walk:", "Monitoring"
    ),
    Page.TTC_VISITS: PageFile(
        "pages/ttc_visits.py", "TTC school visits", ":material/checklist:", "Monitoring"
    ),
    Page.CEMC_GRADEBOOK: PageFile(
        "pages/cemc_gradebook.py", "CEMC gradebook", ":material/grading:", "Monitoring"
    ),
    Page.ADMIN_PEOPLE: PageFile("pages/admin_people.py", "People", ":material/group:", "Administration"),
    Page.ADMIN_SCHOOLS: PageFile("pages/admin_schools.py", "Schools", ":material/domain:", "Administration"),
    Page.ADMIN_COPS: PageFile(
        "pages/admin_cops.py", "CoPs and members", ":material/groups:", "Administration"
    ),
    Page.FORM_TEMPLATES: PageFile(
        "pages/form_templates.py", "Form questions", ":material/edit_note:", "Administration"
    ),
    Page.AUDIT_LOG: PageFile("pages/audit_log.py", "Audit trail", ":material/history:", "Administration"),
    Page.ACCOUNT: PageFile("pages/account.py", "Account", ":material/person:", "You"),
}


def _sign_in() -> None:
    """Every URL shows the sign-in while nobody is signed in; success reruns into the real page."""
    require_viewer()


viewer = current_viewer()
if viewer is None:
    # The placeholders carry the real pages' URL paths (hence their ids), so a bookmarked page opens
    # after sign-in, and the form keeps its widget ids across the rerun that submits it.
    placeholders = [
        st.Page(_sign_in, title="Sign in", url_path=f.url_path, default=i == 0)
        for i, f in enumerate(PAGES.values())
    ]
    st.navigation(placeholders, position="hidden").run()
else:
    allowed = pages_for(viewer.role)
    sections: dict[str, list[st.Page]] = {}
    for key, f in PAGES.items():
        if key in allowed:
            sections.setdefault(f.section, []).append(st.Page(f.path, title=f.title, icon=f.icon))
    # Until a one-time password is replaced, every page's guard shows only that form: no menu either.
    st.navigation(sections, position="hidden" if password_change_required() else "sidebar").run()
