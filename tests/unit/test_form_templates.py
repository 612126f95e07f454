"""Rules of editable form questions and the teaching-practice list."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop import templates as rules
from cop.access import Viewer
from cop.errors import ValidationError
from cop.templates import ItemInput
from cop.vocab import FormKind, Role, SbmStandard


def _sa_items() -> list[ItemInput]:
    return [ItemInput(f"{s.value}_1", f"I do {s.label}", s.value, 1, 4) for s in SbmStandard]


def _errors(kind: FormKind, items: list[ItemInput]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        rules.clean_items(kind, items)
    return caught.value.errors


def test_self_assessment_items_are_stored_with_their_standard_and_scale() -> None:
    items = rules.clean_items(FormKind.SELF_ASSESSMENT, _sa_items())
    assert items[0] == {
        "key": "coach_in_english_1",
        "label": "I do SBM as a coach in English",
        "group": "coach_in_english",
        "scale": [1, 4],
    }


def test_stored_items_round_trip_through_the_editor() -> None:
    stored = rules.clean_items(FormKind.SELF_ASSESSMENT, _sa_items())
    assert rules.clean_items(FormKind.SELF_ASSESSMENT, rules.item_inputs(stored)) == stored


def test_duplicate_keys_are_named_with_both_items() -> None:
    items = [*_sa_items(), ItemInput("coach_in_english_1", "Again", "coach_in_english", 1, 4)]
    assert _errors(FormKind.SELF_ASSESSMENT, items) == {
        "item_5_key": '"coach_in_english_1" is already the key of item 1: keys must differ.'
    }


@pytest.mark.parametrize("key", ["", "  ", "Has Caps", "1starts_with_digit", "with-dash", "x" * 65, None])
def test_a_key_must_be_a_short_lowercase_identifier(key: str | None) -> None:
    items = [ItemInput(key, "Question", "induction")]
    assert "lowercase letters" in _errors(FormKind.TTC_CHECKLIST, items)["item_1_key"]


def test_labels_are_required_and_kept_on_one_line() -> None:
    errors = _errors(FormKind.TTC_CHECKLIST, [ItemInput("a", " \n "), ItemInput("b", "x" * 301)])
    assert errors == {
        "item_1_label": "Write the question people will answer.",
        "item_2_label": "Use at most 300 characters.",
    }
    (item,) = rules.clean_items(FormKind.TTC_CHECKLIST, [ItemInput("a", " Two\n lines ")])
    assert item == {"key": "a", "label": "Two lines", "group": "induction"}


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        (None, None, "Give the rating scale"),
        (1, None, "both ends"),
        (4, 1, "lower to a higher"),
        (2, 2, "lower to a higher"),
        (-1, 4, "within 0 to 10"),
        (1, 11, "within 0 to 10"),
        (1.5, 4, "both ends"),
        (True, 4, "both ends"),
    ],
)
def test_a_self_assessment_scale_is_sane(low: object, high: object, message: str) -> None:
    items = _sa_items()
    items[0] = ItemInput("k", "Question", "coach_in_english", low, high)  # type: ignore[arg-type]
    assert message in _errors(FormKind.SELF_ASSESSMENT, items)["item_1_scale"]


def test_every_sbm_standard_keeps_an_indicator() -> None:
    errors = _errors(FormKind.SELF_ASSESSMENT, _sa_items()[:3])
    assert errors == {
        "items": "Keep at least one indicator for each standard; none for: "
        "SBM as a promoter of reflective practice"
    }


def test_a_self_assessment_item_belongs_to_a_standard() -> None:
    items = [*_sa_items(), ItemInput("extra", "Extra", "leadership", 1, 4)]
    assert _errors(FormKind.SELF_ASSESSMENT, items) == {
        "item_5_group": "Choose the SBM standard this indicator belongs to."
    }


def test_monitoring_items_may_be_free_text_but_column_items_stay_on_one_to_four() -> None:
    items = rules.clean_items(
        FormKind.MONITORING, [ItemInput("regularity", "Regular", None, 1, 4), ItemInput("notes", "Notes")]
    )
    assert items == [
        {"key": "regularity", "label": "Regular", "group": "practice", "scale": [1, 4]},
        {"key": "notes", "label": "Notes", "group": "practice"},
    ]
    errors = _errors(
        FormKind.MONITORING,
        [ItemInput("regularity", "Regular", None, 1, 5), ItemInput("enabler_inquiry", "Inquiry")],
    )
    assert set(errors) == {"item_1_scale", "item_2_scale"} and "from 1 to 4" in errors["item_1_scale"]
    rules.clean_items(FormKind.MONITORING, [ItemInput("outputs", "Outputs", "practice", 0, 10)])


def test_checklist_items_are_ticked_so_have_no_scale() -> None:
    assert _errors(FormKind.TTC_CHECKLIST, [ItemInput("a", "A", None, 1, 4)]) == {
        "item_1_scale": "Checklist items are ticked done or not: leave the scale empty."
    }


def test_a_form_keeps_between_one_and_sixty_items() -> None:
    assert "at least one item" in _errors(FormKind.TTC_CHECKLIST, [])["items"]
    many = [ItemInput(f"k{i}", "Q") for i in range(61)]
    assert "at most 60" in _errors(FormKind.TTC_CHECKLIST, many)["items"]


def test_an_unknown_form_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        rules.clean_items("homework", [ItemInput("a", "A")])


def test_the_title_is_required() -> None:
    assert rules.clean_title("  New   title ") == "New title"
    for bad in ("", "  ", None, "x" * 201):
        with pytest.raises(ValidationError) as caught:
            rules.clean_title(bad)
        assert set(caught.value.errors) == {"title"}


_text = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["ok_key", "other", "Bad Key", ""]))
_scale = st.one_of(st.none(), st.integers(-3, 12))
_item = st.builds(
    ItemInput, _text, _text, st.one_of(st.none(), st.sampled_from(SbmStandard.values())), _scale, _scale
)


@given(kind=st.sampled_from(list(FormKind)), items=st.lists(_item, max_size=8))
def test_any_item_list_is_clean_and_sane_or_refused_item_by_item(
    kind: FormKind, items: list[ItemInput]
) -> None:
    try:
        clean = rules.clean_items(kind, items)
    except ValidationError as invalid:
        assert invalid.errors
        for name in invalid.errors:
            assert name == "items" or (
                name.startswith("item_") and 1 <= int(name.split("_")[1]) <= len(items)
            )
    else:
        keys = [i["key"] for i in clean]
        assert len(keys) == len(set(keys)) and all(rules.KEY_RE.fullmatch(k) for k in keys)
        assert all(i["label"].strip() for i in clean)
        for i in clean:
            if "scale" in i:
                assert 0 <= i["scale"][0] < i["scale"][1] <= 10
        if kind is FormKind.SELF_ASSESSMENT:
            assert {i["group"] for i in clean} == set(SbmStandard.values())
        if kind is FormKind.TTC_CHECKLIST:
            assert all("scale" not in i for i in clean)


def test_only_an_admin_edits_forms() -> None:
    for role in Role:
        assert rules.may_edit_forms(Viewer("p", role)) is (role is Role.ADMIN)


def test_a_practice_key_comes_from_its_label_and_stays_unique() -> None:
    assert rules.practice_key("Uses local materials", set()) == "uses_local_materials"
    assert rules.practice_key("Uses local materials!", {"uses_local_materials"}) == "uses_local_materials_2"
    assert rules.practice_key("Écoute active", set()) == "ecoute_active"
    assert rules.practice_key("5 minute starter", set()) == "p_5_minute_starter"
    assert rules.practice_key("???", set()) == "practice"


def test_a_practice_label_is_required_and_one_line() -> None:
    assert rules.clean_practice_label("  Uses\nlocal materials ") == "Uses local materials"
    with pytest.raises(ValidationError) as caught:
        rules.clean_practice_label(" ")
    assert set(caught.value.errors) == {"label"}


def test_moving_a_practice_keeps_the_others_in_order() -> None:
    assert rules.moved(["a", "b", "c", "d"], "d", 1) == ["d", "a", "b", "c"]
    assert rules.moved(["a", "b", "c", "d"], "a", 3) == ["b", "c", "a", "d"]
    assert rules.moved(["a", "b"], "a", 99) == ["b", "a"]


@pytest.mark.parametrize("position", [0, 5, 1.5, "2", None])
def test_a_position_lies_in_the_list(position: object) -> None:
    with pytest.raises(ValidationError):
        rules.clean_position(position, 4)
    assert rules.clean_position(4, 4) == 4
