"""Field visit reports on PostgreSQL: who records and reads them, next steps as actions in the same
transaction, one row per submit, version-checked edits, and refusals that write nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer
from cop.errors import EditConflict, ValidationError
from cop.field_visit import FieldVisitInput, StepInput
from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.models import ActionItem, AuditLog, FieldVisit
from db.tools import field_visits as fv
from tests import factories as f

TODAY = date(2026, 11, 20)


@pytest.fixture
def world(session: Session) -> dict:
    """A Kirehe school with its SBM, SSL, HT and a teacher; a Rusizi school; officials and two UR-CE staff."""
    school = f.school(session, name="Kirehe visit school")
    far = f.school(session, district_name="Rusizi", name="Rusizi visit school")
    sbm = f.person(session, role="facilitator", school=school)
    far_sbm = f.person(session, role="facilitator", school=far)
    urce = f.person(session, role="field_facilitator")
    f.assign(session, urce, sbm_id=sbm.id)
    other_urce = f.person(session, role="field_facilitator")
    f.assign(session, other_urce, sbm_id=far_sbm.id)
    dde = f.person(session, role="district_officer", district_name="Kirehe")
    f.assign(session, dde, district_id=dde.district_id)
    far_dde = f.person(session, role="district_officer", district_name="Rusizi")
    f.assign(session, far_dde, district_id=far_dde.district_id)
    ttc = f.person(session, role="ttc_tutor")
    f.assign(session, ttc, school_id=school.id)
    return {
        "school": school,
        "far": far,
        "sbm": sbm,
        "far_sbm": far_sbm,
        "ssl": f.person(session, role="facilitator", school=school),
        "ht": f.person(session, role="head_teacher", school=school),
        "far_ht": f.person(session, role="head_teacher", school=far),
        "teacher": f.person(session, role="teacher", school=school),
        "urce": urce,
        "other_urce": other_urce,
        "dde": dde,
        "far_dde": far_dde,
        "national": f.person(session, role="national_officer"),
        "admin": f.person(session, role="admin"),
        "ttc": ttc,
    }


@pytest.fixture
def as_(session: Session, world: dict) -> Callable[[str], Viewer]:
    def viewer(who: str) -> Viewer:
        v = load_viewer(session, world[who].id)
        session.info[ACTOR_KEY] = actor_of(v)
        return v

    return viewer


def _report(world: dict, **changes: object) -> FieldVisitInput:
    sbm = str(world["sbm"].id)
    values: dict[str, object] = {
        "sbm_id": sbm,
        "visit_date": TODAY - timedelta(days=2),
        "priority_challenges": "Large P4 classes; learners wait.",
        "coaching_given": "Co-planned group roles.",
        "sbm_cpd_progress": "Module 1 assignments handed in.",
        "school_cpd_activities": "CoP every three weeks.",
        "practice_rating": 2,
        "steps": (
            StepInput("Observe two P4 lessons", sbm, TODAY + timedelta(days=14)),
            StepInput("Brief the staff on group roles", str(world["ht"].id), TODAY + timedelta(days=7)),
        ),
    }
    values.update(changes)
    return FieldVisitInput(**values)  # type: ignore[arg-type]


def _counts(session: Session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(m)) or 0 for m in (FieldVisit, ActionItem, AuditLog)
    )


def _record(session: Session, as_: Callable, world: dict, **changes: object) -> str:
    vid = fv.record_field_visit(session, as_("urce"), data=_report(world, **changes), today=TODAY)
    return str(vid)


def test_a_visit_and_its_next_steps_as_actions_are_saved_together_and_audited(
    session: Session, world: dict, as_: Callable
) -> None:
    vid = _record(session, as_, world)
    visit = session.get(FieldVisit, vid)
    assert (
        visit is not None
        and visit.school_id == world["school"].id
        and visit.facilitator_id == world["urce"].id
    )
    assert visit.next_steps == "Observe two P4 lessons; Brief the staff on group roles"
    actions = session.scalars(select(ActionItem).where(ActionItem.field_visit_id == visit.id)).all()
    assert {(a.description, a.owner_id, a.source, a.school_id, a.status) for a in actions} == {
        ("Observe two P4 lessons", world["sbm"].id, "field_visit", world["school"].id, "open"),
        ("Brief the staff on group roles", world["ht"].id, "field_visit", world["school"].id, "open"),
    }
    audited = session.scalars(select(AuditLog.table_name).where(AuditLog.actor_id == world["urce"].id)).all()
    assert sorted(audited) == ["action_item", "action_item", "field_visit"]


def test_the_same_submit_key_twice_saves_one_visit(session: Session, world: dict, as_: Callable) -> None:
    before = _counts(session)
    first = fv.record_field_visit(
        session, as_("urce"), data=_report(world), idempotency_key="k-1", today=TODAY
    )
    again = fv.record_field_visit(
        session, as_("urce"), data=_report(world), idempotency_key="k-1", today=TODAY
    )
    assert first == again
    after = _counts(session)
    assert (after[0] - before[0], after[1] - before[1]) == (1, 2)


@pytest.mark.parametrize(
    "changes",
    [
        {"coaching_given": "   "},
        {"practice_rating": 7},
        {"visit_date": TODAY + timedelta(days=1)},
        {"steps": ()},
        {"steps": (StepInput("Plan", "not-a-person", TODAY),)},
        {"priority_challenges": "\x00"},
    ],
)
def test_invalid_input_writes_nothing_not_even_an_audit_row(
    session: Session, world: dict, as_: Callable, changes: dict
) -> None:
    before = _counts(session)
    with pytest.raises(ValidationError):
        fv.record_field_visit(session, as_("urce"), data=_report(world, **changes), today=TODAY)
    assert _counts(session) == before


@pytest.mark.parametrize("who", ["other_urce", "sbm", "ht", "dde", "admin", "national", "ttc", "teacher"])
def test_only_the_urce_facilitator_assigned_to_the_sbm_records_a_visit(
    session: Session, world: dict, as_: Callable, who: str
) -> None:
    before = _counts(session)
    with pytest.raises(AccessDenied):
        fv.record_field_visit(session, as_(who), data=_report(world), today=TODAY)
    assert _counts(session) == before


def test_a_step_cannot_be_given_to_someone_outside_the_visit(
    session: Session, world: dict, as_: Callable
) -> None:
    stranger = str(world["teacher"].id)
    with pytest.raises(ValidationError) as caught:
        _record(session, as_, world, steps=(StepInput("Plan", stranger, TODAY),))
    assert "step_1_owner" in caught.value.errors
    owners = [c.label for c in fv.step_owners(session, as_("urce"), sbm_id=str(world["sbm"].id))]
    assert owners[0].endswith("(SBM)") and any("head teacher" in o for o in owners)


@pytest.mark.parametrize("who", ["other_urce", "dde", "admin", "ht", "sbm"])
def test_only_the_sbms_facilitator_may_list_who_can_own_a_step(
    session: Session, world: dict, as_: Callable, who: str
) -> None:
    with pytest.raises(AccessDenied):
        fv.step_owners(session, as_(who), sbm_id=str(world["sbm"].id))


READERS = {
    "urce": True,
    "sbm": True,
    "ht": True,
    "dde": True,
    "national": True,
    "admin": True,
    "ssl": False,
    "teacher": False,
    "ttc": False,
    "other_urce": False,
    "far_dde": False,
    "far_ht": False,
    "far_sbm": False,
}


@pytest.mark.parametrize("who", sorted(READERS))
def test_the_report_is_read_by_the_sbm_their_head_teacher_the_visitor_and_officials_in_reach(
    session: Session, world: dict, as_: Callable, who: str
) -> None:
    vid = _record(session, as_, world)
    viewer = as_(who)
    listed = [r.id for r in fv.field_visits(session, viewer)]
    assert (vid in listed) is READERS[who]
    if READERS[who]:
        detail = fv.field_visit(session, viewer, vid)
        assert detail.sbm == world["sbm"].full_name and len(detail.steps) == 2
        assert detail.editable is (who == "urce")
        filters = fv.field_visit_filters(session, viewer)
        assert str(world["sbm"].id) in {c.id for c in filters.sbms}
    else:
        with pytest.raises(AccessDenied):
            fv.field_visit(session, viewer, vid)
        assert str(world["sbm"].id) not in {c.id for c in fv.field_visit_filters(session, viewer).sbms}


def test_the_history_filters_by_sbm_school_and_dates(session: Session, world: dict, as_: Callable) -> None:
    early = _record(session, as_, world, visit_date=TODAY - timedelta(days=40))
    late = _record(session, as_, world, visit_date=TODAY - timedelta(days=3))
    national = as_("national")
    mine = [r.id for r in fv.field_visits(session, national, sbm_id=str(world["sbm"].id))]
    assert mine[:2] == [late, early]  # newest first
    window = fv.field_visits(session, national, since=TODAY - timedelta(days=10), until=TODAY)
    assert late in [r.id for r in window] and early not in [r.id for r in window]
    assert fv.field_visits(session, national, school_id=str(world["far"].id)) == []
    assert fv.field_visits(session, national, school_id="not-a-uuid") == []
    (row,) = [r for r in fv.field_visits(session, national) if r.id == late]
    assert (row.steps_open, row.steps_done) == (2, 0)


def _steps(detail: fv.FieldVisitDetail) -> tuple[StepInput, ...]:
    return tuple(StepInput(s.description, s.owner_id, s.due_on, s.action_id, s.version) for s in detail.steps)


def test_editing_a_visit_adds_changes_and_cancels_its_actions(
    session: Session, world: dict, as_: Callable
) -> None:
    vid = _record(session, as_, world)
    urce = as_("urce")
    detail = fv.field_visit(session, urce, vid)
    first, second = _steps(detail)
    moved = replace(first, due_on=TODAY + timedelta(days=21), description="Observe three P4 lessons")
    new = StepInput("Share the role cards", str(world["sbm"].id), TODAY + timedelta(days=10))
    data = _report(world, coaching_given="Co-planned group roles and exit tickets.", steps=(moved, new))
    fv.update_field_visit(session, urce, visit_id=vid, version=detail.version, data=data, today=TODAY)
    after = fv.field_visit(session, urce, vid)
    assert after.version == detail.version + 1 and after.coaching_given.endswith("exit tickets.")
    assert [(s.description, s.due_on) for s in after.steps] == [
        ("Share the role cards", TODAY + timedelta(days=10)),
        ("Observe three P4 lessons", TODAY + timedelta(days=21)),
    ]
    cancelled = session.get(ActionItem, second.action_id)
    assert cancelled is not None and cancelled.status == "cancelled"


def test_an_edit_over_a_newer_version_is_refused_with_their_values(
    session: Session, world: dict, as_: Callable
) -> None:
    vid = _record(session, as_, world)
    urce = as_("urce")
    detail = fv.field_visit(session, urce, vid)
    mine = _report(world, coaching_given="My change", steps=_steps(detail))
    theirs = _report(world, coaching_given="Their change", steps=_steps(detail))
    fv.update_field_visit(session, urce, visit_id=vid, version=detail.version, data=theirs, today=TODAY)
    before = _counts(session)
    with pytest.raises(EditConflict) as conflict:
        fv.update_field_visit(session, urce, visit_id=vid, version=detail.version, data=mine, today=TODAY)
    assert conflict.value.theirs["coaching_given"] == "Their change"
    assert _counts(session) == before
    # Saving what is already saved (a repeated click) is not a conflict and writes nothing.
    fv.update_field_visit(session, urce, visit_id=vid, version=detail.version, data=theirs, today=TODAY)
    assert _counts(session) == before


def test_only_the_author_edits_and_a_done_step_stays(session: Session, world: dict, as_: Callable) -> None:
    vid = _record(session, as_, world)
    detail = fv.field_visit(session, as_("urce"), vid)
    data = _report(world, steps=_steps(detail))
    for who in ("other_urce", "sbm", "admin", "ht"):
        with pytest.raises(AccessDenied):
            fv.update_field_visit(
                session, as_(who), visit_id=vid, version=detail.version, data=data, today=TODAY
            )
    done = session.get(ActionItem, detail.steps[0].action_id)
    assert done is not None
    done.status = "done"
    session.flush()
    without_done = _report(world, steps=_steps(detail)[1:])
    with pytest.raises(ValidationError, match="done already"):
        fv.update_field_visit(
            session, as_("urce"), visit_id=vid, version=detail.version, data=without_done, today=TODAY
        )


def test_the_urce_facilitator_picks_only_their_active_sbms(
    session: Session, world: dict, as_: Callable
) -> None:
    assert [c.id for c in fv.assigned_sbms(session, as_("urce"))] == [str(world["sbm"].id)]
    assert fv.assigned_sbms(session, as_("dde")) == []


def _row_writes(session: Session) -> int:
    """Rows inserted, updated or deleted so far in this transaction outside the audit trail itself."""
    return session.execute(
        text(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables "
            "WHERE relname NOT IN ('audit_log', 'draft', 'change_marker')"
        )
    ).scalar_one()


def test_every_row_a_record_or_an_edit_writes_has_its_audit_row(
    session: Session, world: dict, as_: Callable
) -> None:
    writes, audits = _row_writes(session), _counts(session)[2]
    vid = _record(session, as_, world)
    detail = fv.field_visit(session, as_("urce"), vid)
    first, _ = _steps(detail)
    changed = replace(first, description="Observe three P4 lessons")
    added = StepInput("Share the role cards", str(world["sbm"].id), TODAY + timedelta(days=10))
    data = _report(world, coaching_given="Edited coaching", steps=(changed, added))
    fv.update_field_visit(session, as_("urce"), visit_id=vid, version=detail.version, data=data, today=TODAY)
    # 1 visit + 2 actions, then the visit's edit, one changed, one cancelled and one new action.
    assert _row_writes(session) - writes == _counts(session)[2] - audits == 7
