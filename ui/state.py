"""Every session-state key the app uses, in one place."""

# Sign-in (ours): the person's id, and when they signed in (UTC), checked against revocations each rerun.
PERSON_ID = "cop_person_id"
SIGNED_IN_AT = "cop_signed_in_at"
# Read from the database on every run: a one-time password must be replaced before any page shows.
MUST_CHANGE_PASSWORD = "cop_must_change_password"
# Set at sign-in; the next run (with the signed-in navigation) writes the cookie and clears it.
COOKIE_PENDING = "cop_cookie_pending"
# Keys streamlit-authenticator reads and writes.
AUTH_STATUS = "authentication_status"
AUTH_USERNAME = "username"
AUTH_NAME = "name"
AUTH_ROLES = "roles"
AUTH_LOGOUT = "logout"

SCHOOL_ID = "cop_school_id"
