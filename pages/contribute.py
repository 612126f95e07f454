"""Take part in a running session from a phone: add challenges, vote, add cards, try-out results and
lessons; the facilitator edits, merges and hides. What anyone saves appears here within a second."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st
from streamlit.errors import StreamlitAPIException, StreamlitPageNotFoundError

from cop import live as rules
from cop.access import AccessDenied, Page
from cop.cycle_inputs import ChallengeInput, LessonInput, TryoutNoteInput
from cop.live import Contribution
from cop.vocab import ControlCategory, EvidenceKind, Topic, TryoutResult
from db import live
from db.engine import session_scope
from ui import live_session as ls
from ui.auth import require_viewer
from ui.live import watch
from ui.resources import engine

viewer = require_viewer(Page.CONTRIBUTE)

CHALLENGE_FIELDS = {
    "title": "",
    "description": "",
    "evidence_kind": EvidenceKind.LESSON_OBSERVATION.value,
    "evidence_note": "",
    "topic": Topic.LARGE_CLASSES.value,
    "topic_other": "",
    "control": ControlCategory.DIRECT.value,
}
TEXT_FIELDS = {"text": ""}


def _join_link() -> None:
    try:
        st.page_link("pages/join.py", label="Join a session with its code", icon=":material/qr_code_2:")
    except (
        StreamlitAPIException,
        StreamlitPageNotFoundError,
    ):  # the page runs outside the app's navigation (a direct test run)
        st.markdown("[Join a session with its code](join)")


session_id = ls.chosen_session()
session: live.LiveSession | None = None
if session_id:
    try:
        with session_scope(engine()) as s:
            session = live.live_session(s, viewer, session_id)
    except AccessDenied as refused:
        st.title("Contribute")
        st.warning(str(refused))
        _join_link()
        st.stop()
if session is None:
    st.title("Contribute")
    st.info("Join a running session first: type the code the projector shows, or scan its QR code.")
    _join_link()
    st.stop()

sid = session.id
ls.remember_session(sid)
with session_scope(engine()) as s:
    board = live.board(s, viewer, sid)
session = board.session

st.title(session.title)
st.caption(" · ".join(x for x in (session.school, session.cop, f"Now: {session.step_label}") if x))
if not session.running:
    st.info("This session has ended: what was added is shown below, nothing more can be added.")


# ---------------------------------------------------------------------------------------------------
# Callbacks (run before the page redraws; every outcome goes to the flash line)


def _add_challenge() -> None:
    values = ls.form_values(sid, "challenge", list(CHALLENGE_FIELDS))

    def action(s, who) -> None:  # type: ignore[no-untyped-def]
        data = ChallengeInput.parse(**values)
        key = rules.submission_key(who.person_id, sid, "challenge", sorted(values.items()))
        live.add_challenge(s, who, sid, data, idempotency_key=key)

    if ls.run(action, done="Challenge added."):
        ls.clear_form(viewer, sid, "challenge", CHALLENGE_FIELDS)


def _add_card(kind: str) -> None:
    form = f"card_{kind}"
    text = ls.form_values(sid, form, ["text"])["text"] or ""

    def action(s, who) -> None:  # type: ignore[no-untyped-def]
        key = rules.submission_key(who.person_id, sid, form, text.strip())
        live.add_card(s, who, sid, kind, text, idempotency_key=key)

    if ls.run(action, done="Added to the wall."):
        ls.clear_form(viewer, sid, form, TEXT_FIELDS)


def _add_lesson() -> None:
    text = ls.form_values(sid, "lesson", ["text"])["text"] or ""

    def action(s, who) -> None:  # type: ignore[no-untyped-def]
        key = rules.submission_key(who.person_id, sid, "lesson", text.strip())
        live.add_lesson(s, who, sid, LessonInput.parse(text=text), idempotency_key=key)

    if ls.run(action, done="Lesson added."):
        ls.clear_form(viewer, sid, "lesson", TEXT_FIELDS)


def _save_result(plan_id: str, version: int | None) -> None:
    form = f"tryout_{plan_id}"
    values = ls.form_values(sid, form, ["result", "notes"])

    def action(s, who) -> None:  # type: ignore[no-untyped-def]
        data = TryoutNoteInput.parse(today=date.today(), **values)
        live.add_tryout_result(s, who, sid, plan_id, data, version=version)

    ls.save_edit(plan_id, lambda s, who, _v: action(s, who), done="Your try-out result is saved.")


def _vote(challenge_id: str, on: bool) -> None:
    ls.run(lambda s, who: live.set_vote(s, who, sid, challenge_id, on=on))


def _edit_challenge(item_id: str) -> None:
    values = ls.form_values(sid, f"edit_{item_id}", list(CHALLENGE_FIELDS))
    values["control"] = "direct"  # not edited here; the parse needs a value

    def action(s, who, version):  # type: ignore[no-untyped-def]
        data = ChallengeInput.parse(**values)
        return live.edit_challenge(s, who, item_id, data, version=version)

    ls.save_edit(item_id, action, done="Challenge saved.")


def _edit_card(item_id: str) -> None:
    text = ls.form_values(sid, f"edit_{item_id}", ["text"])["text"] or ""
    ls.save_edit(
        item_id, lambda s, who, version: live.edit_card(s, who, item_id, text, version=version), done="Saved."
    )


def _hide(kind: str, item_id: str, hidden: bool, version: int) -> None:
    if kind == "challenge":
        ls.run(lambda s, who: live.set_challenge_hidden(s, who, item_id, hidden=hidden, version=version))
    else:
        ls.run(lambda s, who: live.set_card_hidden(s, who, item_id, hidden=hidden, version=version))


def _merge(item_id: str) -> None:
    target = st.session_state.get(f"cop_live_merge_{item_id}")
    if target:
        ls.run(lambda s, who: live.merge_challenges(s, who, item_id, target), done="Merged.")


# ---------------------------------------------------------------------------------------------------
# Forms of what this step takes


def _text_widget(form: str, label: str, *, area: bool = True, fields: list[str] | None = None, **kw) -> None:  # type: ignore[no-untyped-def]
    key = ls.widget_key(sid, form, kw.pop("field", "text"))
    args = {"key": key, "on_change": ls.keep_draft, "args": (sid, form, fields or ["text"])}
    if area:
        st.text_area(label, height=90, **args, **kw)
    else:
        st.text_input(label, **args, **kw)


def _challenge_form() -> None:
    ls.restore_draft(viewer, sid, "challenge", CHALLENGE_FIELDS)
    fields = list(CHALLENGE_FIELDS)
    keep = {"on_change": ls.keep_draft, "args": (sid, "challenge", fields)}
    with st.container(border=True):
        st.subheader("Add a challenge")
        st.text_input("Challenge", key=ls.widget_key(sid, "challenge", "title"), max_chars=200, **keep)
        st.text_area(
            "What happens (optional)", key=ls.widget_key(sid, "challenge", "description"), height=80, **keep
        )
        st.selectbox(
            "Evidence",
            EvidenceKind.values(),
            format_func=lambda v: EvidenceKind(v).label,
            key=ls.widget_key(sid, "challenge", "evidence_kind"),
            **keep,
        )
        st.text_area(
            "What shows it? (results, what you saw)",
            key=ls.widget_key(sid, "challenge", "evidence_note"),
            height=80,
            **keep,
        )
        st.selectbox(
            "Topic",
            Topic.values(),
            format_func=lambda v: Topic(v).label,
            key=ls.widget_key(sid, "challenge", "topic"),
            **keep,
        )
        if st.session_state.get(ls.widget_key(sid, "challenge", "topic")) == Topic.OTHER.value:
            st.text_input(
                "Which topic?", key=ls.widget_key(sid, "challenge", "topic_other"), max_chars=120, **keep
            )
        st.radio(
            "Who can act on it?",
            ControlCategory.values(),
            format_func=lambda v: ControlCategory(v).label,
            key=ls.widget_key(sid, "challenge", "control"),
            **keep,
        )
        st.button(
            "Add challenge", type="primary", width="stretch", on_click=_add_challenge, key=f"add_ch_{sid}"
        )


def _card_form(what: Contribution) -> None:
    kind = rules.CARD_OF[what].value
    form = f"card_{kind}"
    ls.restore_draft(viewer, sid, form, TEXT_FIELDS)
    with st.container(border=True):
        st.subheader(f"Add: {what.label.lower()}")
        _text_widget(form, what.label, max_chars=1000)
        st.button(
            "Add", type="primary", width="stretch", on_click=_add_card, args=(kind,), key=f"add_{form}_{sid}"
        )


def _lesson_form() -> None:
    ls.restore_draft(viewer, sid, "lesson", TEXT_FIELDS)
    with st.container(border=True):
        st.subheader("Add a lesson learnt")
        _text_widget("lesson", "Lesson learnt")
        st.button(
            "Add lesson", type="primary", width="stretch", on_click=_add_lesson, key=f"add_lesson_{sid}"
        )


def _tryout_forms() -> None:
    mine = [t for t in board.tryouts if t.implementer]
    if not mine:
        st.caption("You are not an implementer of a try-out being reviewed: the results appear below.")
    for t in mine:
        form = f"tryout_{t.plan_id}"
        ls.restore_draft(viewer, sid, form, {"result": t.my_result, "notes": t.my_notes or ""})
        with st.container(border=True):
            st.subheader(f"Your try-out: {t.challenge}")
            st.caption(ls.plain(t.activities))
            st.radio(
                "How did it go?",
                TryoutResult.values(),
                format_func=lambda v: TryoutResult(v).label,
                key=ls.widget_key(sid, form, "result"),
                horizontal=True,
                on_change=ls.keep_draft,
                args=(sid, form, ["result", "notes"]),
            )
            _text_widget(form, "What happened", fields=["result", "notes"], field="notes")
            st.button(
                "Save my result",
                type="primary",
                width="stretch",
                on_click=_save_result,
                args=(t.plan_id, ls.opened_on(t.plan_id, t.my_version) if t.my_version else None),
                key=f"save_{form}",
            )


if session.running:
    if Contribution.CHALLENGE in session.open:
        _challenge_form()
    for what in (
        Contribution.INSIGHT,
        Contribution.POSITIVE,
        Contribution.IMPROVEMENT,
        Contribution.NEXT_STEP,
    ):
        if what in session.open:
            _card_form(what)
    if Contribution.TRYOUT_RESULT in session.open:
        _tryout_forms()
    if Contribution.LESSON in session.open and session.moderator:
        _lesson_form()  # the facilitator writes the lessons the room agrees on
    if not session.open:
        st.info("This step takes nothing from phones: follow the projector.")


# ---------------------------------------------------------------------------------------------------
# The wall


def _save_mine_over(item_id: str, save: Callable[[str], None]) -> None:
    """The person has seen the other version: save their own text over it (on that version)."""
    ls.apply_mine_over(item_id)
    save(item_id)


def _conflict_box(item_id: str, keys: dict[str, str], save: Callable[[str], None]) -> None:
    """Outside the edit expander, so it shows whatever state the expander is in."""
    theirs = ls.edit_conflict(item_id)
    if theirs is None:
        return
    st.warning("Someone saved this meanwhile. Their version is below; your text is still in the form.")
    for field in keys:
        if field in theirs:
            st.markdown(f"**{field.replace('_', ' ').capitalize()}:** {ls.plain(str(theirs[field] or '—'))}")
    c1, c2 = st.columns(2)
    c1.button("Save mine over it", key=f"mine_{item_id}", on_click=_save_mine_over, args=(item_id, save))
    c2.button("Keep theirs", key=f"theirs_{item_id}", on_click=ls.take_theirs, args=(item_id, keys))


def _challenge_editor(item: live.ChallengeItem) -> None:
    form = f"edit_{item.id}"
    keys = {f: ls.widget_key(sid, form, f) for f in ("title", "description", "evidence_note")}
    ls.opened_on(item.id, item.version)
    for field, key in keys.items():
        st.session_state.setdefault(key, item.values()[field])
    for f in ("evidence_kind", "topic", "topic_other"):
        st.session_state.setdefault(ls.widget_key(sid, form, f), item.values()[f])
    _conflict_box(item.id, keys, _edit_challenge)
    # Keyed: an expander opened to edit stays open when others' saves rerun the page.
    with st.expander("Edit", key=f"cop_live_edit_{item.id}"):
        st.text_input("Challenge", key=keys["title"], max_chars=200)
        st.text_area("What happens", key=keys["description"], height=80)
        st.text_area("What shows it?", key=keys["evidence_note"], height=80)
        st.button("Save", key=f"save_{form}", on_click=_edit_challenge, args=(item.id,), type="primary")


def _challenge_wall(board: live.Board) -> None:
    session = board.session
    # In the order they were added: a phone's list does not jump while someone reads or edits it.
    shown = [c for c in board.challenges if not c.hidden]
    st.subheader(f"Challenges ({len(shown)})")
    voting = Contribution.VOTE in session.open
    left = board.max_votes - board.my_votes
    if voting:
        st.caption(f"You have {max(left, 0)} of {board.max_votes} votes left.")
    if not shown:
        st.caption("No challenge yet.")
    others = list(shown)
    for item in shown:
        with st.container(border=True, key=f"cop_live_ch_{item.id}"):
            st.markdown(f"**{ls.plain(item.title)}** · {item.votes} ★")
            meta = [item.topic_label, item.evidence_label]
            if item.author:
                meta.append(item.author)
            st.caption(" · ".join(meta))
            if item.description:
                st.markdown(ls.plain(item.description))
            if voting and item.control != ControlCategory.OUT_OF_CONTROL.value:
                label = "Take my vote back" if item.mine else "Vote"
                st.button(
                    label,
                    key=f"vote_{item.id}",
                    on_click=_vote,
                    args=(item.id, not item.mine),
                    width="stretch",
                    disabled=not item.mine and left <= 0,  # all votes used: take one back first
                )
            if session.running and rules.may_edit(
                moderator=session.moderator, is_author=item.author_id == viewer.person_id
            ):
                _challenge_editor(item)
            if session.running and session.moderator:
                c1, c2 = st.columns([1, 2])
                c1.button(
                    "Hide",
                    key=f"hide_{item.id}",
                    on_click=_hide,
                    args=("challenge", item.id, True, item.version),
                )
                targets = {o.id: o.title for o in others if o.id != item.id}
                if targets:
                    c2.selectbox(
                        "Merge into",
                        list(targets),
                        format_func=targets.__getitem__,
                        key=f"cop_live_merge_{item.id}",
                        index=None,
                        placeholder="Merge into…",
                        label_visibility="collapsed",
                        on_change=_merge,
                        args=(item.id,),
                    )
    hidden = [c for c in board.challenges if c.hidden]
    if session.moderator and hidden:
        with st.expander(f"Hidden or merged ({len(hidden)})"):
            for item in hidden:
                into = f" → merged into “{item.merged_into}”" if item.merged_into else ""
                st.markdown(f"{ls.plain(item.title)}{ls.plain(into)}")
                if session.running and not item.merged_into:
                    st.button(
                        "Show again",
                        key=f"show_{item.id}",
                        on_click=_hide,
                        args=("challenge", item.id, False, item.version),
                    )


def _card_wall(board: live.Board) -> None:
    session = board.session
    cards = [c for c in board.cards if not c.hidden]
    st.subheader(f"On the wall ({len(cards)})")
    if not cards:
        st.caption("No card yet.")
    for card in cards:
        with st.container(border=True, key=f"cop_live_card_{card.id}"):
            st.markdown(ls.plain(card.text))
            st.caption(" · ".join(x for x in (card.kind.label, card.author) if x))
            if session.running and rules.may_edit(
                moderator=session.moderator, is_author=card.author_id == viewer.person_id
            ):
                form = f"edit_{card.id}"
                key = ls.widget_key(sid, form, "text")
                ls.opened_on(card.id, card.version)
                st.session_state.setdefault(key, card.text)
                _conflict_box(card.id, {"text": key}, _edit_card)
                with st.expander("Edit", key=f"cop_live_edit_{card.id}"):
                    st.text_area("Text", key=key, height=90)
                    st.button(
                        "Save", key=f"save_{form}", on_click=_edit_card, args=(card.id,), type="primary"
                    )
            if session.running and session.moderator:
                st.button(
                    "Hide", key=f"hide_{card.id}", on_click=_hide, args=("card", card.id, True, card.version)
                )


def _tryout_wall(board: live.Board) -> None:
    st.subheader("Try-out results")
    if not board.tryouts:
        st.caption("No try-out is waiting for its review.")
    for t in board.tryouts:
        with st.container(border=True):
            st.markdown(f"**{ls.plain(t.challenge)}** (attempt {t.attempt})")
            for person, result, notes in t.results:
                st.markdown(f"- {ls.plain(person)}: **{result or 'no verdict yet'}** {ls.plain(notes or '')}")


def _lesson_wall(board: live.Board) -> None:
    st.subheader(f"Lessons learnt ({len(board.lessons)})")
    for lesson in board.lessons:
        st.markdown(
            f"- {ls.plain(lesson.text)}" + (f" — *{ls.plain(lesson.author)}*" if lesson.author else "")
        )


@st.fragment
def _wall(shown: live.LiveSession) -> None:
    """What others add: a change reruns only this part (and the outcome of a tap shows here)."""
    watch(shown.scopes, key=f"cop_live_watch_{shown.id}", min_gap_s=1.0)
    ls.show_flash()
    with session_scope(engine()) as s:
        current = live.board(s, viewer, shown.id)
    if (current.session.step, current.session.status) != (shown.step, shown.status):
        st.rerun(scope="app")  # a new step opens other forms
    if current.session.cycle_id is None:
        _card_wall(current)
        return
    if current.session.kind.value == "first":
        _challenge_wall(current)
    if current.tryouts or Contribution.TRYOUT_RESULT in current.session.open:
        _tryout_wall(current)
    if current.lessons or Contribution.LESSON in current.session.open:
        _lesson_wall(current)


_wall(session)
