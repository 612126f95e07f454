"""Questions of forms as data: the rules an administrator's item lists and teaching practices must keep.

Each form kind asks its items differently, so each has its own checks:
- self_assessment: every item belongs to one of the four SBM standards and is rated on a scale; every
  standard keeps at least one item (progress is charted per standard).
- monitoring: an item with a scale is rated, one without is answered in words; the items stored in
  columns of their own (regularity, cycle followed, documentation, the six enablers) stay on 1-4,
  the range the database allows for those columns.
- ttc_checklist: items are ticked done or not, so they have no scale.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cop.access import Viewer
from cop.errors import ValidationError
from cop.vocab import Enabler, FormKind, Role, SbmStandard

KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
MAX_ITEMS = 60
MAX_LABEL = 300
MAX_TITLE = 200
MAX_GROUP = 64
SCALE_BOUNDS = (0, 10)  # a rating scale lies within these; 0-10 is the widest anyone uses on paper
DEFAULT_GROUP = {FormKind.MONITORING: "practice", FormKind.TTC_CHECKLIST: "induction"}
COLUMN_SCALE = (1, 4)
# Monitoring items with a column of their own in monitoring_visit (CHECK 1-4 there).
MONITORING_COLUMNS = frozenset(
    {"regularity", "cycle_followed", "documentation", *(f"enabler_{e.value}" for e in Enabler)}
)


def may_edit_forms(viewer: Viewer) -> bool:
    """Only administrators change the questions of forms and the teaching-practice list."""
    return viewer.role is Role.ADMIN


@dataclass(frozen=True)
class ItemInput:
    """One question as the administrator types it; a scale of (None, None) means "not rated"."""

    key: str | None
    label: str | None
    group: str | None = None
    scale_low: int | None = None
    scale_high: int | None = None


def item_inputs(items: Sequence[Mapping[str, Any]]) -> list[ItemInput]:
    """A stored template's items as editable inputs."""
    out = []
    for item in items:
        scale = item.get("scale") or [None, None]
        out.append(ItemInput(item.get("key"), item.get("label"), item.get("group"), scale[0], scale[1]))
    return out


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _check_scale(
    kind: FormKind, item: ItemInput, key: str, errors: dict[str, str], at: str
) -> list[int] | None:
    """The item's [low, high], or None when it is not rated; problems go to errors[at]."""
    blank = item.scale_low is None and item.scale_high is None
    if kind is FormKind.TTC_CHECKLIST:
        if not blank:
            errors[at] = "Checklist items are ticked done or not: leave the scale empty."
        return None
    if blank:
        if kind is FormKind.SELF_ASSESSMENT:
            errors[at] = "Give the rating scale (like 1 to 4)."
        elif key in MONITORING_COLUMNS:
            errors[at] = (
                f"This item is stored as a rating from {COLUMN_SCALE[0]} to {COLUMN_SCALE[1]}: keep it."
            )
        return None
    low, high = _whole(item.scale_low), _whole(item.scale_high)
    lowest, highest = SCALE_BOUNDS
    if low is None or high is None:
        errors[at] = "Give both ends of the scale as whole numbers, or neither."
    elif not lowest <= low < high <= highest:
        errors[at] = f"The scale goes from a lower to a higher whole number, within {lowest} to {highest}."
    elif kind is FormKind.MONITORING and key in MONITORING_COLUMNS and (low, high) != COLUMN_SCALE:
        errors[at] = (
            f"This item is stored as a rating from {COLUMN_SCALE[0]} to {COLUMN_SCALE[1]}: keep that scale."
        )
    else:
        return [low, high]
    return None


def _check_group(kind: FormKind, group: str | None, errors: dict[str, str], at: str) -> str:
    value = (group or "").strip()
    if kind is FormKind.SELF_ASSESSMENT:
        if value not in SbmStandard.values():
            errors[at] = "Choose the SBM standard this indicator belongs to."
        return value
    if len(value) > MAX_GROUP:
        errors[at] = f"Use at most {MAX_GROUP} characters."
    return value or DEFAULT_GROUP[kind]


def clean_items(kind: FormKind | str, items: Sequence[ItemInput]) -> list[dict[str, Any]]:
    """The items as stored in a template, or ValidationError naming each item's problems (item 1 first)."""
    kind = FormKind(kind)
    errors: dict[str, str] = {}
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    if not items:
        errors["items"] = "Keep at least one item: a form without questions asks nothing."
    elif len(items) > MAX_ITEMS:
        errors["items"] = f"Use at most {MAX_ITEMS} items."
    for n, item in enumerate(items, start=1):
        key, label = (item.key or "").strip(), " ".join((item.label or "").split())
        if not KEY_RE.fullmatch(key):
            errors[f"item_{n}_key"] = (
                "Use 1 to 64 characters: lowercase letters, digits and underscores, starting with a letter."
            )
        elif key in seen:
            errors[f"item_{n}_key"] = f'"{key}" is already the key of item {seen[key]}: keys must differ.'
        else:
            seen[key] = n
        if not label:
            errors[f"item_{n}_label"] = "Write the question people will answer."
        elif len(label) > MAX_LABEL:
            errors[f"item_{n}_label"] = f"Use at most {MAX_LABEL} characters."
        group = _check_group(kind, item.group, errors, f"item_{n}_group")
        scale = _check_scale(kind, item, key, errors, f"item_{n}_scale")
        entry: dict[str, Any] = {"key": key, "label": label, "group": group}
        if scale is not None:
            entry["scale"] = scale
        out.append(entry)
    if kind is FormKind.SELF_ASSESSMENT and items:
        missing = [s.label for s in SbmStandard if s.value not in {e["group"] for e in out}]
        if missing:
            errors.setdefault(
                "items", "Keep at least one indicator for each standard; none for: " + "; ".join(missing)
            )
    if errors:
        raise ValidationError(errors)
    return out


def clean_title(title: str | None) -> str:
    value = " ".join((title or "").split())
    if not value:
        raise ValidationError({"title": "Give the form a title."})
    if len(value) > MAX_TITLE:
        raise ValidationError({"title": f"Use at most {MAX_TITLE} characters."})
    return value


# --- teaching practices ----------------------------------------------------------------------------------


def clean_practice_label(label: str | None) -> str:
    """A practice's label: required, one line, at most MAX_LABEL characters."""
    value = " ".join((label or "").split())
    if not value:
        raise ValidationError({"label": "Describe the teaching practice observers rate."})
    if len(value) > MAX_LABEL:
        raise ValidationError({"label": f"Use at most {MAX_LABEL} characters."})
    return value


def practice_key(label: str, taken: set[str]) -> str:
    """A key made from the label ("Uses local materials" -> uses_local_materials), unique in `taken`."""
    plain = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    base = "_".join(re.findall(r"[a-z0-9]+", plain))[:56] or "practice"
    if not base[0].isalpha():
        base = f"p_{base}"[:56]
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def moved(order: Sequence[str], item: str, position: int) -> list[str]:
    """The order with `item` at 1-based `position` (clamped to the list), the others keeping theirs."""
    rest = [i for i in order if i != item]
    at = min(max(position, 1), len(rest) + 1) - 1
    return [*rest[:at], item, *rest[at:]]


def clean_position(position: object, count: int) -> int:
    """A 1-based place in a list of `count` entries."""
    value = _whole(position)
    if value is None or not 1 <= value <= max(count, 1):
        raise ValidationError({"position": f"Choose a place from 1 to {max(count, 1)}."})
    return value
