"""chat: sessions, messages and full-text search over messages

Revision ID: 0003_chat
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_chat"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("system_prompt", sa.Text(), nullable=False),
        sa.Column("temperature", sa.Float(), nullable=True),
        sa.Column("top_p", sa.Float(), nullable=True),
        sa.Column("max_tokens", sa.Integer(), nullable=True),
        sa.Column("frequency_penalty", sa.Float(), nullable=True),
        sa.Column("presence_penalty", sa.Float(), nullable=True),
        sa.Column("failover_provider", sa.String(40), nullable=True),
        sa.Column("failover_model", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_chat_sessions_updated_at", "chat_sessions", ["updated_at"])
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("chat_sessions.id", ondelete="CASCADE", name="fk_chat_messages_session_id_chat_sessions"),
            nullable=False,
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(40), nullable=True),
        sa.Column("model", sa.String(200), nullable=True),
        sa.Column("tokens_in", sa.Integer(), nullable=True),
        sa.Column("tokens_out", sa.Integer(), nullable=True),
        sa.Column("estimated", sa.Boolean(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_chat_messages_session_id", "chat_messages", ["session_id"])
    op.create_index("ix_chat_messages_status", "chat_messages", ["status"])
    op.create_index("ix_chat_messages_created_at", "chat_messages", ["created_at"])
    # External-content FTS5 index over message text, kept in step by triggers.
    op.execute(
        "CREATE VIRTUAL TABLE chat_messages_fts USING fts5("
        "content, content='chat_messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER chat_messages_fts_insert AFTER INSERT ON chat_messages BEGIN "
        "INSERT INTO chat_messages_fts(rowid, content) VALUES (new.id, new.content); END"
    )
    op.execute(
        "CREATE TRIGGER chat_messages_fts_delete AFTER DELETE ON chat_messages BEGIN "
        "INSERT INTO chat_messages_fts(chat_messages_fts, rowid, content) VALUES ('delete', old.id, old.content); END"
    )
    op.execute(
        "CREATE TRIGGER chat_messages_fts_update AFTER UPDATE OF content ON chat_messages BEGIN "
        "INSERT INTO chat_messages_fts(chat_messages_fts, rowid, content) VALUES ('delete', old.id, old.content); "
        "INSERT INTO chat_messages_fts(rowid, content) VALUES (new.id, new.content); END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS chat_messages_fts_update")
    op.execute("DROP TRIGGER IF EXISTS chat_messages_fts_delete")
    op.execute("DROP TRIGGER IF EXISTS chat_messages_fts_insert")
    op.execute("DROP TABLE IF EXISTS chat_messages_fts")
    op.drop_table("chat_messages")
    op.drop_table("chat_sessions")
