"""Form questions (admin): the items of the self-assessment, monitoring and TTC forms; teaching practices."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from cop.access import Page
from cop.errors import EditConflict
from cop.self_assessment import SHORT_NAMES
from cop.templates import DEFAULT_GROUP, ItemInput, item_inputs
from cop.vocab import FormKind, SbmStandard
from db.engine import session_scope
from db.tools import templates as tpl
from ui.auth import require_viewer
from ui.forms import draft, drop_draft, keep_draft, saved_state
from ui.resources import engine
from ui.saving import write
from ui.widgets import table_with_download

viewer = require_viewer(Page.FORM_TEMPLATES)

# Session-state keys of this page.
FLASH, WORK, THEIRS, VERSIONS = "cop_tpl_flash", "cop_tpl_work", "cop_tpl_theirs", "cop_tpl_versions"
CONFLICT = "cop_tpl_conflict"  # where (a form kind or a practice id) -> the conflict's message
TAB, PRACTICES_TAB = "cop_tpl_tab", "Teaching practices"
KINDS = (FormKind.SELF_ASSESSMENT, FormKind.MONITORING, FormKind.TTC_CHECKLIST)
STANDARDS = {s.value: name for s, name in SHORT_NAMES.items()}
REFUSED = "Someone changed this meanwhile: reload the page to see their change."


def _wkey(kind: str, uid: str, name: str) -> str:
    return f"tpl|{kind}|{uid}|{name}"


def _work(kind: str) -> dict:
    return st.session_state.setdefault(WORK, {})[kind]


def _form(kind: str) -> str:
    return f"form_template:{kind}:{_work(kind)['base']}"


def _items(kind: str) -> list[ItemInput]:
    get = st.session_state.get
    return [
        ItemInput(*(get(_wkey(kind, uid, n)) for n in ("key", "label", "group", "low", "high")))
        for uid in _work(kind)["rows"]
    ]


def _keep(kind: str) -> None:
    """Keep the edited questions as a draft of this form (widget callbacks call it)."""
    items = [vars(i) for i in _items(kind)]
    keep_draft(viewer, _form(kind), {"title": st.session_state.get(_wkey(kind, "", "title")), "items": items})


def _put(kind: str, item: ItemInput) -> str:
    uid = uuid.uuid4().hex[:8]
    values = (item.key or "", item.label or "", item.group, item.scale_low, item.scale_high)
    for name, value in zip(("key", "label", "group", "low", "high"), values, strict=True):
        st.session_state[_wkey(kind, uid, name)] = value
    return uid


def _load(kind: FormKind, current: tpl.TemplateRevision) -> None:
    """Fill the editor's widgets from the draft, or else from the current revision, when they hold nothing."""
    work: dict = st.session_state.setdefault(WORK, {})
    # Streamlit forgets the widgets' values when a run does not draw them (another tab): refill from the
    # draft then. Otherwise the editor stays, unless someone saved a newer revision and it has no changes.
    drawn = _wkey(kind, "", "title") in st.session_state
    if kind in work and drawn and (work[kind]["base"] == current.id or draft(viewer, _form(kind))):
        return
    base = work[kind]["base"] if kind in work else current.id
    saved = draft(viewer, f"form_template:{kind}:{base}")
    if not saved:
        base = current.id
    title = saved.get("title") if saved else current.title
    items = [ItemInput(**i) for i in saved["items"]] if saved else item_inputs(current.items)
    st.session_state[_wkey(kind, "", "title")] = title or ""
    work[kind] = {"base": base, "rows": [_put(kind, i) for i in items]}


def _add(kind: FormKind) -> None:
    rated = (1, 4) if kind is FormKind.SELF_ASSESSMENT else (None, None)
    group = SbmStandard.COACH_IN_ENGLISH.value if kind is FormKind.SELF_ASSESSMENT else DEFAULT_GROUP[kind]
    _work(kind)["rows"].append(_put(kind, ItemInput("", "", group, *rated)))
    _keep(kind)


def _remove(kind: str, uid: str) -> None:
    _work(kind)["rows"].remove(uid)
    _keep(kind)


def _up(kind: str, uid: str) -> None:
    rows = _work(kind)["rows"]
    at = rows.index(uid)
    if at > 0:
        rows[at - 1], rows[at] = rows[at], rows[at - 1]
        _keep(kind)


def _discard(kind: str) -> None:
    drop_draft(viewer, _form(kind))
    st.session_state[WORK].pop(kind, None)
    st.session_state.setdefault(THEIRS, {}).pop(kind, None)


def _save(
    action: Callable[[Session], object],
    done: str,
    labels: dict[str, str],
    *,
    conflict: Callable[[EditConflict], str] | None = None,
    saved: Callable[[], None] | None = None,
) -> None:
    """One audited transaction; refusals become messages, what was typed stays on screen.

    `conflict` keeps the other person's version and says where the form shows it; `saved` clears the form."""

    def conflicted(stale: EditConflict) -> None:
        if conflict is None:
            st.error(str(stale))
            return
        st.session_state.setdefault(CONFLICT, {})[conflict(stale)] = str(stale)
        st.rerun()  # the form shows theirs above its save button, the typed input stays

    if not write(viewer, action, labels=labels, on_conflict=conflicted, raced=REFUSED):
        return
    if saved is not None:
        saved()
    st.session_state[FLASH] = done
    st.rerun()


def _item_labels(count: int) -> dict[str, str]:
    names = {"key": "key", "label": "question", "group": "group", "scale": "scale"}
    return {"title": "Title", "items": "Items"} | {
        f"item_{n}_{f}": f"Item {n}, {name}" for n in range(1, count + 1) for f, name in names.items()
    }


def _render_item(kind: FormKind, n: int, uid: str, widths: list[float]) -> None:
    cols, keep = st.columns(widths), {"on_change": _keep, "args": (kind,)}
    hide = {"label_visibility": "collapsed"}
    cols[0].text_input(f"Item {n} key", key=_wkey(kind, uid, "key"), **hide, **keep)
    cols[1].text_input(f"Item {n} question", key=_wkey(kind, uid, "label"), **hide, **keep)
    if kind is FormKind.SELF_ASSESSMENT:
        if st.session_state.get(_wkey(kind, uid, "group")) not in STANDARDS:
            st.session_state[_wkey(kind, uid, "group")] = None
        cols[2].selectbox(
            f"Item {n} standard",
            [None, *STANDARDS],
            format_func=lambda v: "Choose a standard" if v is None else STANDARDS[v],
            key=_wkey(kind, uid, "group"),
            **hide,
            **keep,
        )
    else:
        cols[2].text_input(f"Item {n} group", key=_wkey(kind, uid, "group"), **hide, **keep)
    if kind is not FormKind.TTC_CHECKLIST:
        for col, end in zip(cols[3:5], ("low", "high"), strict=True):
            col.number_input(
                f"Item {n} scale {end}", value=None, step=1, key=_wkey(kind, uid, end), **hide, **keep
            )
    move = {"on_click": _up, "args": (kind, uid), "disabled": n == 1}
    cols[-2].button("↑", key=f"tpl_up|{kind}|{uid}", help="Move up", **move)
    remove = {"on_click": _remove, "args": (kind, uid)}
    cols[-1].button("✕", key=f"tpl_rm|{kind}|{uid}", help="Remove this item", **remove)


def _render_editor(kind: FormKind, current: tpl.TemplateRevision, latest: int) -> None:
    _load(kind, current)
    st.text_input("Title", key=_wkey(kind, "", "title"), on_change=_keep, args=(kind,))
    rated = kind is not FormKind.TTC_CHECKLIST
    heads = ["Key", "Question", "Standard" if kind is FormKind.SELF_ASSESSMENT else "Group"]
    heads += ["Scale from", "to"] if rated else []
    widths = [2, 6, 3, *([1.1, 1.1] if rated else []), 0.7, 0.7]
    for col, head in zip(st.columns(widths), heads, strict=False):
        col.caption(head)
    for n, uid in enumerate(_work(kind)["rows"], start=1):
        _render_item(kind, n, uid, widths)
    st.button("Add an item", key=f"tpl_add|{kind}", on_click=_add, args=(kind,), icon=":material/add:")
    if kind is FormKind.MONITORING:
        st.caption("An item without a scale is answered in words.")
    if draft(viewer, _form(kind)):
        saved_state(True, what="Draft")
    else:
        st.caption(f"No changes yet to revision {current.revision}.")
    if message := st.session_state.get(CONFLICT, {}).pop(kind, None):
        st.error(message)
    if theirs := st.session_state.get(THEIRS, {}).get(kind):
        st.warning(f"Revision {theirs['revision']} (saved meanwhile) asks:")
        st.dataframe(pd.DataFrame(theirs["items"]), hide_index=True)
    save, discard = st.columns([1, 1])
    if discard.button("Discard my changes", key=f"tpl_discard|{kind}", on_click=_discard, args=(kind,)):
        return
    if not save.button(f"Save as revision {latest + 1}", type="primary", key=f"tpl_save|{kind}"):
        return
    title, items = st.session_state.get(_wkey(kind, "", "title")), _items(kind)
    base, form = _work(kind)["base"], _form(kind)

    def conflict(c: EditConflict) -> str:
        # The next save goes over their revision; this person's questions stay in the editor.
        st.session_state.setdefault(THEIRS, {})[kind] = c.theirs
        _work(kind)["base"] = c.theirs["template_id"]
        keep_draft(viewer, _form(kind), {"title": title, "items": [vars(i) for i in items]})
        return kind

    def saved() -> None:
        drop_draft(viewer, form)
        st.session_state[WORK].pop(kind, None)
        st.session_state.setdefault(THEIRS, {}).pop(kind, None)

    save_revision = tpl.save_template_revision
    _save(
        lambda s: save_revision(s, viewer, kind=kind.value, based_on=base, title=title, items=items),
        f"Saved as revision {latest + 1} of the {kind.label}. Forms answered before keep their questions.",
        _item_labels(len(items)),
        conflict=conflict,
        saved=saved,
    )


def _render_template(kind: FormKind) -> None:
    with session_scope(engine()) as s:
        revisions = tpl.template_revisions(s, viewer, kind.value)
    current = next((r for r in revisions if r.is_current), None)
    if current is None:
        st.info("This form has no questions yet.")
        return
    frame = pd.DataFrame(
        {
            "Revision": r.revision,
            "Title": r.title,
            "Items": len(r.items),
            "Current": r.is_current,
            "Saved": r.created_at.strftime("%Y-%m-%d %H:%M"),
            "Forms answered with it": r.uses,
        }
        for r in revisions
    )
    table_with_download(frame, file_name=f"{kind.value}_revisions.csv", key=f"dl_rev_{kind}", empty="")
    with st.expander("Questions of a revision"):
        shown = st.selectbox("Revision", [r.revision for r in revisions], key=f"tpl_show|{kind}")
        items = next(r.items for r in revisions if r.revision == shown)
        name = f"{kind.value}_revision_{shown}.csv"
        table_with_download(pd.DataFrame(items), file_name=name, key=f"dl_items_{kind}", empty="No items.")
    st.subheader(f"Edit the questions (revision {current.revision} is current)")
    _render_editor(kind, current, revisions[0].revision)


def _render_practices() -> None:
    with session_scope(engine()) as s:
        practices = tpl.teaching_practices(s, viewer)
    frame = pd.DataFrame(
        {
            "Position": p.position,
            "Practice": p.label,
            "Key": p.key,
            "Active": p.is_active,
            "Times rated": p.ratings,
        }
        for p in practices
    )
    table_with_download(
        frame, file_name="teaching_practices.csv", key="dl_practices", empty="No practice yet."
    )
    new = "teaching_practice:new"
    if "tp|new|label" not in st.session_state:
        st.session_state["tp|new|label"] = draft(viewer, new).get("label", "")
    keep_new = {"on_change": lambda: keep_draft(viewer, new, {"label": st.session_state["tp|new|label"]})}
    label = st.text_input("New practice", key="tp|new|label", **keep_new)
    if st.button("Add practice", key="tp_add"):

        def added() -> None:
            drop_draft(viewer, new)
            st.session_state.pop("tp|new|label", None)

        _save(
            lambda s: tpl.add_practice(s, viewer, label=label),
            "Practice added.",
            {"label": "Practice"},
            saved=added,
        )
    names = {p.id: f"{p.position}. {p.label}" for p in practices}
    chosen = st.selectbox(
        "Edit a practice", [None, *names], format_func=lambda i: "—" if i is None else names[i], key="tp_pick"
    )
    practice = next((p for p in practices if p.id == chosen), None)
    if practice is not None:
        _render_practice(practice, len(practices))


def _render_practice(p: tpl.PracticeRow, count: int) -> None:
    """Relabel, move, (de)activate one practice (a draft kept while typing), or delete an unrated one."""
    form, keys = f"teaching_practice:{p.id}", {n: f"tp|{p.id}|{n}" for n in ("label", "position", "active")}
    if keys["label"] not in st.session_state:
        saved = {"label": p.label, "position": p.position, "active": p.is_active} | draft(viewer, form)
        for name, key in keys.items():
            st.session_state[key] = saved[name]
    keep = {"on_change": lambda: keep_draft(viewer, form, {n: st.session_state[k] for n, k in keys.items()})}
    version = st.session_state.setdefault(VERSIONS, {}).setdefault(p.id, p.version)
    label = st.text_input("Practice", key=keys["label"], max_chars=300, **keep)
    position = st.number_input("Position", min_value=1, max_value=count, step=1, key=keys["position"], **keep)
    active = st.checkbox("Active (offered in new lesson observations)", key=keys["active"], **keep)

    def saved() -> None:
        drop_draft(viewer, form)
        st.session_state.get(VERSIONS, {}).pop(p.id, None)
        st.session_state.get(THEIRS, {}).pop(p.id, None)
        for key in keys.values():
            st.session_state.pop(key, None)

    def stale(conflict: EditConflict) -> str:
        st.session_state[VERSIONS][p.id] = conflict.theirs["version"]  # saving again goes over theirs
        st.session_state.setdefault(THEIRS, {})[p.id] = conflict.theirs
        return p.id

    if message := st.session_state.get(CONFLICT, {}).pop(p.id, None):
        st.error(message)
    if theirs := st.session_state.get(THEIRS, {}).get(p.id):
        state = "active" if theirs["is_active"] else "inactive"
        st.warning(
            f"Saved meanwhile by someone else: “{theirs['label']}”, {state}. Save to apply yours over it."
        )

    labels = {"label": "Practice", "position": "Position", "practice": "Practice"}
    if st.button("Save practice", type="primary", key=f"tp_save|{p.id}"):
        update = tpl.update_practice
        _save(
            lambda s: update(
                s, viewer, practice_id=p.id, version=version, label=label, is_active=active, position=position
            ),
            "Practice saved.",
            labels,
            saved=saved,
            conflict=stale,
        )
    if p.ratings:
        st.caption(f"Rated {p.ratings} time(s): it can be deactivated, never deleted (observations keep it).")
    elif st.button("Delete this practice", key=f"tp_delete|{p.id}"):
        delete = tpl.delete_practice
        _save(
            lambda s: delete(s, viewer, practice_id=p.id, version=version),
            "Practice deleted.",
            labels,
            saved=saved,
            conflict=stale,
        )


st.title("Form questions")
st.caption(
    "Saving a form's questions makes a new revision: forms already answered keep the questions they were "
    "answered with. Practices that have been rated are retired, never deleted."
)
if flash := st.session_state.pop(FLASH, None):
    st.success(flash)
# Only the open tab runs: each editor draws a hundred or so widgets.
tabs = st.tabs([*(k.label for k in KINDS), PRACTICES_TAB], key=TAB, on_change="rerun")
for tab, kind in zip(tabs, KINDS, strict=False):
    if tab.open:
        with tab:
            _render_template(kind)
if tabs[-1].open:
    with tabs[-1]:
        _render_practices()
