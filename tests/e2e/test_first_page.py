"""In headless Chromium: the app starts, asks for a sign-in, and shows a head teacher their school."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from db.demo import DEMO_PASSWORD
from tests.e2e.conftest import AppServer


def wait_idle(page: Page) -> None:
    """Wait until Streamlit has finished running the script (filling inputs mid-run loses them)."""
    page.locator("[data-test-script-state=notRunning]").wait_for(state="attached")


def sign_in(page: Page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(base_url + "/")
    page.get_by_role("button", name="Sign in").wait_for()
    wait_idle(page)
    page.get_by_label("Username").fill(username)
    page.locator("input[type=password]").fill(password)
    # Enter submits the form with both values; a click can race the inputs' last change events.
    page.locator("input[type=password]").press("Enter")


def test_a_head_teacher_signs_in_and_sees_their_school(page: Page, app_server: AppServer) -> None:
    sign_in(page, app_server.url, "ht.nyakarambi")
    expect(page.get_by_role("heading", name="GS Nyakarambi")).to_be_visible()
    expect(page.get_by_role("heading", name="Communities of Practice", exact=True)).to_be_visible()
    # Table cells live in the data grid's accessibility layer: attached, not "visible".
    expect(page.get_by_text("P4 teachers CoP").first).to_be_attached()
    expect(page.get_by_text("EP Mahama")).to_have_count(0)


def test_a_wrong_password_keeps_the_sign_in_and_says_so_plainly(page: Page, app_server: AppServer) -> None:
    sign_in(page, app_server.url, "ht.nyakarambi", "not the password at all")
    expect(page.get_by_text("Username or password is incorrect")).to_be_visible()
    expect(page.get_by_role("heading", name="GS Nyakarambi")).to_have_count(0)


def test_a_page_url_on_a_fresh_server_shows_only_the_sign_in(page: Page, start_server) -> None:
    fresh = start_server()  # never visited: Streamlit runs the page file without app.py
    page.goto(fresh.url + "/school_overview")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_role("heading", name="GS Nyakarambi")).to_have_count(0)
    expect(page.get_by_role("heading", name="Communities of Practice", exact=True)).to_have_count(0)
