"""In headless Chromium: a UR-CE facilitator logs a field visit for an assigned SBM and downloads its PDF;
the SBM and their head teacher then see it, and the SBM sees the agreed next step among their actions."""

from __future__ import annotations

import re
import uuid
import zlib
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from db.models import ActionItem, FieldVisit, Person
from tests.e2e.conftest import AppServer
from tests.e2e.test_first_page import sign_in, wait_idle

SBM, SBM_NAME, SCHOOL = "sbm.nyakarambi", "Eric Niyonzima", "GS Nyakarambi"


def _new_page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def _signed_in(page: Page, base_url: str, username: str) -> None:
    """Sign in and wait until the sign-in cookie is written: a click before that can be lost to the rerun
    the cookie component makes."""
    sign_in(page, base_url, username)
    expect(page.get_by_role("link", name="My actions")).to_be_visible()
    page.wait_for_function("document.cookie.includes('cop_dashboard_signin=')", timeout=15_000)
    wait_idle(page)


def _open(page: Page, link: str) -> None:
    """Follow a sidebar link and wait until the page has run."""
    wait_idle(page)
    page.get_by_role("link", name=link).click()
    expect(
        page.get_by_role("heading", name=link if link != "Field visits" else "Supportive field visits")
    ).to_be_visible()
    wait_idle(page)


def _type(page: Page, label: str, text: str) -> None:
    """Type into a text field and leave it, which sends its value (and keeps the draft)."""
    field = page.get_by_label(label, exact=True)
    field.fill(text)
    field.press("Tab")
    wait_idle(page)


def _shown(page: Page, text: str) -> Locator:
    """Text the page shows (not what is still typed in a form field)."""
    return page.get_by_test_id("stMarkdownContainer").filter(has_text=text)


def _pdf_text(data: bytes) -> str:
    """The text drawn by a PDF from fpdf2 (its page streams are deflated)."""
    chunks = [data.decode("latin-1")]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(chunks)


def test_a_field_visit_is_logged_downloaded_and_shared_with_the_sbm_and_head_teacher(
    page: Page, browser: Browser, app_server: AppServer, e2e_database_url: str, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    coaching = f"Co-planned the middle session with ALACT questions ({tag})"
    step = f"Observe two P4 lessons with exit tickets ({tag})"

    # The UR-CE facilitator records the visit.
    _signed_in(page, app_server.url, "urce.facilitator")
    _open(page, "Field visits")
    page.get_by_role("tab", name="Record a visit").click()
    wait_idle(page)
    page.locator("[data-testid=stSelectbox]").filter(has_text="SBM visited").click()
    page.get_by_role("option", name=f"{SBM_NAME} ({SCHOOL})").click()
    wait_idle(page)
    _type(page, "SBM's priority challenge(s)", "Learners who finish early wait for the others.")
    _type(page, "Coaching given", coaching)
    _type(page, "SBM's CPD progress", "Portfolio up to date; module 2 started.")
    _type(page, "School's CPD activities", "CoP sessions every three weeks by grade.")
    page.get_by_test_id("stRadioGroup").get_by_text("2 - Developing", exact=True).click()
    wait_idle(page)
    _type(page, "Next step 1", step)
    expect(page.get_by_text("Draft saved")).to_be_visible()
    # Everything typed is in the form (the save sends what the browser holds).
    expect(page.get_by_label("Coaching given", exact=True)).to_have_value(coaching)
    expect(page.get_by_label("Next step 1", exact=True)).to_have_value(step)
    expect(page.get_by_test_id("stRadioGroup").get_by_role("radio", name="2 - Developing")).to_be_checked()
    wait_idle(page)
    page.get_by_role("button", name="Save visit report").click()
    expect(page.get_by_text("Report saved").or_(page.get_by_text("Nothing was saved"))).to_be_visible()
    expect(page.get_by_text("Report saved")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(f"Visit to {SBM_NAME} on"))).to_be_visible()
    expect(_shown(page, coaching)).to_be_visible()

    # Its PDF, as the browser downloads it.
    wait_idle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF-")
    assert "eric_niyonzima" in download.value.suggested_filename
    assert SBM_NAME in _pdf_text(data) and tag in _pdf_text(data)

    # The SBM reads it and finds the agreed step among their actions.
    sbm = _new_page(browser)
    _signed_in(sbm, app_server.url, SBM)
    _open(sbm, "Field visits")
    expect(sbm.get_by_role("heading", name="Visits to you")).to_be_visible()
    expect(_shown(sbm, coaching)).to_be_visible()
    _open(sbm, "My actions")
    expect(_shown(sbm, step)).to_be_visible()
    expect(sbm.get_by_text(re.compile(r"Field visit by .+ on "))).not_to_have_count(0)
    sbm.context.close()

    # Their head teacher reads it too.
    head = _new_page(browser)
    _signed_in(head, app_server.url, "ht.nyakarambi")
    _open(head, "Field visits")
    expect(head.get_by_role("heading", name="Visits to your school")).to_be_visible()
    expect(_shown(head, coaching)).to_be_visible()
    head.context.close()

    # And the database holds one report and its step as the SBM's action at the SBM's school.
    engine = create_engine(e2e_database_url)
    try:
        with Session(engine) as s:
            sbm_person = s.scalars(select(Person).where(Person.username == SBM)).one()
            visits = s.scalars(select(FieldVisit).where(FieldVisit.coaching_given == coaching)).all()
            assert len(visits) == 1
            (visit,) = visits
            assert (visit.sbm_id, visit.school_id, visit.practice_rating) == (
                sbm_person.id,
                sbm_person.school_id,
                2,
            )
            actions = s.scalars(select(ActionItem).where(ActionItem.field_visit_id == visit.id)).all()
            assert [(a.description, a.owner_id, a.school_id, a.source, a.status) for a in actions] == [
                (step, sbm_person.id, sbm_person.school_id, "field_visit", "open")
            ]
    finally:
        engine.dispose()
