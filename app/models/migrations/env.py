"""Alembic environment for the desktop cache database; the engine is handed in by app.models.db."""

from alembic import context

import app.models  # noqa: F401  (registers every table on the metadata)
from app.models.base import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
