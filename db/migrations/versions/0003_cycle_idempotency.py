"""cycle sessions: idempotency keys on the cycle's records, so a double submit saves once

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "cop_cycle",
    "cop_session",
    "tryout_plan",
    "lesson_learnt",
    "consolidation_output",
    "dissemination_plan",
)


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("idempotency_key", sa.String(64), nullable=True))
        op.create_unique_constraint(f"uq_{table}_idempotency_key", table, ["idempotency_key"])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_constraint(f"uq_{table}_idempotency_key", table, type_="unique")
        op.drop_column(table, "idempotency_key")
