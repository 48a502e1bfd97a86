"""The job-status hot path: the caller's bearer token and the job, read in one statement.

``GET /v1/images/{id}`` is what every desktop polls, so it is the request the API answers most. Read as
two statements (the token, then the job) it took two pool checkouts and, on Postgres, two loopback round
trips and two hops to a worker thread. ``StatusReader.read`` reads the unrevoked token row (with its
account's ``local`` flag) LEFT JOINed with the job *of that account*, so one row answers both questions:
no row means the token is not valid (401); a row with no job means no such job for this caller (404),
exactly as ``JobStore.get(job_id, account_id)`` would say. The token's lifetime is then checked, and its use
noted, by ``Accounts.accept`` like every other authenticated request.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, bindparam, select

from modal_app.accounts import TOKEN_COLUMNS, TOKEN_JOIN, TOKEN_MATCH, Accounts, AuthContext
from modal_app.jobs import JobRow
from modal_app.store.db import Store
from modal_app.store.models import ApiToken, ImageJob

_JOB_FIELDS = tuple(JobRow.__dataclass_fields__)
_STATUS = (
    select(*TOKEN_COLUMNS, *(getattr(ImageJob, name) for name in _JOB_FIELDS))
    .select_from(
        TOKEN_JOIN.outerjoin(
            ImageJob.__table__, and_(ImageJob.id == bindparam("job_id"), ImageJob.account_id == ApiToken.account_id)
        )
    )
    .where(TOKEN_MATCH)
)


@dataclass(frozen=True)
class StatusRead:
    """What one status read found: ``auth`` None → the token is not valid; ``job`` None → no such job of
    the caller's account (or the token is not valid)."""

    auth: AuthContext | None
    job: JobRow | None


class StatusReader:
    """Reads a token and a job in one statement (see the module docstring). ``read`` is blocking, like
    every store call: the job monitor runs it inline on SQLite and on a thread on Postgres."""

    def __init__(self, store: Store, accounts: Accounts) -> None:
        self._store = store
        self._accounts = accounts

    def read(self, token: str, job_id: str) -> StatusRead:
        """The caller of ``token`` and their job ``job_id``; a single read in autocommit on Postgres."""
        with self._store.single_reads.connect() as connection:
            row = connection.execute(_STATUS, {"digest": self._accounts.token_digest(token), "job_id": job_id}).first()
        if row is None:
            return StatusRead(None, None)
        auth = self._accounts.accept(row)
        if auth is None or row.id is None:
            return StatusRead(auth, None)
        values = row._mapping
        return StatusRead(auth, JobRow(**{name: values[name] for name in _JOB_FIELDS}))
