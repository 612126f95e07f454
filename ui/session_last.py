"""The last session's steps: outputs reviewed (file or link), dissemination, evaluation, storage, closing."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.orm import Session

from cop.access import Viewer
from cop.cycle_inputs import DisseminationInput, EvaluationInput, StorageInput, check_link
from cop.vocab import Audience, Enabler, OutputKind, OutputStatus, StoragePlace
from db.cycles import closing, reads
from ui.saving import write
from ui.session_common import TODAY, DraftForm, flash, plain

EVALUATION_LABELS = {
    "effectiveness": "Effectiveness",
    **{e.value: e.label for e in Enabler},
    "lessons_for_all": "Lessons learnt for all members",
    "improvements_next_cycle": "Improvements for the next cycle",
}


def render_outputs(viewer: Viewer, detail: reads.SessionDetail, editable: bool) -> None:
    """Each consolidation output, reviewed with its file (uploaded here) or a link to where it is."""
    outputs = detail.cycle.outputs
    if not outputs:
        st.caption("No consolidation output was planned in the middle sessions.")
    for o in outputs:
        where = " · ".join(
            p for p in (o.file_name and f"file: {o.file_name}", o.link_url and f"link: {o.link_url}") if p
        )
        st.markdown(
            f"**{plain(o.title)}** ({OutputKind(o.kind).label}) · by {o.owner or 'nobody'} · "
            f"{OutputStatus(o.status).label}" + (f"  \n:small[{plain(where)}]" if where else "")
        )
        if not editable:
            continue
        with st.expander(f"Review '{o.title}'", expanded=o.status != OutputStatus.REVIEWED):
            from ui.uploads import upload_output_file

            file_id = upload_output_file(viewer, detail.cycle.summary.school_id, key=f"upload|{o.id}")
            link = st.text_input("Or a link to it", value=o.link_url or "", key=f"link|{o.id}")
            if st.button("Mark reviewed", key=f"review|{o.id}", type="primary"):

                def review(
                    s: Session,
                    oid: str = o.id,
                    version: int = o.version,
                    fid: str | None = file_id,
                    url: str = link,
                ) -> None:
                    closing.review_output(
                        s, viewer, detail.id, oid, link_url=check_link(url), file_id=fid, version=version
                    )

                if write(viewer, review, labels={"link_url": "Link"}):
                    flash("Output reviewed.")
                    st.rerun()


def render_dissemination(viewer: Viewer, detail: reads.SessionDetail, editable: bool) -> None:
    """Who hears about the outputs, how, when and by whom; ticked when done."""
    cycle = detail.cycle
    for d in cycle.dissemination:
        when = f"{d.planned_on:%d %b %Y}" if d.planned_on else "date open"
        text = f"{Audience(d.audience).label} · {plain(d.channel)} · {when} · {d.owner or 'nobody'}"
        if editable or cycle.summary.may_run:
            ticked = st.checkbox(text + " · done", value=d.done, key=f"dis_done|{d.id}")
            if ticked != d.done:
                if write(
                    viewer,
                    lambda s, d=d, t=ticked: closing.set_dissemination_done(
                        s, viewer, d.id, done=t, version=d.version
                    ),
                ):
                    st.rerun()
        else:
            st.markdown(f"- {text}" + (" · done" if d.done else ""))
    if not cycle.dissemination:
        st.caption("No dissemination planned yet.")
    if not editable:
        return
    people = {m.id: m.name for m in cycle.members}
    form = DraftForm(
        viewer,
        f"dissemination:{detail.id}",
        {"audience": None, "channel": "", "planned_on": None, "owner_id": None},
    )
    left, right = st.columns(2)
    left.selectbox(
        "Audience",
        Audience.values(),
        format_func=lambda v: Audience(v).label,
        key=form.key("audience"),
        on_change=form.keep,
        placeholder="Who hears about it",
    )
    right.text_input(
        "Channel",
        key=form.key("channel"),
        on_change=form.keep,
        placeholder="Staff meeting, parents' day, sector CoP...",
    )
    left, right = st.columns(2)
    left.date_input("Date", key=form.key("planned_on"), on_change=form.keep, format="YYYY-MM-DD")
    right.selectbox(
        "Who",
        list(people),
        format_func=people.__getitem__,
        key=form.key("owner_id"),
        on_change=form.keep,
        placeholder="Choose a member",
    )
    form.status()
    labels = {"audience": "Audience", "channel": "Channel", "planned_on": "Date", "owner_id": "Who"}

    def save(s: Session, idem: str, _v: int | None) -> None:
        closing.add_dissemination(
            s,
            viewer,
            detail.id,
            DisseminationInput.parse(today=TODAY(), **form.values()),
            idempotency_key=idem,
        )

    form.submit("Add to the dissemination plan", save, labels=labels, done="Dissemination planned.")


def render_evaluation(viewer: Viewer, detail: reads.SessionDetail, editable: bool) -> None:
    """Effectiveness and the six key enablers (1 to 5), lessons for all members, improvements."""
    saved = detail.cycle.evaluation or {}
    if not editable:
        for name, label in EVALUATION_LABELS.items():
            if saved.get(name) is not None:
                st.markdown(f"**{label}**: {plain(str(saved[name]))}")
        if not saved:
            st.caption("Not evaluated yet.")
        return
    ratings = ("effectiveness", *Enabler.values())
    defaults = {n: saved.get(n) or 3 for n in ratings} | {
        "lessons_for_all": saved.get("lessons_for_all") or "",
        "improvements_next_cycle": saved.get("improvements_next_cycle") or "",
    }
    form = DraftForm(
        viewer, f"evaluation:{detail.cycle.summary.id}", defaults, version=detail.cycle.evaluation_version
    )
    st.caption("1 = not at all, 5 = fully.")
    # One row of two per pair: on a phone the columns stack, and the ratings keep their order.
    for i in range(0, len(ratings), 2):
        for column, name in zip(st.columns(2), ratings[i : i + 2], strict=False):
            column.slider(EVALUATION_LABELS[name], 1, 5, key=form.key(name), on_change=form.keep)
    st.text_area(
        "Lessons learnt for all members", key=form.key("lessons_for_all"), on_change=form.keep, height=90
    )
    st.text_area(
        "How to make the next cycle better",
        key=form.key("improvements_next_cycle"),
        on_change=form.keep,
        height=90,
    )
    form.status()

    def save(s: Session, _idem: str, version: int | None) -> None:
        closing.save_evaluation(s, viewer, detail.id, EvaluationInput.parse(**form.values()), version=version)

    form.submit("Save evaluation", save, labels=EVALUATION_LABELS, done="Evaluation saved.")


def render_closing(viewer: Viewer, detail: reads.SessionDetail, editable: bool) -> None:
    """Where the outputs are kept, then close the cycle: its short report goes to the head teacher."""
    summary = detail.cycle.summary
    if summary.storage_place:
        st.markdown(
            f"**Outputs kept**: {StoragePlace(summary.storage_place).label}. {plain(summary.storage_note)}"
        )
    if not editable:
        return
    form = DraftForm(
        viewer,
        f"storage:{summary.id}",
        {"place": summary.storage_place, "note": summary.storage_note or ""},
        version=summary.version,
    )
    st.radio(
        "Where the outputs are kept",
        StoragePlace.values(),
        format_func=lambda v: StoragePlace(v).label,
        key=form.key("place"),
        on_change=form.keep,
        horizontal=True,
    )
    st.text_input("Note (which cupboard, shelf, computer...)", key=form.key("note"), on_change=form.keep)

    def save(s: Session, _idem: str, version: int | None) -> None:
        closing.save_storage(s, viewer, summary.id, StorageInput.parse(**form.values()), version=version)

    form.submit(
        "Save storage place",
        save,
        labels={"place": "Where the outputs are kept", "note": "Note"},
        done="Storage place saved.",
    )
    if detail.missing:
        st.info("Before closing: " + "; ".join(detail.missing))
    if st.button("Close the cycle and send the report", type="primary", key=f"close|{summary.id}"):
        if write(viewer, lambda s: closing.close_cycle(s, viewer, summary.id, version=summary.version)):
            flash("Cycle closed: its report went to the head teacher to acknowledge.")
            st.rerun()
