"""Screenshots of the CoP session pages at projector (1280x720) and phone (360x740) sizes, taken during the
full-cycle browser test when COP_SCREENS names a folder (for a person to look at; nothing is asserted)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

SIZES = {"1280x720": (1280, 720), "360x740": (360, 740)}


def folder() -> Path | None:
    wanted = os.environ.get("COP_SCREENS")
    return Path(wanted) if wanted else None


def shoot(page: Page, name: str, *, tabs: list[str] = ()) -> None:
    """The page as it is, at each size (viewport and full page), and each named tab opened in turn."""
    out = folder()
    if out is None:
        return
    out.mkdir(parents=True, exist_ok=True)
    first = page.viewport_size or {"width": 1280, "height": 720}
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(400)
        page.screenshot(path=str(out / f"{name}_{size}.png"))
        page.screenshot(path=str(out / f"{name}_{size}_full.png"), full_page=True)
        for tab in tabs:
            page.get_by_role("tab", name=tab).click()
            page.wait_for_timeout(300)
            # Streamlit scrolls its own main block (a full-page shot shows only the viewport): bring the
            # open tab's content to the top of the screen instead.
            page.get_by_role("tablist").first.evaluate("e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(200)
            slug = tab.lower().replace(" ", "_").replace(":", "")
            page.screenshot(path=str(out / f"{name}_{size}_{slug}_full.png"), full_page=True)
        if tabs:
            page.get_by_role("tab", name=tabs[0]).click()
    page.set_viewport_size(first)
