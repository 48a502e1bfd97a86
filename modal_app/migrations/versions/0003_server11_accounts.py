"""accounts: at most one local account, never a signed-up one; tokens remember their last use

Revision ID: 0003_server11_accounts
Revises: 0002_negative_prompt

An older server let anyone sign up as the local account's email, and then handed the desktop's local token
to that account. The token it handed out ("local desktop") is revoked wherever it belongs to an account
that is not the local one; the desktop is given a new token for the real local account at its next start.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_server11_accounts"
down_revision = "0002_negative_prompt"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("last_used_at", sa.DateTime(), nullable=True))
    op.create_index(
        "uq_accounts_single_local",
        "accounts",
        ["local"],
        unique=True,
        sqlite_where=sa.text("local = 1"),
        postgresql_where=sa.text("local"),
    )
    op.execute(
        sa.text(
            "UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP"
            " WHERE revoked_at IS NULL AND label = 'local desktop'"
            " AND account_id IN (SELECT id FROM accounts WHERE NOT local)"
        )
    )


def downgrade() -> None:
    op.drop_index("uq_accounts_single_local", table_name="accounts")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("last_used_at")
