"""catalog: ratings, usage counts and last good catalog copies

Revision ID: 0002_catalog
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_catalog"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_ratings",
        sa.Column("model_id", sa.String(160), primary_key=True),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
    )
    op.create_table(
        "catalog_usage",
        sa.Column("model_id", sa.String(160), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "catalog_snapshots",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("catalog_snapshots")
    op.drop_table("catalog_usage")
    op.drop_table("catalog_ratings")
