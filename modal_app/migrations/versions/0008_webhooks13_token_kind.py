"""api_tokens.kind: "session" (sign-in) or "personal" (an API token for scripts; needs a plan with API access)

Revision ID: 0008_webhooks13_token_kind
Revises: 0007_builder14_builds
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_webhooks13_token_kind"
down_revision = "0007_builder14_builds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every token that exists was issued by a sign-up or sign-in.
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="session"))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("kind")
