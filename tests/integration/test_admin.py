"""Administration writes: who may do what, refusals write nothing, the audit trail, all-or-nothing CSV."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer
from cop.errors import ValidationError
from cop.validation import CopInput, PersonInput, SchoolInput
from db import admin
from db.access import actor_of, load_viewer, school_ids_in_reach
from db.audit import ACTOR_KEY
from db.auth import check_credentials, signin_still_valid
from db.models import Assignment, AuditLog, Cop, CopMember, Person, School
from tests import factories as f

NEW_PASSWORD = "a brand new sentence"


@pytest.fixture
def world(session: Session) -> dict:
    """Two Kirehe schools and one Rusizi school, their staff, and an admin, a Kirehe DDE and a REB officer."""
    kirehe = f.school(session, name="Kirehe school")
    kirehe_two = f.school(session, name="Second Kirehe school")
    rusizi = f.school(session, district_name="Rusizi", name="Rusizi school")
    dde = f.person(session, role="district_officer", district_name="Kirehe")
    f.assign(session, dde, district_id=dde.district_id)
    return {
        "kirehe": kirehe,
        "kirehe_two": kirehe_two,
        "rusizi": rusizi,
        "admin": f.person(session, role="admin"),
        "dde": dde,
        "national": f.person(session, role="national_officer"),
        "ht": f.person(session, role="head_teacher", school=kirehe),
        "sbm": f.person(session, role="facilitator", school=kirehe),
        "teacher": f.person(session, role="teacher", school=kirehe),
        "far_teacher": f.person(session, role="teacher", school=rusizi),
        "far_sbm": f.person(session, role="facilitator", school=rusizi),
    }


@pytest.fixture
def as_(session: Session, world: dict) -> Callable[[str], Viewer]:
    """The viewer of one of the world's people, with the session's writes audited as them."""

    def viewer(who: str) -> Viewer:
        v = load_viewer(session, world[who].id)
        session.info[ACTOR_KEY] = actor_of(v)
        return v

    return viewer


def _counts(session: Session) -> dict[str, int]:
    tables = {"person": Person, "school": School, "cop": Cop, "member": CopMember, "assignment": Assignment}
    counts = {
        name: session.scalar(select(func.count()).select_from(model)) or 0 for name, model in tables.items()
    }
    counts["audit"] = session.scalar(select(func.count()).select_from(AuditLog)) or 0
    return counts


def _audit_of(session: Session, record_id: object) -> list[AuditLog]:
    return list(session.scalars(select(AuditLog).where(AuditLog.record_id == str(record_id))))


def _teacher(school: School, username: str = "grace.new", **changes: object) -> PersonInput:
    values: dict[str, object] = {
        "username": username,
        "full_name": "Grace Uwase",
        "role": "teacher",
        "school_code": school.code,
    }
    values.update(changes)
    return PersonInput(**values)  # type: ignore[arg-type]


def _school(code: str, district: str = "Kirehe") -> SchoolInput:
    return SchoolInput(code=code, name=f"School {code}", district=district, level="primary")


# --- people


@pytest.mark.parametrize("who", ["admin", "dde"])
def test_an_admin_or_the_district_officer_creates_a_teacher_with_a_one_time_password(
    session: Session, world: dict, as_: Callable, who: str
) -> None:
    pid = admin.create_person(session, as_(who), data=_teacher(world["kirehe"]), password=NEW_PASSWORD)
    person = session.get(Person, pid)
    assert person is not None and person.school_id == world["kirehe"].id and person.must_change_password
    (row,) = _audit_of(session, pid)
    assert (row.action, row.actor_id, row.after["password_hash"]) == ("insert", world[who].id, "***")
    signed = check_credentials(session, "grace.new", NEW_PASSWORD)
    assert signed is not None and signed.must_change_password


def test_the_district_officer_is_refused_a_school_of_another_district_and_nothing_is_written(
    session: Session, world: dict, as_: Callable
) -> None:
    dde = as_("dde")
    before = _counts(session)
    with pytest.raises(AccessDenied, match="in your reach"):
        admin.create_person(session, dde, data=_teacher(world["rusizi"]), password=NEW_PASSWORD)
    with pytest.raises(AccessDenied):
        admin.create_school(session, dde, data=_school("RSZ-900", "Rusizi"))
    with pytest.raises(AccessDenied):
        admin.update_person(
            session, dde, person_id=world["far_teacher"].id, version=1, data=_teacher(world["kirehe"])
        )
    with pytest.raises(AccessDenied):
        admin.create_cop(session, dde, school_id=world["rusizi"].id, data=CopInput("P1 CoP", "general", "P1"))
    assert _counts(session) == before


@pytest.mark.parametrize("role", ["admin", "national_officer", "district_officer", "field_facilitator"])
def test_the_district_officer_may_not_give_roles_beyond_school_staff(
    session: Session, world: dict, as_: Callable, role: str
) -> None:
    dde = as_("dde")
    before = _counts(session)
    district = None if role in {"admin", "national_officer"} else "Kirehe"
    data = PersonInput(username="too.high", full_name="Too High", role=role, district=district)
    with pytest.raises(AccessDenied, match="may not give the role"):
        admin.create_person(session, dde, data=data, password=NEW_PASSWORD)
    teacher = world["teacher"]
    promoted = PersonInput(username=teacher.username, full_name="Promoted", role=role, district=district)
    with pytest.raises(AccessDenied, match="may not give the role"):
        admin.update_person(session, dde, person_id=teacher.id, version=teacher.version, data=promoted)
    assert _counts(session) == before


@pytest.mark.parametrize("who", ["national", "ht", "sbm", "teacher"])
def test_everyone_else_is_refused_in_the_data_layer(
    session: Session, world: dict, as_: Callable, who: str
) -> None:
    viewer = as_(who)
    before = _counts(session)
    refused: list[Callable[[], object]] = [
        lambda: admin.people_in_reach(session, viewer),
        lambda: admin.schools_in_admin_reach(session, viewer),
        lambda: admin.create_person(session, viewer, data=_teacher(world["kirehe"]), password=NEW_PASSWORD),
        lambda: admin.deactivate_person(session, viewer, person_id=world["teacher"].id),
        lambda: admin.reset_password(session, viewer, person_id=world["teacher"].id, password=NEW_PASSWORD),
        lambda: admin.create_school(session, viewer, data=_school("KRH-900")),
        lambda: admin.create_cop(
            session, viewer, school_id=world["kirehe"].id, data=CopInput("X CoP", "general", "P1")
        ),
        lambda: admin.add_member(
            session, viewer, cop_id=f.cop(session, world["kirehe"]).id, person_id=world["ht"].id
        ),
        lambda: admin.import_schools_csv(session, viewer, "code,name,district,level\nK-9,A,Kirehe,primary\n"),
    ]
    for call in refused:
        with pytest.raises(AccessDenied):
            call()
    after = _counts(session)
    # f.cop above inserted one CoP (and its audit row) as test set-up, not through the refused calls.
    assert (after["cop"] - 1, after["audit"] - 1) == (before["cop"], before["audit"])
    assert {k: v for k, v in after.items() if k not in {"cop", "audit"}} == {
        k: v for k, v in before.items() if k not in {"cop", "audit"}
    }


def test_bad_input_names_every_field_and_writes_nothing(session: Session, world: dict, as_: Callable) -> None:
    viewer = as_("admin")
    before = _counts(session)
    with pytest.raises(ValidationError) as caught:
        admin.create_person(
            session,
            viewer,
            data=_teacher(world["kirehe"], username="Bad Name", full_name=""),
            password="short",
        )
    assert set(caught.value.errors) == {"username", "full_name", "password"}
    with pytest.raises(ValidationError, match="too common"):
        admin.create_person(session, viewer, data=_teacher(world["kirehe"]), password="cop-demo-2026")
    with pytest.raises(ValidationError, match="already taken"):
        admin.create_person(
            session,
            viewer,
            data=_teacher(world["kirehe"], username=world["teacher"].username),
            password=NEW_PASSWORD,
        )
    assert _counts(session) == before


def test_a_new_district_officer_reaches_their_district_through_an_assignment(
    session: Session, world: dict, as_: Callable
) -> None:
    data = PersonInput(username="dde.two", full_name="Second DDE", role="district_officer", district="rusizi")
    pid = admin.create_person(session, as_("admin"), data=data, password=NEW_PASSWORD)
    officer = load_viewer(session, pid)
    assert len(officer.assigned_district_ids) == 1
    reached = set(session.scalars(school_ids_in_reach(officer)))
    assert world["rusizi"].id in reached and world["kirehe"].id not in reached


def test_an_update_over_a_newer_version_is_refused_with_a_clear_message(
    session: Session, world: dict, as_: Callable
) -> None:
    viewer, teacher = as_("dde"), world["teacher"]
    loaded = teacher.version
    data = _teacher(world["kirehe_two"], username=teacher.username, full_name="Renamed Teacher")
    data = replace(data, is_new_teacher=True, teacher_start_date=date(2026, 9, 1))
    admin.update_person(session, viewer, person_id=teacher.id, version=loaded, data=data)
    assert (teacher.full_name, teacher.school_id, teacher.is_new_teacher) == (
        "Renamed Teacher",
        world["kirehe_two"].id,
        True,
    )
    update = [r for r in _audit_of(session, teacher.id) if r.action == "update"]
    assert update and update[-1].after["full_name"] == "Renamed Teacher"
    before = _counts(session)
    with pytest.raises(ValidationError, match="Someone else changed this person"):
        admin.update_person(session, viewer, person_id=teacher.id, version=loaded, data=data)
    assert _counts(session) == before


def test_a_username_cannot_change_and_nobody_changes_their_own_role(
    session: Session, world: dict, as_: Callable
) -> None:
    viewer, teacher = as_("admin"), world["teacher"]
    with pytest.raises(ValidationError, match="username cannot be changed"):
        admin.update_person(
            session,
            viewer,
            person_id=teacher.id,
            version=teacher.version,
            data=_teacher(world["kirehe"], "x.new"),
        )
    me = world["admin"]
    demoted = PersonInput(username=me.username, full_name=me.full_name, role="national_officer")
    with pytest.raises(ValidationError, match="your own role"):
        admin.update_person(session, viewer, person_id=me.id, version=me.version, data=demoted)


def test_a_district_officer_who_becomes_a_teacher_loses_their_district_assignments(
    session: Session, world: dict, as_: Callable
) -> None:
    dde = world["dde"]
    data = _teacher(world["kirehe"], username=dde.username, full_name=dde.full_name)
    admin.update_person(session, as_("admin"), person_id=dde.id, version=dde.version, data=data)
    assert session.scalar(select(func.count()).where(Assignment.person_id == dde.id)) == 0


def test_assignments_are_replaced_and_give_the_reach(session: Session, world: dict, as_: Callable) -> None:
    viewer = as_("admin")
    urce = f.person(session, role="field_facilitator")
    admin.set_assignments(session, viewer, person_id=urce.id, sbm_ids=[world["far_sbm"].id])
    admin.set_assignments(
        session, viewer, person_id=urce.id, sbm_ids=[world["far_sbm"].id], school_ids=[world["kirehe_two"].id]
    )
    assert admin.assignments_of(session, viewer, person_id=urce.id).school_ids == {
        str(world["kirehe_two"].id)
    }
    reached = set(session.scalars(school_ids_in_reach(load_viewer(session, urce.id))))
    assert reached == {world["rusizi"].id, world["kirehe_two"].id}
    admin.set_assignments(session, viewer, person_id=urce.id, school_ids=[world["kirehe"].id])
    assert admin.assignments_of(session, viewer, person_id=urce.id).sbm_ids == frozenset()
    rows = session.scalars(
        select(AuditLog).where(AuditLog.table_name == "assignment", AuditLog.actor_id == world["admin"].id)
    )
    assert sorted(r.action for r in rows) == ["delete", "delete", "insert", "insert", "insert"]


def test_assignments_must_fit_the_persons_role(session: Session, world: dict, as_: Callable) -> None:
    ttc = f.person(session, role="ttc_tutor")
    with pytest.raises(ValidationError) as caught:
        admin.set_assignments(session, as_("admin"), person_id=ttc.id, sbm_ids=[world["sbm"].id])
    assert set(caught.value.errors) == {"sbm_ids"}
    with pytest.raises(AccessDenied):  # a district officer administers school staff only
        admin.set_assignments(session, as_("dde"), person_id=ttc.id, school_ids=[world["kirehe"].id])


def test_deactivation_voids_open_sign_ins_and_refuses_new_ones(
    session: Session, world: dict, as_: Callable
) -> None:
    teacher = world["teacher"]
    signed_in_at = datetime.now(UTC) - timedelta(minutes=5)
    assert signin_still_valid(session, str(teacher.id), signed_in_at) is not None
    admin.deactivate_person(session, as_("dde"), person_id=teacher.id)
    assert signin_still_valid(session, str(teacher.id), signed_in_at) is None
    assert check_credentials(session, teacher.username, f.PASSWORD) is None
    assert [r.after for r in _audit_of(session, teacher.id) if r.action == "update"][-1]["is_active"] is False
    admin.reactivate_person(session, as_("dde"), person_id=teacher.id)
    assert check_credentials(session, teacher.username, f.PASSWORD) is not None
    assert signin_still_valid(session, str(teacher.id), signed_in_at) is None  # old sign-ins stay void


def test_nobody_deactivates_themselves(session: Session, world: dict, as_: Callable) -> None:
    with pytest.raises(ValidationError, match="your own account"):
        admin.deactivate_person(session, as_("admin"), person_id=world["admin"].id)


def test_a_password_reset_gives_a_one_time_password_and_ends_open_sign_ins(
    session: Session, world: dict, as_: Callable
) -> None:
    teacher = world["teacher"]
    signed_in_at = datetime.now(UTC) - timedelta(minutes=5)
    with pytest.raises(ValidationError, match="at least 10"):
        admin.reset_password(session, as_("admin"), person_id=teacher.id, password="short")
    admin.reset_password(session, as_("admin"), person_id=teacher.id, password=NEW_PASSWORD)
    assert signin_still_valid(session, str(teacher.id), signed_in_at) is None
    assert check_credentials(session, teacher.username, f.PASSWORD) is None
    signed = check_credentials(session, teacher.username, NEW_PASSWORD)
    assert signed is not None and signed.must_change_password


def test_people_in_reach_are_filtered_and_a_district_officer_sees_their_district_staff_only(
    session: Session, world: dict, as_: Callable
) -> None:
    dde = as_("dde")
    seen = {p.id for p in admin.people_in_reach(session, dde, limit=1000)}
    assert {str(world[k].id) for k in ("ht", "sbm", "teacher")} <= seen
    assert not {str(world[k].id) for k in ("far_teacher", "far_sbm", "admin", "national", "dde")} & seen
    everyone = {p.id for p in admin.people_in_reach(session, as_("admin"), limit=1000)}
    assert str(world["far_teacher"].id) in everyone
    teacher = world["teacher"]
    found = admin.people_in_reach(session, dde, search=teacher.username.upper(), role="teacher")
    assert [p.id for p in found] == [str(teacher.id)]
    assert admin.people_in_reach(session, dde, school_id=world["kirehe_two"].id) == []
    assert admin.people_in_reach(session, dde, search="%") == []  # LIKE wildcards are searched literally


# --- schools


def test_schools_are_created_and_edited_within_reach(session: Session, world: dict, as_: Callable) -> None:
    dde = as_("dde")
    sid = admin.create_school(session, dde, data=_school("krh-900"))
    school = session.get(School, sid)
    assert school is not None and school.code == "KRH-900"
    with pytest.raises(ValidationError, match="already exists"):
        admin.create_school(session, dde, data=_school("KRH-900"))
    with pytest.raises(AccessDenied):  # moving it to another district takes it out of reach
        admin.update_school(
            session, dde, school_id=sid, version=school.version, data=_school("KRH-900", "Rusizi")
        )
    renamed = SchoolInput(code="KRH-900", name="EP Renamed", district="Kirehe", level="both", is_active=False)
    admin.update_school(session, dde, school_id=sid, version=school.version, data=renamed)
    assert (school.name, school.level, school.is_active) == ("EP Renamed", "both", False)
    with pytest.raises(ValidationError, match="Someone else changed this school"):
        admin.update_school(session, dde, school_id=sid, version=1, data=renamed)
    assert [r.action for r in _audit_of(session, sid)] == ["insert", "update"]
    listed = {s.name for s in admin.schools_in_admin_reach(session, dde)}
    assert {"EP Renamed", "Kirehe school"} <= listed and "Rusizi school" not in listed


# --- CoPs and members


def test_cops_get_a_facilitator_of_their_school_and_members_join_and_leave(
    session: Session, world: dict, as_: Callable
) -> None:
    dde, school = as_("dde"), world["kirehe"]
    with pytest.raises(ValidationError, match="not an active SBM"):
        admin.create_cop(
            session,
            dde,
            school_id=school.id,
            data=CopInput("P5 CoP", "general", "P5", facilitator=world["far_sbm"].username),
        )
    cop_id = admin.create_cop(
        session,
        dde,
        school_id=school.id,
        data=CopInput("P5 CoP", "general", "P5", facilitator=world["sbm"].username),
    )
    with pytest.raises(ValidationError, match="already has a CoP"):
        admin.create_cop(session, dde, school_id=school.id, data=CopInput("P5 CoP", "general", "P5"))
    admin.add_member(session, dde, cop_id=cop_id, person_id=world["teacher"].id, joined_on=date(2026, 9, 1))
    with pytest.raises(ValidationError, match="already a member"):
        admin.add_member(session, dde, cop_id=cop_id, person_id=world["teacher"].id)
    with pytest.raises(ValidationError, match="staff of this school"):
        admin.add_member(session, dde, cop_id=cop_id, person_id=world["far_teacher"].id)
    assert [m.username for m in admin.members_of_cop(session, dde, cop_id=cop_id)] == [
        world["teacher"].username
    ]
    admin.remove_member(session, dde, cop_id=cop_id, person_id=world["teacher"].id, left_on=date(2026, 10, 1))
    assert admin.members_of_cop(session, dde, cop_id=cop_id) == []
    (past,) = admin.members_of_cop(session, dde, cop_id=cop_id, include_past=True)
    assert past.left_on == date(2026, 10, 1)
    admin.add_member(session, dde, cop_id=cop_id, person_id=world["teacher"].id, joined_on=date(2026, 11, 1))
    (back,) = admin.members_of_cop(session, dde, cop_id=cop_id)
    assert (back.joined_on, back.left_on) == (date(2026, 11, 1), None)
    member_rows = session.scalars(select(AuditLog).where(AuditLog.table_name == "cop_member"))
    assert sorted(r.action for r in member_rows) == ["insert", "update", "update"]
    (row,) = admin.cops_of_school(session, dde, school_id=school.id)
    assert (row.facilitator_username, row.members) == (world["sbm"].username, 1)


def test_a_cop_edit_checks_its_version(session: Session, world: dict, as_: Callable) -> None:
    viewer = as_("admin")
    cop = f.cop(session, world["rusizi"], name="S1 CoP")
    data = CopInput("Mathematics CoP", "subject", subject="Mathematics", is_active=False)
    admin.update_cop(session, viewer, cop_id=cop.id, version=cop.version, data=data)
    assert (cop.name, cop.kind, cop.is_active) == ("Mathematics CoP", "subject", False)
    with pytest.raises(ValidationError, match="Someone else changed this CoP"):
        admin.update_cop(session, viewer, cop_id=cop.id, version=1, data=data)


# --- CSV imports

SCHOOLS_CSV = (
    "code,name,district,sector,level\nKRH-901,EP Nasho,Kirehe,Nasho,primary\nKRH-902,GS Gahara,Kirehe,,both\n"
)


def test_a_clean_school_file_is_imported_whole_and_audited(
    session: Session, world: dict, as_: Callable
) -> None:
    before = _counts(session)
    report = admin.import_schools_csv(session, as_("dde"), SCHOOLS_CSV)
    assert (report.ok, report.rows_read, report.rows_imported) == (True, 2, 2)
    after = _counts(session)
    assert (after["school"] - before["school"], after["audit"] - before["audit"]) == (2, 2)


def test_one_bad_school_row_imports_nothing_and_each_problem_names_its_row(
    session: Session, world: dict, as_: Callable
) -> None:
    text = (
        SCHOOLS_CSV
        + f"{world['kirehe'].code},Copy,Kirehe,,primary\n"
        + "RSZ-901,Far,Rusizi,,primary\nK-9,EP X,Kirehe,,college\n"
    )
    before = _counts(session)
    report = admin.import_schools_csv(session, as_("dde"), text)
    assert report.rows_imported == 0 and report.rows_read == 5
    assert [(e.row, e.field) for e in report.errors] == [(4, "code"), (5, "district"), (6, "level")]
    assert _counts(session) == before


def test_a_dry_run_checks_everything_and_writes_nothing(session: Session, world: dict, as_: Callable) -> None:
    before = _counts(session)
    report = admin.import_schools_csv(session, as_("admin"), SCHOOLS_CSV, dry_run=True)
    assert (report.ok, report.rows_read, report.rows_imported) == (True, 2, 0)
    assert _counts(session) == before


def _people_csv(world: dict) -> str:
    return (
        "username,full_name,email,role,school_code,district,job_title,subject,is_new_teacher,teacher_start_date\n"
        f"t.keza,Keza Mutesi,keza@example.org,teacher,{world['kirehe'].code},,P1,English,yes,2026-09-01\n"
        f"sbm.shema,Shema Kalisa,,facilitator,{world['kirehe_two'].code},Kirehe,SBM,English,,\n"
    )


def test_imported_people_sign_in_with_their_one_time_password_and_must_change_it(
    session: Session, world: dict, as_: Callable
) -> None:
    before = _counts(session)
    report = admin.import_people_csv(session, as_("dde"), _people_csv(world))
    assert (report.ok, report.rows_imported) == (True, 2)
    after = _counts(session)
    assert (after["person"] - before["person"], after["audit"] - before["audit"]) == (2, 2)
    assert set(report.one_time_passwords) == {"t.keza", "sbm.shema"}
    for username, password in report.one_time_passwords.items():
        signed = check_credentials(session, username, password)
        assert signed is not None and signed.must_change_password
    keza = session.scalar(select(Person).where(Person.username == "t.keza"))
    assert keza is not None and keza.is_new_teacher and keza.teacher_start_date == date(2026, 9, 1)


def test_imported_district_officers_get_their_district_assignment(
    session: Session, world: dict, as_: Callable
) -> None:
    text = "username,full_name,role,district\nsei.nasho,Gisa Shema,district_officer,Kirehe\n"
    report = admin.import_people_csv(session, as_("admin"), text)
    assert report.ok
    officer = session.scalar(select(Person).where(Person.username == "sei.nasho"))
    assert officer is not None
    assert load_viewer(session, officer.id).assigned_district_ids == {str(world["kirehe"].district_id)}


def test_one_bad_people_row_imports_nobody(session: Session, world: dict, as_: Callable) -> None:
    text = _people_csv(world) + (
        f"{world['teacher'].username},Taken,,teacher,{world['kirehe'].code},,,,,\n"
        f"t.far,Far Away,,teacher,{world['rusizi'].code},,,,,\n"
        "boss,Big Boss,,admin,,,,,,\n"
        "t.nowhere,No School,,teacher,NOPE-1,,,,,\n"
        f"t.wrong,Wrong District,,teacher,{world['kirehe'].code},Rusizi,,,,\n"
    )
    before = _counts(session)
    report = admin.import_people_csv(session, as_("dde"), text)
    assert (report.rows_read, report.rows_imported, report.one_time_passwords) == (7, 0, {})
    assert [(e.row, e.field) for e in report.errors] == [
        (4, "username"),
        (5, "school_code"),
        (6, "role"),
        (7, "school_code"),
        (8, "district"),
    ]
    # A school out of reach reads exactly like a school that does not exist.
    far, nowhere = report.errors[1].message, report.errors[3].message
    assert far.replace(world["rusizi"].code.upper(), "X") == nowhere.replace("NOPE-1", "X")
    assert _counts(session) == before
