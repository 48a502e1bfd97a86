"""Everything one server process needs, built once from the settings and handed to the routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from modal_app.accounts import LOCAL_TOKEN_LABEL, Accounts
from modal_app.builder.factory import build_sandbox_compute
from modal_app.builder.service import BuildService
from modal_app.compute import build_compute
from modal_app.compute.base import ImageCompute
from modal_app.hashing import PasswordHashing
from modal_app.job_status import StatusReader
from modal_app.jobs import JobStore
from modal_app.ledger import Ledger
from modal_app.monitor import JobMonitor
from modal_app.ratelimit import SignInLimiter
from modal_app.settings import LOCAL_TOKEN_FILE, ServerSettings
from modal_app.storage import ResultStorage, open_storage
from modal_app.storage.blobs import move_blobs
from modal_app.store.db import PoolSettings, Store, open_store
from modal_app.store.faults import storage_fault
from modal_app.store.notify import JobChangeListener

log = logging.getLogger(__name__)

# Expired tokens are revoked once per this many sweeps (the check on use refuses them in between).
EXPIRE_EVERY_SWEEPS = 30


@dataclass
class Services:
    settings: ServerSettings
    store: Store
    accounts: Accounts
    ledger: Ledger
    jobs: JobStore
    compute: ImageCompute
    monitor: JobMonitor
    signins: SignInLimiter = field(default_factory=SignInLimiter)
    local_token: str | None = None
    builds: BuildService | None = None
    _housekeeping: asyncio.Task[None] | None = field(default=None, init=False, repr=False)
    _listener: JobChangeListener | None = field(default=None, init=False, repr=False)

    @cached_property
    def status(self) -> StatusReader:
        """The job-status read: token and job in one statement (the hot path of ``GET /v1/images/{id}``)."""
        return StatusReader(self.store, self.accounts)

    async def start(self) -> None:
        if self.store.engine.dialect.name == "postgresql":
            self._listen(asyncio.get_running_loop())
        resumed = await self.monitor.reconcile()
        if resumed:
            log.info("resumed watching %d unfinished image jobs", resumed)
        if self.builds is not None:
            await self.builds.start()
        self._housekeeping = asyncio.get_running_loop().create_task(self._sweep_forever(), name="housekeeping")

    def _listen(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wake this process's long-polls when another process changes a job (Postgres LISTEN/NOTIFY)."""
        monitor = self.monitor

        def on_change(job_id: str) -> None:
            loop.call_soon_threadsafe(monitor.changed, job_id)

        def on_reconnect() -> None:
            loop.call_soon_threadsafe(monitor.wake_all)

        listener = JobChangeListener(
            self.store.engine, on_change, on_reconnect, connect_timeout=self.settings.db_connect_timeout
        )
        monitor.announced = listener.connected.is_set
        listener.start()
        self._listener = listener

    async def _sweep_forever(self) -> None:
        """Every ``sweep_interval``: settle jobs nobody watches, write token uses, revoke expired tokens."""
        rounds = 0
        while True:
            await asyncio.sleep(self.settings.sweep_interval)
            rounds += 1
            try:
                await self.monitor.sweep()
                await asyncio.to_thread(self.accounts.flush_token_use)
                if rounds % EXPIRE_EVERY_SWEEPS == 0:
                    await asyncio.to_thread(self.accounts.expire_tokens)
            except Exception as error:  # the next round tries again; a fault is logged once per outage
                kind = storage_fault(error)
                if kind is None:
                    log.exception("the periodic sweep failed; trying again in %.0f s", self.settings.sweep_interval)
                else:
                    self.store.faults.report(kind, error)

    async def stop(self) -> None:
        task, self._housekeeping = self._housekeeping, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        listener, self._listener = self._listener, None
        if listener is not None:
            await asyncio.to_thread(listener.stop)
        await self.monitor.close()
        if self.builds is not None:
            await self.builds.stop()
        await self.compute.close()
        with contextlib.suppress(Exception):  # a read-only or full database keeps the uses for next time
            await asyncio.to_thread(self.accounts.flush_token_use)
        self.accounts.hashing.close()

    def close(self) -> None:
        self.accounts.hashing.close()
        self.store.close()


def build_services(settings: ServerSettings) -> Services:
    """Open (check, migrate) the store and build the services; raises StoreCorrupt for a damaged file."""
    pool = PoolSettings(
        size=settings.db_pool_size,
        overflow=settings.db_pool_overflow,
        timeout=settings.db_pool_timeout,
        connect_timeout=settings.db_connect_timeout,
        statement_timeout=settings.db_statement_timeout,
    )
    store = open_store(settings.database_url, pool)
    storage = build_storage(settings)
    move_blobs(store, storage)  # images written by servers before migration 0004
    hashing = PasswordHashing(threads=settings.hash_threads)
    accounts = Accounts(store, settings.token_secret, token_lifetime=settings.token_lifetime, hashing=hashing)
    jobs = JobStore(store, billing_enabled=settings.billing_enabled, storage=storage)
    compute = build_compute(settings)
    monitor = JobMonitor(
        jobs,
        compute,
        poll_interval=settings.poll_interval,
        max_poll_interval=settings.max_poll_interval,
        job_timeout=settings.job_timeout,
        submit_grace=settings.submit_grace,
        inline_reads=store.engine.dialect.name == "sqlite",
        read_threads=settings.db_pool_size,
    )
    signins = SignInLimiter(
        per_account=settings.signin_per_account,
        per_address=settings.signin_per_address,
        window_s=settings.signin_window,
    )
    services = Services(settings, store, accounts, Ledger(store), jobs, compute, monitor, signins)
    services.builds = BuildService(
        store,
        build_sandbox_compute(settings),
        billing_enabled=settings.billing_enabled,
        health_timeout=settings.build_health_timeout,
        predict_timeout=settings.predict_timeout,
    )
    if settings.local_account:
        services.local_token = ensure_local_token(accounts, settings.data_dir)
    return services


def build_storage(settings: ServerSettings) -> ResultStorage:
    """The result storage the settings name (default: <data_dir>/results)."""
    return open_storage(
        settings.result_storage, settings.data_dir, endpoint_url=settings.s3_endpoint_url, region=settings.s3_region
    )


def ensure_local_token(accounts: Accounts, data_dir: Path | None) -> str:
    """The local account's token: the one in <data_dir>/local-token if still valid and the local account's,
    else a new one (a token of any other account is never reused, whatever its email)."""
    account = accounts.ensure_local_account()
    token_file = data_dir / LOCAL_TOKEN_FILE if data_dir is not None else None
    if token_file is not None and token_file.exists():
        token = token_file.read_text(encoding="utf-8").strip()
        auth = accounts.authenticate(token)
        if auth is not None and auth.account_id == account.id:
            return token
    token, _token_id = accounts.issue_token(account.id, label=LOCAL_TOKEN_LABEL)
    if token_file is not None:
        token_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(token)
    return token
