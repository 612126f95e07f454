"""The password policy: long enough, not common, not the username; no composition rules, no hints."""

from __future__ import annotations

from cop.errors import ValidationError

MIN_LENGTH = 10
# Counted in UTF-8 bytes: bcrypt hashes at most 72, and bcrypt 5 raises on longer input instead of
# truncating it. That still leaves room for a 10-word sentence.
MAX_LENGTH = 72

# The demo accounts share this password, and it is printed in the README: a real account must not use it.
DEMO_PASSWORD = "cop-demo-2026"

# Passwords people pick first, from breach lists plus local words (schools, places, Kinyarwanda).
# Only ones of MIN_LENGTH or more are listed: shorter ones are already refused for their length.
COMMON_PASSWORDS: frozenset[str] = frozenset(
    {
        "1234567890",
        "12345678910",
        "123456789a",
        "0123456789",
        "0987654321",
        "1111111111",
        "0000000000",
        "1234512345",
        "1122334455",
        "1029384756",
        "9876543210",
        "123456789q",
        "a123456789",
        "q123456789",
        "qwertyuiop",
        "qwerty1234",
        "qwerty123456",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "asdfghjkl1",
        "asdfghjkl;",
        "zxcvbnm123",
        "qazwsxedc123",
        "password12",
        "password123",
        "password1234",
        "password2024",
        "password2025",
        "password2026",
        "passw0rd123",
        "p@ssw0rd123",
        "p@ssword123",
        "password!1",
        "mypassword",
        "mypassword1",
        "newpassword",
        "changeme123",
        "letmein123",
        "welcome123",
        "welcome2026",
        "iloveyou12",
        "iloveyou123",
        "iloveyou1234",
        "princess123",
        "sunshine123",
        "football123",
        "baseball123",
        "superman123",
        "michael123",
        "jesus12345",
        "jesuschrist",
        "godisgood1",
        "godisgood123",
        "blessed123",
        "trustno1234",
        "dragon1234",
        "monkey12345",
        "starwars123",
        "administrator",
        "admin12345",
        "admin123456",
        "adminadmin",
        "root123456",
        "computer123",
        "internet123",
        "abcdefghij",
        "abcd123456",
        "abc1234567",
        "abcdef1234",
        "aaaaaaaaaa",
        "rwanda2024",
        "rwanda2025",
        "rwanda2026",
        "rwanda12345",
        "rwanda123456",
        "kigali1234",
        "kigali12345",
        "kigali2026",
        "kirehe1234",
        "kirehe2026",
        "rusizi1234",
        "rusizi2026",
        "teacher123",
        "teacher1234",
        "teacher2026",
        "teachers123",
        "school1234",
        "school2025",
        "school2026",
        "student123",
        "mwarimu123",
        "mwarimu2026",
        "umwarimu123",
        "ishuri1234",
        "ishuri2026",
        "murakoze123",
        "amahoro123",
        "imana12345",
        "ndagukunda",
        "ndagukunda1",
        "copdashboard",
        "cop-dashboard",
        "community123",
    }
)

# Usernames this short would refuse half of all passwords for "containing" them.
_MIN_USERNAME_CHECKED = 3


def check_new_password(password: str, *, username: str | None = None) -> None:
    """Refuse a new password that breaks the policy, with a message fit to show as it is."""
    if len(password) < MIN_LENGTH:
        _refuse(f"Use at least {MIN_LENGTH} characters; a short sentence is easy to remember.")
    if len(password.encode()) > MAX_LENGTH:
        _refuse(
            f"Use at most {MAX_LENGTH} characters (a letter with an accent or a symbol may count as 2 or 3)."
        )
    folded = password.strip().casefold()
    if folded == DEMO_PASSWORD or folded in COMMON_PASSWORDS:
        _refuse("This password is too common: choose one that other people would not guess.")
    name = (username or "").strip().casefold()
    if len(name) >= _MIN_USERNAME_CHECKED and name in password.casefold():
        _refuse("The password must not contain your username.")


def _refuse(message: str) -> None:
    raise ValidationError({"password": message})
