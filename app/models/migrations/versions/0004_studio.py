"""studio: gallery images and image jobs

Revision ID: 0004_studio
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_studio"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gallery_images",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False, server_default=""),
        sa.Column("negative_prompt", sa.Text(), nullable=False, server_default=""),
        sa.Column("model", sa.String(128), nullable=False, server_default=""),
        sa.Column("size", sa.String(16), nullable=False, server_default=""),
        sa.Column("aspect", sa.String(16), nullable=False, server_default=""),
        sa.Column("width", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("height", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("seed", sa.Integer(), nullable=True),
        sa.Column("cost", sa.Float(), nullable=False, server_default="0"),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("favourite", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("job_id", sa.String(64), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("path", name="uq_gallery_images_path"),
    )
    op.create_index("ix_gallery_images_model", "gallery_images", ["model"])
    op.create_index("ix_gallery_images_created", "gallery_images", ["created"])
    op.create_index("ix_gallery_images_favourite", "gallery_images", ["favourite"])
    op.create_index("ix_gallery_images_job_id", "gallery_images", ["job_id"])
    op.create_index("ix_gallery_images_deleted_at", "gallery_images", ["deleted_at"])
    op.create_table(
        "studio_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("server_id", sa.String(64), nullable=False),
        sa.Column("connection", sa.String(256), nullable=False, server_default=""),
        sa.Column("state", sa.String(16), nullable=False, server_default="queued"),
        sa.Column("request_json", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("cost", sa.Float(), nullable=False, server_default="0"),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=False, server_default=""),
        sa.Column("images_saved", sa.Integer(), nullable=False, server_default="0"),
        sa.UniqueConstraint("server_id", name="uq_studio_jobs_server_id"),
    )
    op.create_index("ix_studio_jobs_state", "studio_jobs", ["state"])


def downgrade() -> None:
    op.drop_table("studio_jobs")
    op.drop_table("gallery_images")
