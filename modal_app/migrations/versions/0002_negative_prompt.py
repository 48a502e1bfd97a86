"""image jobs keep their negative prompt

Revision ID: 0002_negative_prompt
Revises: 0001_studio_api
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_negative_prompt"
down_revision = "0001_studio_api"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("image_jobs") as batch:
        batch.add_column(sa.Column("negative_prompt", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("image_jobs") as batch:
        batch.drop_column("negative_prompt")
