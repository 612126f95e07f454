"""Page tests run the real app (AppTest) against the committed demo database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from streamlit.testing.v1 import AppTest

from db.models import Person
from ui import state


@pytest.fixture(scope="session")
def person_ids(app_env: str) -> dict[str, str]:
    eng = create_engine(app_env)
    with eng.connect() as conn:
        rows = conn.execute(select(Person.username, Person.id)).all()
    eng.dispose()
    return {u: str(i) for u, i in rows}


@pytest.fixture
def app_as(person_ids: dict[str, str]) -> Callable[..., AppTest]:
    """An AppTest of a script, signed in as `username` (or anonymous with None)."""

    def make(script: str, username: str | None) -> AppTest:
        # AppTest resolves relative paths against the calling file: give it the repository's path.
        at = AppTest.from_file(str(Path.cwd() / script), default_timeout=30)
        if username is not None:
            at.session_state[state.PERSON_ID] = person_ids[username]
            at.session_state[state.SIGNED_IN_AT] = datetime.now(UTC)
        return at

    return make
