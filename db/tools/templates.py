"""Form templates and teaching practices, edited by administrators: a save is a new revision, not an edit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop import templates as rules
from cop.access import AccessDenied, Viewer
from cop.errors import EditConflict, ValidationError
from cop.templates import ItemInput
from cop.vocab import FormKind
from db.models import (
    FormTemplate,
    MonitoringVisit,
    PracticeRating,
    SelfAssessment,
    TeachingPractice,
    TtcVisit,
)
from db.records import check_version

_ADMIN_ONLY = "Only administrators change the questions of forms."
_NEWER = (
    "Someone saved a newer revision of this form after you opened it. Their questions are shown below: "
    "check them, then save yours again to make it the next revision."
)
# The records answered with each kind of form, so a revision shows how many forms keep its questions.
_USED_BY = {
    FormKind.SELF_ASSESSMENT: SelfAssessment,
    FormKind.MONITORING: MonitoringVisit,
    FormKind.TTC_CHECKLIST: TtcVisit,
}


@dataclass(frozen=True)
class TemplateRevision:
    id: str
    kind: str
    revision: int
    title: str
    items: list[dict[str, Any]]
    is_current: bool
    created_at: datetime
    uses: int  # records answered with this revision


@dataclass(frozen=True)
class PracticeRow:
    id: str
    key: str
    label: str
    position: int  # 1-based place in the list
    is_active: bool
    ratings: int
    version: int


def _require_admin(viewer: Viewer) -> None:
    if not rules.may_edit_forms(viewer):
        raise AccessDenied(_ADMIN_ONLY)


def _kind(kind: str) -> FormKind:
    try:
        return FormKind(kind)
    except ValueError:
        raise ValidationError({"kind": "Choose one of: " + ", ".join(FormKind.values()) + "."}) from None


def template_revisions(session: Session, viewer: Viewer, kind: str) -> list[TemplateRevision]:
    """Every revision of one form, newest first, with how many records were answered with each."""
    _require_admin(viewer)
    form = _kind(kind)
    used = _USED_BY[form]
    uses = (
        select(used.template_id, func.count().label("n"))  # type: ignore[attr-defined]
        .group_by(used.template_id)  # type: ignore[attr-defined]
        .subquery()
    )
    rows = session.execute(
        select(FormTemplate, uses.c.n)
        .outerjoin(uses, uses.c.template_id == FormTemplate.id)
        .where(FormTemplate.kind == form.value)
        .order_by(FormTemplate.revision.desc())
    ).all()
    return [
        TemplateRevision(
            str(t.id), t.kind, t.revision, t.title, list(t.items), t.is_current, t.created_at, n or 0
        )
        for t, n in rows
    ]


def _current(session: Session, form: FormKind, *, lock: bool = False) -> FormTemplate | None:
    query = (
        select(FormTemplate)
        .where(FormTemplate.kind == form.value, FormTemplate.is_current)
        .order_by(FormTemplate.revision.desc())
        .limit(1)
    )
    return session.scalar(query.with_for_update() if lock else query)


def save_template_revision(
    session: Session,
    viewer: Viewer,
    *,
    kind: str,
    based_on: uuid.UUID | str | None,
    title: str | None,
    items: Sequence[ItemInput],
) -> uuid.UUID:
    """Save the edited questions as the form's next revision; the revision they were based on stays.

    `based_on` is the revision the editor opened: a newer one saved meanwhile is a conflict, unless it
    holds exactly these questions (the same save arriving twice), whose id is then returned."""
    _require_admin(viewer)
    form = _kind(kind)
    errors: dict[str, str] = {}
    clean_title = clean_items = None
    try:
        clean_title = rules.clean_title(title)
    except ValidationError as invalid:
        errors |= invalid.errors
    try:
        clean_items = rules.clean_items(form, items)
    except ValidationError as invalid:
        errors |= invalid.errors
    if errors:
        raise ValidationError(errors)
    # Locked so two administrators saving at once queue rather than both taking the same revision number.
    current = _current(session, form, lock=True)
    same = current is not None and current.items == clean_items and current.title == clean_title
    if current is not None and str(current.id) != str(based_on):
        if same:
            return current.id
        theirs = {"template_id": str(current.id), "revision": current.revision, "title": current.title}
        raise EditConflict(_NEWER, {**theirs, "items": current.items})
    if same:
        raise ValidationError({"items": "Nothing changed: edit a question, add or remove one, then save."})
    latest = session.scalar(select(func.max(FormTemplate.revision)).where(FormTemplate.kind == form.value))
    for old in session.scalars(
        select(FormTemplate).where(FormTemplate.kind == form.value, FormTemplate.is_current)
    ):
        old.is_current = False
    session.flush()  # the old revision stops being current before the new one starts
    row = FormTemplate(
        kind=form.value, revision=(latest or 0) + 1, title=clean_title, items=clean_items, is_current=True
    )
    session.add(row)
    session.flush()
    return row.id


# --- teaching practices ----------------------------------------------------------------------------------


def _ordered(session: Session) -> list[TeachingPractice]:
    return list(
        session.scalars(
            select(TeachingPractice).order_by(TeachingPractice.sort_order, TeachingPractice.label)
        )
    )


def teaching_practices(session: Session, viewer: Viewer) -> list[PracticeRow]:
    """The lesson-observation practices in their order, active or not, with how often each was rated."""
    _require_admin(viewer)
    counts = dict(
        session.execute(
            select(PracticeRating.practice_id, func.count()).group_by(PracticeRating.practice_id)
        ).all()
    )
    return [
        PracticeRow(str(p.id), p.key, p.label, n, p.is_active, counts.get(p.id, 0), p.version)
        for n, p in enumerate(_ordered(session), start=1)
    ]


def _label_taken(session: Session, label: str, but: uuid.UUID | None = None) -> TeachingPractice | None:
    query = select(TeachingPractice).where(func.lower(TeachingPractice.label) == label.lower())
    if but is not None:
        query = query.where(TeachingPractice.id != but)
    return session.scalar(query.limit(1))


def add_practice(session: Session, viewer: Viewer, *, label: str | None) -> uuid.UUID:
    """Add a practice at the end of the list; an active one with this label already there is returned."""
    _require_admin(viewer)
    clean = rules.clean_practice_label(label)
    same = _label_taken(session, clean)
    if same is not None:
        if same.is_active:
            return same.id  # the list already holds it (a repeated submit)
        raise ValidationError({"label": "A retired practice has this label: reactivate it instead."})
    practices = _ordered(session)
    row = TeachingPractice(
        key=rules.practice_key(clean, {p.key for p in practices}),
        label=clean,
        sort_order=max((p.sort_order for p in practices), default=-1) + 1,
        is_active=True,
    )
    session.add(row)
    session.flush()
    return row.id


def _practice(session: Session, viewer: Viewer, practice_id: uuid.UUID | str) -> TeachingPractice:
    _require_admin(viewer)
    try:
        row = session.get(TeachingPractice, uuid.UUID(str(practice_id)))
    except ValueError:
        row = None
    if row is None:
        raise AccessDenied("That practice no longer exists.")
    return row


def update_practice(
    session: Session,
    viewer: Viewer,
    *,
    practice_id: uuid.UUID | str,
    version: int,
    label: str | None,
    is_active: bool,
    position: int,
) -> None:
    """Relabel, move or (de)activate a practice; old observations keep their ratings of it."""
    row = _practice(session, viewer, practice_id)
    check_version(row, version, "practice", ("label", "is_active", "sort_order", "version"))
    errors: dict[str, str] = {}
    practices = _ordered(session)
    try:
        clean = rules.clean_practice_label(label)
        if _label_taken(session, clean, but=row.id) is not None:
            errors["label"] = "Another practice has this label already."
    except ValidationError as invalid:
        errors |= invalid.errors
    try:
        place = rules.clean_position(position, len(practices))
    except ValidationError as invalid:
        errors |= invalid.errors
    if errors:
        raise ValidationError(errors)
    row.label, row.is_active = clean, bool(is_active)
    order = rules.moved([str(p.id) for p in practices], str(row.id), place)
    by_id = {str(p.id): p for p in practices}
    for n, pid in enumerate(order):
        if by_id[pid].sort_order != n:  # only the practices that move are written (and audited)
            by_id[pid].sort_order = n
    session.flush()


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def delete_practice(session: Session, viewer: Viewer, *, practice_id: uuid.UUID | str, version: int) -> None:
    """Remove a practice nobody has rated yet; a rated one can only be retired (deactivated)."""
    row = _practice(session, viewer, practice_id)
    check_version(row, version, "practice", ("label", "is_active", "sort_order", "version"))
    rated = session.scalar(select(func.count()).where(PracticeRating.practice_id == row.id)) or 0
    if rated:
        raise ValidationError(
            {"practice": f"It was rated {_times(rated)}: deactivate it instead, so old observations keep it."}
        )
    session.delete(row)
    session.flush()
