"""Five failures spread over two processes lock the username in both: the count lives in PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from db.auth import hash_password
from db.models import AuditLog, Person, SignInAttempt

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "the right long password"

_ATTEMPTS = """
import sys
from sqlalchemy.orm import Session
from db.engine import make_engine
from db.auth import check_credentials
url, username, passwords = sys.argv[1], sys.argv[2], sys.argv[3:]
engine = make_engine(url)
results = []
for password in passwords:
    with Session(engine) as s, s.begin():
        results.append(check_credentials(s, username, password) is not None)
print(" ".join("ok" if r else "no" for r in results))
"""


def _attempt(engine: Engine, username: str, *passwords: str) -> list[str]:
    """Sign-in attempts, in order, from a separate Python process."""
    url = engine.url.render_as_string(hide_password=False)
    out = subprocess.run(
        [sys.executable, "-c", _ATTEMPTS, url, username, *passwords],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return out.stdout.split()


def test_failures_in_two_processes_add_up_to_a_lock(engine: Engine) -> None:
    username = f"lock.{uuid.uuid4().hex[:8]}"
    with Session(engine) as s, s.begin():
        s.add(
            Person(
                username=username,
                full_name="Lock Test",
                role="teacher",
                password_hash=hash_password(PASSWORD),
            )
        )
    try:
        assert _attempt(engine, username, *["wrong password one"] * 3) == ["no"] * 3
        # Two more failures in another process make five; the right password is then refused too.
        assert _attempt(engine, username, "wrong two", "wrong three", PASSWORD) == ["no"] * 3
        assert _attempt(engine, username, PASSWORD) == ["no"]
        with Session(engine) as s:
            recorded = s.scalars(
                select(SignInAttempt.succeeded).where(SignInAttempt.username == username)
            ).all()
        assert len(recorded) == 7 and not any(recorded)
    finally:
        with Session(engine) as s, s.begin():
            pid = s.scalar(select(Person.id).where(Person.username == username))
            s.execute(delete(SignInAttempt).where(SignInAttempt.username == username))
            s.execute(delete(AuditLog).where(AuditLog.record_id == str(pid)))
            s.execute(delete(Person).where(Person.id == pid))


def test_a_successful_sign_in_clears_earlier_failures(engine: Engine) -> None:
    username = f"clear.{uuid.uuid4().hex[:8]}"
    with Session(engine) as s, s.begin():
        s.add(
            Person(
                username=username,
                full_name="Clear Test",
                role="teacher",
                password_hash=hash_password(PASSWORD),
            )
        )
    try:
        wrong4 = ["wrong password"] * 4
        assert _attempt(engine, username, *wrong4, PASSWORD, *wrong4, PASSWORD) == ["no"] * 4 + ["ok"] + [
            "no"
        ] * 4 + ["ok"]
    finally:
        with Session(engine) as s, s.begin():
            pid = s.scalar(select(Person.id).where(Person.username == username))
            s.execute(delete(SignInAttempt).where(SignInAttempt.username == username))
            s.execute(delete(AuditLog).where(AuditLog.record_id == str(pid)))
            s.execute(delete(Person).where(Person.id == pid))
