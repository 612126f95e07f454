"""Sign-in in a real browser: scope, sign-out, lockout, direct page URLs, forged and copied cookies."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import jwt
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import AppServer
from tests.e2e.test_first_page import sign_in, wait_idle

COOKIE = "cop_dashboard_signin"
PAGE_FILES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "pages").glob("*.py"))


def _wait_for_cookie(page: Page) -> str:
    """The authenticator writes its cookie from JavaScript a moment after sign-in: wait for it."""
    page.wait_for_function(f"document.cookie.includes('{COOKIE}=')", timeout=15_000)
    return next(c["value"] for c in page.context.cookies() if c["name"] == COOKIE)


def _context_with_cookie(browser: Browser, server: AppServer, value: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.add_cookies([{"name": COOKIE, "value": value, "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def test_a_teacher_sees_only_their_cops_then_signs_out(page: Page, app_server: AppServer) -> None:
    sign_in(page, app_server.url, "teacher.nyakarambi")
    expect(page.get_by_role("heading", name="GS Nyakarambi")).to_be_visible()
    expect(page.get_by_text("P4 teachers CoP").first).to_be_attached()
    expect(page.get_by_text("Mathematics CoP")).to_have_count(0)
    _wait_for_cookie(page)
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    wait_idle(page)
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.goto(app_server.url + "/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_text("P4 teachers CoP")).to_have_count(0)


def test_five_wrong_passwords_lock_the_account(page: Page, app_server: AppServer) -> None:
    for attempt in range(5):
        sign_in(page, app_server.url, "ht.nyakabuye", f"wrong password number {attempt}")
        expect(page.get_by_text("Username or password is incorrect")).to_be_visible()
    sign_in(page, app_server.url, "ht.nyakabuye")  # the right password, now refused
    expect(page.get_by_text("Username or password is incorrect")).to_be_visible()
    expect(page.get_by_role("heading", name="GS Nyakabuye")).to_have_count(0)


def test_every_page_url_on_a_fresh_server_shows_only_the_sign_in(page: Page, start_server) -> None:
    fresh = start_server()  # never visited at "/": Streamlit runs page files without app.py
    for stem in PAGE_FILES:
        page.goto(f"{fresh.url}/{stem}")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        expect(page.locator("[data-testid=stDataFrame]")).to_have_count(0)
        expect(page.get_by_text("GS Nyakarambi")).to_have_count(0)


def test_cookies_signed_with_another_key_or_edited_are_refused(
    page: Page, browser: Browser, app_server: AppServer
) -> None:
    sign_in(page, app_server.url, "teacher.nyakarambi")
    expect(page.get_by_role("heading", name="GS Nyakarambi")).to_be_visible()
    genuine = _wait_for_cookie(page)
    claims = jwt.decode(genuine, options={"verify_signature": False})
    wrong_key = jwt.encode({**claims, "username": "admin"}, "some_key", algorithm="HS256")
    header, _, signature = genuine.split(".")
    edited_payload = base64.urlsafe_b64encode(json.dumps({**claims, "username": "admin"}).encode()).rstrip(
        b"="
    )
    edited = f"{header}.{edited_payload.decode()}.{signature}"
    for forged in (wrong_key, edited):
        other = _context_with_cookie(browser, app_server, forged)
        other.goto(app_server.url + "/")
        expect(other.get_by_role("button", name="Sign in")).to_be_visible()
        expect(other.get_by_text("People")).to_have_count(0)
        other.context.close()
    # The genuine cookie in a fresh browser signs in without the form.
    copy = _context_with_cookie(browser, app_server, genuine)
    copy.goto(app_server.url + "/")
    expect(copy.get_by_role("heading", name="GS Nyakarambi")).to_be_visible()
    copy.context.close()


def test_a_copied_cookie_stops_working_after_sign_out(
    page: Page, browser: Browser, app_server: AppServer
) -> None:
    sign_in(page, app_server.url, "sbm.mahama")
    expect(page.get_by_role("heading", name="EP Mahama")).to_be_visible()
    copied = _wait_for_cookie(page)
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    wait_idle(page)
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    thief = _context_with_cookie(browser, app_server, copied)
    thief.goto(app_server.url + "/")
    expect(thief.get_by_role("button", name="Sign in")).to_be_visible()
    expect(thief.get_by_role("heading", name="EP Mahama")).to_have_count(0)
    thief.context.close()
