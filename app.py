"""Entry point: sign-in, then the navigation of the pages the signed-in person's role may use."""

from __future__ import annotations

import streamlit as st

from cop.access import Page, pages_for
from ui.auth import current_viewer, sign_in_form

st.set_page_config(page_title="CoP Dashboard", page_icon="📘", layout="wide")

PAGES: dict[Page, st.Page] = {
    Page.SCHOOL_OVERVIEW: st.Page(
        "pages/school_overview.py", title="School overview", icon=":material/school:", url_path="school"
    ),
    Page.ACCOUNT: st.Page("pages/account.py", title="Account", icon=":material/person:", url_path="account"),
}


def _signed_out() -> None:
    """Placeholder page while nobody is signed in: the form above is all there is."""


viewer = current_viewer() or sign_in_form()
if viewer is None:
    st.navigation([st.Page(_signed_out, title="Sign in", url_path="sign-in")], position="hidden").run()
else:
    allowed = pages_for(viewer.role)
    st.navigation([page for key, page in PAGES.items() if key in allowed]).run()
