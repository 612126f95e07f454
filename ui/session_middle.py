"""A middle session's steps: try-out results per priority, then consolidation (effective) or ALACT and a
next try-out (not effective); moving on to the last session when every priority has worked."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.orm import Session

from cop.access import Viewer
from cop.cycle_inputs import ALACT_FIELDS, AlactInput, JudgementInput, LessonInput, OutputInput
from cop.vocab import AlactStep, OutputKind, SessionKind, TryoutResult
from db.cycles import closing, reads, sessions, tryouts
from ui.forms import submit_key
from ui.saving import write
from ui.session_common import TODAY, DraftForm, flash, plain
from ui.session_first import plan_line, render_tryout_form

VERDICTS = {"effective": True, "not_effective": False}
VERDICT_LABELS = {"effective": "Effective: it worked", "not_effective": "Not effective: it did not work"}


def _latest(c: reads.ChallengeView) -> reads.PlanView | None:
    return c.plans[-1] if c.plans else None


def render_results(viewer: Viewer, detail: reads.SessionDetail, editable: bool) -> None:
    """Each priority's latest try-out: the implementers' notes, then the group's pros, cons and verdict."""
    for c in detail.cycle.priorities:
        plan = _latest(c)
        st.markdown(f"##### {plain(c.title)}")
        if plan is None:
            st.caption("No try-out planned.")
            continue
        st.markdown(plan_line(plan))
        for n in plan.notes:
            result = TryoutResult(n.result).label if n.result else "no verdict"
            st.markdown(f"> **{n.person}** ({result}): {plain(n.notes)}")
        if not plan.notes:
            st.caption("No implementer has written notes yet (they do it on My actions).")
        judged_elsewhere = plan.effective is not None and plan.reviewed_in != detail.id
        if not editable or judged_elsewhere:
            if plan.pros or plan.cons:
                st.markdown(f"**Pros**: {plain(plan.pros)}  \n**Cons**: {plain(plan.cons)}")
            continue
        verdict = {True: "effective", False: "not_effective", None: None}[plan.effective]
        form = DraftForm(
            viewer,
            f"judge:{detail.id}:{plan.id}",
            {"pros": plan.pros or "", "cons": plan.cons or "", "verdict": verdict},
            version=plan.version,
        )
        st.text_area("Pros", key=form.key("pros"), on_change=form.keep, height=70)
        st.text_area("Cons", key=form.key("cons"), on_change=form.keep, height=70)
        st.radio(
            "Was it effective?",
            list(VERDICTS),
            format_func=VERDICT_LABELS.__getitem__,
            key=form.key("verdict"),
            on_change=form.keep,
            horizontal=True,
        )
        form.status()
        labels = {"pros": "Pros", "cons": "Cons", "effective": "Was it effective?"}

        def save(
            s: Session, _idem: str, version: int | None, f: DraftForm = form, pid: str = plan.id
        ) -> None:
            values = f.values()
            data = JudgementInput.parse(
                effective=VERDICTS.get(values["verdict"]), pros=values["pros"], cons=values["cons"]
            )
            tryouts.judge_tryout(s, viewer, detail.id, pid, data, version=version)

        form.submit("Save the group's verdict", save, labels=labels, done="Verdict saved.")


def render_consolidation(viewer: Viewer, detail: reads.SessionDetail, editable: bool) -> None:
    """Priorities whose try-out worked: lessons learnt and the consolidation plan (output, who, due)."""
    cycle = detail.cycle
    worked = [c for c in cycle.priorities if (p := _latest(c)) is not None and p.effective]
    if not worked:
        st.caption("No priority has an effective try-out yet.")
    people = {m.id: m.name for m in cycle.members}
    for c in worked:
        st.markdown(f"##### {plain(c.title)}: it worked")
        for cid, text in cycle.lessons:
            if cid == c.id:
                st.markdown(f"- Lesson: {plain(text)}")
        for o in cycle.outputs:
            if o.challenge_id == c.id:
                due = f", due {o.due_on:%d %b}" if o.due_on else ""
                st.markdown(
                    f"- Output: **{plain(o.title)}** ({OutputKind(o.kind).label}), "
                    f"by {o.owner or 'nobody'}{due}"
                )
        if not editable:
            continue
        lesson = DraftForm(viewer, f"lesson:{detail.id}:{c.id}", {"text": ""})
        st.text_input("Lesson learnt", key=lesson.key("text"), on_change=lesson.keep)

        def save_lesson(
            s: Session, idem: str, _v: int | None, f: DraftForm = lesson, cid: str = c.id
        ) -> None:
            closing.add_lesson(
                s, viewer, detail.id, LessonInput.parse(**f.values()), challenge_id=cid, idempotency_key=idem
            )

        lesson.submit("Add lesson", save_lesson, labels={"text": "Lesson learnt"}, done="Lesson added.")
        output = DraftForm(
            viewer,
            f"output:{detail.id}:{c.id}",
            {"kind": None, "title": "", "owner_id": None, "due_on": None},
        )
        left, right = st.columns(2)
        left.selectbox(
            "Output",
            OutputKind.values(),
            format_func=lambda v: OutputKind(v).label,
            key=output.key("kind"),
            on_change=output.keep,
            placeholder="Kind of output",
        )
        right.text_input("Title", key=output.key("title"), on_change=output.keep)
        left, right = st.columns(2)
        left.selectbox(
            "Who prepares it",
            list(people),
            format_func=people.__getitem__,
            key=output.key("owner_id"),
            on_change=output.keep,
            placeholder="Choose a member",
        )
        right.date_input("Due", key=output.key("due_on"), on_change=output.keep, format="YYYY-MM-DD")
        labels = {"kind": "Output", "title": "Title", "owner_id": "Who prepares it", "due_on": "Due"}

        def save_output(
            s: Session, idem: str, _v: int | None, f: DraftForm = output, cid: str = c.id
        ) -> None:
            closing.plan_output(
                s,
                viewer,
                detail.id,
                cid,
                OutputInput.parse(today=TODAY(), **f.values()),
                idempotency_key=idem,
            )

        output.submit("Plan this output", save_output, labels=labels, done="Consolidation output planned.")


def render_alact(viewer: Viewer, detail: reads.SessionDetail, editable: bool) -> None:
    """Priorities whose try-out did not work: ALACT's five prompts, then the next try-out plan."""
    failed = [c for c in detail.cycle.priorities if (p := _latest(c)) is not None and p.effective is False]
    if not failed:
        st.caption("No priority needs a new try-out.")
    for c in failed:
        plan = _latest(c)
        assert plan is not None
        st.markdown(f"##### {plain(c.title)}: try-out {plan.attempt_no} did not work")
        saved = plan.alact or {}
        if editable:
            form = DraftForm(
                viewer,
                f"alact:{plan.id}",
                {f: saved.get(f) or "" for f in ALACT_FIELDS},
                version=plan.alact_version,
            )
            for name in ALACT_FIELDS:
                st.text_area(AlactStep(name).label, key=form.key(name), on_change=form.keep, height=70)
            form.status()
            labels = {f: AlactStep(f).label.split(":")[0] for f in ALACT_FIELDS}

            def save(
                s: Session, _idem: str, version: int | None, f: DraftForm = form, pid: str = plan.id
            ) -> None:
                tryouts.save_alact(s, viewer, detail.id, pid, AlactInput.parse(**f.values()), version=version)

            form.submit("Save ALACT", save, labels=labels, done="ALACT reflection saved.")
        else:
            for name in ALACT_FIELDS:
                if saved.get(name):
                    st.markdown(f"**{AlactStep(name).label}** {plain(saved[name])}")
        st.markdown(f"**Next try-out (attempt {plan.attempt_no + 1})**")
        if editable:
            render_tryout_form(viewer, detail, c)
    for c in detail.cycle.priorities:
        # A next try-out planned in this session shows under its priority.
        for p in c.plans:
            if p.planned_in == detail.id:
                st.markdown(f"**{plain(c.title)}**: " + plan_line(p))


def render_move_on(viewer: Viewer, detail: reads.SessionDetail) -> None:
    """Plan the last session: the rule refuses, with its reason, until every priority has worked."""
    summary = detail.cycle.summary
    if summary.why_not_next:
        st.caption(summary.why_not_next)
    if st.button("Plan the last session", key=f"to_last|{detail.id}"):
        idem = submit_key(f"to_last:{detail.id}")
        plan = sessions.plan_session
        if write(
            viewer, lambda s: plan(s, viewer, summary.id, SessionKind.LAST, TODAY(), idempotency_key=idem)
        ):
            flash("Last session planned: end this session, then open the last one.")
            st.rerun()
