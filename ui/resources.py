"""Process-wide resources built once: the migrated engine and the cookie settings."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass

import streamlit as st
from sqlalchemy import Engine

from db.config import load_settings
from db.engine import get_engine

log = logging.getLogger(__name__)

COOKIE_NAME = "cop_dashboard_signin"
COOKIE_EXPIRY_DAYS = 7.0
_WEAK_KEYS = {"some_key", "change-me", "changeme", "secret"}


class ConfigurationError(RuntimeError):
    """The app cannot start safely with this configuration; the message says what to set."""


@st.cache_resource(show_spinner="Starting the database…")
def engine() -> Engine:
    """The engine, migrated (and seeded in demo mode) once per process."""
    return get_engine()


def ensure_configured() -> None:
    """Stop with a clear message (not a traceback) when the app is not safely configured."""
    try:
        cookie_settings()
    except ConfigurationError as exc:
        log.error("refusing to serve: %s", exc)
        st.error(f"The CoP Dashboard is not configured yet. {exc}")
        st.stop()


@dataclass(frozen=True)
class CookieSettings:
    name: str
    key: str
    expiry_days: float


def _secret_from_streamlit() -> str | None:
    try:
        value = st.secrets.get("cookie_key")
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a malformed secrets.toml must not crash the sign-in page
        return None
    return str(value) if value else None


@st.cache_resource
def cookie_settings() -> CookieSettings:
    """Cookie signing key: secrets.toml or COP_COOKIE_KEY; in demo mode one generated once into .data/."""
    key = _secret_from_streamlit() or os.environ.get("COP_COOKIE_KEY")
    settings = load_settings()
    if not key and settings.demo:
        path = settings.data_dir / "cookie_key"
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        key = path.read_text().strip()
    if not key or key in _WEAK_KEYS or len(key.encode()) < 32:
        raise ConfigurationError(
            "Set a cookie signing key of at least 32 characters: `cookie_key` in .streamlit/secrets.toml "
            'or the COP_COOKIE_KEY environment variable (for example `python -c "import secrets; '
            'print(secrets.token_urlsafe(48))"`).'
        )
    return CookieSettings(COOKIE_NAME, key, COOKIE_EXPIRY_DAYS)
