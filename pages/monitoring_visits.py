"""CoP monitoring visits: officials record what they saw of a school's CoP practice; the school reads it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from cop import monitoring_visit as rules
from cop.access import AccessDenied, Page
from cop.errors import EditConflict
from cop.monitoring_visit import FormItem, MonitoringInput
from cop.vocab import Role
from db.engine import session_scope
from db.queries.overview import schools_in_reach
from db.tools import monitoring_visits as mv
from ui.auth import require_viewer
from ui.forms import draft, drop_draft, keep_draft, renew_submit_key, saved_state, submit_key
from ui.reports import monitoring_question_rows, monitoring_visit_pdf
from ui.resources import engine
from ui.saving import write
from ui.widgets import table_with_download

viewer = require_viewer(Page.MONITORING_VISITS)

# Session-state keys of this page.
FLASH, VERSIONS, ROUNDS, THEIRS = "cop_mv_flash", "cop_mv_versions", "cop_mv_rounds", "cop_mv_theirs"
DRAFTED = "cop_mv_drafted"  # forms with a stored draft
NEW = "monitoring_visit:new"
ALL = WHOLE = ""  # the filters' "all" and the form's "no particular CoP" (None would show as a placeholder)
today = date.today()


def _key(form: str, name: str) -> str:
    return f"{form}|{st.session_state.get(ROUNDS, {}).get(form, 0)}|{name}"


def _names(items: list[FormItem]) -> list[str]:
    extra = [f"answer_{i.key}" for i in rules.extra_items(items)]
    return [
        "school_id",
        "cop_id",
        "visit_date",
        *rules.PRACTICE_FIELDS,
        *rules.ENABLER_FIELDS,
        *extra,
        *rules.TEXT_FIELDS,
    ]


def _payload(form: str, items: list[FormItem]) -> dict[str, Any]:
    values = {n: st.session_state.get(_key(form, n)) for n in _names(items)}
    day = values["visit_date"]
    return {**values, "visit_date": day.isoformat() if isinstance(day, date) else None}


def _keep(form: str, items: list[FormItem]) -> None:
    """on_change: store what is typed so far, with the version an edit started from."""
    keep_draft(viewer, form, {**_payload(form, items), "version": st.session_state[VERSIONS].get(form)})
    st.session_state[DRAFTED].add(form)


def _fill(form: str, items: list[FormItem], saved: MonitoringInput | None) -> None:
    """Give the form's widgets the draft, or else the saved visit (again after they were hidden)."""
    keys = {n: k for n in _names(items) if (k := _key(form, n)) not in st.session_state}
    if not keys:
        return
    found = draft(viewer, form)
    if found:
        st.session_state[DRAFTED].add(form)
    base: dict[str, Any] = {"visit_date": today}
    if saved is not None:
        base = {**saved.ratings, **{f"answer_{k}": v for k, v in saved.answers.items()}}
        base |= {n: getattr(saved, n) for n in ("school_id", "cop_id", "visit_date", *rules.TEXT_FIELDS)}
    for name, key in keys.items():
        value = found.get(name, base.get(name))
        if name == "visit_date" and isinstance(value, str):
            value = date.fromisoformat(value)
        if name in rules.TEXT_FIELDS or (name.startswith("answer_") and not isinstance(value, int)):
            value = value or ""
        st.session_state[key] = value
    st.session_state[VERSIONS].setdefault(form, found.get("version"))


def _valid(key: str, options: list[Any], default: str | None = None) -> None:
    """A restored value the options no longer hold (another school's CoP) shows as not chosen."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def _rating(form: str, name: str, label: str, scale: tuple[int, int], on: dict[str, Any]) -> None:
    options = list(range(scale[0], scale[1] + 1))
    _valid(_key(form, name), options)
    words = rules.RATING_LABELS if scale == rules.RATING_SCALE else {}
    fmt = lambda v: f"{v} {words[v].lower()}" if v in words else str(v)  # noqa: E731
    st.radio(label, options, index=None, key=_key(form, name), horizontal=True, format_func=fmt, **on)


def _fields(form: str, items: list[FormItem], schools: dict[str, str]) -> MonitoringInput:
    """The form's widgets (drafted on every change); returns what they hold."""
    on: dict[str, Any] = {"on_change": _keep, "args": (form, items)}
    k = lambda name: _key(form, name)  # noqa: E731
    left, right = st.columns(2)
    _valid(k("school_id"), list(schools))
    school = left.selectbox(
        "School",
        list(schools),
        index=None,
        key=k("school_id"),
        format_func=schools.__getitem__,
        placeholder="Choose a school",
        **on,
    )
    cops = {WHOLE: "No particular CoP (the school as a whole)"}
    if school:
        with session_scope(engine()) as s:
            cops |= {c.id: c.label for c in mv.school_cops(s, viewer, school)}
    _valid(k("cop_id"), list(cops), WHOLE)
    right.selectbox("CoP observed", list(cops), key=k("cop_id"), format_func=cops.__getitem__, **on)
    right.date_input(
        "Visit date", value=None, min_value=rules.EARLIEST_VISIT, max_value=today, key=k("visit_date"), **on
    )
    st.caption("Rate what you saw: 1 not yet · 2 emerging · 3 established · 4 strong.")
    st.markdown("**CoP practice**")
    for name, label in rules.practice_labels(items).items():
        _rating(form, name, label, rules.RATING_SCALE, on)
    for item in rules.extra_items(items):
        if item.scale:
            _rating(form, f"answer_{item.key}", item.label, item.scale, on)
        else:
            st.text_input(item.label, key=k(f"answer_{item.key}"), max_chars=rules.MAX_ANSWER, **on)
    st.markdown("**The six key enablers**")
    for name, label in rules.ENABLER_FIELDS.items():
        _rating(form, name, label, rules.RATING_SCALE, on)
    for name, label in rules.TEXT_FIELDS.items():
        st.text_area(label, key=k(name), **on)
    state = {n: st.session_state.get(k(n)) for n in _names(items)}
    return MonitoringInput(
        school_id=state["school_id"],
        visit_date=state["visit_date"],
        cop_id=state["cop_id"] or None,
        ratings={n: state[n] for n in (*rules.PRACTICE_FIELDS, *rules.ENABLER_FIELDS)},
        answers={i.key: state[f"answer_{i.key}"] for i in rules.extra_items(items)},
        **{n: state[n] for n in rules.TEXT_FIELDS},
    )


def _save(form: str, action: Callable[[Session], object], labels: dict[str, str], done: str) -> None:
    """One audited transaction; a refusal is a message, and what was typed stays on screen."""

    def conflicted(conflict: EditConflict) -> None:
        # The next save applies this person's values over the version shown as theirs.
        st.session_state[VERSIONS][form] = conflict.theirs.get("version")
        st.session_state[THEIRS] = {form: conflict.theirs}
        st.error(str(conflict))

    if not write(viewer, action, labels=labels, on_conflict=conflicted):
        return
    drop_draft(viewer, form)
    renew_submit_key(form)
    rounds = st.session_state.setdefault(ROUNDS, {})
    rounds[form] = rounds.get(form, 0) + 1  # fresh widgets: an empty form, or the saved visit
    st.session_state[VERSIONS].pop(form, None)
    st.session_state[DRAFTED].discard(form)
    st.session_state.pop(THEIRS, None)
    st.session_state[FLASH] = done
    st.rerun()


def _render_theirs(form: str, items: list[FormItem]) -> None:
    """After a conflict: the other person's saved values, beside this person's kept input."""
    if not (theirs := st.session_state.get(THEIRS, {}).get(form)):
        return
    labels = rules.field_labels(items) | {"answers": "Other answers"}
    rows = [
        {"Field": labels.get(n, n), "Their saved value": str(v)} for n, v in theirs.items() if n != "version"
    ]
    with st.expander("Their saved version: save again to apply yours over it", expanded=True):
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _render_new(schools: dict[str, str]) -> None:
    with session_scope(engine()) as s:
        template = mv.monitoring_form(s)
    _fill(NEW, template.items, None)
    data = replace(_fields(NEW, template.items, schools), template_id=template.template_id)
    saved_state(NEW in st.session_state[DRAFTED], what="Draft")
    if st.button("Save visit", type="primary", key=_key(NEW, "save")):
        key = submit_key(NEW)
        record = mv.record_monitoring_visit
        _save(
            NEW,
            lambda s: record(s, viewer, data=data, idempotency_key=key),
            rules.field_labels(template.items),
            "Monitoring visit saved.",
        )


def _render_edit(d: mv.MonitoringVisitDetail, schools: dict[str, str]) -> None:
    form = f"monitoring_visit:{d.id}"
    _fill(form, d.items, d.as_input())
    version = st.session_state[VERSIONS].setdefault(form, d.version) or d.version
    st.session_state[VERSIONS][form] = version
    data = _fields(form, d.items, schools | {d.school_id: d.school})
    saved_state(form in st.session_state[DRAFTED], what="Draft of your changes")
    if st.button("Save changes", type="primary", key=_key(form, "save")):
        update = mv.update_monitoring_visit
        _save(
            form,
            lambda s: update(s, viewer, visit_id=d.id, version=version, data=data),
            rules.field_labels(d.items),
            "Changes saved.",
        )
    _render_theirs(form, d.items)


def _render_visit(visit_id: str, schools: dict[str, str]) -> None:
    with session_scope(engine()) as s:
        d = mv.monitoring_visit(s, viewer, visit_id)
    st.subheader(f"{d.school}, {d.visit_date:%d %B %Y}")
    st.caption(
        f"CoP: {d.cop or 'the school as a whole'} · by {rules.visitor_label(d.visitor, d.visitor_role)}"
    )
    left, right = st.columns(2)
    left.dataframe(
        pd.DataFrame(monitoring_question_rows(d), columns=["Rating", "CoP practice"]), hide_index=True
    )
    enablers = [(rules.rating_text(d.ratings[n]), label) for n, label in rules.ENABLER_FIELDS.items()]
    right.dataframe(pd.DataFrame(enablers, columns=["Rating", "Enabler"]), hide_index=True)
    right.metric("Enablers, average", rules.enabler_mean(d.ratings) or "–")
    for name, label in rules.TEXT_FIELDS.items():
        st.markdown(f"**{label}**\n\n{d.texts[name] or '–'}")
    st.download_button(
        "Download PDF",
        monitoring_visit_pdf(d),
        file_name=f"monitoring_visit_{d.visit_date}.pdf",
        mime="application/pdf",
        on_click="ignore",
        key=f"pdf_{d.id}",
    )
    if not rules.may_edit(viewer, d.visitor_id):
        return
    if st.toggle("Edit this visit", key=_key(f"monitoring_visit:{d.id}", "on")):
        _render_edit(d, schools)


def _render_history(schools: dict[str, str]) -> str | None:
    """Filters, the visits with their CSV, and a picker to open one."""
    with session_scope(engine()) as s:
        visitors = {c.id: c.label for c in mv.monitoring_visitors(s, viewer)}
    cols = st.columns(4)
    school = cols[0].selectbox(
        "School", [ALL, *schools], format_func=lambda i: schools.get(i, "All schools"), key="mv_f_school"
    )
    visitor = cols[1].selectbox(
        "Visitor", [ALL, *visitors], format_func=lambda i: visitors.get(i, "Everyone"), key="mv_f_visitor"
    )
    since = cols[2].date_input("From", value=today - timedelta(days=365), max_value=today, key="mv_f_since")
    until = cols[3].date_input("To", value=today, max_value=today, key="mv_f_until")
    with session_scope(engine()) as s:
        rows = mv.monitoring_visits(s, viewer, school_id=school, visitor_id=visitor, since=since, until=until)
    labels = rules.practice_labels([]) | rules.ENABLER_FIELDS
    frame = pd.DataFrame(
        {
            "Date": r.visit_date,
            "School": r.school,
            "District": r.district,
            "CoP": r.cop or "Whole school",
            "Visitor": r.visitor,
            **{labels[n]: v for n, v in r.ratings.items()},
            "Enablers average": r.enabler_mean,
        }
        for r in rows
    )
    table_with_download(frame, file_name="monitoring_visits.csv", key="dl_mv", empty="No visit matches.")
    if not rows:
        return None
    names = {r.id: f"{r.visit_date} · {r.school} · {r.cop or 'whole school'} · {r.visitor}" for r in rows}
    return st.selectbox(
        "Open a visit",
        list(names),
        index=None,
        format_func=names.__getitem__,
        key="mv_open",
        placeholder="Choose a visit to read it",
    )


def _render_recommendations() -> None:
    with session_scope(engine()) as s:
        recs = mv.recommendations_for_me(s, viewer)
    st.subheader("Recommendations for you")
    if not recs:
        st.caption("No monitoring visit has left recommendations for you yet.")
    for r in recs:
        st.info(f"**{r.visit_date:%d %B %Y}** · {r.cop or 'the school as a whole'} · {r.visitor}\n\n{r.text}")


st.title("CoP monitoring visits")
st.session_state.setdefault(VERSIONS, {})
st.session_state.setdefault(DRAFTED, set())
if message := st.session_state.pop(FLASH, None):
    st.success(message)
if viewer.role in (Role.HEAD_TEACHER, Role.FACILITATOR):
    _render_recommendations()
try:
    with session_scope(engine()) as s:
        school_names = {c.id: c.label for c in schools_in_reach(s, viewer)}
    tabs = st.tabs(["Visits", "Record a visit"]) if rules.may_record(viewer) else [st.container()]
    with tabs[0]:
        if chosen := _render_history(school_names):
            _render_visit(chosen, school_names)
    if len(tabs) > 1:
        with tabs[1]:
            _render_new(school_names)
except AccessDenied as refused:
    st.error(str(refused))
