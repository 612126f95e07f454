"""Self-assessment writes and reads on PostgreSQL: scope per role, one per term, idempotency, versions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cop.access import AccessDenied, Viewer
from cop.errors import EditConflict, ValidationError
from cop.self_assessment import SelfAssessmentInput
from cop.vocab import SbmStandard
from db.access import actor_of, load_viewer
from db.audit import ACTOR_KEY
from db.models import AuditLog, FormTemplate, SelfAssessment
from db.records import current_template
from db.tools import self_assessments as sa
from tests import factories as f

TODAY = date(2026, 11, 25)


@pytest.fixture
def world(session: Session) -> dict:
    """Two Kirehe schools and a Rusizi one, their staff, officials, and who is assigned to whom."""
    a = f.school(session, name="School A")
    b = f.school(session, name="School B")
    c = f.school(session, district_name="Rusizi", name="School C")
    people = {
        "sbm": f.person(session, role="facilitator", school=a),
        "ssl": f.person(session, role="facilitator", school=a),
        "far_sbm": f.person(session, role="facilitator", school=c),
        "ht": f.person(session, role="head_teacher", school=a),
        "ht_b": f.person(session, role="head_teacher", school=b),
        "teacher": f.person(session, role="teacher", school=a),
        "admin": f.person(session, role="admin"),
        "national": f.person(session, role="national_officer"),
        "dde": f.person(session, role="district_officer", district_name="Kirehe"),
        "dde_far": f.person(session, role="district_officer", district_name="Rusizi"),
        "ff": f.person(session, role="field_facilitator"),
        "ff_school": f.person(session, role="field_facilitator"),
        "ff_other": f.person(session, role="field_facilitator"),
        "tutor": f.person(session, role="ttc_tutor"),
    }
    f.assign(session, people["ff"], sbm_id=people["sbm"].id)
    f.assign(session, people["ff_school"], school_id=a.id)
    f.assign(session, people["ff_other"], sbm_id=people["far_sbm"].id)
    f.assign(session, people["tutor"], school_id=a.id)
    return {"a": a, "b": b, "c": c, **people}


@pytest.fixture
def as_(session: Session, world: dict) -> Callable[[str], Viewer]:
    def viewer(who: str) -> Viewer:
        v = load_viewer(session, world[who].id)
        session.info[ACTOR_KEY] = actor_of(v)
        return v

    return viewer


def _data(session: Session, year: int = 2026, term: str = "1", rating: int = 3, **changes: object):
    items = current_template(session, "self_assessment").items
    values: dict[str, object] = {
        "school_year": year,
        "term": term,
        "answers": {i["key"]: rating for i in items},
        "cpd_activities": "Three CoP sessions; peer observations in P4.",
        "impact_reflection": "Teachers now bring evidence to the CoP.",
    }
    values.update(changes)
    return SelfAssessmentInput(**values)  # type: ignore[arg-type]


def _counts(session: Session) -> tuple[int, int]:
    rows = session.scalar(select(func.count()).select_from(SelfAssessment)) or 0
    audit = session.scalar(select(func.count()).select_from(AuditLog)) or 0
    return rows, audit


def _submit(session: Session, viewer: Viewer, key: str | None = None, **data: object):
    return sa.submit_self_assessment(
        session, viewer, data=_data(session, **data), idempotency_key=key, today=TODAY
    )


READERS = ["sbm", "ht", "ff", "ff_school", "dde", "national", "admin"]
NON_READERS = ["ssl", "far_sbm", "ht_b", "teacher", "dde_far", "ff_other", "tutor"]


def test_an_sbm_records_their_term_and_it_is_audited_as_theirs(session: Session, world: dict, as_) -> None:
    sid = _submit(session, as_("sbm"), "k1")
    row = session.get(SelfAssessment, sid)
    assert row is not None and (row.person_id, row.school_id) == (world["sbm"].id, world["a"].id)
    assert row.template_id == current_template(session, "self_assessment").id
    (audit,) = session.scalars(select(AuditLog).where(AuditLog.record_id == str(sid)))
    assert (audit.action, audit.actor_id, audit.school_id) == ("insert", world["sbm"].id, world["a"].id)


@pytest.mark.parametrize("who", READERS)
def test_the_sbm_their_ht_assigned_facilitator_officials_and_admin_read_it(
    session: Session, world: dict, as_, who: str
) -> None:
    sid = _submit(session, as_("sbm"), "k1")
    viewer = as_(who)
    assert [r.id for r in sa.self_assessments(session, viewer)] == [str(sid)]
    assert sa.self_assessment(session, viewer, sid).row.person_id == str(world["sbm"].id)
    assert [p.id for p in sa.assessed_people(session, viewer)] == [str(world["sbm"].id)]
    assert len(sa.progress(session, viewer, str(world["sbm"].id))) == 4


@pytest.mark.parametrize("who", NON_READERS)
def test_colleagues_other_schools_districts_and_unassigned_facilitators_do_not(
    session: Session, world: dict, as_, who: str
) -> None:
    sid = _submit(session, as_("sbm"), "k1")
    viewer = as_(who)
    assert sa.self_assessments(session, viewer) == []
    assert sa.assessed_people(session, viewer) == []
    assert sa.progress(session, viewer, str(world["sbm"].id)) == []
    with pytest.raises(AccessDenied):
        sa.self_assessment(session, viewer, sid)


def test_a_malformed_id_is_refused_like_an_unknown_one(session: Session, as_) -> None:
    with pytest.raises(AccessDenied):
        sa.self_assessment(session, as_("admin"), "not-a-uuid")


def test_the_same_submit_key_twice_saves_one_row(session: Session, as_) -> None:
    sbm = as_("sbm")
    first = _submit(session, sbm, "same-key")
    before = _counts(session)
    assert _submit(session, sbm, "same-key") == first
    assert _counts(session) == before


def test_a_second_record_of_the_same_term_is_refused_so_the_first_is_edited(session: Session, as_) -> None:
    sbm = as_("sbm")
    _submit(session, sbm, "k1")
    before = _counts(session)
    with pytest.raises(ValidationError) as refused:
        _submit(session, sbm, "k2", rating=4)
    assert "already assessed 2026/27 term 1" in refused.value.errors["term"]
    assert _counts(session) == before
    _submit(session, sbm, "k3", year=2025, term="3")  # another term is a new record
    assert _counts(session)[0] == before[0] + 1


@pytest.mark.parametrize("who", ["ht", "admin", "national", "ff", "teacher", "dde"])
def test_nobody_but_a_facilitator_fills_one_in(session: Session, as_, who: str) -> None:
    before = _counts(session)
    with pytest.raises(AccessDenied):
        _submit(session, as_(who), "k1")
    assert _counts(session) == before


@pytest.mark.parametrize(
    "changes",
    [
        {"answers": {}},
        {"cpd_activities": "  "},
        {"impact_reflection": ""},
        {"term": "3"},
        {"school_year": 2030},
        {"rating": 5},
        {"rating": 0},
    ],
)
def test_invalid_input_writes_nothing(session: Session, as_, changes: dict) -> None:
    before = _counts(session)
    with pytest.raises(ValidationError):
        _submit(session, as_("sbm"), "k1", **changes)
    assert _counts(session) == before


def test_the_owner_edits_with_the_version_they_loaded(session: Session, as_) -> None:
    sbm = as_("sbm")
    sid = _submit(session, sbm, "k1")
    sa.update_self_assessment(
        session, sbm, assessment_id=sid, version=1, data=_data(session, rating=4, term="2"), today=TODAY
    )
    row = session.get(SelfAssessment, sid)
    assert row is not None and row.version == 2 and set(row.answers.values()) == {4}
    assert row.term == "1"  # the term is what the record is: an edit keeps it
    (change,) = session.scalars(
        select(AuditLog).where(AuditLog.record_id == str(sid), AuditLog.action == "update")
    )
    assert change.before["version"] == 1 and change.after["version"] == 2


def test_an_edit_over_a_newer_version_is_refused_and_shows_theirs(session: Session, as_) -> None:
    sbm = as_("sbm")
    sid = _submit(session, sbm, "k1")
    sa.update_self_assessment(
        session, sbm, assessment_id=sid, version=1, data=_data(session, rating=2), today=TODAY
    )
    before = _counts(session)
    with pytest.raises(EditConflict) as conflict:
        sa.update_self_assessment(
            session, sbm, assessment_id=sid, version=1, data=_data(session, rating=4), today=TODAY
        )
    assert conflict.value.theirs["version"] == 2 and set(conflict.value.theirs["answers"].values()) == {2}
    assert _counts(session) == before


@pytest.mark.parametrize("who", ["ssl", "ht", "admin", "ff"])
def test_nobody_else_edits_it(session: Session, as_, who: str) -> None:
    sid = _submit(session, as_("sbm"), "k1")
    with pytest.raises(AccessDenied):
        sa.update_self_assessment(
            session, as_(who), assessment_id=sid, version=1, data=_data(session), today=TODAY
        )


def test_an_old_record_keeps_its_revisions_questions_after_a_new_revision(session: Session, as_) -> None:
    sbm = as_("sbm")
    old_template = current_template(session, "self_assessment")
    old = _submit(session, sbm, "k1", year=2025, term="3")
    items = [
        {"key": f"new_{s.value}", "label": f"New question on {s.label}", "group": s.value, "scale": [1, 4]}
        for s in SbmStandard
    ]
    session.execute(update(FormTemplate).where(FormTemplate.id == old_template.id).values(is_current=False))
    session.add(
        FormTemplate(kind="self_assessment", revision=99, title="Shorter", items=items, is_current=True)
    )
    session.flush()
    new = _submit(session, sbm, "k2", answers={i["key"]: 2 for i in items})
    assert [q.key for q in sa.self_assessment(session, sbm, new).questions.indicators] == [
        i["key"] for i in items
    ]
    kept = sa.self_assessment(session, sbm, old)
    assert kept.questions.revision == 1 and len(kept.questions.indicators) == len(old_template.items)
    # Editing the old record still asks its own questions.
    sa.update_self_assessment(
        session,
        sbm,
        assessment_id=old,
        version=1,
        data=_data(session, year=2025, term="3", answers={i["key"]: 1 for i in old_template.items}),
        today=TODAY,
    )
    by_term = {p.term: p.average for p in sa.progress(session, sbm, sbm.person_id)}
    assert by_term == {"2025/26 term 3": 1.0, "2026/27 term 1": 2.0}


def test_own_record_of_a_term_is_found_for_editing(session: Session, as_) -> None:
    sbm = as_("sbm")
    sid = _submit(session, sbm, "k1")
    found = sa.own_self_assessment(session, sbm, school_year=2026, term="1")
    assert found is not None and found.row.id == str(sid) and found.cpd_activities.startswith("Three")
    assert sa.own_self_assessment(session, sbm, school_year=2026, term="2") is None
    assert sa.own_self_assessment(session, as_("ssl"), school_year=2026, term="1") is None


def test_filters_narrow_the_list(session: Session, world: dict, as_) -> None:
    _submit(session, as_("sbm"), "k1")
    _submit(session, as_("sbm"), "k2", year=2025, term="2")
    _submit(session, as_("ssl"), "k3")
    admin = as_("admin")
    assert len(sa.self_assessments(session, admin, school_id=str(world["a"].id))) == 3
    assert len(sa.self_assessments(session, admin, person_id=str(world["sbm"].id))) == 2
    assert len(sa.self_assessments(session, admin, school_year=2026, school_id=str(world["a"].id))) == 2
    only = sa.self_assessments(session, admin, term="2", school_id=str(world["a"].id))
    assert [(r.school_year, r.term) for r in only] == [(2025, "2")]


def test_malformed_ids_find_nothing_rather_than_failing(session: Session, as_) -> None:
    admin = as_("admin")
    assert sa.self_assessments(session, admin, person_id="nope", school_id="x") == []
    assert sa.progress(session, admin, "nope") == []
    with pytest.raises(AccessDenied):
        sa.update_self_assessment(session, as_("sbm"), assessment_id="nope", version=1, data=_data(session))
