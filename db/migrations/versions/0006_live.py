"""live sessions: NOTIFY on every change marker, the step a running session shows

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept in step with cop.live.LiveStep (a migration must not import the app's code: it would change
# under old migrations).
LIVE_STEPS = (
    "challenges",
    "voting",
    "tryout_results",
    "lessons",
    "insights",
    "positives",
    "improvements",
    "next_steps",
)


def upgrade() -> None:
    # NOTIFY is delivered at commit, so listeners in every process see only committed markers.
    op.execute(
        """
        CREATE FUNCTION cop_change_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('cop_change', NEW.scope || ' ' || NEW.counter);
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER change_marker_notify AFTER INSERT OR UPDATE ON change_marker "
        "FOR EACH ROW EXECUTE FUNCTION cop_change_notify()"
    )
    op.add_column("cop_session", sa.Column("live_step", sa.String(24), nullable=True))
    values = ", ".join(f"'{v}'" for v in LIVE_STEPS)
    op.create_check_constraint(
        op.f("ck_cop_session_live_step_valid"), "cop_session", f"live_step IS NULL OR live_step IN ({values})"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_cop_session_live_step_valid"), "cop_session", type_="check")
    op.drop_column("cop_session", "live_step")
    op.execute("DROP TRIGGER change_marker_notify ON change_marker")
    op.execute("DROP FUNCTION cop_change_notify()")
