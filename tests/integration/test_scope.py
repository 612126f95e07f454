"""Each role reads only the schools and CoPs its assignments reach."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from cop.access import AccessDenied
from db.access import load_viewer
from db.queries.overview import school_overview, schools_in_reach
from tests import factories as f


@pytest.fixture
def world(session: Session) -> dict:
    """Two schools in Kirehe, one in Rusizi, and people of every role around them."""
    own = f.school(session, name="Own school")
    same_district = f.school(session, name="Neighbour school")
    other_district = f.school(session, district_name="Rusizi", name="Far school")
    teacher = f.person(session, role="teacher", school=own)
    colleague = f.person(session, role="teacher", school=own)
    facilitator = f.person(session, role="facilitator", school=own)
    mine = f.cop(session, own, name="My CoP", members=[teacher])
    f.cop(session, own, name="Not my CoP", members=[colleague])
    f.cop(session, same_district, name="Neighbour CoP")
    f.cop(session, other_district, name="Far CoP")
    dde = f.person(session, role="district_officer", district_name="Kirehe")
    f.assign(session, dde, district_id=dde.district_id)
    sbm_far = f.person(session, role="facilitator", school=other_district)
    urce = f.person(session, role="field_facilitator")
    f.assign(session, urce, sbm_id=sbm_far.id)
    ttc = f.person(session, role="ttc_tutor")
    f.assign(session, ttc, school_id=same_district.id)
    return {
        "schools": {"own": own, "same_district": same_district, "other_district": other_district},
        "teacher": teacher,
        "facilitator": facilitator,
        "ht": f.person(session, role="head_teacher", school=own),
        "dde": dde,
        "urce": urce,
        "ttc": ttc,
        "national": f.person(session, role="national_officer"),
        "admin": f.person(session, role="admin"),
        "mine": mine,
    }


EXPECTED = {
    "teacher": {"own"},
    "facilitator": {"own"},
    "ht": {"own"},
    "dde": {"own", "same_district"},
    "urce": {"other_district"},
    "ttc": {"same_district"},
    "national": {"own", "same_district", "other_district"},
    "admin": {"own", "same_district", "other_district"},
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_role_reaches_exactly_its_schools(session: Session, world: dict, who: str) -> None:
    viewer = load_viewer(session, world[who].id)
    reached = {c.id for c in schools_in_reach(session, viewer)}
    test_ids = {k: str(s.id) for k, s in world["schools"].items()}
    assert {k for k, sid in test_ids.items() if sid in reached} == EXPECTED[who]
    for key, school in world["schools"].items():
        if key in EXPECTED[who]:
            assert school_overview(session, viewer, school.id).name == school.name
        else:
            with pytest.raises(AccessDenied):
                school_overview(session, viewer, school.id)


def test_a_teacher_sees_only_the_cops_they_belong_to(session: Session, world: dict) -> None:
    viewer = load_viewer(session, world["teacher"].id)
    overview = school_overview(session, viewer, world["schools"]["own"].id)
    assert [c.name for c in overview.cops] == ["My CoP"]


def test_a_facilitator_sees_every_cop_of_their_school(session: Session, world: dict) -> None:
    viewer = load_viewer(session, world["facilitator"].id)
    overview = school_overview(session, viewer, world["schools"]["own"].id)
    assert [c.name for c in overview.cops] == ["My CoP", "Not my CoP"]


def test_an_inactive_person_has_no_viewer(session: Session, world: dict) -> None:
    world["teacher"].is_active = False
    session.flush()
    with pytest.raises(AccessDenied):
        load_viewer(session, world["teacher"].id)
