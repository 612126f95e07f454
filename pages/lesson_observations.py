"""Lesson observations: record one, the history with the school's practice averages, read, edit and print."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Page, Reach
from cop.errors import EditConflict
from cop.observation import ObservationInput, Practice, may_record
from db.engine import session_scope
from db.queries.overview import schools_in_reach
from db.tools import observations as obs
from ui.auth import require_viewer
from ui.forms import draft, drop_draft, keep_draft, renew_submit_key, saved_state, submit_key
from ui.reports import observation_pdf
from ui.resources import engine
from ui.saving import write
from ui.widgets import school_picker, table_with_download

viewer = require_viewer(Page.LESSON_OBSERVATIONS)

# Session-state keys of this page.
FLASH = "cop_lo_flash"
PICK = "cop_lo_pick"
LOADED = "cop_lo_loaded_versions"  # observation id -> version its edit form was opened with
NEW = "lesson_observation:new"
LABELS = {
    "teacher": "Teacher",
    "subject": "Subject",
    "grade": "Grade",
    "observed_on": "Date of the lesson",
    "ratings": "Ratings",
    "notes": "Notes",
}
FIELDS = ("teacher", "subject", "grade", "observed_on", "notes")


def _write(action: Callable[[Session], object], on_conflict: Callable[[EditConflict], None]) -> bool:
    """One audited transaction; a conflict shows its message, then the other version (`on_conflict`)."""

    def conflicted(conflict: EditConflict) -> None:
        st.warning(str(conflict))
        on_conflict(conflict)

    return write(viewer, action, labels=LABELS, on_conflict=conflicted)


def _keys(form: str, practices: list[Practice]) -> dict[str, str]:
    """Widget keys of one form: its fields and one rating per practice."""
    keys = {f: f"{form}:{f}" for f in FIELDS}
    return keys | {f"r:{p.id}": f"{form}:r:{p.id}" for p in practices}


def _payload(keys: dict[str, str]) -> dict[str, object]:
    """What the form holds, as JSON a draft can keep (PostgreSQL's JSON cannot hold NUL: it is dropped)."""
    values = {name: st.session_state.get(key) for name, key in keys.items()}
    values = {k: v.replace("\x00", "") if isinstance(v, str) else v for k, v in values.items()}
    day = values.get("observed_on")
    return values | {"observed_on": day.isoformat() if isinstance(day, date) else None}


def _fill(
    form: str, keys: dict[str, str], start: dict[str, object], *, saved_version: int | None = None
) -> dict[str, object]:
    """Put the draft (or `start`) into the widgets the first time this form is shown; return the draft.

    With `saved_version`: a form left untouched (no draft) while someone saved a newer version shows theirs.
    """
    kept = draft(viewer, form)
    loaded: dict[str, int] = st.session_state.setdefault(LOADED, {})
    stale = saved_version is not None and not kept and loaded.get(form, saved_version) != saved_version
    if stale:
        loaded[form] = saved_version  # type: ignore[assignment]
    for name, key in keys.items():
        if key not in st.session_state or stale:
            value = kept.get(name, start.get(name))
            if name == "observed_on" and isinstance(value, str):
                value = date.fromisoformat(value)
            st.session_state[key] = value
    return kept


def _input(keys: dict[str, str], practices: list[Practice]) -> ObservationInput:
    get = st.session_state.get
    ratings = {p.id: get(keys[f"r:{p.id}"]) for p in practices}
    return ObservationInput(
        get(keys["teacher"]),
        get(keys["subject"]),
        get(keys["grade"]),
        get(keys["observed_on"]),
        ratings,
        get(keys["notes"]),
    )


def _fields(
    form: str, teachers: list[obs.PersonChoice], practices: list[Practice], retired: set[str]
) -> dict[str, str]:
    """The form's widgets, drawn outside st.form so each change is kept as a draft at once."""
    keys = _keys(form, practices)
    labels = {t.id: t.label for t in teachers}

    def keep() -> None:
        keep_draft(viewer, form, _payload(keys) | {"version": st.session_state.get(LOADED, {}).get(form)})

    def teacher_chosen() -> None:
        # Most lessons observed are in the teacher's own subject: offer it, the observer may change it.
        subject = next((t.subject for t in teachers if t.id == st.session_state[keys["teacher"]]), None)
        if subject and not st.session_state.get(keys["subject"]):
            st.session_state[keys["subject"]] = subject
        keep()

    if st.session_state.get(keys["teacher"]) not in labels:  # a draft's teacher may have left since
        st.session_state[keys["teacher"]] = None
    left, mid, right = st.columns([3, 2, 2])
    left.selectbox(
        "Teacher",
        list(labels),
        format_func=labels.get,
        index=None,
        key=keys["teacher"],
        placeholder="Choose the teacher",
        on_change=teacher_chosen,
    )
    mid.text_input("Subject", key=keys["subject"], on_change=keep, max_chars=80)
    right.text_input("Grade", key=keys["grade"], on_change=keep, max_chars=32, placeholder="P4, S2, ...")
    left.date_input("Date of the lesson", key=keys["observed_on"], on_change=keep, format="YYYY-MM-DD")
    st.markdown("**Ratings**: 1 = not seen, 5 = excellent")
    for p in practices:
        label = p.label + (" (retired from the list)" if p.id in retired else "")
        text, choice = st.columns([3, 2], vertical_alignment="center")
        text.markdown(label)
        choice.radio(
            label,
            [1, 2, 3, 4, 5],
            index=None,
            horizontal=True,
            key=keys[f"r:{p.id}"],
            on_change=keep,
            label_visibility="collapsed",
        )
    st.text_area("Notes", key=keys["notes"], on_change=keep, height=120)
    return keys


def _clear(form: str, keys: dict[str, str]) -> None:
    drop_draft(viewer, form)
    for key in keys.values():
        st.session_state.pop(key, None)
    st.session_state.get(LOADED, {}).pop(form, None)


def _render_new() -> None:
    with session_scope(engine()) as s:
        teachers = obs.observable_teachers(s, viewer)
        practices = obs.active_practices(s)
    keys = _keys(NEW, practices)
    kept = _fill(NEW, keys, {"subject": "", "grade": "", "notes": "", "observed_on": date.today()})
    _fields(NEW, teachers, practices, set())
    saved_state(bool(kept))
    if st.button("Save observation", type="primary", key="lo_save_new"):
        data, key = _input(keys, practices), submit_key(NEW)
        if _write(
            lambda s: obs.create_observation(s, viewer, data=data, idempotency_key=key), lambda _: None
        ):
            renew_submit_key(NEW)
            _clear(NEW, keys)
            st.session_state[FLASH] = "Observation saved."
            st.rerun()


def _render_theirs(
    theirs: dict[str, object], mine: ObservationInput, teachers: dict[str, str], practices: list[Practice]
) -> None:
    """The saved version beside the one on screen, field by field, to reapply or keep."""
    their_ratings: dict[str, object] = theirs.get("ratings") or {}  # type: ignore[assignment]
    rows = [
        ("Teacher", teachers.get(str(theirs.get("teacher_id")), ""), teachers.get(mine.teacher_id or "", "")),
        ("Subject", theirs.get("subject"), mine.subject),
        ("Grade", theirs.get("grade"), mine.grade),
        ("Date of the lesson", theirs.get("observed_on"), mine.observed_on),
        ("Notes", theirs.get("notes"), mine.notes),
        *((p.label, their_ratings.get(p.id), mine.ratings.get(p.id)) for p in practices),
    ]
    st.markdown("**Their version** beside yours (yours is still in the fields: reapply it, then save)")
    frame = pd.DataFrame(
        {"Field": name, "Saved by them": str(a or ""), "Yours": str(b or "")} for name, a, b in rows
    )
    st.dataframe(frame, hide_index=True, width="stretch")


def _render_edit(view: obs.ObservationView) -> None:
    form = f"lesson_observation:{view.id}"
    practices = [Practice(r.practice_id, r.label) for r in view.ratings]
    keys = _keys(form, practices)
    start = {"teacher": view.teacher_id, "subject": view.subject, "grade": view.grade}
    start |= {"observed_on": view.observed_on, "notes": view.notes or ""}
    ratings = {f"r:{r.practice_id}": r.rating for r in view.ratings}
    kept = _fill(form, keys, start | ratings, saved_version=view.version)
    # The version the form started from; a save checks nobody saved another one since.
    loaded: dict[str, int] = st.session_state[LOADED]
    loaded.setdefault(form, kept.get("version") or view.version)
    with session_scope(engine()) as s:
        teachers = obs.observable_teachers(s, viewer)
    if view.teacher_id not in {t.id for t in teachers}:  # left the school or became inactive since
        teachers.append(obs.PersonChoice(view.teacher_id, view.teacher))
    with st.expander("Edit this observation", expanded=bool(kept)):
        _fields(form, teachers, practices, {r.practice_id for r in view.ratings if not r.is_active})
        saved_state(True, what="Draft of your changes" if kept else "Observation")
        if not st.button("Save changes", type="primary", key=f"lo_save_{view.id}"):
            return
        data, version = _input(keys, practices), loaded[form]

        def rebase(conflict: EditConflict) -> None:
            if isinstance(their_version := conflict.theirs.get("version"), int):
                loaded[form] = their_version  # the next save goes over the version shown now
                keep_draft(viewer, form, _payload(keys) | {"version": their_version})
            _render_theirs(conflict.theirs, data, {t.id: t.label for t in teachers}, practices)

        update = obs.update_observation
        if _write(lambda s: update(s, viewer, observation_id=view.id, version=version, data=data), rebase):
            _clear(form, keys)
            st.session_state[FLASH] = "Changes saved."
            st.rerun()


def _render_view(view: obs.ObservationView) -> None:
    st.subheader(f"{view.teacher}: {view.subject}, {view.grade}, {view.observed_on:%d %b %Y}")
    st.caption(f"{view.school} · observed by {view.observer} · average {view.mean_rating or '-'} / 5")
    frame = pd.DataFrame(
        {"Practice": r.label + ("" if r.is_active else " (retired)"), "Rating": r.rating}
        for r in view.ratings
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    if view.notes:
        st.markdown("**Notes**  \n" + view.notes.replace("$", "\\$").replace("\n", "  \n"))
    st.download_button(
        "Download PDF",
        observation_pdf(view),
        file_name=f"lesson_observation_{view.observed_on}.pdf",
        mime="application/pdf",
        on_click="ignore",
        key=f"lo_pdf_{view.id}",
    )
    if view.may_edit:
        _render_edit(view)


@dataclass(frozen=True)
class Filters:
    teacher_id: str | None
    subject: str | None
    grade: str | None
    date_from: date | None
    date_to: date | None


def _render_filters(school_id: str) -> Filters | None:
    with session_scope(engine()) as s:
        choices = obs.observation_filter_choices(s, viewer, school_id=school_id)
    cols = st.columns([3, 2, 2]) + st.columns(3)
    teachers = {t.id: t.label for t in choices.teachers}
    teacher = None
    if viewer.reach is not Reach.OWN_COPS:  # a teacher's list holds only their own lessons
        teacher = cols[0].selectbox(
            "Teacher", [None, *teachers], format_func=lambda t: teachers.get(t, "All")
        )
    subject = cols[1].selectbox("Subject", [None, *choices.subjects], format_func=lambda v: v or "All")
    grade = cols[2].selectbox("Grade", [None, *choices.grades], format_func=lambda v: v or "All")
    since = cols[3].date_input("From", value=None, format="YYYY-MM-DD")
    until = cols[4].date_input("To", value=None, format="YYYY-MM-DD")
    if since and until and since > until:
        st.error("The **From** date is after the **To** date.")
        return None
    return Filters(teacher, subject, grade, since, until)


def _render_averages(averages: list[obs.PracticeAverage]) -> None:
    """Every practice at once (no scrolling): the school's strengths and areas to improve."""
    st.subheader("Your practice averages" if viewer.reach is Reach.OWN_COPS else "Practice averages")
    st.caption("Averaging 4 or more: a strength; below 4: an area to improve. Dates as filtered above.")
    if not averages:
        st.caption("No ratings yet.")
        return
    frame = pd.DataFrame(
        {
            "Practice": a.label + ("" if a.is_active else " (retired)"),
            "Average": a.average,
            "Ratings": a.ratings,
            "Standing": a.standing.label,
        }
        for a in averages
    )
    st.dataframe(frame, hide_index=True, width="stretch", height=36 * (len(frame) + 1) + 2)
    st.download_button(
        "Download CSV",
        frame.to_csv(index=False).encode(),
        file_name="practice_averages.csv",
        mime="text/csv",
        key="dl_lo_avg",
    )


def _render_history() -> None:
    """Filters, the matching observations (CSV), the practice averages, and one observation to open."""
    with session_scope(engine()) as s:
        schools = schools_in_reach(s, viewer)
    school_id = school_picker(schools, home_school_id=viewer.school_id)
    if len(schools) == 1:  # no picker to show which school this is
        st.caption(schools[0].label)
    filters = _render_filters(school_id) if school_id else None
    if school_id is None or filters is None:
        return
    with session_scope(engine()) as s:
        rows = obs.observations(s, viewer, school_id=school_id, **asdict(filters))
        averages = obs.practice_averages(
            s, viewer, school_id=school_id, date_from=filters.date_from, date_to=filters.date_to
        )
    frame = pd.DataFrame(
        {
            "Date": r.observed_on,
            "Teacher": r.teacher,
            "Subject": r.subject,
            "Grade": r.grade,
            "Observer": r.observer,
            "Average": r.mean_rating,
        }
        for r in rows
    )
    table_with_download(
        frame, file_name="lesson_observations.csv", key="dl_lo", empty="No observation matches."
    )
    _render_averages(averages)
    labels = {r.id: f"{r.observed_on} · {r.teacher} · {r.subject}, {r.grade}" for r in rows}
    picked = st.selectbox(
        "Open an observation",
        list(labels),
        index=None,
        format_func=labels.get,
        placeholder="Choose an observation",
        key=PICK,
    )
    if picked:
        try:
            with session_scope(engine()) as s:
                view = obs.observation(s, viewer, picked)
        except AccessDenied as denied:
            st.error(str(denied))
        else:
            _render_view(view)


st.title("Lesson observations")
if flash := st.session_state.pop(FLASH, None):
    st.success(flash)
if may_record(viewer.role):
    history, record = st.tabs(["Observations", "Record an observation"])
    with history:
        _render_history()
    with record:
        _render_new()
else:
    _render_history()
