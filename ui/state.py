"""Every session-state key the app uses, in one place."""

# Sign-in (ours): the person's id, and when they signed in (UTC), checked against revocations each rerun.
PERSON_ID = "cop_person_id"
SIGNED_IN_AT = "cop_signed_in_at"
# Keys streamlit-authenticator reads and writes.
AUTH_STATUS = "authentication_status"
AUTH_USERNAME = "username"
AUTH_NAME = "name"
AUTH_ROLES = "roles"
AUTH_LOGOUT = "logout"

SCHOOL_ID = "cop_school_id"
