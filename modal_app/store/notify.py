"""Job changes across server processes on Postgres: ``NOTIFY`` in the writing transaction, ``LISTEN`` in a
thread of every process, so a long-poll in one worker wakes when another worker finishes the job.

Postgres delivers a notification only when the sending transaction commits, to every session listening on
the channel at that moment (https://www.postgresql.org/docs/current/sql-notify.html); a listener that was
disconnected misses what was sent meanwhile, so after every (re)connection ``on_reconnect`` is called and
the monitor re-reads every waiting job. SQLite has no such thing; its processes look at the file instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "amethyst_jobs"
_NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', :job_id)")
RECONNECT_BACKOFF_S = (0.2, 0.5, 1.0, 2.0, 5.0)


def notify_changed(session: Session, job_id: str) -> None:
    """Tell every listening process the job changed, when this transaction commits (Postgres only)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_NOTIFY, {"job_id": job_id})


class JobChangeListener:
    """One thread with its own autocommit psycopg connection, ``LISTEN``ing for job changes.

    ``on_change(job_id)`` and ``on_reconnect()`` are called from that thread: hand them to the event loop
    with ``call_soon_threadsafe``. ``connected`` is set while notifications can arrive. A lost connection
    (database restart) is retried with backoff until ``stop()``.
    """

    def __init__(
        self,
        engine: Engine,
        on_change: Callable[[str], None],
        on_reconnect: Callable[[], None],
        connect_timeout: float = 5.0,
    ) -> None:
        self._dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._on_change = on_change
        self._on_reconnect = on_reconnect
        self._connect_timeout = max(1, round(connect_timeout))
        self._stop = threading.Event()
        self.connected = threading.Event()
        self._thread = threading.Thread(target=self._run, name="job-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        import psycopg

        failures = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True, connect_timeout=self._connect_timeout) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.connected.set()
                    if failures:
                        log.warning("listening for job changes again")
                    failures = 0
                    self._on_reconnect()
                    while not self._stop.is_set():
                        # Returns after the timeout so stop() is seen; a dropped connection raises.
                        for note in conn.notifies(timeout=0.5):
                            self._on_change(note.payload)
            except psycopg.Error as error:
                self.connected.clear()
                if not failures:
                    log.warning("the job-change listener lost its database connection (%s); reconnecting", error)
                delay = RECONNECT_BACKOFF_S[min(failures, len(RECONNECT_BACKOFF_S) - 1)]
                failures += 1
                self._stop.wait(delay)
            except Exception:  # a callback bug must not end the listening for good
                self.connected.clear()
                log.exception("the job-change listener failed; restarting it")
                self._stop.wait(1.0)
        self.connected.clear()
