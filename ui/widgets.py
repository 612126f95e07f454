"""Widgets shared by pages: the school picker, tables with a CSV download, labels."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.queries.overview import SchoolChoice
from ui import state


def school_picker(choices: list[SchoolChoice], *, home_school_id: str | None) -> str | None:
    """Pick a school among those in reach; remembers the choice and keeps it in the URL for sharing."""
    if not choices:
        st.info("No school is in your reach yet. Ask an administrator to assign you to a school.")
        return None
    ids = [c.id for c in choices]
    wanted = st.query_params.get("school") or st.session_state.get(state.SCHOOL_ID) or home_school_id
    index = ids.index(wanted) if wanted in ids else 0
    if len(choices) == 1:
        chosen = choices[0].id
    else:
        labels = {c.id: c.label for c in choices}
        chosen = st.selectbox("School", ids, index=index, format_func=labels.__getitem__)
    st.session_state[state.SCHOOL_ID] = chosen
    if st.query_params.get("school") != chosen:
        st.query_params["school"] = chosen
    return chosen


def table_with_download(frame: pd.DataFrame, *, file_name: str, key: str, empty: str) -> None:
    """A table, and its CSV download, or a friendly line when there is nothing yet."""
    if frame.empty:
        st.caption(empty)
        return
    st.dataframe(frame, hide_index=True, width="stretch")
    st.download_button(
        "Download CSV",
        frame.to_csv(index=False).encode(),
        file_name=file_name,
        mime="text/csv",
        key=key,
    )
