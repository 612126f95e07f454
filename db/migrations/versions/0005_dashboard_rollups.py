"""dashboards: summary tables per school and term, and the indexes the dashboards read through

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TERM_COUNTS = (
    "sessions_held",
    "reflection_sessions",
    "attendance_present",
    "attendance_records",
    "monitoring_visits",
    "field_visits",
    "ttc_visits",
    "observations",
    "challenges",
    "parking_lot",
    "tryouts_judged",
    "tryouts_effective",
    "outputs",
    "disseminations_done",
)


def upgrade() -> None:
    op.create_table(
        "school_term_stat",
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("school_year", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=1), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _TERM_COUNTS),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_school_term_stat_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("school_id", "school_year", "term", name=op.f("pk_school_term_stat")),
    )
    op.create_index("ix_school_term_stat_year_term", "school_term_stat", ["school_year", "term"])
    op.create_table(
        "school_stat",
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("teachers", sa.Integer(), nullable=False),
        sa.Column("new_teachers", sa.Integer(), nullable=False),
        sa.Column("cops_active", sa.Integer(), nullable=False),
        sa.Column("cycles_open", sa.Integer(), nullable=False),
        sa.Column("cycles_stuck", sa.Integer(), nullable=False),
        sa.Column("last_session_on", sa.Date(), nullable=True),
        sa.Column("marker_counter", sa.BigInteger(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_school_stat_school_id_school"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_school_stat")),
    )
    op.create_index(
        "ix_action_item_open_due",
        "action_item",
        ["due_on", "school_id"],
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index("ix_change_marker_changed_at", "change_marker", ["changed_at"])


def downgrade() -> None:
    op.drop_index("ix_change_marker_changed_at", table_name="change_marker")
    op.drop_index("ix_action_item_open_due", table_name="action_item")
    op.drop_table("school_stat")
    op.drop_index("ix_school_term_stat_year_term", table_name="school_term_stat")
    op.drop_table("school_term_stat")
