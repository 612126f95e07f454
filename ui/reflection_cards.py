"""The reflection session's card wall and card form (used by the session page; readable on a projector)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import streamlit as st

from cop.access import AccessDenied, Viewer
from cop.uploads import IMAGES
from cop.vocab import ReflectionCardKind
from db.engine import session_scope
from db.files import file_for_download
from db.reflection import CardView, ReflectionView, add_reflection_card, hide_reflection_card, set_next_step
from ui.forms import draft, drop_draft, keep_draft, renew_submit_key, saved_state, submit_key
from ui.pdf import PdfSection, render_pdf
from ui.resources import engine
from ui.saving import write
from ui.uploads import upload_output_file

LABELS = {
    "text": "Card",
    "owner_id": "Owner",
    "present_ids": "Who is here",
    "due_on": "Due date",
    "kind": "Kind",
    "photo": "Photo",
}
PROMPTS = {
    ReflectionCardKind.INSIGHT: "An insight about effective teaching",
    ReflectionCardKind.POSITIVE: "A strategy that worked, and where",
    ReflectionCardKind.IMPROVEMENT: "Something to improve",
    ReflectionCardKind.NEXT_STEP: "An action we agree on",
}


def _plain(text: str) -> str:
    return text.replace("$", "\\$").replace("\n", "  \n")


def _photo(viewer: Viewer, file_id: str) -> bytes | None:
    try:
        with session_scope(engine()) as s:
            return file_for_download(s, viewer, file_id)[2]
    except AccessDenied:
        return None


def render_cards(
    viewer: Viewer,
    view: ReflectionView,
    kind: ReflectionCardKind,
    *,
    removable: bool,
    on_change: Callable[[], None],
) -> None:
    """The cards of one kind, two per row (one per row on a phone), newest last."""
    cards = view.cards_of(kind)
    if not cards:
        st.caption("No cards yet: the first one starts the discussion.")
        return
    columns = st.columns(2)
    for i, card in enumerate(cards):
        with columns[i % 2].container(border=True):
            _render_card(viewer, view, card, removable=removable, on_change=on_change)


def _render_card(
    viewer: Viewer, view: ReflectionView, card: CardView, *, removable: bool, on_change: Callable[[], None]
) -> None:
    st.markdown(f"#### {_plain(card.text)}")
    if card.photo_file_id and (photo := _photo(viewer, card.photo_file_id)) is not None:
        st.image(photo, width="stretch")
    line = card.author or "someone"
    if card.kind is ReflectionCardKind.NEXT_STEP:
        owner = card.owner or ":orange[owner needed]"
        due = f"{card.due_on:%d %b %Y}" if card.due_on else ":orange[due date needed]"
        line = f"**{owner}** · due {due}"
    st.caption(line)
    mine = card.author_id == viewer.person_id
    if removable and (view.may_lead or mine) and st.button("Remove", key=f"hide_{card.id}", type="tertiary"):
        if write(viewer, lambda s: hide_reflection_card(s, viewer, view.session_id, card.id)):
            on_change()
            st.rerun()


def _draft_form(view: ReflectionView, kind: ReflectionCardKind) -> str:
    return f"reflection:{view.session_id}:{kind.value}"


def card_form(
    viewer: Viewer,
    view: ReflectionView,
    kind: ReflectionCardKind,
    *,
    staff: list[tuple[str, str]],
    on_saved: Callable[[], None],
) -> None:
    """Write a card: text (kept as a draft while typing), a photo for insights, owner and due date for
    next steps. One card per press, whatever the clicks or retries."""
    form = _draft_form(view, kind)
    text_key = f"rc_text_{view.session_id}_{kind.value}"
    kept = draft(viewer, form)
    if text_key not in st.session_state:
        st.session_state[text_key] = kept.get("text", "")

    def keep() -> None:
        keep_draft(viewer, form, {"text": st.session_state[text_key].replace("\x00", "")})

    st.text_area(PROMPTS[kind], key=text_key, height=90, on_change=keep, max_chars=600)
    saved_state(bool(kept), what="Draft")
    photo_id = owner_id = due_on = None
    if kind is ReflectionCardKind.INSIGHT:
        # A fresh uploader per card (its key follows the submit key): a photo never rides on the next card.
        photo_id = upload_output_file(
            viewer,
            view.school_id,
            key=f"rc_photo_{view.session_id}_{submit_key(form)[:8]}",
            label="Add a photo (optional)",
            allowed=IMAGES,
        )
    if kind is ReflectionCardKind.NEXT_STEP:
        owner_id, due_on = _owner_and_due(view, staff, key=f"rc_new_{view.session_id}")
    if st.button("Add card", type="primary", key=f"rc_add_{view.session_id}_{kind.value}"):
        text, idem = st.session_state[text_key], submit_key(form)

        def add(s: object) -> object:
            return add_reflection_card(
                s,  # type: ignore[arg-type]
                viewer,
                view.session_id,
                kind,
                text,
                idempotency_key=idem,
                photo_file_id=photo_id,
                owner_id=owner_id,
                due_on=due_on,
            )

        if write(viewer, add, labels=LABELS):
            renew_submit_key(form)
            drop_draft(viewer, form)
            del st.session_state[text_key]
            on_saved()
            st.rerun()


def _owner_and_due(
    view: ReflectionView,
    staff: list[tuple[str, str]],
    *,
    key: str,
    owner: str | None = None,
    due: date | None = None,
) -> tuple[str | None, date | None]:
    names = dict(staff)
    left, right = st.columns(2)
    owner_id = left.selectbox(
        "Owner",
        [None, *names],
        index=([None, *names].index(owner) if owner in names else 0),
        format_func=lambda p: "Choose who does it" if p is None else names[p],
        key=f"{key}_owner",
    )
    due_on = right.date_input(
        "Due date",
        value=due or view.session_date + timedelta(days=14),
        min_value=view.session_date,
        format="YYYY-MM-DD",
        key=f"{key}_due",
    )
    return owner_id, due_on


def next_step_editor(
    viewer: Viewer, view: ReflectionView, staff: list[tuple[str, str]], *, on_change: Callable[[], None]
) -> None:
    """The leader completes next steps sent without an owner or a due date (e.g. from phones)."""
    missing = [
        c for c in view.cards_of(ReflectionCardKind.NEXT_STEP) if c.owner_id is None or c.due_on is None
    ]
    for card in missing:
        with st.container(border=True):
            st.markdown(f"**{_plain(card.text)}**")
            owner_id, due_on = _owner_and_due(
                view, staff, key=f"ns_{card.id}", owner=card.owner_id, due=card.due_on
            )
            if st.button("Save owner and date", key=f"ns_save_{card.id}") and _save_next_step(
                viewer, view, card.id, owner_id, due_on
            ):
                on_change()
                st.rerun()


def _save_next_step(
    viewer: Viewer, view: ReflectionView, card_id: str, owner_id: str | None, due_on: date | None
) -> bool:
    return write(
        viewer,
        lambda s: set_next_step(s, viewer, view.session_id, card_id, owner_id=owner_id, due_on=due_on),
        labels=LABELS,
    )


def reflection_pdf(view: ReflectionView) -> bytes:
    """The session's record for the head teacher's file: who led, who came, every card, the next steps."""
    sections = [
        PdfSection(
            "Session",
            [("Date", view.session_date), ("Led by", view.led_by or "-"), ("Present", view.present)],
        )
    ]
    for kind in ReflectionCardKind:
        cards = view.cards_of(kind)
        if kind is ReflectionCardKind.NEXT_STEP:
            rows = [(c.text, f"{c.owner or '-'}, due {c.due_on or '-'}") for c in cards]
            sections.append(PdfSection(f"{kind.label}s", rows or [("-", "")]))
        else:
            sections.append(PdfSection(f"{kind.label}s", text="\n".join(f"- {c.text}" for c in cards) or "-"))
    return render_pdf("Reflection session", f"{view.school} - {view.session_date:%d %B %Y}", sections)
