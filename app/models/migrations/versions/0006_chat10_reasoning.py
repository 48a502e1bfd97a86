"""chat: a reply's reasoning (thinking) and the reason it finished, stored apart from its text

Revision ID: 0006_chat10_reasoning
Revises: 0005_merge_heads
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_chat10_reasoning"
down_revision = "0005_merge_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat_messages") as batch:
        batch.add_column(sa.Column("reasoning", sa.Text(), nullable=True))
        batch.add_column(sa.Column("finish_reason", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_messages") as batch:
        batch.drop_column("finish_reason")
        batch.drop_column("reasoning")
