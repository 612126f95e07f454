"""Supportive field visits: a UR-CE facilitator's report on an SBM, its next steps as actions; read by the
SBM, their head teacher and officials in reach; history with filters, CSV, PDF, version-checked edits."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from cop.access import AccessDenied, Page
from cop.actions import day_label, today_in_rwanda
from cop.errors import EditConflict, ValidationError
from cop.field_visit import (
    MAX_STEPS,
    MAX_TEXT,
    PRACTICE_RATINGS,
    FieldVisitInput,
    StepInput,
    default_due,
    rating_label,
)
from cop.vocab import ActionStatus, Role
from db.access import actor_of
from db.engine import session_scope
from db.tools import field_visits as fv
from ui.admin_widgets import show_errors
from ui.auth import current_viewer, require_viewer
from ui.forms import draft, drop_draft, keep_draft, renew_submit_key, saved_state, submit_key
from ui.reports import FIELD_VISIT_TEXTS, field_visit_pdf
from ui.resources import engine
from ui.widgets import table_with_download

viewer = require_viewer(Page.FIELD_VISITS)

# Session-state keys of this page; a form's own keys all start with "<form>|".
TAB, PICKED, EDITING, NOTICE = "fv_tab", "fv_picked", "fv_editing", "fv_notice"
NEW = "field_visit:new"
LIMIT = 500
TABS = ("Visits", "Record a visit")
LABELS = {
    "sbm_id": "SBM visited",
    "visit_date": "Date of the visit",
    "practice_rating": "Practice rating",
    "steps": "Agreed next steps",
    "access": "Access",
    **FIELD_VISIT_TEXTS,
}
STEP_LABELS = {"description": "what", "owner": "who", "due_on": "due date"}
# Widgets accept any date in this span; the rules say which ones make sense (no future visit, ...).
WIDGET_DATES = (date(2000, 1, 1), date(2099, 12, 31))
ANY_DATE = {"min_value": WIDGET_DATES[0], "max_value": WIDGET_DATES[1]}
HEADINGS = {Role.FACILITATOR: "Visits to you", Role.HEAD_TEACHER: "Visits to your school"}


def _k(form: str, name: str) -> str:
    return f"{form}|{name}"


def _as_date(value: object) -> date | None:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, date) and WIDGET_DATES[0] <= value <= WIDGET_DATES[1] else None


def _storable(value: Any) -> Any:
    """A widget's value as JSON a draft can hold (no NUL or lone surrogates: PostgreSQL refuses them)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return "".join(ch for ch in value if ch != "\x00" and not 0xD800 <= ord(ch) <= 0xDFFF)
    return value


# --- the form's state: one flat payload (widget name -> value) for widgets, drafts and saving -----------


def _names(rows: list[dict[str, Any]]) -> list[str]:
    steps = [f"step{r['uid']}_{part}" for r in rows for part in ("description", "owner", "due_on")]
    return ["sbm_id", "visit_date", *FIELD_VISIT_TEXTS, "practice_rating", *steps]


def _blank(today: date) -> dict[str, Any]:
    return {"visit_date": today, "rows": [{"uid": 0}], "step0_due_on": default_due(today)}


def _of_detail(d: fv.FieldVisitDetail) -> dict[str, Any]:
    payload: dict[str, Any] = {
        n: getattr(d, n) for n in ("sbm_id", "visit_date", *FIELD_VISIT_TEXTS, "practice_rating")
    }
    payload["version"] = d.version
    payload["rows"] = [
        {"uid": i, "action_id": s.action_id, "action_version": s.version, "status": s.status}
        for i, s in enumerate(d.steps)
    ]
    for i, s in enumerate(d.steps):
        payload |= {
            f"step{i}_description": s.description,
            f"step{i}_owner": s.owner_id,
            f"step{i}_due_on": s.due_on,
        }
    return payload


def _load(form: str, initial: dict[str, Any]) -> None:
    """Put the person's draft (else `initial`) into the form's widgets when the form is first drawn."""
    # Keyed on a widget's state, which Streamlit drops when the form is not drawn (another page, report).
    if _k(form, "coaching_given") in st.session_state:
        return
    saved = draft(viewer, form)
    payload = saved or initial
    rows = [r for r in payload.get("rows") or [] if isinstance(r, dict) and isinstance(r.get("uid"), int)]
    for name in _names(rows[:MAX_STEPS]):
        value = payload.get(name)
        if name.endswith("date") or name.endswith("due_on"):
            value = _as_date(value)
        elif name in FIELD_VISIT_TEXTS or name.endswith("description"):
            value = str(value or "")
        elif name == "practice_rating" and value not in PRACTICE_RATINGS:
            value = None
        st.session_state[_k(form, name)] = value
    st.session_state[_k(form, "rows")] = rows[:MAX_STEPS]
    st.session_state[_k(form, "next_uid")] = max((r["uid"] for r in rows), default=-1) + 1
    st.session_state[_k(form, "version")] = payload.get("version", initial.get("version"))
    st.session_state[_k(form, "drafted")] = bool(saved)


def _payload(form: str) -> dict[str, Any]:
    rows = st.session_state.get(_k(form, "rows"), [])
    payload = {name: _storable(st.session_state.get(_k(form, name))) for name in _names(rows)}
    return payload | {"rows": rows, "version": st.session_state.get(_k(form, "version"))}


def _input(form: str) -> FieldVisitInput:
    """What the person entered, as the rules take it."""

    def value(name: str) -> Any:
        return st.session_state.get(_k(form, name))

    steps = tuple(
        StepInput(
            value(f"step{r['uid']}_description") or "",
            value(f"step{r['uid']}_owner"),
            value(f"step{r['uid']}_due_on"),
            r.get("action_id"),
            r.get("action_version"),
        )
        for r in st.session_state.get(_k(form, "rows"), [])
    )
    texts = {name: value(name) or "" for name in FIELD_VISIT_TEXTS}
    return FieldVisitInput(
        value("sbm_id"), value("visit_date"), practice_rating=value("practice_rating"), steps=steps, **texts
    )


def _live(form: str) -> dict[str, Any]:
    """Widget arguments that keep the form's draft on every change."""
    return {"on_change": _keep, "args": (form,)}


def _keep(form: str) -> None:
    """on_change of every field: store what is typed so far."""
    keep_draft(viewer, form, _payload(form))
    st.session_state[_k(form, "drafted")] = True


def _clear(form: str) -> None:
    for key in [k for k in st.session_state if str(k).startswith(form + "|")]:
        del st.session_state[key]


def _add_step(form: str) -> None:
    uid = st.session_state[_k(form, "next_uid")]
    st.session_state[_k(form, "next_uid")] = uid + 1
    st.session_state[_k(form, "rows")] = [*st.session_state[_k(form, "rows")], {"uid": uid}]
    day = st.session_state.get(_k(form, "visit_date")) or today_in_rwanda()
    st.session_state[_k(form, f"step{uid}_due_on")] = default_due(day)
    st.session_state[_k(form, f"step{uid}_owner")] = st.session_state.get(_k(form, "sbm_id"))
    _keep(form)


def _remove_step(form: str, uid: int) -> None:
    st.session_state[_k(form, "rows")] = [r for r in st.session_state[_k(form, "rows")] if r["uid"] != uid]
    _keep(form)


# --- saving ----------------------------------------------------------------------------------------------


def _save(form: str, visit_id: str | None) -> None:
    """Save button's callback (it runs before the page, so it may reset the form's widgets)."""
    who, state = current_viewer(), st.session_state
    if who is None:
        return
    for key in ("errors", "conflict"):
        state.pop(_k(form, key), None)
    data = _input(form)
    try:
        with session_scope(engine(), actor=actor_of(who)) as s:
            if visit_id is None:
                saved = str(fv.record_field_visit(s, who, data=data, idempotency_key=submit_key(form)))
            else:
                version = state.get(_k(form, "version"))
                fv.update_field_visit(s, who, visit_id=visit_id, version=version, data=data)
                saved = visit_id
    except ValidationError as invalid:
        state[_k(form, "errors")] = invalid.errors
        return
    except AccessDenied as refused:
        state[_k(form, "errors")] = {"access": str(refused)}
        return
    except EditConflict as clash:
        _conflict(form, visit_id, str(clash))
        return
    drop_draft(who, form)
    if visit_id is None:
        renew_submit_key(form)
    _clear(form)
    state.update({PICKED: saved, TAB: TABS[0], EDITING: None})
    state[NOTICE] = (
        "Report saved. Its next steps are now actions of their owners, shared with the SBM and HT."
    )


def _conflict(form: str, visit_id: str | None, message: str) -> None:
    """Keep the person's input; show the saved version; the next save applies over it."""
    with session_scope(engine()) as s:
        theirs = fv.field_visit(s, viewer, visit_id) if visit_id else None
    if theirs is not None:
        st.session_state[_k(form, "version")] = theirs.version
    st.session_state[_k(form, "conflict")] = (message, theirs)


def _start_edit(visit_id: str) -> None:
    st.session_state[EDITING] = visit_id


def _stop_edit(form: str) -> None:
    drop_draft(viewer, form)
    _clear(form)
    st.session_state[EDITING] = None


# --- rendering -------------------------------------------------------------------------------------------


def _error_labels(errors: dict[str, str]) -> dict[str, str]:
    labels = dict(LABELS)
    for name in errors:
        if m := re.fullmatch(r"step_(\d+)_(\w+)", name):
            labels[name] = f"Next step {m[1]}: {STEP_LABELS.get(m[2], m[2])}"
    return labels


def _render_steps(form: str, owners: list[fv.Choice], sbm_id: str | None) -> None:
    st.markdown("**Agreed next steps** (each becomes an action of its owner)")
    ids, labels = [c.id for c in owners], {c.id: c.label for c in owners}
    rows = st.session_state[_k(form, "rows")]
    for number, row in enumerate(rows, 1):
        uid = row["uid"]
        if row.get("status") == ActionStatus.DONE:
            done = _md(st.session_state[_k(form, f"step{uid}_description")])
            st.markdown(f":material/check_circle: {number}. {done} (done: it stays as it is)")
            continue
        owner_key = _k(form, f"step{uid}_owner")
        if st.session_state.get(owner_key) not in ids:
            st.session_state[owner_key] = sbm_id if sbm_id in ids else None
        what, who, due, drop = st.columns([5, 4, 2, 1], vertical_alignment="bottom")
        what.text_input(
            f"Next step {number}",
            key=_k(form, f"step{uid}_description"),
            max_chars=300,
            **_live(form),
        )
        who.selectbox(
            "Owner",
            ids,
            key=owner_key,
            format_func=labels.get,
            placeholder="Choose the SBM first",
            **_live(form),
        )
        due.date_input(
            "Due",
            key=_k(form, f"step{uid}_due_on"),
            **ANY_DATE,
            **_live(form),
        )
        drop.button(
            ":material/delete:",
            key=_k(form, f"drop{uid}"),
            help="Remove this step",
            on_click=_remove_step,
            args=(form, uid),
        )
    if len(rows) < MAX_STEPS:
        st.button("Add a step", key=_k(form, "add"), icon=":material/add:", on_click=_add_step, args=(form,))


def _render_form(form: str, detail: fv.FieldVisitDetail | None) -> None:
    """The report form: new (detail None) or an edit of `detail`; every change kept as a draft."""
    _load(form, _of_detail(detail) if detail else _blank(today_in_rwanda()))
    with session_scope(engine()) as s:
        sbms = {c.id: c.label for c in fv.assigned_sbms(s, viewer)} if detail is None else {}
    if detail is None:
        if not sbms:
            st.info("No SBM is assigned to you yet: ask an administrator to assign the SBMs you support.")
            return
        if st.session_state.get(_k(form, "sbm_id")) not in sbms:  # a draft's SBM no longer assigned
            st.session_state[_k(form, "sbm_id")] = None
        st.selectbox(
            "SBM visited",
            list(sbms),
            key=_k(form, "sbm_id"),
            format_func=sbms.get,
            placeholder="Choose the SBM",
            **_live(form),
        )
    else:
        st.subheader(f"Editing the visit to {detail.sbm} on {day_label(detail.visit_date)}")
    sbm_id = detail.sbm_id if detail else st.session_state.get(_k(form, "sbm_id"))
    with session_scope(engine()) as s:
        owners = fv.step_owners(s, viewer, sbm_id=sbm_id, visit_id=detail and detail.id) if sbm_id else []
    st.date_input(
        "Date of the visit",
        key=_k(form, "visit_date"),
        **ANY_DATE,
        **_live(form),
    )
    for name, label in FIELD_VISIT_TEXTS.items():
        st.text_area(label, key=_k(form, name), max_chars=MAX_TEXT, height=100, **_live(form))
    st.radio(
        "Practice rating (the SBM's practice as you saw it, 1-4)",
        list(PRACTICE_RATINGS),
        key=_k(form, "practice_rating"),
        format_func=rating_label,
        horizontal=True,
        **_live(form),
    )
    _render_steps(form, owners, sbm_id)
    if errors := st.session_state.get(_k(form, "errors")):
        show_errors(errors, _error_labels(errors))
    if clash := st.session_state.get(_k(form, "conflict")):
        st.warning(clash[0])
        if clash[1] is not None:
            _render_report_body(clash[1])
    left, right = st.columns([1, 3])
    left.button(
        "Save changes" if detail else "Save visit report",
        type="primary",
        key=_k(form, "save"),
        on_click=_save,
        args=(form, detail.id if detail else None),
    )
    if detail:
        right.button("Cancel editing", key=_k(form, "cancel"), on_click=_stop_edit, args=(form,))
    saved_state(bool(st.session_state.get(_k(form, "drafted"))))


def _md(text: str) -> str:
    """Typed text shown as text, not as Markdown (a "#" or "*" stays what it is)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$])", r"\\\1", text).replace("\n", "  \n")


def _render_report_body(d: fv.FieldVisitDetail) -> None:
    st.caption(
        f"SBM: {d.sbm} · visited by {d.facilitator} (UR-CE) · {d.school} ({d.school_code}), {d.district}"
    )
    st.markdown(f"**Practice rating:** {rating_label(d.practice_rating) or 'not given'}")
    for name, label in FIELD_VISIT_TEXTS.items():
        st.markdown(f"**{label}**  \n{_md(getattr(d, name)) or '-'}")
    steps = pd.DataFrame(
        [
            {
                "Next step": s.description,
                "Owner": s.owner or "",
                "Due": s.due_on,
                "Status": ActionStatus(s.status).label,
            }
            for s in d.steps
        ]
    )
    st.markdown("**Agreed next steps**")
    st.dataframe(steps, hide_index=True, width="stretch")


def _render_report(d: fv.FieldVisitDetail) -> None:
    st.subheader(f"Visit to {d.sbm} on {day_label(d.visit_date)}")
    _render_report_body(d)
    if d.sbm_id == viewer.person_id:
        st.caption("Your next steps are in **My actions**, where you mark them done.")
    slug = re.sub(r"[^a-z0-9]+", "_", d.sbm.lower()).strip("_")
    left, right = st.columns([1, 3])
    left.download_button(
        "Download PDF",
        field_visit_pdf(d),
        file_name=f"field_visit_{d.visit_date}_{slug}.pdf",
        mime="application/pdf",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
    )
    if d.editable:
        right.button("Edit this report", on_click=_start_edit, args=(d.id,))


def _render_history() -> None:
    st.subheader(HEADINGS.get(viewer.role, "Visit reports"))
    with session_scope(engine()) as s:
        options = fv.field_visit_filters(s, viewer)
    cols = st.columns(4)
    sbm = school = None
    if viewer.role not in (Role.FACILITATOR, Role.HEAD_TEACHER):
        sbms = {c.id: c.label for c in options.sbms}
        schools = {c.id: c.label for c in options.schools}
        sbm = cols[0].selectbox(
            "SBM", [None, *sbms], format_func=lambda v: sbms.get(v, "All SBMs"), key="fv_f_sbm"
        )
        school = cols[1].selectbox(
            "School", [None, *schools], format_func=lambda v: schools.get(v, "All schools"), key="fv_f_school"
        )
    since = cols[2].date_input("From", value=None, **ANY_DATE, key="fv_f_from")
    until = cols[3].date_input("To", value=None, **ANY_DATE, key="fv_f_to")
    if since and until and since > until:
        st.error("The From date is after the To date.")
        return
    with session_scope(engine()) as s:
        rows = fv.field_visits(s, viewer, sbm_id=sbm, school_id=school, since=since, until=until, limit=LIMIT)
    if len(rows) == LIMIT:
        st.caption(f"The newest {LIMIT} reports: narrow the filters to see older ones.")
    frame = pd.DataFrame(
        [
            {
                "Date": r.visit_date,
                "SBM": r.sbm,
                "School": r.school,
                "Visited by": r.facilitator,
                "Practice rating": r.practice_rating,
                "Steps open": r.steps_open,
                "Steps done": r.steps_done,
                "Priority challenges": r.priority_challenges or "",
            }
            for r in rows
        ]
    )
    table_with_download(
        frame, file_name="field_visits.csv", key="fv_csv", empty="No field visit report matches."
    )
    if not rows:
        return
    names = {r.id: f"{day_label(r.visit_date)} · {r.sbm} · {r.school}" for r in rows}
    if st.session_state.get(PICKED) not in names:
        st.session_state[PICKED] = rows[0].id
    picked = st.selectbox("Open a report", list(names), format_func=names.get, key=PICKED)
    editing = st.session_state.get(EDITING)
    if editing and editing != picked:  # another report was opened: the edit's draft stays for later
        _clear(f"field_visit:{editing}")
        st.session_state[EDITING] = None
    try:
        with session_scope(engine()) as s:
            detail = fv.field_visit(s, viewer, picked)
    except AccessDenied as refused:
        st.error(str(refused))
        return
    if st.session_state.get(EDITING) == detail.id and detail.editable:
        _render_form(f"field_visit:{detail.id}", detail)
    else:
        _render_report(detail)


st.title("Supportive field visits")
if notice := st.session_state.pop(NOTICE, None):
    st.success(notice)
if viewer.role is Role.FIELD_FACILITATOR:
    visits_tab, record_tab = st.tabs(list(TABS), key=TAB, on_change="rerun")
    with visits_tab:
        _render_history()
    with record_tab:
        _render_form(NEW, None)
else:
    _render_history()
