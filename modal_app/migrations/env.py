"""Alembic environment for the Studio API database; modal_app.store.db hands in an open connection (in
its transaction) or an engine."""

from alembic import context
from sqlalchemy.engine import Connection

from modal_app.store.models import Base

config = context.config


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if "connection" in config.attributes:
    _run(config.attributes["connection"])
else:
    with config.attributes["engine"].begin() as connection:
        _run(connection)
