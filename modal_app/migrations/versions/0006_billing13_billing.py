"""billing: Stripe events applied once, billing accounts (customer, subscription, debt), pack payments

Revision ID: 0006_billing13_billing
Revises: 0005_pg17b_bigint_keys
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_billing13_billing"
down_revision = "0005_pg17b_bigint_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.String(32), nullable=True),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "billing_accounts",
        sa.Column("account_id", sa.String(32), sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("customer_id", sa.String(255), nullable=True, unique=True),
        sa.Column("subscription_id", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("renews_at", sa.DateTime(), nullable=True),
        sa.Column("subscription_order", sa.BigInteger(), nullable=False),
        sa.Column("debt", sa.Integer(), nullable=False),
        sa.Column("last_payment_failed", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "billing_payments",
        sa.Column("payment_intent", sa.String(255), primary_key=True),
        sa.Column("account_id", sa.String(32), nullable=True),
        sa.Column("session_id", sa.String(255), nullable=True),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("refunded_cents", sa.Integer(), nullable=False),
        sa.Column("credits_taken_back", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
    )
    op.create_index("ix_billing_payments_account", "billing_payments", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_billing_payments_account", "billing_payments")
    op.drop_table("billing_payments")
    op.drop_table("billing_accounts")
    op.drop_table("stripe_events")
