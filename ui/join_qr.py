"""The join code's QR code, made on the server with segno (no outside service sees the session's link)."""

from __future__ import annotations

import io
from functools import lru_cache
from urllib.parse import urlencode, urlsplit, urlunsplit

import segno


def join_url(page_url: str | None, code: str) -> str:
    """The join page's address with the code, from the address the projector is served on."""
    if not page_url:
        return f"/join?{urlencode({'code': code})}"
    parts = urlsplit(page_url)
    # Keep any base path the app is served under: only the page's own segment changes.
    path = parts.path.rsplit("/", 1)[0] + "/join"
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode({"code": code}), ""))


@lru_cache(maxsize=64)
def qr_svg(data: str, *, scale: int = 8) -> str:
    """An SVG of the QR code (medium error correction: still reads on a dim projector)."""
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="svg", scale=scale, border=2, xmldecl=False, dark="#111")
    return buffer.getvalue().decode()


@lru_cache(maxsize=64)
def qr_png(data: str, *, scale: int = 8) -> bytes:
    """The same QR code as a PNG (for st.image and printing)."""
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()
