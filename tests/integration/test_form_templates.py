"""Form templates and teaching practices on PostgreSQL: revisions, old forms keep questions, admin only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer
from cop.errors import EditConflict, ValidationError
from cop.templates import ItemInput, item_inputs
from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.models import (
    AuditLog,
    FormTemplate,
    LessonObservation,
    PracticeRating,
    SelfAssessment,
    TeachingPractice,
)
from db.records import current_template
from db.tools import templates as tpl
from tests import factories as f


@pytest.fixture
def people(session: Session) -> dict:
    school = f.school(session)
    return {
        "admin": f.person(session, role="admin"),
        "national": f.person(session, role="national_officer"),
        "dde": f.person(session, role="district_officer", district_name="Kirehe"),
        "sbm": f.person(session, role="facilitator", school=school),
        "ht": f.person(session, role="head_teacher", school=school),
        "teacher": f.person(session, role="teacher", school=school),
        "school": school,
    }


@pytest.fixture
def as_(session: Session, people: dict) -> Callable[[str], Viewer]:
    def viewer(who: str) -> Viewer:
        v = load_viewer(session, people[who].id)
        session.info[ACTOR_KEY] = actor_of(v)
        return v

    return viewer


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(m)) or 0
        for m in (FormTemplate, TeachingPractice, AuditLog)
    )


def _checklist(session: Session) -> tuple[FormTemplate, list[ItemInput]]:
    current = current_template(session, "ttc_checklist")
    return current, item_inputs(current.items)


def test_saving_questions_makes_a_new_current_revision_and_keeps_the_old_one(session: Session, as_) -> None:
    old, items = _checklist(session)
    items.append(ItemInput("parent_meeting", "Met the parents of their class"))
    new_id = tpl.save_template_revision(
        session, as_("admin"), kind="ttc_checklist", based_on=old.id, title=old.title, items=items
    )
    new = session.get(FormTemplate, new_id)
    assert new is not None and new.revision == old.revision + 1 and new.is_current
    assert new.items[-1] == {
        "key": "parent_meeting",
        "label": "Met the parents of their class",
        "group": "induction",
    }
    session.refresh(old)
    assert not old.is_current and len(old.items) == len(items) - 1
    assert current_template(session, "ttc_checklist").id == new_id
    actions = {
        (a.record_id, a.action)
        for a in session.scalars(select(AuditLog).where(AuditLog.table_name == "form_template"))
    }
    assert actions == {(str(new_id), "insert"), (str(old.id), "update")}


def test_a_record_answered_before_keeps_its_revision_and_is_counted_there(
    session: Session, people: dict, as_
) -> None:
    old = current_template(session, "self_assessment")
    session.add(
        SelfAssessment(
            person_id=people["sbm"].id,
            school_id=people["school"].id,
            template_id=old.id,
            school_year=2026,
            term="1",
            answers={i["key"]: 3 for i in old.items},
        )
    )
    items = item_inputs(old.items)[:-1]  # drop one indicator
    tpl.save_template_revision(
        session, as_("admin"), kind="self_assessment", based_on=old.id, title="T", items=items
    )
    revisions = tpl.template_revisions(session, as_("admin"), "self_assessment")
    assert [(r.revision, r.is_current, r.uses, len(r.items)) for r in revisions] == [
        (old.revision + 1, True, 0, len(old.items) - 1),
        (old.revision, False, 1, len(old.items)),
    ]


def test_a_revision_saved_meanwhile_is_a_conflict_showing_theirs(session: Session, as_) -> None:
    old, items = _checklist(session)
    admin = as_("admin")
    theirs = tpl.save_template_revision(
        session, admin, kind="ttc_checklist", based_on=old.id, title=old.title, items=items[:-1]
    )
    before = _counts(session)
    with pytest.raises(EditConflict) as conflict:
        tpl.save_template_revision(
            session, admin, kind="ttc_checklist", based_on=old.id, title=old.title, items=items[1:]
        )
    assert conflict.value.theirs["template_id"] == str(theirs)
    assert len(conflict.value.theirs["items"]) == len(items) - 1
    assert _counts(session) == before
    # Saving over their revision, knowingly, works.
    tpl.save_template_revision(
        session, admin, kind="ttc_checklist", based_on=theirs, title=old.title, items=items[1:]
    )


def test_the_same_save_twice_makes_one_revision(session: Session, as_) -> None:
    old, items = _checklist(session)
    admin = as_("admin")
    first = tpl.save_template_revision(
        session, admin, kind="ttc_checklist", based_on=old.id, title="New title", items=items
    )
    before = _counts(session)
    again = tpl.save_template_revision(
        session, admin, kind="ttc_checklist", based_on=old.id, title="New title", items=items
    )
    assert again == first and _counts(session) == before


def test_saving_without_a_change_is_refused(session: Session, as_) -> None:
    old, items = _checklist(session)
    with pytest.raises(ValidationError, match="Nothing changed"):
        tpl.save_template_revision(
            session, as_("admin"), kind="ttc_checklist", based_on=old.id, title=old.title, items=items
        )


@pytest.mark.parametrize(
    ("title", "items", "fields"),
    [
        ("T", [ItemInput("a", "A"), ItemInput("a", "B")], {"item_2_key"}),
        ("", [ItemInput("a", "A")], {"title"}),
        ("T", [ItemInput("a", "")], {"item_1_label"}),
        ("T", [ItemInput("a", "A", None, 1, 4)], {"item_1_scale"}),
        ("T", [], {"items"}),
    ],
)
def test_invalid_questions_write_nothing(
    session: Session, as_, title: str, items: list[ItemInput], fields: set[str]
) -> None:
    old, _ = _checklist(session)
    before = _counts(session)
    with pytest.raises(ValidationError) as refused:
        tpl.save_template_revision(
            session, as_("admin"), kind="ttc_checklist", based_on=old.id, title=title, items=items
        )
    assert set(refused.value.errors) == fields
    assert _counts(session) == before


def test_an_unknown_kind_is_refused(session: Session, as_) -> None:
    with pytest.raises(ValidationError) as refused:
        tpl.template_revisions(session, as_("admin"), "homework")
    assert set(refused.value.errors) == {"kind"}


@pytest.mark.parametrize("who", ["national", "dde", "sbm", "ht", "teacher"])
def test_nobody_but_an_admin_reads_or_changes_questions_or_practices(session: Session, as_, who: str) -> None:
    viewer = as_(who)
    old, items = _checklist(session)
    practice = session.scalars(select(TeachingPractice)).first()
    assert practice is not None
    before = _counts(session)
    calls = [
        lambda: tpl.template_revisions(session, viewer, "monitoring"),
        lambda: tpl.save_template_revision(
            session, viewer, kind="ttc_checklist", based_on=old.id, title="T", items=items[:-1]
        ),
        lambda: tpl.teaching_practices(session, viewer),
        lambda: tpl.add_practice(session, viewer, label="Something new"),
        lambda: tpl.update_practice(
            session,
            viewer,
            practice_id=practice.id,
            version=practice.version,
            label="X",
            is_active=True,
            position=1,
        ),
        lambda: tpl.delete_practice(session, viewer, practice_id=practice.id, version=practice.version),
    ]
    for call in calls:
        with pytest.raises(AccessDenied):
            call()
    assert _counts(session) == before


def _practices(session: Session, as_) -> list[tpl.PracticeRow]:
    return tpl.teaching_practices(session, as_("admin"))


def test_a_new_practice_goes_to_the_end_of_the_list_with_a_key_from_its_label(session: Session, as_) -> None:
    count = len(_practices(session, as_))
    pid = tpl.add_practice(session, as_("admin"), label="Uses  local stories ")
    last = _practices(session, as_)[-1]
    assert (last.id, last.label, last.key, last.position, last.is_active) == (
        str(pid),
        "Uses local stories",
        "uses_local_stories",
        count + 1,
        True,
    )


def test_adding_the_same_practice_twice_keeps_one(session: Session, as_) -> None:
    first = tpl.add_practice(session, as_("admin"), label="Uses local stories")
    before = _counts(session)
    assert tpl.add_practice(session, as_("admin"), label="uses LOCAL stories") == first
    assert _counts(session) == before


def test_a_practice_is_relabelled_moved_and_deactivated_with_its_version(session: Session, as_) -> None:
    admin = as_("admin")
    last = _practices(session, as_)[-1]
    tpl.update_practice(
        session,
        admin,
        practice_id=last.id,
        version=last.version,
        label="Renamed",
        is_active=False,
        position=1,
    )
    rows = _practices(session, as_)
    assert (rows[0].id, rows[0].label, rows[0].is_active) == (last.id, "Renamed", False)
    assert [r.position for r in rows] == list(range(1, len(rows) + 1))
    with pytest.raises(ValidationError, match="retired practice"):
        tpl.add_practice(session, admin, label="renamed")
    with pytest.raises(EditConflict) as conflict:
        tpl.update_practice(
            session,
            admin,
            practice_id=last.id,
            version=last.version,
            label="Again",
            is_active=True,
            position=1,
        )
    assert conflict.value.theirs["label"] == "Renamed"


@pytest.mark.parametrize(
    ("label", "position", "fields"),
    [("", 1, {"label"}), ("Fine", 0, {"position"}), ("", 999, {"label", "position"})],
)
def test_bad_practice_changes_write_nothing(
    session: Session, as_, label: str, position: int, fields: set[str]
) -> None:
    row = _practices(session, as_)[0]
    before = _counts(session)
    with pytest.raises(ValidationError) as refused:
        tpl.update_practice(
            session,
            as_("admin"),
            practice_id=row.id,
            version=row.version,
            label=label,
            is_active=True,
            position=position,
        )
    assert set(refused.value.errors) == fields
    assert _counts(session) == before


def test_two_practices_cannot_share_a_label(session: Session, as_) -> None:
    first, second = _practices(session, as_)[:2]
    with pytest.raises(ValidationError, match="Another practice"):
        tpl.update_practice(
            session,
            as_("admin"),
            practice_id=second.id,
            version=second.version,
            label=first.label.upper(),
            is_active=True,
            position=2,
        )


def test_an_unrated_practice_is_deleted_but_a_rated_one_only_retired(
    session: Session, people: dict, as_
) -> None:
    admin = as_("admin")
    fresh = tpl.add_practice(session, admin, label="Brand new practice")
    tpl.delete_practice(session, admin, practice_id=fresh, version=1)
    assert session.get(TeachingPractice, fresh) is None
    rated = _practices(session, as_)[0]
    observation = LessonObservation(
        school_id=people["school"].id,
        teacher_id=people["teacher"].id,
        observer_id=people["sbm"].id,
        subject="Mathematics",
        grade="P4",
        observed_on=date(2026, 10, 1),
    )
    session.add(observation)
    session.flush()
    session.add(PracticeRating(observation_id=observation.id, practice_id=rated.id, rating=3))
    session.flush()
    before = _counts(session)
    with pytest.raises(ValidationError, match="rated once: deactivate it instead"):
        tpl.delete_practice(session, admin, practice_id=rated.id, version=rated.version)
    assert _counts(session) == before
    assert _practices(session, as_)[0].ratings == 1
