"""Live sessions on PostgreSQL: join codes, contributions from phones, moderation and version checks."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop import live as rules
from cop.access import AccessDenied, Viewer
from cop.cycle_inputs import ChallengeInput
from cop.errors import EditConflict, InvalidTransition, ValidationError
from cop.live import NotOpenNow
from db import live
from db.access import load_viewer
from db.models import Challenge, ChallengeVote, CopSession, ReflectionCard, School
from tests import factories as f


@pytest.fixture
def w(session: Session) -> dict:
    """A school with a CoP (facilitator, two members), a running first session; a second school."""
    school = f.school(session, name="Live school")
    far = f.school(session, name="Far school")
    sbm = f.person(session, role="facilitator", school=school)
    ht = f.person(session, role="head_teacher", school=school)
    member = f.person(session, role="teacher", school=school)
    other_member = f.person(session, role="teacher", school=school)
    outsider = f.person(session, role="teacher", school=school)  # same school, not in the CoP
    far_sbm = f.person(session, role="facilitator", school=far)
    officer = f.person(session, role="district_officer", district_name="Kirehe")
    admin = f.person(session, role="admin")
    cop = f.cop(session, school, name="P5 CoP", members=[member, other_member])
    cop.facilitator_id = sbm.id
    cycle = f.cycle(session, cop)
    first = f.held_session(session, cycle, kind="first")
    first.status, first.session_date = "running", date.today()
    reflection = CopSession(
        school_id=school.id,
        kind="reflection",
        status="running",
        session_date=date.today(),
        reflection_step="insights",
    )
    session.add(reflection)
    session.flush()
    people = {
        "sbm": sbm,
        "ht": ht,
        "member": member,
        "other": other_member,
        "outsider": outsider,
        "far": far_sbm,
        "officer": officer,
        "admin": admin,
    }
    return {
        "v": {k: load_viewer(session, p.id) for k, p in people.items()},
        "first": str(first.id),
        "reflection": str(reflection.id),
        "cycle": cycle,
        "school": school,
    }


def _challenge(title: str = "Pupils do not finish reading tasks", **kw: str) -> ChallengeInput:
    raw = {
        "title": title,
        "evidence_kind": "assessment_results",
        "evidence_note": "12 of 60 finished",
        "topic": "large_classes",
        "control": "direct",
        **kw,
    }
    return ChallengeInput.parse(**raw)


def _add(session: Session, viewer: Viewer, sid: str, title: str = "Reading", key: str | None = None) -> str:
    return str(
        live.add_challenge(session, viewer, sid, _challenge(title), idempotency_key=key or f"k-{title}")
    )


def test_the_facilitator_opens_a_code_members_join_with_it_and_it_ends_with_the_session(
    session: Session, w: dict
) -> None:
    v, sid = w["v"], w["first"]
    code = live.open_join_code(session, v["sbm"], sid)
    assert code == live.open_join_code(session, v["ht"], sid)  # the same code for the whole session
    assert set(code) <= set(rules.JOIN_ALPHABET)
    typed = f" {rules.show_code(code).lower()} "
    for who in ("member", "sbm", "ht", "admin"):
        assert live.resolve_join_code(session, v[who], typed) == sid
    for who in ("outsider", "far", "officer"):
        with pytest.raises(AccessDenied, match="does not open a running session"):
            live.resolve_join_code(session, v[who], code)
    with pytest.raises(AccessDenied, match="does not open a running session"):
        live.resolve_join_code(session, v["member"], "ZZZZZZ")
    with pytest.raises(ValidationError):
        live.resolve_join_code(session, v["member"], "!")
    with pytest.raises(AccessDenied):
        live.open_join_code(session, v["member"], sid)  # members do not open the room
    session.get(CopSession, sid).status = "held"
    session.flush()
    with pytest.raises(InvalidTransition, match="ended"):
        live.resolve_join_code(session, v["member"], code)
    assert live.live_session(session, v["member"], sid).join_code is None


def test_a_session_not_running_gets_no_code(session: Session, w: dict) -> None:
    session.get(CopSession, w["first"]).status = "planned"
    session.flush()
    with pytest.raises(InvalidTransition, match="Start the session"):
        live.open_join_code(session, w["v"]["sbm"], w["first"])


def test_sessions_to_join_and_to_project_follow_the_rules(session: Session, w: dict) -> None:
    v = w["v"]
    mine = {s.id for s in live.sessions_to_join(session, v["member"])}
    assert {w["first"], w["reflection"]} <= mine
    assert w["first"] not in {s.id for s in live.sessions_to_join(session, v["outsider"])}
    assert w["reflection"] in {s.id for s in live.sessions_to_join(session, v["outsider"])}
    assert live.sessions_to_join(session, v["officer"]) == []
    assert w["first"] in {s.id for s in live.sessions_to_project(session, v["sbm"])}
    assert live.sessions_to_project(session, v["member"]) == []
    assert w["first"] not in {s.id for s in live.sessions_to_project(session, v["far"])}
    # One school's sessions, filtered in the query (the page asks for the school it shows).
    home = session.get(CopSession, w["first"]).school_id
    assert w["first"] in {s.id for s in live.sessions_to_project(session, v["sbm"], school_id=home)}
    other = session.scalar(select(School.id).where(School.id != home))
    assert live.sessions_to_project(session, v["sbm"], school_id=other) == []


def test_a_member_adds_a_challenge_once_however_often_the_submit_arrives(session: Session, w: dict) -> None:
    v, sid = w["v"], w["first"]
    first = _add(session, v["member"], sid, "Reading", key="same-key")
    again = _add(session, v["member"], sid, "Reading", key="same-key")
    assert first == again
    assert session.scalar(select(func.count()).select_from(Challenge).where(Challenge.session_id == sid)) == 1
    with pytest.raises(AccessDenied):
        _add(session, v["other"], sid, "Reading", key="same-key")  # someone else's key is not theirs
    for who in ("outsider", "far", "officer"):
        with pytest.raises(AccessDenied):
            _add(session, v[who], sid, "Not mine", key=f"x-{who}")
    board = live.board(session, v["other"], sid)
    assert [c.title for c in board.shown_challenges] == ["Reading"]
    assert board.shown_challenges[0].author is not None


def test_the_step_decides_what_phones_may_add(session: Session, w: dict) -> None:
    v, sid = w["v"], w["first"]
    assert live.set_live_step(session, v["sbm"], sid, "voting", from_step=None) == "voting"
    with pytest.raises(NotOpenNow, match="not open now"):
        _add(session, v["member"], sid, "Too late")
    # A second facilitator's click made on the old step does not move it back.
    assert live.set_live_step(session, v["ht"], sid, "challenges", from_step=None) == "voting"
    with pytest.raises(AccessDenied):
        live.set_live_step(session, v["member"], sid, "challenges", from_step="voting")
    with pytest.raises(InvalidTransition):
        live.set_live_step(session, v["sbm"], sid, "lessons", from_step="voting")


def test_votes_count_once_respect_the_limit_and_can_be_taken_back(session: Session, w: dict) -> None:
    v, sid = w["v"], w["first"]
    ids = [_add(session, v["other"], sid, t) for t in ("A", "B", "C")]
    assert live.set_vote(session, v["member"], sid, ids[0], on=True)
    assert not live.set_vote(session, v["member"], sid, ids[0], on=True)  # a double tap
    assert live.set_vote(session, v["member"], sid, ids[1], on=True)
    with pytest.raises(InvalidTransition, match="used your 2 votes"):
        live.set_vote(session, v["member"], sid, ids[2], on=True)
    assert live.set_vote(session, v["member"], sid, ids[0], on=False)
    assert live.set_vote(session, v["member"], sid, ids[2], on=True)
    board = live.board(session, v["member"], sid)
    assert {c.title: (c.votes, c.mine) for c in board.challenges} == {
        "A": (0, False),
        "B": (1, True),
        "C": (1, True),
    }
    with pytest.raises(AccessDenied):
        live.set_vote(session, v["outsider"], sid, ids[0], on=True)


def test_a_stale_edit_is_refused_with_the_other_persons_saved_values(session: Session, w: dict) -> None:
    v, sid = w["v"], w["first"]
    cid = _add(session, v["member"], sid, "Reading")
    seen = live.board(session, v["member"], sid).challenges[0].version
    # The facilitator saves first...
    new_version = live.edit_challenge(session, v["sbm"], cid, _challenge("Reading in P5"), version=seen)
    assert new_version == seen + 1
    # ...so the author's save, made on the version they saw, is refused and shows the facilitator's text.
    with pytest.raises(EditConflict) as caught:
        live.edit_challenge(session, v["member"], cid, _challenge("Reading (mine)"), version=seen)
    assert caught.value.theirs["title"] == "Reading in P5"
    assert caught.value.theirs["version"] == new_version
    assert session.get(Challenge, cid).title == "Reading in P5"
    # Reapplied on the version now shown, it saves.
    live.edit_challenge(session, v["member"], cid, _challenge("Reading (mine)"), version=new_version)
    assert session.get(Challenge, cid).title == "Reading (mine)"
    with pytest.raises(AccessDenied):
        live.edit_challenge(session, v["other"], cid, _challenge("Not theirs"), version=None)


def test_the_facilitator_merges_a_duplicate_and_its_votes_follow(session: Session, w: dict) -> None:
    v, sid = w["v"], w["first"]
    keep = _add(session, v["member"], sid, "Large classes")
    dup = _add(session, v["other"], sid, "Classes too large")
    live.set_vote(session, v["member"], sid, keep, on=True)
    live.set_vote(session, v["member"], sid, dup, on=True)  # voted for both: keeps one vote
    live.set_vote(session, v["other"], sid, dup, on=True)
    with pytest.raises(AccessDenied):
        live.merge_challenges(session, v["member"], dup, keep)
    live.merge_challenges(session, v["sbm"], dup, keep)
    row = session.get(Challenge, dup)
    assert row.hidden and str(row.merged_into_id) == keep
    votes = session.scalars(select(ChallengeVote.challenge_id)).all()
    assert sorted(str(x) for x in votes if str(x) in (keep, dup)) == [keep, keep]
    member_board = live.board(session, v["member"], sid)
    assert [(c.title, c.votes) for c in member_board.challenges] == [("Large classes", 2)]
    sbm_board = live.board(session, v["sbm"], sid)
    assert {c.title: c.merged_into for c in sbm_board.challenges if c.hidden} == {
        "Classes too large": "Large classes"
    }
    with pytest.raises(InvalidTransition, match="already hidden"):
        live.merge_challenges(session, v["sbm"], dup, keep)


def test_hiding_takes_a_challenge_off_the_wall_for_members_only(session: Session, w: dict) -> None:
    v, sid = w["v"], w["first"]
    cid = _add(session, v["member"], sid, "Off topic")
    version = session.get(Challenge, cid).version
    with pytest.raises(AccessDenied):
        live.set_challenge_hidden(session, v["member"], cid, hidden=True, version=version)
    live.set_challenge_hidden(session, v["sbm"], cid, hidden=True, version=version)
    assert live.board(session, v["member"], sid).challenges == ()
    assert [c.hidden for c in live.board(session, v["sbm"], sid).challenges] == [True]
    with pytest.raises(EditConflict):
        live.set_challenge_hidden(session, v["sbm"], cid, hidden=False, version=version)
    live.set_challenge_hidden(session, v["sbm"], cid, hidden=False, version=None)
    assert len(live.board(session, v["member"], sid).challenges) == 1


def test_reflection_cards_from_phones_edits_and_hides(session: Session, w: dict) -> None:
    v, rid = w["v"], w["reflection"]
    card = str(
        live.add_card(session, v["outsider"], rid, "insight", "Pupils read more", idempotency_key="c1")
    )
    assert card == str(
        live.add_card(session, v["outsider"], rid, "insight", "Pupils read more", idempotency_key="c1")
    )
    with pytest.raises(NotOpenNow):
        live.add_card(session, v["outsider"], rid, "positive", "Not this step", idempotency_key="c2")
    with pytest.raises(AccessDenied):
        live.add_card(session, v["far"], rid, "insight", "Other school", idempotency_key="c3")
    version = session.get(ReflectionCard, card).version
    live.edit_card(session, v["ht"], card, "Pupils read more at home", version=version)
    with pytest.raises(EditConflict) as caught:
        live.edit_card(session, v["outsider"], card, "Pupils read more (mine)", version=version)
    assert caught.value.theirs["text"] == "Pupils read more at home"
    with pytest.raises(AccessDenied):
        live.edit_card(session, v["member"], card, "Not theirs", version=None)
    live.set_card_hidden(session, v["ht"], card, hidden=True, version=None)
    assert live.board(session, v["member"], rid).cards == ()
    assert len(live.board(session, v["ht"], rid).cards) == 1


def test_ids_that_are_not_ids_are_refused_like_any_other(session: Session, w: dict) -> None:
    v = w["v"]
    for call in (
        lambda: live.board(session, v["member"], "not-a-uuid"),
        lambda: live.edit_challenge(session, v["sbm"], "nope", _challenge(), version=None),
        lambda: live.set_vote(session, v["member"], w["first"], "nope", on=True),
        lambda: live.edit_card(session, v["ht"], "nope", "x", version=None),
    ):
        with pytest.raises(AccessDenied):
            call()
