"""TTC school visits: the new-teacher induction checklist per new teacher, and feedback to the SBM / SSL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from cop import ttc_visit as rules
from cop.access import AccessDenied, Page
from cop.errors import EditConflict
from cop.ttc_visit import Mark, TtcVisitInput
from cop.vocab import Role
from db.engine import session_scope
from db.queries.overview import schools_in_reach
from db.tools import ttc_visits as tv
from ui.auth import require_viewer
from ui.forms import draft, drop_draft, keep_draft, renew_submit_key, saved_state, submit_key
from ui.reports import ttc_visit_pdf
from ui.resources import engine
from ui.saving import write
from ui.widgets import table_with_download

viewer = require_viewer(Page.TTC_VISITS)

# Session-state keys of this page.
FLASH, VERSIONS, ROUNDS, THEIRS = "cop_ttc_flash", "cop_ttc_versions", "cop_ttc_rounds", "cop_ttc_theirs"
DRAFTED = "cop_ttc_drafted"  # forms with a stored draft
NEW = "ttc_visit:new"
ALL = ""  # the filters' "all" (None would show as a placeholder)
today = date.today()


def _key(form: str, name: str) -> str:
    return f"{form}|{st.session_state.get(ROUNDS, {}).get(form, 0)}|{name}"


def _names(shape: tv.TtcForm | None) -> list[str]:
    """The form's widget names: one done box and one note per new teacher and activity."""
    names = ["school_id", "visit_date", "facilitator_id", "feedback"]
    if shape is not None:
        names += [
            f"{kind}|{t.id}|{i.key}"
            for t in shape.new_teachers
            for i in shape.items
            for kind in ("done", "note")
        ]
    return names


def _payload(form: str, names: list[str]) -> dict[str, Any]:
    values = {n: st.session_state.get(_key(form, n)) for n in names}
    day = values["visit_date"]
    return {**values, "visit_date": day.isoformat() if isinstance(day, date) else None}


def _keep(form: str, names: list[str]) -> None:
    """on_change: store what is typed so far, with the version an edit started from."""
    keep_draft(viewer, form, {**_payload(form, names), "version": st.session_state[VERSIONS].get(form)})
    st.session_state[DRAFTED].add(form)


def _fill(form: str, names: list[str], saved: TtcVisitInput | None) -> None:
    """Give the form's widgets the draft, or else the saved visit (again after they were hidden)."""
    keys = {n: k for n in names if (k := _key(form, n)) not in st.session_state}
    if not keys:
        return
    found = draft(viewer, form)
    if found:
        st.session_state[DRAFTED].add(form)
    base: dict[str, Any] = {"visit_date": today}
    if saved is not None:
        base = {"school_id": saved.school_id, "visit_date": saved.visit_date, "feedback": saved.feedback}
        base |= {"facilitator_id": saved.facilitator_id}
        for (teacher, item), mark in saved.marks.items():
            base |= {f"done|{teacher}|{item}": mark.done, f"note|{teacher}|{item}": mark.note}
    for name, key in keys.items():
        value = found.get(name, base.get(name))
        if name == "visit_date" and isinstance(value, str):
            value = date.fromisoformat(value)
        elif name.startswith("done|"):
            value = bool(value)
        elif name.startswith("note|") or name == "feedback":
            value = value or ""
        st.session_state[key] = value
    st.session_state[VERSIONS].setdefault(form, found.get("version"))


def _valid(key: str, options: list[Any]) -> None:
    """A restored value the options no longer hold (a person who left) shows as not chosen."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = None


def _checklist(form: str, shape: tv.TtcForm, on: dict[str, Any], day: date | None) -> None:
    """One block per new teacher: each activity done or not, with an optional note."""
    st.markdown("**Induction checklist, for each new teacher**")
    if not shape.new_teachers:
        st.info(
            "This school has no new teacher recorded: ask its head teacher or an administrator to flag them."
        )
    for teacher in shape.new_teachers:
        weeks = rules.weeks_in_service(teacher.start_date, day or today)
        started = f"started {teacher.start_date:%d %b %Y}" if teacher.start_date else "start date unknown"
        with st.container(border=True):
            st.markdown(
                f"**{teacher.name}** · {started}" + (f" ({weeks} weeks)" if weeks is not None else "")
            )
            for item in shape.items:
                done, note = st.columns([3, 2])
                done.checkbox(item.label, key=_key(form, f"done|{teacher.id}|{item.key}"), **on)
                note.text_input(
                    f"Note: {item.label}",
                    key=_key(form, f"note|{teacher.id}|{item.key}"),
                    label_visibility="collapsed",
                    placeholder="Note (optional)",
                    max_chars=rules.MAX_NOTE,
                    **on,
                )


def _fields(form: str, shape: tv.TtcForm | None, schools: dict[str, str] | None) -> TtcVisitInput:
    """The form's widgets (drafted on every change); returns what they hold. No `schools`: an edit."""
    names = _names(shape)
    on: dict[str, Any] = {"on_change": _keep, "args": (form, names)}
    k = lambda name: _key(form, name)  # noqa: E731
    left, right = st.columns(2)
    if schools is not None:
        _valid(k("school_id"), list(schools))
        left.selectbox(
            "School",
            list(schools),
            index=None,
            key=k("school_id"),
            format_func=schools.__getitem__,
            placeholder="Choose a school",
            **on,
        )
    right.date_input(
        "Visit date", value=None, min_value=rules.EARLIEST_VISIT, max_value=today, key=k("visit_date"), **on
    )
    if shape is not None:
        people = {f.id: f.label for f in shape.facilitators}
        _valid(k("facilitator_id"), list(people))
        left.selectbox(
            "SBM / SSL receiving the feedback",
            list(people),
            index=None,
            key=k("facilitator_id"),
            format_func=people.__getitem__,
            placeholder="Choose the SBM or SSL" if people else "No SBM / SSL at this school",
            **on,
        )
        _checklist(form, shape, on, st.session_state.get(k("visit_date")))
    st.text_area(
        "Feedback to the SBM / SSL on facilitating CoP sessions with new teachers' challenges",
        key=k("feedback"),
        **on,
    )
    state = {n: st.session_state.get(k(n)) for n in names}
    marks = {}
    if shape is not None:
        marks = {
            (t.id, i.key): Mark(bool(state[f"done|{t.id}|{i.key}"]), state[f"note|{t.id}|{i.key}"])
            for t in shape.new_teachers
            for i in shape.items
        }
    return TtcVisitInput(
        school_id=state["school_id"],
        visit_date=state["visit_date"],
        template_id=shape.template_id if shape else None,
        facilitator_id=state["facilitator_id"],
        feedback=state["feedback"],
        marks=marks,
    )


def _save(form: str, action: Callable[[Session], object], done: str) -> None:
    """One audited transaction; a refusal is a message, and what was typed stays on screen."""

    def conflicted(conflict: EditConflict) -> None:
        # The next save applies this person's values over the version shown as theirs.
        st.session_state[VERSIONS][form] = conflict.theirs.get("version")
        st.session_state[THEIRS] = {form: conflict.theirs}
        st.error(str(conflict))

    if not write(viewer, action, labels=rules.FIELD_LABELS, on_conflict=conflicted):
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


def _render_new(schools: dict[str, str]) -> None:
    _fill(NEW, _names(None), None)
    school = st.session_state.get(_key(NEW, "school_id"))
    shape = None
    if school in schools:
        with session_scope(engine()) as s:
            shape = tv.ttc_form(s, viewer, school)
        _fill(NEW, _names(shape), None)
    data = _fields(NEW, shape, schools)
    saved_state(NEW in st.session_state[DRAFTED], what="Draft")
    if st.button("Save visit", type="primary", key=_key(NEW, "save")):
        key = submit_key(NEW)
        _save(
            NEW, lambda s: tv.record_ttc_visit(s, viewer, data=data, idempotency_key=key), "TTC visit saved."
        )


def _render_edit(d: tv.TtcVisitDetail) -> None:
    form = f"ttc_visit:{d.id}"
    with session_scope(engine()) as s:
        shape = tv.edit_form(s, viewer, d)
    _fill(form, _names(shape), d.as_input())
    version = st.session_state[VERSIONS].setdefault(form, d.version) or d.version
    st.session_state[VERSIONS][form] = version
    data = _fields(form, shape, None)
    saved_state(form in st.session_state[DRAFTED], what="Draft of your changes")
    if st.button("Save changes", type="primary", key=_key(form, "save")):
        update = tv.update_ttc_visit
        _save(form, lambda s: update(s, viewer, visit_id=d.id, version=version, data=data), "Changes saved.")
    _render_theirs(form, shape)


def _render_theirs(form: str, shape: tv.TtcForm) -> None:
    """After a conflict: the other person's saved values (their checklist shows in the read view above)."""
    if not (theirs := st.session_state.get(THEIRS, {}).get(form)):
        return
    people = {f.id: f.label for f in shape.facilitators}
    shown = {
        "Visit date": theirs.get("visit_date"),
        "SBM / SSL": people.get(str(theirs.get("facilitator_id")), theirs.get("facilitator_id")),
        "Feedback": theirs.get("feedback_to_facilitator"),
    }
    rows = [{"Field": name, "Their saved value": str(value)} for name, value in shown.items()]
    with st.expander("Their saved version: save again to apply yours over it", expanded=True):
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _grid(d: tv.TtcVisitDetail) -> pd.DataFrame:
    """Activities down, new teachers across: done or not yet."""
    return pd.DataFrame(
        {
            "Activity": [i.label for i in d.items],
            **{
                t.name: ["Done" if d.marks.get((t.id, i.key), Mark()).done else "Not yet" for i in d.items]
                for t in d.teachers
            },
        }
    )


def _render_visit(visit_id: str) -> None:
    with session_scope(engine()) as s:
        d = tv.ttc_visit(s, viewer, visit_id)
    st.subheader(f"{d.school}, {d.visit_date:%d %B %Y}")
    st.caption(f"TTC tutor: {d.tutor} · feedback to {d.facilitator or '–'} · checklist revision {d.revision}")
    if d.teachers:
        done = rules.progress(d.marks, [t.id for t in d.teachers])
        cols = st.columns(min(len(d.teachers), 4))
        for i, t in enumerate(d.teachers):
            cols[i % len(cols)].metric(t.name, f"{done[t.id].done} of {done[t.id].total} done")
        table_with_download(
            _grid(d), file_name=f"ttc_checklist_{d.visit_date}.csv", key=f"dl_grid_{d.id}", empty=""
        )
        notes = [
            f"- **{t.name}**, {i.label}: {m.note}"
            for t in d.teachers
            for i in d.items
            if (m := d.marks.get((t.id, i.key))) and m.note
        ]
        with st.expander(f"The tutor's notes ({len(notes)})", expanded=len(notes) <= 3):
            st.markdown("\n".join(notes) or "No notes.")
    else:
        st.caption("The school had no new teacher recorded at this visit.")
    st.markdown(f"**Feedback to the SBM / SSL**\n\n{d.feedback or '–'}")
    st.download_button(
        "Download PDF",
        ttc_visit_pdf(d),
        file_name=f"ttc_visit_{d.visit_date}.pdf",
        mime="application/pdf",
        on_click="ignore",
        key=f"pdf_{d.id}",
    )
    if not rules.may_edit(viewer, d.tutor_id):
        return
    if st.toggle("Edit this visit", key=_key(f"ttc_visit:{d.id}", "on")):
        _render_edit(d)


def _render_history(schools: dict[str, str]) -> str | None:
    """Filters, the visits with their CSV, and a picker to open one."""
    with session_scope(engine()) as s:
        tutors = {c.id: c.label for c in tv.ttc_tutors(s, viewer)}
    cols = st.columns(4)
    school = cols[0].selectbox(
        "School", [ALL, *schools], format_func=lambda i: schools.get(i, "All schools"), key="ttc_f_school"
    )
    tutor = cols[1].selectbox(
        "Tutor", [ALL, *tutors], format_func=lambda i: tutors.get(i, "Every tutor"), key="ttc_f_tutor"
    )
    since = cols[2].date_input("From", value=today - timedelta(days=365), max_value=today, key="ttc_f_since")
    until = cols[3].date_input("To", value=today, max_value=today, key="ttc_f_until")
    with session_scope(engine()) as s:
        rows = tv.ttc_visits(s, viewer, school_id=school, tutor_id=tutor, since=since, until=until)
    frame = pd.DataFrame(
        {
            "Date": r.visit_date,
            "School": r.school,
            "District": r.district,
            "Tutor": r.tutor,
            "Feedback to": r.facilitator or "",
            "New teachers": r.new_teachers,
            "Activities done": r.done,
            "Activities checked": r.checked,
        }
        for r in rows
    )
    table_with_download(frame, file_name="ttc_visits.csv", key="dl_ttc", empty="No visit matches.")
    names = {r.id: f"{r.visit_date} · {r.school} · {r.tutor}" for r in rows}
    if not rows:
        return None
    return st.selectbox(
        "Open a visit",
        list(names),
        index=None,
        format_func=names.__getitem__,
        key="ttc_open",
        placeholder="Choose a visit to read it",
    )


def _render_feedback() -> None:
    with session_scope(engine()) as s:
        notes = tv.feedback_for_me(s, viewer)
    st.subheader("Feedback for you")
    if not notes:
        st.caption("No TTC tutor has left feedback for you yet.")
    for n in notes:
        st.info(f"**{n.visit_date:%d %B %Y}** · {n.tutor}\n\n{n.text}")


st.title("TTC school visits")
st.caption("New-teacher induction: the TTC tutor's checklist per new teacher, and feedback to the SBM / SSL.")
st.session_state.setdefault(VERSIONS, {})
st.session_state.setdefault(DRAFTED, set())
if message := st.session_state.pop(FLASH, None):
    st.success(message)
if viewer.role is Role.FACILITATOR:
    _render_feedback()
try:
    with session_scope(engine()) as s:
        school_names = {c.id: c.label for c in schools_in_reach(s, viewer)}
    tabs = st.tabs(["Visits", "Record a visit"]) if rules.may_record(viewer) else [st.container()]
    with tabs[0]:
        if chosen := _render_history(school_names):
            _render_visit(chosen)
    if len(tabs) > 1:
        with tabs[1]:
            _render_new(school_names)
except AccessDenied as refused:
    st.error(str(refused))
