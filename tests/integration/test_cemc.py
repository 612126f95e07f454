"""CEMC marks on PostgreSQL: who enters and reads whose marks, ranges, one row per submit, versions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer
from cop.cemc import MarksInput
from cop.errors import EditConflict, ValidationError
from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.models import AuditLog, CemcMark
from db.tools import cemc
from tests import factories as f

TODAY = date(2026, 11, 25)


@pytest.fixture
def world(session: Session) -> dict:
    """Kirehe schools A and B, Rusizi school C; participants in each; a trainer assigned to A's SBM."""
    a = f.school(session, name="School A")
    b = f.school(session, name="School B")
    c = f.school(session, district_name="Rusizi", name="School C")
    people = {
        "sbm_a": f.person(session, role="facilitator", school=a),
        "ssl_a": f.person(session, role="facilitator", school=a),
        "sbm_b": f.person(session, role="facilitator", school=b),
        "sbm_c": f.person(session, role="facilitator", school=c),
        "sei": f.person(session, role="district_officer", district_name="Kirehe"),
        "dde_far": f.person(session, role="district_officer", district_name="Rusizi"),
        "tutor": f.person(session, role="ttc_tutor", district_name="Kirehe"),
        "trainer": f.person(session, role="field_facilitator"),
        "national": f.person(session, role="national_officer"),
        "admin": f.person(session, role="admin"),
        "ht_a": f.person(session, role="head_teacher", school=a),
        "teacher": f.person(session, role="teacher", school=a),
    }
    people["ssl_a"].job_title = "SSL Mathematics"
    f.assign(session, people["trainer"], sbm_id=people["sbm_a"].id)
    f.assign(session, people["sei"], district_id=people["sei"].district_id)
    f.assign(session, people["dde_far"], district_id=people["dde_far"].district_id)
    return {"a": a, "b": b, "c": c, **people}


@pytest.fixture
def as_(session: Session, world: dict) -> Callable[[str], Viewer]:
    def viewer(who: str) -> Viewer:
        v = load_viewer(session, world[who].id)
        session.info[ACTOR_KEY] = actor_of(v)
        return v

    return viewer


ROLE_OF = {"sbm_a": "sbm", "ssl_a": "ssl", "sbm_b": "sbm", "sbm_c": "sbm", "sei": "sei", "tutor": "ttc_tutor"}


def _marks(who: str, **changes: object) -> MarksInput:
    values: dict[str, object] = {
        "participant_role": ROLE_OF[who],
        "cohort": "2026",
        "first_session_report": 24.5,
        "field_visit": 21.0,
        "final_exam": None,
    }
    values.update(changes)
    return MarksInput(**values)  # type: ignore[arg-type]


def _record(session: Session, world: dict, viewer: Viewer, who: str, **changes: object):
    return cemc.record_marks(
        session, viewer, participant_id=str(world[who].id), data=_marks(who, **changes), today=TODAY
    )


def _counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(CemcMark)) or 0,
        session.scalar(select(func.count()).select_from(AuditLog)) or 0,
    )


@pytest.fixture
def marked(session: Session, world: dict, as_) -> dict[str, str]:
    """Marks for every participant, entered by the admin."""
    admin = as_("admin")
    return {who: str(_record(session, world, admin, who)) for who in ROLE_OF}


def test_a_trainer_marks_an_sbm_they_are_assigned_to_filed_under_school_and_district(
    session: Session, world: dict, as_
) -> None:
    mid = _record(session, world, as_("trainer"), "sbm_a", final_exam=31)
    mark = session.get(CemcMark, mid)
    assert mark is not None
    assert (mark.school_id, mark.district_id) == (world["a"].id, world["a"].district_id)
    assert (mark.assessor_id, float(mark.final_exam or 0)) == (world["trainer"].id, 31.0)
    (audit,) = session.scalars(select(AuditLog).where(AuditLog.record_id == str(mid)))
    assert (audit.action, audit.actor_id) == ("insert", world["trainer"].id)


@pytest.mark.parametrize("who", ["ssl_a", "sei", "tutor"])
def test_a_trainer_also_marks_others_at_that_school_and_the_districts_seis_and_tutors(
    session: Session, world: dict, as_, who: str
) -> None:
    mid = _record(session, world, as_("trainer"), who)
    mark = session.get(CemcMark, mid)
    assert mark is not None and mark.district_id == world["a"].district_id


@pytest.mark.parametrize("who", ["sbm_b", "sbm_c"])
def test_a_trainer_is_refused_participants_outside_their_reach(
    session: Session, world: dict, as_, who: str
) -> None:
    before = _counts(session)
    with pytest.raises(AccessDenied, match="not in your reach"):
        _record(session, world, as_("trainer"), who)
    assert _counts(session) == before


@pytest.mark.parametrize("who", ["sei", "dde_far", "sbm_a", "tutor", "ht_a", "teacher"])
def test_officials_participants_and_school_staff_do_not_enter_marks(
    session: Session, world: dict, as_, who: str
) -> None:
    before = _counts(session)
    with pytest.raises(AccessDenied):
        _record(session, world, as_(who), "sbm_a")
    assert _counts(session) == before
    assert cemc.participants_to_mark(session, as_(who)) == []


@pytest.mark.parametrize("who", ["national", "admin"])
def test_national_staff_and_admins_mark_anyone(session: Session, world: dict, as_, who: str) -> None:
    _record(session, world, as_(who), "sbm_c")
    assert len(cemc.participants_to_mark(session, as_(who))) == len(ROLE_OF) + 1  # and the Rusizi DDE


def test_a_trainer_picks_among_the_participants_in_reach(session: Session, world: dict, as_) -> None:
    choices = {c.id: c for c in cemc.participants_to_mark(session, as_("trainer"))}
    assert set(choices) == {str(world[w].id) for w in ("sbm_a", "ssl_a", "sei", "tutor")}
    assert choices[str(world["ssl_a"].id)].default_role == "ssl"
    assert choices[str(world["ssl_a"].id)].roles == ("sbm", "ssl")
    assert choices[str(world["sei"].id)].roles == ("sei",)
    name = world["tutor"].full_name
    assert [c.id for c in cemc.participants_to_mark(session, as_("trainer"), search=name)] == [
        str(world["tutor"].id)
    ]


READS = {
    "admin": set(ROLE_OF),
    "national": set(ROLE_OF),
    "trainer": {"sbm_a", "ssl_a", "sei", "tutor"},
    "sei": {"sbm_a", "ssl_a", "sbm_b", "sei", "tutor"},  # their district, their own marks among them
    "dde_far": {"sbm_c"},
    "sbm_a": {"sbm_a"},
    "ssl_a": {"ssl_a"},
    "tutor": {"tutor"},
    "ht_a": set(),
    "teacher": set(),
}


@pytest.mark.parametrize("who", sorted(READS))
def test_each_person_reads_exactly_the_marks_in_their_reach(
    session: Session, world: dict, as_, marked: dict[str, str], who: str
) -> None:
    viewer = as_(who)
    seen = {r.participant_id for r in cemc.gradebook(session, viewer)}
    assert seen == {str(world[w].id) for w in READS[who]}
    for participant, mark_id in marked.items():
        if participant in READS[who]:
            assert cemc.cemc_marks(session, viewer, mark_id).id == mark_id
        else:
            with pytest.raises(AccessDenied):
                cemc.cemc_marks(session, viewer, mark_id)
    assert cemc.cohorts(session, viewer) == (["2026"] if READS[who] else [])


def test_the_gradebook_carries_module_totals_and_filters(session: Session, world: dict, as_, marked) -> None:
    admin = as_("admin")
    row = cemc.cemc_marks(session, admin, marked["sbm_a"])
    assert (row.first_session_report, row.field_visit, row.final_exam) == (24.5, 21.0, None)
    assert (row.totals.module1.known, row.totals.module1.known_of) == (24.5, 30)
    assert row.totals.marks_missing == ("Final exam of module 1",)
    assert (row.school, row.district) == ("School A", "Kirehe")
    assert len(cemc.gradebook(session, admin, participant_role="sbm")) == 3
    assert cemc.gradebook(session, admin, cohort="2025") == []
    found = cemc.gradebook(session, admin, search=world["sbm_c"].full_name[-8:])
    assert [r.participant_id for r in found] == [str(world["sbm_c"].id)]
    assert cemc.gradebook(session, admin, search="%") == []  # a wildcard is a character, not "anything"


def test_the_same_marks_submitted_twice_save_one_row(session: Session, world: dict, as_) -> None:
    trainer = as_("trainer")
    first = _record(session, world, trainer, "sbm_a")
    before = _counts(session)
    assert _record(session, world, trainer, "sbm_a") == first
    assert _counts(session) == before


def test_other_marks_for_the_same_cohort_are_refused_so_the_first_is_edited(
    session: Session, world: dict, as_
) -> None:
    trainer = as_("trainer")
    _record(session, world, trainer, "sbm_a")
    before = _counts(session)
    with pytest.raises(ValidationError) as refused:
        _record(session, world, trainer, "sbm_a", field_visit=25)
    assert "already has marks for cohort 2026" in refused.value.errors["cohort"]
    assert _counts(session) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"first_session_report": 31}, "first_session_report"),
        ({"field_visit": -0.5}, "field_visit"),
        ({"final_exam": 40.5}, "final_exam"),
        ({"cohort": "1990"}, "cohort"),
        ({"participant_role": "sei"}, "participant_role"),
    ],
)
def test_invalid_marks_write_nothing(session: Session, world: dict, as_, changes: dict, field: str) -> None:
    before = _counts(session)
    with pytest.raises(ValidationError) as refused:
        _record(session, world, as_("trainer"), "sbm_a", **changes)
    assert set(refused.value.errors) == {field}
    assert _counts(session) == before


@pytest.mark.parametrize(
    ("column", "value"), [("first_session_report", 30.5), ("field_visit", 31), ("final_exam", 41)]
)
def test_the_database_refuses_an_out_of_range_mark_by_itself(
    session: Session, world: dict, column: str, value: float
) -> None:
    with pytest.raises(IntegrityError, match=f"ck_cemc_mark_{column}_range"), session.begin_nested():
        session.add(
            CemcMark(
                participant_id=world["sbm_a"].id, participant_role="sbm", cohort="2030", **{column: value}
            )
        )
        session.flush()


def test_the_first_session_report_links_to_a_first_session_the_participant_led(
    session: Session, world: dict, as_
) -> None:
    cop = f.cop(session, world["a"])
    first = f.held_session(session, f.cycle(session, cop), on=date(2026, 10, 2))
    first.led_by_id = world["sbm_a"].id
    other = f.held_session(session, f.cycle(session, cop, number=2), kind="first")
    session.flush()
    trainer = as_("trainer")
    assert [c.id for c in cemc.first_sessions_of(session, trainer, str(world["sbm_a"].id))] == [str(first.id)]
    assert cemc.first_sessions_of(session, trainer, str(world["sbm_c"].id)) == []  # not in reach
    before = _counts(session)
    with pytest.raises(ValidationError) as refused:
        _record(session, world, trainer, "sbm_a", first_session_id=str(other.id))
    assert "first_session_id" in refused.value.errors
    assert _counts(session) == before
    mid = _record(session, world, trainer, "sbm_a", first_session_id=str(first.id))
    row = cemc.cemc_marks(session, trainer, mid)
    assert (row.first_session_id, row.first_session_date) == (str(first.id), date(2026, 10, 2))


def test_marks_are_edited_with_the_version_loaded(session: Session, world: dict, as_) -> None:
    trainer = as_("trainer")
    mid = _record(session, world, trainer, "sbm_a")
    cemc.update_marks(
        session, trainer, mark_id=mid, version=1, data=_marks("sbm_a", final_exam=33.5), today=TODAY
    )
    mark = session.get(CemcMark, mid)
    assert mark is not None and mark.version == 2 and float(mark.final_exam or 0) == 33.5
    (change,) = session.scalars(
        select(AuditLog).where(AuditLog.record_id == str(mid), AuditLog.action == "update")
    )
    assert set(change.after) == {"final_exam", "version"}  # unchanged marks are not reported as changed


def test_an_edit_over_a_newer_version_is_refused_with_their_marks(session: Session, world: dict, as_) -> None:
    trainer, admin = as_("trainer"), as_("admin")
    mid = _record(session, world, trainer, "sbm_a")
    cemc.update_marks(
        session, admin, mark_id=mid, version=1, data=_marks("sbm_a", field_visit=28), today=TODAY
    )
    before = _counts(session)
    with pytest.raises(EditConflict) as conflict:
        cemc.update_marks(session, as_("trainer"), mark_id=mid, version=1, data=_marks("sbm_a"), today=TODAY)
    assert float(conflict.value.theirs["field_visit"]) == 28 and conflict.value.theirs["version"] == 2
    assert _counts(session) == before


@pytest.mark.parametrize("who", ["sei", "sbm_a", "dde_far"])
def test_readers_do_not_edit(session: Session, world: dict, as_, marked: dict[str, str], who: str) -> None:
    with pytest.raises(AccessDenied):
        cemc.update_marks(
            session, as_(who), mark_id=marked["sbm_a"], version=1, data=_marks("sbm_a"), today=TODAY
        )


def test_a_trainer_cannot_edit_marks_outside_their_reach(session: Session, world: dict, as_, marked) -> None:
    with pytest.raises(AccessDenied):
        cemc.update_marks(
            session, as_("trainer"), mark_id=marked["sbm_c"], version=1, data=_marks("sbm_c"), today=TODAY
        )


def test_an_unknown_or_malformed_participant_is_refused(session: Session, as_) -> None:
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(AccessDenied):
            cemc.record_marks(session, as_("admin"), participant_id=bad, data=_marks("sbm_a"), today=TODAY)


def test_malformed_ids_find_nothing_rather_than_failing(session: Session, as_) -> None:
    admin = as_("admin")
    assert cemc.first_sessions_of(session, admin, "nope") == []
    assert not cemc.may_edit_marks(session, admin, "nope")
    with pytest.raises(AccessDenied):
        cemc.cemc_marks(session, admin, "nope")
    with pytest.raises(AccessDenied):
        cemc.update_marks(session, admin, mark_id="nope", version=1, data=_marks("sbm_a"), today=TODAY)
