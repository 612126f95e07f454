"""The form-questions page: admins only; bad item lists refused; a save is one new revision; practices."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, delete, func, select, update
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.models import Draft, FormTemplate, Person, TeachingPractice

PAGE = "pages/form_templates.py"
KIND = "ttc_checklist"
TAB = "cop_tpl_tab"
LABELS = {
    "self_assessment": "SBM self-assessment",
    "monitoring": "CoP monitoring form",
    KIND: "TTC new-teacher induction checklist",
    "practices": "Teaching practices",
}


def _admin(app_as: Callable[..., AppTest], tab: str = KIND) -> AppTest:
    """The page as the admin, on one tab (only the open tab is drawn)."""
    at = app_as(PAGE, "admin")
    at.session_state[TAB] = LABELS[tab]
    return at.run()


@pytest.fixture(scope="module")
def db(app_env: str) -> Iterator[Engine]:
    eng = create_engine(app_env)
    yield eng
    eng.dispose()


def _restore(db: Engine) -> None:
    """Back to the demo's revision 1 of every form, and no admin drafts (other tests rely on revision 1)."""
    with Session(db) as s, s.begin():
        s.execute(delete(FormTemplate).where(FormTemplate.revision > 1))
        s.execute(update(FormTemplate).values(is_current=True))
        admin = s.scalar(select(Person.id).where(Person.username == "admin"))
        s.execute(delete(Draft).where(Draft.person_id == admin, Draft.form_key.like("form_template:%")))


@pytest.fixture
def restored(db: Engine) -> Iterator[None]:
    _restore(db)
    yield
    _restore(db)


def _revisions(db: Engine, kind: str = KIND) -> int:
    with Session(db) as s:
        return s.scalar(select(func.count()).select_from(FormTemplate).where(FormTemplate.kind == kind)) or 0


def _fields(at: AppTest, kind: str, name: str) -> list:
    """The editor's widgets of one field, item by item, in the order shown."""
    widgets = [*at.text_input, *at.number_input, *at.selectbox]
    return [w for w in widgets if w.key and w.key.startswith(f"tpl|{kind}|") and w.key.endswith(f"|{name}")]


def _save(at: AppTest, kind: str = KIND) -> AppTest:
    return at.button(key=f"tpl_save|{kind}").click().run()


@pytest.mark.parametrize(
    "username",
    ["reb.officer", "dde.kirehe", "urce.facilitator", "ttc.tutor", "ht.nyakarambi", "sbm.nyakarambi"],
)
def test_only_an_admin_opens_the_page(app_as: Callable[..., AppTest], username: str) -> None:
    at = app_as(PAGE, username).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["This page is not available for your role."]
    assert len(at.dataframe) == 0 and len(at.text_input) == 0


def test_an_admin_sees_each_forms_revisions_and_its_questions(
    app_as: Callable[..., AppTest], restored: None
) -> None:
    at = app_as(PAGE, "admin").run()
    assert not at.exception and not at.error
    assert [t.label for t in at.tabs] == list(LABELS.values())
    assert len(_fields(at, "self_assessment", "label")) == 12
    assert _fields(at, KIND, "label") == []  # only the open tab is drawn
    revisions = at.dataframe[0].value
    assert list(revisions["Revision"]) == [1] and revisions["Forms answered with it"][0] == 3  # demo records
    at.session_state[TAB] = LABELS[KIND]
    at.run()
    assert len(_fields(at, KIND, "label")) == 8
    assert _fields(at, KIND, "low") == []  # checklist items are ticked, not rated


_bad_edit = st.sampled_from(["blank_label", "blank_key", "bad_key", "duplicate_key", "scale_on_checklist"])


@settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(edit=_bad_edit, item=st.integers(0, 7), text=st.text(alphabet=" ABC-!é", max_size=6))
def test_bad_questions_are_named_and_no_revision_is_written(
    app_as: Callable[..., AppTest], db: Engine, restored: None, edit: str, item: int, text: str
) -> None:
    _restore(db)
    at = _admin(app_as, "monitoring" if edit == "scale_on_checklist" else KIND)
    keys, labels = _fields(at, KIND, "key"), _fields(at, KIND, "label")
    if edit == "blank_label":
        labels[item].input(text if not text.strip() else " ")
        expected = f"**Item {item + 1}, question**"
    elif edit == "blank_key":
        keys[item].input("")
        expected = f"**Item {item + 1}, key**"
    elif edit == "bad_key":
        keys[item].input(f"Bad{text}")
        expected = f"**Item {item + 1}, key**"
    elif edit == "duplicate_key":
        other = (item + 1) % len(keys)
        keys[item].input(keys[other].value)
        expected = f"**Item {max(item, other) + 1}, key**"
    else:
        # The checklist has no scale widgets, so an admin cannot give one; the monitoring form's instead.
        low = _fields(at, "monitoring", "low")[0]
        low.set_value(5)
        _save(at, "monitoring")
        assert not at.exception and "**Item 1, scale**" in at.error[0].value
        assert _revisions(db, "monitoring") == 1
        return
    _save(at)
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith("Nothing was saved") and expected in error.value
    assert _revisions(db) == 1


def test_a_valid_save_is_one_new_revision_even_when_clicked_twice(
    app_as: Callable[..., AppTest], db: Engine, restored: None
) -> None:
    at = _admin(app_as)
    _fields(at, KIND, "label")[-1].input("Keeps a reflective journal").run()
    assert any("Draft saved" in c.value for c in at.caption)
    _save(at)
    assert not at.exception and not at.error
    assert [s.value for s in at.success][0].startswith("Saved as revision 2 of the TTC new-teacher")
    assert _revisions(db) == 2
    _save(at)  # the second click finds nothing changed
    assert not at.exception and "Nothing changed" in at.error[0].value
    assert _revisions(db) == 2
    with Session(db) as s:
        current = s.scalar(select(FormTemplate).where(FormTemplate.kind == KIND, FormTemplate.is_current))
        assert current is not None and current.revision == 2
        assert current.items[-1]["label"] == "Keeps a reflective journal"


def test_items_are_added_moved_and_removed_before_saving(
    app_as: Callable[..., AppTest], db: Engine, restored: None
) -> None:
    at = _admin(app_as)
    at.button(key=f"tpl_add|{KIND}").click().run()
    _fields(at, KIND, "key")[-1].input("parents_met")
    _fields(at, KIND, "label")[-1].input("Met the parents of their class").run()
    up = [b for b in at.button if b.key and b.key.startswith(f"tpl_up|{KIND}|")]
    up[-1].click().run()  # the new item moves above the last one
    remove = [b for b in at.button if b.key and b.key.startswith(f"tpl_rm|{KIND}|")]
    remove[0].click().run()  # the first item goes
    _save(at)
    assert not at.exception and not at.error
    with Session(db) as s:
        current = s.scalar(select(FormTemplate).where(FormTemplate.kind == KIND, FormTemplate.is_current))
        assert current is not None
        keys = [i["key"] for i in current.items]
    assert keys[0] == "mentor_assigned" and keys[-2:] == ["parents_met", "portfolio"] and len(keys) == 8


def test_a_revision_saved_meanwhile_is_shown_and_mine_is_kept(
    app_as: Callable[..., AppTest], db: Engine, restored: None
) -> None:
    at = _admin(app_as)
    _fields(at, KIND, "label")[0].input("Welcomed on the first day").run()
    with Session(db) as s, s.begin():  # another administrator saves revision 2 meanwhile
        old = s.scalar(select(FormTemplate).where(FormTemplate.kind == KIND, FormTemplate.is_current))
        assert old is not None
        old.is_current = False
        s.add(FormTemplate(kind=KIND, revision=2, title=old.title, items=old.items[:3], is_current=True))
    _save(at)
    assert not at.exception
    assert any("newer revision" in e.value for e in at.error)
    assert any("Revision 2" in w.value for w in at.warning)
    assert _fields(at, KIND, "label")[0].value == "Welcomed on the first day"
    _save(at)  # knowingly over theirs: revision 3
    assert [s.value for s in at.success][0].startswith("Saved as revision 3")
    assert _revisions(db) == 3


@pytest.fixture
def practice_label(db: Engine) -> Iterator[str]:
    label = f"UI practice {uuid.uuid4().hex[:6]}"
    yield label
    with Session(db) as s, s.begin():
        s.execute(delete(TeachingPractice).where(TeachingPractice.label.like("UI practice %")))
        admin = s.scalar(select(Person.id).where(Person.username == "admin"))
        s.execute(delete(Draft).where(Draft.person_id == admin, Draft.form_key.like("teaching_practice:%")))


def _practices(db: Engine, label: str) -> list[TeachingPractice]:
    with Session(db) as s:
        return list(s.scalars(select(TeachingPractice).where(TeachingPractice.label.like(f"{label}%"))))


def test_a_practice_added_twice_is_one_row_then_it_is_relabelled_and_deleted(
    app_as: Callable[..., AppTest], db: Engine, practice_label: str
) -> None:
    at = _admin(app_as, "practices")
    at.text_input(key="tp|new|label").input(practice_label)
    at.button(key="tp_add").click().run()
    assert [s.value for s in at.success] == ["Practice added."]
    at.text_input(key="tp|new|label").input(practice_label)
    at.button(key="tp_add").click().run()  # the same practice again
    assert not at.error and len(_practices(db, practice_label)) == 1
    (row,) = _practices(db, practice_label)
    box = at.selectbox(key="tp_pick")
    box.set_value(str(row.id)).run()
    at.text_input(key=f"tp|{row.id}|label").input(f"{practice_label} renamed")
    at.number_input(key=f"tp|{row.id}|position").set_value(1)
    at.button(key=f"tp_save|{row.id}").click().run()
    assert [s.value for s in at.success] == ["Practice saved."]
    assert at.dataframe[-1].value["Practice"].iloc[0] == f"{practice_label} renamed"
    at.selectbox(key="tp_pick").set_value(str(row.id)).run()
    at.button(key=f"tp_delete|{row.id}").click().run()
    assert [s.value for s in at.success] == ["Practice deleted."]
    assert _practices(db, practice_label) == []


def test_a_blank_practice_is_refused(app_as: Callable[..., AppTest], db: Engine, practice_label: str) -> None:
    with Session(db) as s:
        before = s.scalar(select(func.count()).select_from(TeachingPractice))
    at = _admin(app_as, "practices")
    at.text_input(key="tp|new|label").input("   ")
    at.button(key="tp_add").click().run()
    assert not at.exception and "**Practice**" in at.error[0].value
    with Session(db) as s:
        assert s.scalar(select(func.count()).select_from(TeachingPractice)) == before


def test_a_rated_practice_offers_no_delete(app_as: Callable[..., AppTest]) -> None:
    at = _admin(app_as, "practices")
    box = at.selectbox(key="tp_pick")
    box.select_index(1).run()
    assert not [b for b in at.button if b.key and b.key.startswith("tp_delete|")]
    assert any("never deleted" in c.value for c in at.caption)


def test_an_unsaved_edit_survives_a_visit_to_another_tab(
    app_as: Callable[..., AppTest], db: Engine, restored: None
) -> None:
    at = _admin(app_as)
    _fields(at, KIND, "label")[2].input("Induction plan agreed with the HT").run()
    at.session_state[TAB] = LABELS["practices"]
    at.run()
    assert _fields(at, KIND, "label") == []
    at.session_state[TAB] = LABELS[KIND]
    at.run()
    assert _fields(at, KIND, "label")[2].value == "Induction plan agreed with the HT"  # from the draft
    assert any("Draft saved" in c.value for c in at.caption)
    at.button(key=f"tpl_discard|{KIND}").click().run()
    assert _fields(at, KIND, "label")[2].value == "Individual induction plan agreed"
    assert _revisions(db) == 1
