"""Everything one server process needs, built once from the settings and handed to the routes."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from modal_app.accounts import Accounts
from modal_app.compute import build_compute
from modal_app.compute.base import ImageCompute
from modal_app.jobs import JobStore
from modal_app.ledger import Ledger
from modal_app.monitor import JobMonitor
from modal_app.settings import LOCAL_TOKEN_FILE, ServerSettings
from modal_app.store.db import Store, open_store

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: ServerSettings
    store: Store
    accounts: Accounts
    ledger: Ledger
    jobs: JobStore
    compute: ImageCompute
    monitor: JobMonitor
    local_token: str | None = None

    async def start(self) -> None:
        resumed = await self.monitor.reconcile()
        if resumed:
            log.info("resumed watching %d unfinished image jobs", resumed)

    async def stop(self) -> None:
        await self.monitor.close()
        await self.compute.close()

    def close(self) -> None:
        self.store.close()


def build_services(settings: ServerSettings) -> Services:
    store = open_store(settings.database_url)
    accounts = Accounts(store, settings.token_secret)
    jobs = JobStore(store, billing_enabled=settings.billing_enabled)
    compute = build_compute(settings)
    monitor = JobMonitor(
        jobs,
        compute,
        poll_interval=settings.poll_interval,
        job_timeout=settings.job_timeout,
        submit_grace=settings.submit_grace,
        inline_reads=settings.database_url.startswith("sqlite"),
    )
    services = Services(settings, store, accounts, Ledger(store), jobs, compute, monitor)
    if settings.local_account:
        services.local_token = ensure_local_token(accounts, settings.data_dir)
    return services


def ensure_local_token(accounts: Accounts, data_dir: Path | None) -> str:
    """The local account's token: the one in <data_dir>/local-token if still valid, else a new one."""
    account = accounts.ensure_local_account()
    token_file = data_dir / LOCAL_TOKEN_FILE if data_dir is not None else None
    if token_file is not None and token_file.exists():
        token = token_file.read_text(encoding="utf-8").strip()
        auth = accounts.authenticate(token)
        if auth is not None and auth.account_id == account.id:
            return token
    token, _token_id = accounts.issue_token(account.id, label="local desktop")
    if token_file is not None:
        token_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(token)
    return token
