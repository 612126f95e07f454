"""Parts every CoP session page has: a drafted form helper, header and timer, attendance, notes, actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from cop.access import Viewer
from cop.cycle_inputs import ActionInput, SessionNotesInput
from cop.errors import EditConflict
from cop.session_steps import AOB_MINUTES, PRIORITY_MINUTES
from cop.vocab import ActionStatus, SessionStatus
from db.cycles import reads, sessions
from ui.forms import draft, drop_draft, keep_draft, renew_submit_key, submit_key
from ui.saving import write

FLASH = "cop_session_flash"
TODAY = date.today


def plain(text: str | None) -> str:
    """People's text shown as written (no Markdown formulas, newlines kept)."""
    return (text or "").replace("$", "\\$").replace("\n", "  \n")


def flash(message: str) -> None:
    """A success line the next run shows once (st.rerun drops what this run drew)."""
    st.session_state[FLASH] = message


def show_flash() -> None:
    """The last save's message, in a slot drawn on every run: the elements below (the step tabs) keep
    their place, so the browser keeps the open tab."""
    slot = st.container()
    if message := st.session_state.pop(FLASH, None):
        slot.success(message)


def _to_json(value: Any) -> Any:
    return {"__date": value.isoformat()} if isinstance(value, date) else value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict) and "__date" in value:
        return date.fromisoformat(value["__date"])
    return value


class DraftForm:
    """Widgets whose typing is kept as a draft in the database (rerun, page switch, lost connection),
    with the record version the form started from and one idempotency key per submit."""

    def __init__(
        self, viewer: Viewer, form_key: str, defaults: dict[str, Any], *, version: int | None = None
    ):
        self.viewer, self.form_key, self.defaults = viewer, form_key, defaults
        self.keys = {name: f"{form_key}|{name}" for name in defaults}
        self._version_key, self._saved_key = f"{form_key}|_version", f"{form_key}|_saved"
        if any(k not in st.session_state for k in self.keys.values()):
            kept = draft(viewer, form_key)
            for name, key in self.keys.items():
                if key not in st.session_state:
                    st.session_state[key] = _from_json(kept.get(name, defaults[name]))
            st.session_state.setdefault(self._version_key, kept.get("_version", version))
            st.session_state[self._saved_key] = bool(kept)

    def key(self, name: str) -> str:
        return self.keys[name]

    @property
    def version(self) -> int | None:
        return st.session_state.get(self._version_key)

    def values(self) -> dict[str, Any]:
        return {name: st.session_state.get(key) for name, key in self.keys.items()}

    def keep(self) -> None:
        """Store the typing so far (a widget's on_change)."""
        payload = {n: _to_json(v) for n, v in self.values().items()}
        if isinstance(self.version, int):
            payload["_version"] = self.version
        keep_draft(self.viewer, self.form_key, payload)
        st.session_state[self._saved_key] = True

    def status(self) -> None:
        """Say whether what is typed is stored."""
        if st.session_state.get(self._saved_key):
            st.caption(":material/cloud_done: Draft saved: it survives a reload or a lost connection")
        else:
            st.caption(":material/edit: Nothing typed yet, or not saved")

    def submit(
        self,
        label: str,
        action: Callable[[Session, str, int | None], object],
        *,
        labels: dict[str, str],
        done: str,
    ) -> None:
        """A save button: runs `action(session, idempotency_key, version)`; on success clears the draft."""
        if not st.button(label, type="primary", key=f"{self.form_key}|submit"):
            return
        idem, version = submit_key(self.form_key), self.version

        def conflicted(conflict: EditConflict) -> None:
            st.warning(str(conflict))
            if "version" in conflict.theirs:
                st.session_state[self._version_key] = conflict.theirs["version"]
                self.keep()
            shown = {k: v for k, v in conflict.theirs.items() if k != "version" and v}
            if shown:
                st.markdown("**Their version** (yours is still in the fields: check, then save again)")
                for name, value in shown.items():
                    st.markdown(f"*{labels.get(name, name)}*: {plain(str(value))}")

        if write(self.viewer, lambda s: action(s, idem, version), labels=labels, on_conflict=conflicted):
            drop_draft(self.viewer, self.form_key)
            renew_submit_key(self.form_key)
            for key in (*self.keys.values(), self._version_key, self._saved_key):
                st.session_state.pop(key, None)
            flash(done)
            st.rerun()


def render_header(detail: reads.SessionDetail) -> None:
    """The session's name, CoP, date, status and the timer while it runs."""
    cycle = detail.cycle.summary
    st.subheader(f"{cycle.cop}: {detail.title}")
    st.caption(
        f"Cycle {cycle.number} of {cycle.school_year} · {detail.session_date:%d %b %Y} · "
        f"{SessionStatus(detail.status).label}"
    )
    if detail.status == SessionStatus.RUNNING:
        from ui.timer import session_timer

        st.caption(
            f"{PRIORITY_MINUTES} minutes on the priority challenges, "
            f"then {AOB_MINUTES} for any other business."
        )
        session_timer(
            detail.started_at,
            key=f"session-{detail.id}",
            first_minutes=PRIORITY_MINUTES,
            second_minutes=AOB_MINUTES,
        )


def render_attendance(viewer: Viewer, detail: reads.SessionDetail, editable: bool) -> None:
    """Tick who is present; new teachers are marked so the facilitator welcomes them."""
    members = detail.cycle.members
    if not members:
        st.info("This CoP has no members yet: an administrator adds them on the CoPs page.")
        return
    labels = {m.id: m.name + (" (new teacher)" if m.is_new_teacher else "") for m in members}
    if not editable:
        present = [labels[m.id] for m in members if m.id in detail.present]
        st.markdown(
            f"**Present ({len(present)} of {len(members)})**: " + (", ".join(present) or "nobody recorded")
        )
        return
    key = f"att|{detail.id}"
    if key not in st.session_state:
        st.session_state[key] = [m.id for m in members if m.id in detail.present]
    chosen = st.multiselect(
        "Members present",
        [m.id for m in members],
        format_func=labels.__getitem__,
        key=key,
        placeholder="Tick who is here",
    )
    new_here = sum(1 for m in members if m.is_new_teacher and m.id in chosen)
    st.caption(
        f"{len(chosen)} of {len(members)} present" + (f", {new_here} new teacher(s)" if new_here else "")
    )
    saved = detail.attendance_taken and set(chosen) == detail.present
    st.caption(
        ":material/cloud_done: Attendance saved" if saved else ":material/edit: Attendance not saved yet"
    )
    if st.button("Save attendance", key=f"att_save|{detail.id}"):
        if write(
            viewer,
            lambda s: sessions.set_attendance(s, viewer, detail.id, list(chosen)),
            labels={"present": "Members present"},
        ):
            flash("Attendance saved.")
            st.rerun()


def render_notes(viewer: Viewer, detail: reads.SessionDetail, editable: bool) -> None:
    """The session's date, AOB notes and summary (the summary becomes the CoP session report)."""
    if not editable:
        for title, text in (("Any other business", detail.aob_notes), ("Summary", detail.summary)):
            if text:
                st.markdown(f"**{title}**  \n{plain(text)}")
        return
    form = DraftForm(
        viewer,
        f"notes:{detail.id}",
        {
            "session_date": detail.session_date,
            "aob_notes": detail.aob_notes or "",
            "summary": detail.summary or "",
        },
        version=detail.version,
    )
    st.date_input("Session date", key=form.key("session_date"), on_change=form.keep, format="YYYY-MM-DD")
    st.text_area("Any other business (AOB) notes", key=form.key("aob_notes"), on_change=form.keep, height=100)
    st.text_area(
        "Session summary (main discussions and decisions: it starts the CoP session report)",
        key=form.key("summary"),
        on_change=form.keep,
        height=120,
    )
    form.status()
    labels = {"session_date": "Session date", "aob_notes": "AOB notes", "summary": "Summary"}

    def save(s: Session, _idem: str, version: int | None) -> None:
        data = SessionNotesInput.parse(today=TODAY(), **form.values())
        sessions.save_session_notes(s, viewer, detail.id, data, version=version)

    form.submit("Save notes", save, labels=labels, done="Session notes saved.")


def render_actions(viewer: Viewer, detail: reads.SessionDetail, editable: bool) -> None:
    """Concrete actions before the next session, each with an owner and a due date."""
    for a in detail.actions:
        due = f"due {a.due_on:%d %b}" if a.due_on else "no due date"
        st.markdown(
            f"- {plain(a.description)} · **{a.owner or 'no owner'}** · {due} · {ActionStatus(a.status).label}"
        )
    if not detail.actions:
        st.caption("No action agreed yet.")
    if not editable:
        return
    people = {m.id: m.name for m in detail.cycle.members}
    people.setdefault(viewer.person_id, "Me (facilitator)")
    form = DraftForm(viewer, f"action:{detail.id}", {"description": "", "owner_id": None, "due_on": None})
    st.text_input(
        "New action", key=form.key("description"), on_change=form.keep, placeholder="What will be done"
    )
    left, right = st.columns(2)
    left.selectbox(
        "Owner",
        list(people),
        format_func=people.__getitem__,
        key=form.key("owner_id"),
        on_change=form.keep,
        placeholder="Who does it",
    )
    right.date_input("Due", key=form.key("due_on"), on_change=form.keep, format="YYYY-MM-DD")
    labels = {"description": "Action", "owner_id": "Owner", "due_on": "Due"}

    def save(s: Session, idem: str, _v: int | None) -> None:
        data = ActionInput.parse(today=TODAY(), **form.values())
        sessions.add_action(s, viewer, detail.id, data, idempotency_key=idem)

    form.submit("Add action", save, labels=labels, done="Action added.")


def render_run_controls(viewer: Viewer, detail: reads.SessionDetail) -> None:
    """Start a planned session; end a running one once its steps are done (the rule lists what is not)."""
    if detail.status == SessionStatus.PLANNED:
        if st.button("Start the session", type="primary", key=f"start|{detail.id}"):
            if write(viewer, lambda s: sessions.start_session(s, viewer, detail.id, version=detail.version)):
                flash("Session started: the timer runs.")
                st.rerun()
    elif detail.status == SessionStatus.RUNNING and detail.kind != "last":
        left, right = st.columns([1, 4], vertical_alignment="center")
        if detail.missing:
            right.caption("Still to do: " + "; ".join(detail.missing))
        else:
            right.caption("Every step of this session is done.")
        if left.button("End the session", key=f"end|{detail.id}"):
            if write(viewer, lambda s: sessions.finish_session(s, viewer, detail.id, version=detail.version)):
                flash("Session ended and recorded as held.")
                st.rerun()
