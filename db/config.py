"""Settings read from the environment, once, at the edge of the app."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    data_dir: Path
    demo: bool

    @property
    def embedded(self) -> bool:
        return self.database_url is None


def _flag(value: str | None) -> bool | None:
    if value is None or value.strip() == "":
        return None
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read DATABASE_URL, COP_DATA_DIR and COP_DEMO; demo data defaults to on for the embedded database."""
    env = dict(os.environ) if env is None else env
    url = env.get("DATABASE_URL") or None
    data_dir = Path(env.get("COP_DATA_DIR") or REPO_ROOT / ".data")
    demo = _flag(env.get("COP_DEMO"))
    return Settings(database_url=url, data_dir=data_dir, demo=(url is None) if demo is None else demo)


def sqlalchemy_url(url: str) -> str:
    """Accept the usual postgres:// and postgresql:// spellings and pin the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
