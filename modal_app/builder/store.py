"""Builds and their events in the server database (synchronous; the service runs it off the event loop).

Events are appended in batches (a build's log can be thousands of lines a second) and read back by id,
which is also the Server-Sent Event id, so a stream resumes from ``Last-Event-ID`` after a reconnect or a
server restart. The live-model count and the insert of a new build share one write transaction (the
account row locked on Postgres, ``BEGIN IMMEDIATE`` on SQLite), so two submits cannot both pass the limit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select

from modal_app.builder.models import BuildEventRow, BuildRow
from modal_app.contract import BuildState
from modal_app.store.db import Store
from modal_app.store.models import Account, utcnow

LIVE_STATES = tuple(state.value for state in BuildState if state.live)
UNFINISHED_STATES = (BuildState.QUEUED.value, BuildState.BUILDING.value, BuildState.READY.value)


class LimitReached(Exception):
    """The account already keeps as many live models as its plan allows."""

    def __init__(self, plan: str, limit: int, live: int) -> None:
        super().__init__(f"{plan}: {live} of {limit} live models")
        self.plan = plan
        self.limit = limit
        self.live = live


@dataclass(frozen=True)
class StoredEvent:
    """One stored event; ``raw`` is its data as stored (JSON text), sent as is on the stream."""

    id: int
    build_id: str
    kind: str
    raw: str

    @property
    def data(self) -> dict[str, Any]:
        value = json.loads(self.raw)
        return value if isinstance(value, dict) else {}


class BuildStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, fields: dict[str, Any], limit: int | None, plan_name: str) -> BuildRow:
        """Insert a build unless the account is at its live-model ``limit`` (None: no limit); raises LimitReached."""
        with self.store.writes.begin() as session:
            account_id = fields["account_id"]
            session.execute(select(Account.id).where(Account.id == account_id).with_for_update())
            if limit is not None:
                live = self._live(session, account_id)
                if live >= limit:
                    raise LimitReached(plan_name, limit, live)
            row = BuildRow(**fields)
            session.add(row)
            session.flush()
            session.expunge(row)
            return row

    @staticmethod
    def _live(session: Any, account_id: str) -> int:
        query = select(func.count()).where(BuildRow.account_id == account_id, BuildRow.state.in_(LIVE_STATES))
        return int(session.scalar(query) or 0)

    def live_count(self, account_id: str) -> int:
        with self.store.reads() as session:
            return self._live(session, account_id)

    def get(self, build_id: str, account_id: str | None = None) -> BuildRow | None:
        with self.store.reads() as session:
            row = session.get(BuildRow, build_id)
            if row is None or (account_id is not None and row.account_id != account_id):
                return None
            return row

    def list_for(self, account_id: str, limit: int = 100) -> Sequence[BuildRow]:
        query = (
            select(BuildRow)
            .where(BuildRow.account_id == account_id)
            .order_by(BuildRow.created_at.desc(), BuildRow.id)
            .limit(limit)
        )
        with self.store.reads() as session:
            return session.scalars(query).all()

    def unfinished(self) -> Sequence[BuildRow]:
        with self.store.reads() as session:
            return session.scalars(select(BuildRow).where(BuildRow.state.in_(UNFINISHED_STATES))).all()

    def update(
        self, build_id: str, events: Iterable[tuple[str, dict[str, Any]]] = (), **fields: Any
    ) -> BuildRow | None:
        """Change a build's fields and append events, in one transaction; returns the row (None: deleted)."""
        with self.store.writes.begin() as session:
            row = session.get(BuildRow, build_id)
            if row is None:
                return None
            for key, value in fields.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            self._append(session, build_id, events)
            session.flush()
            session.expunge(row)
            return row

    def append(self, build_id: str, events: Iterable[tuple[str, dict[str, Any]]]) -> None:
        with self.store.writes.begin() as session:
            if session.get(BuildRow, build_id) is not None:
                self._append(session, build_id, events)

    @staticmethod
    def _append(session: Any, build_id: str, events: Iterable[tuple[str, dict[str, Any]]]) -> None:
        # One executemany of plain rows (Core): a batch of hundreds of log lines costs one statement, not an
        # ORM object and a flush per line, so the server thread holds the GIL only briefly.
        now = utcnow()
        rows = [
            {"build_id": build_id, "kind": kind, "data": json.dumps(data, ensure_ascii=False), "created_at": now}
            for kind, data in events
        ]
        if rows:
            session.execute(insert(BuildEventRow), rows)

    def events_after(self, build_id: str, after: int, limit: int = 2000) -> list[StoredEvent]:
        """Up to ``limit`` events after id ``after``, oldest first; their data stays JSON text."""
        query = (
            select(BuildEventRow.id, BuildEventRow.kind, BuildEventRow.data)
            .where(BuildEventRow.build_id == build_id, BuildEventRow.id > after)
            .order_by(BuildEventRow.id)
            .limit(limit)
        )
        with self.store.reads() as session:
            return [StoredEvent(id_, build_id, kind, data) for id_, kind, data in session.execute(query)]

    def delete(self, build_id: str) -> None:
        with self.store.writes.begin() as session:
            session.execute(delete(BuildEventRow).where(BuildEventRow.build_id == build_id))
            session.execute(delete(BuildRow).where(BuildRow.id == build_id))


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat() + "Z"
