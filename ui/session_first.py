"""The first session's steps: challenges and evidence, parking lot, priorities, analysis, try-out plans."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.orm import Session

from cop.access import Viewer
from cop.cycle_inputs import AnalysisInput, ChallengeInput, TryoutInput
from cop.vocab import ControlCategory, EvidenceKind, Resource, Topic
from db.cycles import challenges, reads, tryouts
from db.engine import session_scope
from ui.resources import engine
from ui.saving import write
from ui.session_common import TODAY, DraftForm, flash, plain

CHALLENGE_LABELS = {
    "title": "Challenge",
    "evidence_kind": "Evidence",
    "evidence_note": "Evidence note",
    "topic": "Topic",
    "topic_other": "Other topic",
    "control": "Control",
    "description": "Description",
}
TRYOUT_LABELS = {
    "activities": "Activities",
    "implementer_ids": "Implementers",
    "resources": "Resources",
    "resources_other": "Other resources",
    "start_on": "Start",
    "end_on": "End",
}


def challenge_line(c: reads.ChallengeView) -> str:
    topic = c.topic_other if c.topic == Topic.OTHER and c.topic_other else Topic(c.topic).label
    evidence = EvidenceKind(c.evidence_kind).label + (f": {c.evidence_note}" if c.evidence_note else "")
    votes = (
        f" · {c.votes} vote{'s' if c.votes != 1 else ''}"
        if c.control != ControlCategory.OUT_OF_CONTROL
        else ""
    )
    rank = f"**Priority {c.rank}** · " if c.is_priority else ""
    control = ControlCategory(c.control).label.split(" (")[0]
    return f"{rank}**{plain(c.title)}** · {topic} · {control}{votes}  \n:small[Evidence: {plain(evidence)}]"


def render_challenges(viewer: Viewer, detail: reads.SessionDetail, editable: bool) -> None:
    """The challenges listed so far (members add theirs from their phones too) and the parking lot."""
    cycle = detail.cycle
    in_control = [c for c in cycle.challenges if c.control != ControlCategory.OUT_OF_CONTROL]
    parked = [c for c in cycle.challenges if c.control == ControlCategory.OUT_OF_CONTROL]
    st.markdown(f"##### Challenges in our control ({len(in_control)})")
    for c in sorted(in_control, key=lambda c: -c.votes):
        st.markdown(challenge_line(c))
    if not in_control:
        st.caption("No challenge listed yet.")
    st.markdown(f"##### Parking lot: out of our control ({len(parked)})")
    st.caption("Kept and counted for the head teacher and the district; not prioritised here.")
    for c in parked:
        st.markdown(challenge_line(c))
    if editable:
        _render_challenge_form(viewer, detail)


def _render_challenge_form(viewer: Viewer, detail: reads.SessionDetail) -> None:
    with session_scope(engine()) as s:
        observations, results = reads.evidence_choices(s, viewer, detail.cycle.summary.id)
    links = {o.id: o.label for o in (*observations, *results)}
    st.markdown("##### Add a challenge")
    form = DraftForm(
        viewer,
        f"challenge:{detail.id}",
        {
            "title": "",
            "evidence_kind": None,
            "evidence_note": "",
            "link": None,
            "topic": None,
            "topic_other": "",
            "control": None,
        },
    )
    st.text_input(
        "Challenge",
        key=form.key("title"),
        on_change=form.keep,
        placeholder="What is hard for us or our learners?",
    )
    left, right = st.columns(2)
    left.selectbox(
        "Evidence",
        EvidenceKind.values(),
        format_func=lambda v: EvidenceKind(v).label,
        key=form.key("evidence_kind"),
        on_change=form.keep,
        placeholder="Kind of evidence",
    )
    right.selectbox(
        "Topic",
        Topic.values(),
        format_func=lambda v: Topic(v).label,
        key=form.key("topic"),
        on_change=form.keep,
        placeholder="Choose a topic",
    )
    st.text_input(
        "Evidence note",
        key=form.key("evidence_note"),
        on_change=form.keep,
        placeholder="What the evidence shows",
    )
    if links:
        st.selectbox(
            "Link to a lesson observation or assessment result (optional)",
            list(links),
            format_func=links.__getitem__,
            key=form.key("link"),
            on_change=form.keep,
            placeholder="No link",
        )
    if st.session_state.get(form.key("topic")) == Topic.OTHER:
        st.text_input("Other topic", key=form.key("topic_other"), on_change=form.keep)
    st.radio(
        "Control",
        ControlCategory.values(),
        format_func=lambda v: ControlCategory(v).label,
        key=form.key("control"),
        on_change=form.keep,
        horizontal=True,
    )
    form.status()

    def save(s: Session, idem: str, _v: int | None) -> None:
        values = form.values()
        link = values.pop("link")
        kind = {o.id: "lesson_observation_id" for o in observations} | {
            r.id: "assessment_result_id" for r in results
        }
        if link in kind:
            values[kind[link]] = link
        challenges.add_challenge(s, viewer, detail.id, ChallengeInput.parse(**values), idempotency_key=idem)

    form.submit("Add challenge", save, labels=CHALLENGE_LABELS, done="Challenge added.")


def render_priorities(viewer: Viewer, detail: reads.SessionDetail, editable: bool) -> None:
    """Choose about two priorities by votes or ranking; only challenges in the members' control qualify."""
    cycle = detail.cycle
    most = cycle.summary.max_priorities
    st.caption(f"Choose up to {most} challenges in your control, most important first (votes shown).")
    for c in cycle.priorities:
        st.markdown(challenge_line(c))
    if not cycle.priorities:
        st.caption("No priority chosen yet.")
    if not editable or not cycle.challenges:
        return
    options = [c.id for c in sorted(cycle.challenges, key=lambda c: -c.votes)]
    labels = {
        c.id: f"{c.title} ({c.votes} votes; {ControlCategory(c.control).label.split(' (')[0].lower()})"
        for c in cycle.challenges
    }
    key = f"prio|{detail.id}|{cycle.summary.version}"
    if key not in st.session_state:
        st.session_state[key] = [c.id for c in cycle.priorities]
    chosen = st.multiselect("Priorities, in rank order", options, format_func=labels.__getitem__, key=key)
    if st.button("Save priorities", type="primary", key=f"prio_save|{detail.id}"):
        ranked = list(chosen)
        if write(
            viewer,
            lambda s: challenges.set_priorities(
                s, viewer, cycle.summary.id, ranked, version=cycle.summary.version
            ),
        ):
            flash("Priorities saved.")
            st.rerun()


def render_analysis(viewer: Viewer, detail: reads.SessionDetail, editable: bool) -> None:
    """For each priority: root causes, the goal and possible solutions."""
    if not detail.cycle.priorities:
        st.caption("Choose the priorities first.")
    for c in detail.cycle.priorities:
        st.markdown(f"##### {plain(c.title)}")
        a = c.analysis or {"root_causes": "", "goal": "", "possible_solutions": ""}
        if not editable:
            for name, label in (
                ("root_causes", "Root causes"),
                ("goal", "Goal"),
                ("possible_solutions", "Possible solutions"),
            ):
                st.markdown(f"**{label}**: {plain(a.get(name))}")
            continue
        form = DraftForm(
            viewer, f"analysis:{c.id}", {k: a.get(k) or "" for k in a}, version=c.analysis_version
        )
        st.text_area("Root causes", key=form.key("root_causes"), on_change=form.keep, height=90)
        st.text_area("Goal", key=form.key("goal"), on_change=form.keep, height=70)
        st.text_area("Possible solutions", key=form.key("possible_solutions"), on_change=form.keep, height=90)
        form.status()
        labels = {"root_causes": "Root causes", "goal": "Goal", "possible_solutions": "Possible solutions"}

        def save(s: Session, _idem: str, version: int | None, cid: str = c.id, f: DraftForm = form) -> None:
            challenges.save_analysis(s, viewer, cid, AnalysisInput.parse(**f.values()), version=version)

        form.submit("Save analysis", save, labels=labels, done="Analysis saved.")


def plan_line(p: reads.PlanView) -> str:
    resources = [Resource(r).label for r in p.resources if r != Resource.OTHER] + (
        [p.resources_other] if p.resources_other else []
    )
    when = f"{p.start_on:%d %b} to {p.end_on:%d %b}" if p.start_on and p.end_on else "dates open"
    verdict = {None: "waiting for results", True: "effective", False: "not effective"}[p.effective]
    return (
        f"**Try-out {p.attempt_no}** ({verdict}): {plain(p.activities)}  \n"
        f":small[{when} · by {', '.join(p.implementers) or 'nobody'} · "
        f"resources: {', '.join(resources) or 'none'}]"
    )


def render_tryout_form(viewer: Viewer, detail: reads.SessionDetail, c: reads.ChallengeView) -> None:
    """Plan the next try-out of a priority: activities, resources, dates, implementers."""
    members = {m.id: m.name + (" (new teacher)" if m.is_new_teacher else "") for m in detail.cycle.members}
    form = DraftForm(
        viewer,
        f"tryout:{detail.id}:{c.id}",
        {
            "activities": "",
            "resources": [],
            "resources_other": "",
            "start_on": None,
            "end_on": None,
            "implementer_ids": [],
        },
    )
    st.text_area("Activities to try in class", key=form.key("activities"), on_change=form.keep, height=90)
    st.multiselect(
        "Resources",
        Resource.values(),
        format_func=lambda v: Resource(v).label,
        key=form.key("resources"),
        on_change=form.keep,
    )
    if Resource.OTHER in (st.session_state.get(form.key("resources")) or []):
        st.text_input("Other resources", key=form.key("resources_other"), on_change=form.keep)
    left, right = st.columns(2)
    left.date_input("Start", key=form.key("start_on"), on_change=form.keep, format="YYYY-MM-DD")
    right.date_input("End", key=form.key("end_on"), on_change=form.keep, format="YYYY-MM-DD")
    st.multiselect(
        "Who tries it out",
        list(members),
        format_func=members.__getitem__,
        key=form.key("implementer_ids"),
        on_change=form.keep,
    )
    form.status()

    def save(s: Session, idem: str, _v: int | None) -> None:
        data = TryoutInput.parse(today=TODAY(), **form.values())
        tryouts.plan_tryout(s, viewer, detail.id, c.id, data, idempotency_key=idem)

    form.submit("Save try-out plan", save, labels=TRYOUT_LABELS, done="Try-out planned.")


def render_tryouts(viewer: Viewer, detail: reads.SessionDetail, editable: bool) -> None:
    """Each priority's try-out plan."""
    if not detail.cycle.priorities:
        st.caption("Choose the priorities first.")
    for c in detail.cycle.priorities:
        st.markdown(f"##### {plain(c.title)}")
        for p in c.plans:
            st.markdown(plan_line(p))
        if editable and not c.plans:
            render_tryout_form(viewer, detail, c)
