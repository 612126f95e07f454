"""The head-teacher-led reflection session (seed 004), projected step by step; teachers add cards too."""

from __future__ import annotations

from datetime import date

import streamlit as st
from sqlalchemy.orm import Session

from cop import reflection as steps
from cop.access import AccessDenied, Page
from cop.reflection_session import STEP_HINTS, percent_text
from cop.vocab import ReflectionCardKind, ReflectionStep
from db import reflection as db
from db.engine import session_scope
from db.queries.overview import schools_in_reach
from ui.auth import require_viewer
from ui.reflection_cards import LABELS, card_form, next_step_editor, reflection_pdf, render_cards
from ui.resources import engine
from ui.saving import write
from ui.timer import session_timer
from ui.widgets import school_picker

viewer = require_viewer(Page.REFLECTION_SESSION)

FLASH = "cop_rs_flash"
PICK = "cop_rs_pick"


def _flash(message: str) -> None:
    st.session_state[FLASH] = message


def _render_start(school_id: str) -> None:
    st.markdown("**Start a reflection session** with the lead teachers: seven steps, about 90 minutes.")
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    day = left.date_input("Session date", value=date.today(), format="YYYY-MM-DD", key="rs_day")
    if right.button("Start the session", type="primary", key="rs_start"):
        started: list[str] = []

        def start(s: Session) -> None:
            started.append(str(db.start_reflection_session(s, viewer, school_id=school_id, session_date=day)))

        if write(viewer, start):
            st.session_state[PICK] = started[0]
            st.query_params["session"] = started[0]
            _flash("Reflection session started.")
            st.rerun()


def _pick(rows: list[db.SessionRow]) -> str | None:
    if not rows:
        return None
    labels = {
        r.id: f"{r.session_date:%d %b %Y} · {r.step.label}" + (" · running" if r.status == "running" else "")
        for r in rows
    }
    wanted = st.query_params.get("session") or st.session_state.get(PICK)
    running = next((r.id for r in rows if r.status == "running"), None)
    chosen = wanted if wanted in labels else running
    chosen = st.selectbox(
        "Reflection session",
        list(labels),
        index=list(labels).index(chosen) if chosen in labels else None,
        format_func=labels.get,
        placeholder="Choose a past session",
    )
    if chosen:
        st.session_state[PICK] = chosen
        if st.query_params.get("session") != chosen:
            st.query_params["session"] = chosen
    return chosen


def _render_header(view: db.ReflectionView) -> None:
    """The step, its prompt and the leader's buttons beside the timer: all of it above the fold on a
    projector; on a phone the two columns stack."""
    number = steps.step_number(view.step)
    if view.step is ReflectionStep.COMPLETE:
        st.subheader(f"Step {number} of {len(steps.STEPS)}: {view.step.label}")
        return
    left, right = st.columns([1, 1], vertical_alignment="top")
    with left:
        st.subheader(f"Step {number} of {len(steps.STEPS)}: {view.step.label}")
        st.progress(number / len(steps.STEPS))
        st.markdown(f"*{STEP_HINTS[view.step]}*")
        _render_navigation(view)
    with right:
        session_timer(view.started_at, key=f"reflection-{view.session_id}")


def _render_overview(view: db.ReflectionView, staff: list[tuple[str, str]]) -> None:
    st.markdown("\n".join(f"{i}. **{s.label}**: {STEP_HINTS[s]}" for i, s in enumerate(steps.STEPS, 1)))
    led = f"Led by {view.led_by}" if view.led_by else "Leader not recorded"
    code = f" · teachers join from their phones with the code **{view.join_code}**" if view.join_code else ""
    st.caption(f"{led} · {view.present} present{code}")
    if not view.may_lead:
        return
    names = dict(staff)
    chosen = st.multiselect(
        "Who is here",
        list(names),
        default=[p for p in view.present_ids if p in names],
        format_func=names.__getitem__,
        key=f"rs_present_{view.session_id}",
        placeholder="Tick the lead teachers and staff present",
    )
    if st.button("Save attendance", key=f"rs_present_save_{view.session_id}"):
        save = db.set_reflection_attendance
        if write(viewer, lambda s: save(s, viewer, view.session_id, present_ids=chosen), labels=LABELS):
            _flash(f"Attendance saved: {len(chosen)} present.")
            st.rerun()


def _render_statistics(view: db.ReflectionView) -> None:
    with session_scope(engine()) as s:
        stats = db.school_statistics(s, viewer, view.school_id, today=view.session_date)
    row1 = st.columns(3)
    row1[0].metric("Teachers", stats.teachers, help=f"{stats.new_teachers} new teachers")
    row1[1].metric("CoPs", stats.cops)
    row1[2].metric("Sessions this term", stats.sessions_this_term, help=f"since {stats.term_start:%d %b %Y}")
    row2 = st.columns(3)
    row2[0].metric("Attendance", percent_text(stats.attendance_rate))
    row2[1].metric(
        "Try-outs that worked",
        percent_text(stats.tryout_success),
        help=f"{stats.tryouts_effective} of {stats.tryouts_judged} judged try-outs",
    )
    row2[2].metric("Actions overdue", stats.actions_overdue, help=f"{stats.actions_open} open actions")
    left, right = st.columns(2)
    with left:
        st.markdown("**Strengths** (lesson observations, 4 or more of 5)")
        st.markdown(
            "\n".join(f"- {label}: {avg}" for label, avg in stats.strengths) or "No observations yet."
        )
    with right:
        st.markdown("**Areas to improve** (below 4 of 5)")
        st.markdown(
            "\n".join(f"- {label}: {avg}" for label, avg in stats.to_improve) or "No observations yet."
        )


def _render_cards_step(
    view: db.ReflectionView, kind: ReflectionCardKind, staff: list[tuple[str, str]]
) -> None:
    render_cards(viewer, view, kind, removable=True, on_change=lambda: None)
    if kind is ReflectionCardKind.NEXT_STEP and view.may_lead:
        next_step_editor(viewer, view, staff, on_change=lambda: None)
    with st.expander("Add a card", expanded=True):
        card_form(viewer, view, kind, staff=staff, on_saved=lambda: _flash("Card added."))


def _render_complete(view: db.ReflectionView) -> None:
    st.success(
        "This reflection session is complete. Its next steps are actions in each owner's “My actions”."
    )
    st.download_button(
        "Download PDF",
        reflection_pdf(view),
        file_name=f"reflection_session_{view.session_date}.pdf",
        mime="application/pdf",
        on_click="ignore",
        key=f"rs_pdf_{view.session_id}",
    )
    for kind in ReflectionCardKind:
        st.markdown(f"##### {kind.label}s")
        render_cards(viewer, view, kind, removable=False, on_change=lambda: None)


def _render_navigation(view: db.ReflectionView) -> None:
    if not view.may_lead or view.step is ReflectionStep.COMPLETE:
        return
    back, forward = st.columns(2)
    if view.step is not ReflectionStep.OVERVIEW and back.button(
        "◀ Previous step", key="rs_back", width="stretch"
    ):
        _move(view, forward=False)
    is_last = view.step is ReflectionStep.NEXT_STEPS
    label = "Complete the session ✓" if is_last else "Next step ▶"
    if forward.button(label, type="primary", key="rs_next", width="stretch"):
        _move(view, forward=True)


def _move(view: db.ReflectionView, *, forward: bool) -> None:
    move = db.move_reflection_step
    if write(viewer, lambda s: move(s, viewer, view.session_id, from_step=view.step, forward=forward)):
        if forward and view.step is ReflectionStep.NEXT_STEPS:
            _flash("Reflection session completed: the next steps are now actions.")
        st.rerun()


def _render_session(session_id: str) -> None:
    try:
        with session_scope(engine()) as s:
            view = db.reflection_session(s, viewer, session_id)
            staff = db.school_staff(s, viewer, view.school_id)
    except AccessDenied as denied:
        st.warning(str(denied))
        return
    _render_header(view)
    match view.step:
        case ReflectionStep.OVERVIEW:
            _render_overview(view, staff)
        case ReflectionStep.STATISTICS:
            _render_statistics(view)
        case ReflectionStep.COMPLETE:
            _render_complete(view)
        case step:
            kind = steps.card_kind_for(step)
            assert kind is not None
            _render_cards_step(view, kind, staff)


st.title("Reflection session")
if flash := st.session_state.pop(FLASH, None):
    st.success(flash)
with session_scope(engine()) as s:
    schools = schools_in_reach(s, viewer)
school_id = school_picker(schools, home_school_id=viewer.school_id)
if school_id is not None:
    st.caption(f"School: {next((c.label for c in schools if c.id == school_id), '')}")
    with session_scope(engine()) as s:
        rows = db.reflection_sessions(s, viewer, school_id=school_id)
    if not any(r.status == "running" for r in rows):
        _render_start(school_id)
    picked = _pick(rows)
    if picked:
        _render_session(picked)
