"""In headless Chromium: a facilitator runs a whole CoP cycle, session by session, as the issue describes.

First session with 4 challenges (one out of control, refused as a priority), 2 priorities with try-out
plans; the teacher records try-out results (one failed); a middle session with ALACT and a second try-out
(the last session refused meanwhile); a second middle session where both succeed and consolidation is
planned; the last session with an uploaded file, a dissemination plan and an evaluation; the head teacher
acknowledges the cycle report. Then the database rows are checked, not just the screen.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from db.models import (
    AlactReflection,
    Attendance,
    Challenge,
    ConsolidationOutput,
    Cop,
    CopCycle,
    CopMember,
    CopSession,
    CycleEvaluation,
    CycleReport,
    DisseminationPlan,
    Person,
    StoredFile,
    TryoutNote,
    TryoutPlan,
)
from tests.e2e.conftest import AppServer
from tests.e2e.cycle_screens import shoot
from tests.e2e.test_first_page import sign_in, wait_idle

SBM, TEACHER, HT = "sbm.nyakarambi", "teacher.nyakarambi", "ht.nyakarambi"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def css(key: str) -> str:
    """The element of a widget with this key (Streamlit adds the class `st-key-<key>`)."""
    return ".st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key)


PAGES: list[Page] = []


def new_page(browser: Browser) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(20_000)
    PAGES.append(page)
    return page


def signed_in(page: Page, base: str, username: str) -> None:
    sign_in(page, base, username)
    expect(page.get_by_role("link", name="My actions")).to_be_visible()
    page.wait_for_function("document.cookie.includes('cop_dashboard_signin=')", timeout=15_000)
    wait_idle(page)


def go(page: Page, link: str, heading: str) -> None:
    wait_idle(page)
    page.get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    wait_idle(page)


def type_in(page: Page, key: str, text: str, tag: str = "input") -> None:
    field = page.locator(f"{css(key)} {tag}")
    field.fill(text)
    field.press("Tab")
    wait_idle(page)


def area(page: Page, key: str, text: str) -> None:
    type_in(page, key, text, "textarea")


def choose(page: Page, key: str, option: str) -> None:
    box = page.locator(css(key))
    box.wait_for()
    wait_idle(page)
    if box.get_by_text(option, exact=True).count():
        return  # already chosen
    # Type to filter: a long list only renders the options in view.
    field = box.locator("input").first
    field.click()
    field.fill(option)
    page.get_by_role("option").filter(has_text=re.compile("^" + re.escape(option) + "$")).first.click()
    wait_idle(page)


def pick_many(page: Page, key: str, options: list[str], *, selector: str | None = None) -> None:
    """Choose options of a multiselect by typing each one and taking the match (the list re-renders
    after each choice, so clicking an open list races the rerun)."""
    field = page.locator(selector or css(key)).locator("input").first
    for option in options:
        wait_idle(page)
        field.click()
        field.fill(option)
        page.get_by_role("option", name=re.compile("^" + re.escape(option))).first.wait_for()
        field.press("Enter")
        wait_idle(page)
    page.keyboard.press("Escape")
    # Leave the field (its value is sent on blur) and let that rerun end before anything is clicked.
    page.get_by_role("heading").first.click()
    wait_idle(page)
    page.wait_for_timeout(300)
    wait_idle(page)


def radio(page: Page, key: str, label: str) -> None:
    page.locator(css(key)).get_by_text(label, exact=True).click()
    wait_idle(page)


def click(page: Page, key: str, expect_text: str | None = None) -> None:
    wait_idle(page)
    try:
        page.locator(f"{css(key)} button").first.click()
    except Exception:
        page.screenshot(path="/tmp/screens/e2e_failed.png", full_page=True)
        raise
    wait_idle(page)
    if expect_text:
        expect(page.get_by_text(expect_text).first).to_be_visible()
        wait_idle(page)


def tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    wait_idle(page)


def session_id(page: Page) -> str:
    return parse_qs(urlparse(page.url).query)["session"][0]


def plan_and_open(page: Page, base: str, cop_id: str, label: str) -> str:
    """On CoP cycles: plan the next session (today), open it and start it; returns its id."""
    page.goto(base + "/cycles")
    expect(page.get_by_role("heading", name="CoP cycles")).to_be_visible()
    wait_idle(page)
    choose(page, "cop_cycles_cop", COP_NAME)
    click(page, f"plan_next:{CYCLE['id']}:go", "planned for")
    page.get_by_role("button", name=re.compile("^" + label)).click()
    expect(page.get_by_role("heading", name="CoP session", exact=True)).to_be_visible()
    wait_idle(page)
    sid = session_id(page)
    click(page, f"start|{sid}", "Session started")
    return sid


def attendance(page: Page, sid: str, names: list[str]) -> None:
    tab(page, "Attendance")
    pick_many(page, f"att|{sid}", names)
    click(page, f"att_save|{sid}", "Attendance saved")


COP_NAME = ""
CYCLE: dict[str, str] = {}


@pytest.mark.timeout(900)
def test_a_facilitator_runs_a_whole_cycle_and_the_head_teacher_acknowledges_it(
    browser: Browser, app_server: AppServer, e2e_database_url: str
) -> None:
    try:
        _run_cycle(browser, app_server, e2e_database_url)
    except BaseException:
        # What each browser showed when the flow stopped, for the person reading the failure.
        for i, page in enumerate(PAGES):
            page.screenshot(path=f"/tmp/full_cycle_failed_{i}.png", full_page=True)
        raise


def _run_cycle(browser: Browser, app_server: AppServer, e2e_database_url: str) -> None:
    global COP_NAME
    base = app_server.url
    eng = create_engine(e2e_database_url)
    tag = uuid.uuid4().hex[:6]
    COP_NAME = f"E2E P5 CoP {tag}"
    with Session(eng) as s, s.begin():
        people = {
            p.username: p for p in s.scalars(select(Person).where(Person.username.in_([SBM, TEACHER, HT])))
        }
        cop = Cop(school_id=people[SBM].school_id, name=COP_NAME, kind="general", grade="P5")
        s.add(cop)
        s.flush()
        cop.facilitator_id = people[SBM].id
        s.add_all([CopMember(cop_id=cop.id, person_id=people[u].id) for u in (SBM, TEACHER)])
        cop_id, teacher_name = str(cop.id), people[TEACHER].full_name
        sbm_name = people[SBM].full_name

    # --- the facilitator starts a cycle and runs the first session
    page = new_page(browser)
    signed_in(page, base, SBM)
    go(page, "CoP cycles", "CoP cycles")
    choose(page, "cop_cycles_cop", COP_NAME)
    click(page, f"start_cycle:{cop_id}:go", "Cycle started")
    with Session(eng) as s:
        CYCLE["id"] = str(s.scalar(select(CopCycle.id).where(CopCycle.cop_id == uuid.UUID(cop_id))))
    first = plan_and_open(page, base, cop_id, "First session")
    attendance(page, first, [teacher_name, sbm_name])
    tab(page, "Challenges")
    challenges = [
        ("Learners rarely speak in large classes", "Direct control (own behaviour)"),
        ("Homework is not returned", "Indirect control (with the help of others)"),
        ("No electricity for the projector", "Out of control (parking lot)"),
        ("Slow readers fall behind", "Direct control (own behaviour)"),
    ]
    form = f"challenge:{first}"
    for title, control in challenges:
        type_in(page, f"{form}|title", title)
        choose(page, f"{form}|evidence_kind", "Lesson observation")
        choose(page, f"{form}|topic", "Large classes")
        type_in(page, f"{form}|evidence_note", "Seen in three lessons")
        radio(page, f"{form}|control", control)
        click(page, f"{form}|submit", "Challenge added")
    expect(page.get_by_text("Parking lot: out of our control (1)")).to_be_visible()
    shoot(
        page,
        "first_session",
        tabs=["Challenges", "Priorities", "Analysis", "Try-out plans", "AOB and actions"],
    )
    tab(page, "Priorities")
    prio = "[class*='st-key-prio-']"
    pick_many(page, "", ["No electricity for the projector"], selector=prio)
    click(page, f"prio_save|{first}")
    expect(page.get_by_text("out of your control: it goes to the parking lot")).to_be_visible()
    page.reload()
    wait_idle(page)
    tab(page, "Priorities")
    pick_many(page, "", ["Learners rarely speak in large classes", "Homework is not returned"], selector=prio)
    click(page, f"prio_save|{first}", "Priorities saved")
    with Session(eng) as s:
        ids = {
            c.title: str(c.id)
            for c in s.scalars(select(Challenge).where(Challenge.cycle_id == uuid.UUID(CYCLE["id"])))
        }
    speak, homework = ids["Learners rarely speak in large classes"], ids["Homework is not returned"]
    tab(page, "Analysis")
    for cid in (speak, homework):
        area(page, f"analysis:{cid}|root_causes", "Lessons are teacher-led")
        area(page, f"analysis:{cid}|goal", "Every learner takes part")
        area(page, f"analysis:{cid}|possible_solutions", "Pair work; homework clubs")
        click(page, f"analysis:{cid}|submit", "Analysis saved")
    tab(page, "Try-out plans")
    for cid, activity in (
        (speak, "Think-pair-share twice a lesson"),
        (homework, "Homework corner on Fridays"),
    ):
        plan = f"tryout:{first}:{cid}"
        area(page, f"{plan}|activities", activity)
        pick_many(page, f"{plan}|resources", ["CBC syllabus"])
        pick_many(page, f"{plan}|implementer_ids", [teacher_name])
        click(page, f"{plan}|submit", "Try-out planned")
    tab(page, "AOB and actions")
    area(page, f"notes:{first}|aob_notes", "Sports day on Friday")
    click(page, f"notes:{first}|submit", "Session notes saved")
    tab(page, "AOB and actions")
    click(page, f"end|{first}")
    expect(page.get_by_text("Session ended")).to_be_visible()

    # --- between sessions: the teacher records the results (one worked, one did not)
    teacher = new_page(browser)
    signed_in(teacher, base, TEACHER)
    go(teacher, "My actions", "My actions")
    with Session(eng) as s:
        plans = {
            str(p.challenge_id): str(p.id)
            for p in s.scalars(
                select(TryoutPlan).where(TryoutPlan.challenge_id.in_([uuid.UUID(speak), uuid.UUID(homework)]))
            )
        }
    for cid, result, notes in (
        (speak, "Worked", "Everyone spoke at least once"),
        (homework, "Did not work", "Few came on Fridays"),
    ):
        note = f"tryout_note:{plans[cid]}"
        area(teacher, f"{note}|notes", notes)
        choose(teacher, f"{note}|result", result)
        click(teacher, f"{note}|submit", "Try-out notes saved")

    # --- middle session 1: one effective (consolidate), one not (ALACT and a second try-out)
    middle = plan_and_open(page, base, cop_id, "Middle session 1")
    attendance(page, middle, [teacher_name])
    tab(page, "Try-out results")
    expect(page.get_by_text("Few came on Fridays")).to_be_visible()
    judge = f"judge:{middle}:{plans[speak]}"
    area(page, f"{judge}|pros", "All learners talk")
    radio(page, f"{judge}|verdict", "Effective: it worked")
    click(page, f"{judge}|submit", "Verdict saved")
    judge = f"judge:{middle}:{plans[homework]}"
    area(page, f"{judge}|cons", "Clashes with sports")
    radio(page, f"{judge}|verdict", "Not effective: it did not work")
    click(page, f"{judge}|submit", "Verdict saved")
    shoot(page, "middle_session", tabs=["Try-out results", "Effective: consolidate", "Not effective: ALACT"])
    click(page, f"to_last|{middle}")
    expect(
        page.get_by_text("The last session needs an effective try-out for every priority").first
    ).to_be_visible()
    tab(page, "Effective: consolidate")
    type_in(page, f"lesson:{middle}:{speak}|text", "Short structured talk works in classes of 70")
    click(page, f"lesson:{middle}:{speak}|submit", "Lesson added")
    tab(page, "Effective: consolidate")
    out = f"output:{middle}:{speak}"
    choose(page, f"{out}|kind", "Case study")
    type_in(page, f"{out}|title", "Think-pair-share case study")
    choose(page, f"{out}|owner_id", teacher_name)
    click(page, f"{out}|submit", "Consolidation output planned")
    tab(page, "Not effective: ALACT")
    for name, text in (
        ("action", "Homework corner"),
        ("looking_back", "Few came"),
        ("awareness", "Fridays clash"),
        ("alternatives", "Class time"),
        ("trial", "Ten minutes in class"),
    ):
        area(page, f"alact:{plans[homework]}|{name}", text)
    click(page, f"alact:{plans[homework]}|submit", "ALACT reflection saved")
    tab(page, "Not effective: ALACT")
    plan = f"tryout:{middle}:{homework}"
    area(page, f"{plan}|activities", "Start homework in the last ten minutes of class")
    pick_many(page, f"{plan}|implementer_ids", [teacher_name])
    click(page, f"{plan}|submit", "Try-out planned")
    click(page, f"end|{middle}", "Session ended")

    # --- middle session 2: the second try-out works; consolidation planned
    with Session(eng) as s:
        second = str(
            s.scalar(
                select(TryoutPlan.id).where(
                    TryoutPlan.challenge_id == uuid.UUID(homework), TryoutPlan.attempt_no == 2
                )
            )
        )
    middle2 = plan_and_open(page, base, cop_id, "Middle session 2")
    attendance(page, middle2, [teacher_name])
    tab(page, "Try-out results")
    judge = f"judge:{middle2}:{second}"
    area(page, f"{judge}|pros", "Homework returned by most")
    radio(page, f"{judge}|verdict", "Effective: it worked")
    click(page, f"{judge}|submit", "Verdict saved")
    tab(page, "Effective: consolidate")
    out = f"output:{middle2}:{homework}"
    choose(page, f"{out}|kind", "Lesson plan")
    type_in(page, f"{out}|title", "In-class homework lesson plan")
    choose(page, f"{out}|owner_id", teacher_name)
    click(page, f"{out}|submit", "Consolidation output planned")
    click(page, f"end|{middle2}", "Session ended")

    # --- last session: outputs reviewed (a file and a link), dissemination, evaluation, close
    last = plan_and_open(page, base, cop_id, "Last session")
    attendance(page, last, [teacher_name, sbm_name])
    with Session(eng) as s:
        outputs = {
            o.title: str(o.id)
            for o in s.scalars(
                select(ConsolidationOutput).where(ConsolidationOutput.cycle_id == uuid.UUID(CYCLE["id"]))
            )
        }
    tab(page, "Consolidation outputs")
    case = outputs["Think-pair-share case study"]
    page.locator(f"{css(f'upload|{case}')} input[type=file]").set_input_files(
        files=[{"name": "case_study.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    wait_idle(page)
    expect(page.get_by_text("case_study.pdf").first).to_be_visible()
    wait_idle(page)
    click(page, f"review|{case}", "Output reviewed")
    tab(page, "Consolidation outputs")
    lesson_plan = outputs["In-class homework lesson plan"]
    type_in(page, f"link|{lesson_plan}", "https://drive.example.org/lesson-plan")
    click(page, f"review|{lesson_plan}", "Output reviewed")
    tab(page, "Dissemination")
    dis = f"dissemination:{last}"
    choose(page, f"{dis}|audience", "School community")
    type_in(page, f"{dis}|channel", "Parents' day")
    choose(page, f"{dis}|owner_id", teacher_name)
    click(page, f"{dis}|submit", "Dissemination planned")
    tab(page, "Evaluation")
    ev = f"evaluation:{CYCLE['id']}"
    area(page, f"{ev}|lessons_for_all", "Small routines change large classes")
    area(page, f"{ev}|improvements_next_cycle", "Invite the head teacher to one session")
    click(page, f"{ev}|submit", "Evaluation saved")
    shoot(
        page,
        "last_session",
        tabs=["Consolidation outputs", "Dissemination", "Evaluation", "Storage and closing"],
    )
    tab(page, "Storage and closing")
    radio(page, f"storage:{CYCLE['id']}|place", "School library")
    click(page, f"storage:{CYCLE['id']}|submit", "Storage place saved")
    tab(page, "Storage and closing")
    click(page, f"close|{CYCLE['id']}", "Cycle closed")

    # --- the head teacher acknowledges the cycle report
    head = new_page(browser)
    signed_in(head, base, HT)
    go(head, "Cycle reports", "Cycle reports")
    head.locator("[data-testid=stSelectbox]").filter(has_text="Open a report").click()
    head.get_by_role("option", name=re.compile(re.escape(COP_NAME))).click()
    wait_idle(head)
    head.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(head.get_by_text("Cycle report acknowledged.")).to_be_visible()

    # --- the database holds the cycle, not just the screen
    with Session(eng) as s:
        cycle = s.get(CopCycle, uuid.UUID(CYCLE["id"]))
        assert cycle.phase == "closed" and cycle.closed_at is not None and cycle.storage_place == "library"
        kinds = s.execute(
            select(CopSession.kind, CopSession.status)
            .where(CopSession.cycle_id == cycle.id)
            .order_by(CopSession.created_at)
        ).all()
        assert kinds == [("first", "held"), ("middle", "held"), ("middle", "held"), ("last", "held")]
        rows = s.scalars(select(Challenge).where(Challenge.cycle_id == cycle.id)).all()
        assert len(rows) == 4 and sum(c.is_priority for c in rows) == 2
        assert all(c.control != "out_of_control" for c in rows if c.is_priority)
        tries = s.execute(
            select(TryoutPlan.challenge_id, TryoutPlan.attempt_no, TryoutPlan.effective)
            .where(TryoutPlan.challenge_id.in_([c.id for c in rows]))
            .order_by(TryoutPlan.challenge_id, TryoutPlan.attempt_no)
        ).all()
        assert sorted((str(c), n, e) for c, n, e in tries) == sorted(
            [(speak, 1, True), (homework, 1, False), (homework, 2, True)]
        )
        assert (
            s.scalar(
                select(func.count())
                .select_from(TryoutNote)
                .where(TryoutNote.plan_id.in_([uuid.UUID(p) for p in plans.values()]))
            )
            == 2
        )
        assert (
            s.scalar(
                select(func.count())
                .select_from(AlactReflection)
                .where(AlactReflection.plan_id == uuid.UUID(plans[homework]))
            )
            == 1
        )
        outs = s.scalars(select(ConsolidationOutput).where(ConsolidationOutput.cycle_id == cycle.id)).all()
        assert {o.status for o in outs} == {"reviewed"} and len(outs) == 2
        stored = s.get(StoredFile, next(o.file_id for o in outs if o.file_id))
        assert stored.content_type == "application/pdf"
        assert (
            s.scalar(
                select(func.count())
                .select_from(DisseminationPlan)
                .where(DisseminationPlan.cycle_id == cycle.id)
            )
            == 1
        )
        assert (
            s.scalar(select(CycleEvaluation.effectiveness).where(CycleEvaluation.cycle_id == cycle.id)) == 3
        )
        report = s.scalar(select(CycleReport).where(CycleReport.cycle_id == cycle.id))
        assert report is not None and report.acknowledged_at is not None
        assert (
            s.scalar(
                select(func.count())
                .select_from(Attendance)
                .join(CopSession, CopSession.id == Attendance.session_id)
                .where(CopSession.cycle_id == cycle.id, Attendance.present)
            )
            >= 4
        )
    eng.dispose()
