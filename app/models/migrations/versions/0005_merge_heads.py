"""merge the per-area branches (catalog, chat, studio) into one line

Revision ID: 0005_merge_heads
Revises: 0002_catalog, 0003_chat, 0004_studio
"""

revision = "0005_merge_heads"
down_revision = ("0002_catalog", "0003_chat", "0004_studio")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
