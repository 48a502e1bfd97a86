"""builds and their stored events (the Builder, issue 14)

Revision ID: 0007_builder14_builds
Revises: 0006_billing13_billing
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_builder14_builds"
down_revision = "0006_billing13_billing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "builds",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("account_id", sa.String(32), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("code_model", sa.String(200), nullable=True),
        sa.Column("files", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("step", sa.String(16), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("steps", sa.Text(), nullable=False),
        sa.Column("sandbox_kind", sa.String(16), nullable=False),
        sa.Column("sandbox_id", sa.String(128), nullable=True),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("port", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_builds_account_created", "builds", ["account_id", "created_at"])
    op.create_index("ix_builds_state", "builds", ["state"])
    op.create_table(
        "build_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("build_id", sa.String(32), sa.ForeignKey("builds.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_build_events_build_id", "build_events", ["build_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_build_events_build_id", table_name="build_events")
    op.drop_table("build_events")
    op.drop_index("ix_builds_state", table_name="builds")
    op.drop_index("ix_builds_account_created", table_name="builds")
    op.drop_table("builds")
