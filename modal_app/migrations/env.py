"""Alembic environment for the Studio API database; the engine is handed in by modal_app.store.db."""

from alembic import context

from modal_app.store.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
