"""cycle support: reflection next steps with an owner and a due date, one stored copy of a file per school

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The same bytes uploaded twice to one school are one stored file (a retried upload, a shared photo).
    op.create_unique_constraint(
        op.f("uq_stored_file_school_id_sha256"), "stored_file", ["school_id", "sha256"]
    )
    # An agreed next step of a reflection session names who does it and by when; on completion it
    # becomes an action item, linked here so it is made once.
    op.add_column("reflection_card", sa.Column("owner_id", sa.Uuid(), nullable=True))
    op.add_column("reflection_card", sa.Column("due_on", sa.Date(), nullable=True))
    op.add_column("reflection_card", sa.Column("action_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_reflection_card_owner_id_person"), "reflection_card", "person", ["owner_id"], ["id"]
    )
    op.create_foreign_key(
        op.f("fk_reflection_card_action_id_action_item"),
        "reflection_card",
        "action_item",
        ["action_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_reflection_card_action_id_action_item"), "reflection_card", type_="foreignkey"
    )
    op.drop_constraint(op.f("fk_reflection_card_owner_id_person"), "reflection_card", type_="foreignkey")
    op.drop_column("reflection_card", "action_id")
    op.drop_column("reflection_card", "due_on")
    op.drop_column("reflection_card", "owner_id")
    op.drop_constraint(op.f("uq_stored_file_school_id_sha256"), "stored_file", type_="unique")
