"""The Billing place's state and flows, without widgets: the Billing view binds to it and only shows it.

- ``state`` (``BillingState``): LOCAL (billing off: the Local connection), SIGNED_OUT (Cloud without a
  session), CONNECTING, ERROR, READY, WAITING (a Checkout is open in the browser). One signal per change.
- ``refresh()`` loads the overview (credits, plan, packs, plans), then the spend report and the whole ledger.
- ``buy(kind, item)`` creates a Checkout Session, opens it through ``opener`` (the system browser in the app,
  a recorder in tests) and waits until the balance or the plan changes: long polls of
  ``GET /v1/billing?wait=…&since=<version>`` (the server answers when the webhook lands), or, against a
  server without them or while it cannot be reached, polls backing off from ``poll_seconds`` to
  ``MAX_POLL_SECONDS``; then a notification says what arrived ("50 credits added"). ``cancel_wait()`` and
  ``view_closed()`` stop waiting (a payment made later still arrives: the server's webhook credits it, and
  the next refresh shows it).
- ``manage_subscription()`` opens the Customer Portal; ``export_csv(folder, reason)`` writes the ledger.

Work runs as named tasks on the app's ``TaskRunner`` (``billing-…``), files on ``Workers.blocking``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.services.billing.api import BillingApi, Overview, VersionedStatus
from app.services.billing.export import write_csv
from app.services.clients.studio_types import AuthNeeded, StudioError
from app.services.notifications import Notifier
from app.services.secrets import lasting_keyring_advice
from app.services.studio.connection import ConnectionState, StudioConnection
from app.tasks import TaskRunner, Workers
from modal_app.contract import BillingStatus, Credits, LedgerItem, SpendReport

log = logging.getLogger(__name__)

Opener = Callable[[str], bool]  # opens a URL in the browser; False when it could not
POLL_SECONDS = 2.0  # the first pause of a poll; each next one is POLL_BACKOFF times longer
POLL_BACKOFF = 1.5
MAX_POLL_SECONDS = 15.0
LONG_POLL_SECONDS = 20.0  # the server holds each long poll up to this (its limit is 25 s)
WAIT_LIMIT_SECONDS = 30 * 60.0  # a Checkout Session expires after 24 h, but nobody watches that long


class BillingState(StrEnum):
    LOCAL = "local"
    SIGNED_OUT = "signed_out"
    CONNECTING = "connecting"
    ERROR = "error"
    READY = "ready"
    WAITING = "waiting"


class BillingController(QObject):
    state_changed = Signal(str)  # BillingState value
    overview_changed = Signal(object)  # Overview
    history_changed = Signal(object)  # list[LedgerItem], newest first
    history_loading = Signal(bool)
    spend_changed = Signal(object)  # SpendReport
    problem = Signal(str)  # a failure to show in the place
    message = Signal(str, str)  # a passing note: title, body
    caution = Signal(str, str)  # a note that asks for attention (something works less well than usual)

    def __init__(
        self,
        connection: StudioConnection,
        tasks: TaskRunner,
        workers: Workers,
        notifier: Notifier,
        opener: Opener,
        *,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        super().__init__()
        self.connection = connection
        self._tasks = tasks
        self._workers = workers
        self._notifier = notifier
        self._opener = opener
        self._poll_seconds = poll_seconds
        self._state = self._connection_state()
        self.overview: Overview | None = None
        self.history: list[LedgerItem] = []
        self.spend: SpendReport | None = None
        self.pending: tuple[str, str] | None = None  # (kind, item) being paid for
        self.checkout_url = ""
        connection.state_changed.connect(self._connection_changed)
        connection.credits_updated.connect(self._credits_updated)

    # --- state -------------------------------------------------------------------------------------
    @property
    def state(self) -> BillingState:
        return self._state

    def _set_state(self, state: BillingState) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state.value)

    def _connection_state(self) -> BillingState:
        state = self.connection.state
        if state == ConnectionState.AUTH_NEEDED:
            return BillingState.SIGNED_OUT
        if state == ConnectionState.ERROR:
            return BillingState.ERROR
        if state != ConnectionState.CONNECTED:
            return BillingState.CONNECTING
        return BillingState.READY if self.connection.billing_enabled else BillingState.LOCAL

    def _connection_changed(self, _value: str) -> None:
        if self._state == BillingState.WAITING and self.connection.state == ConnectionState.CONNECTED:
            return
        self._tasks.cancel("billing-wait")
        self._set_state(self._connection_state())
        if self._state == BillingState.READY:
            self.refresh()

    def _credits_updated(self, credits: Credits) -> None:
        if self.overview is not None and credits != self.overview.credits:
            self.overview = Overview(credits, self.overview.status, self.overview.packs, self.overview.plans)
            self.overview_changed.emit(self.overview)

    def _api(self) -> BillingApi | None:
        client = self.connection.client
        return BillingApi(client) if client is not None else None

    # --- loading -----------------------------------------------------------------------------------
    def view_opened(self) -> None:
        """The place was shown: load it (a failed connection is retried by the Studio controller's start)."""
        if self._state != BillingState.WAITING:
            self._set_state(self._connection_state())
        if self._state in {BillingState.READY, BillingState.WAITING}:
            self.refresh()

    def refresh(self) -> None:
        self._tasks.start("billing-refresh", self._refresh())

    async def _refresh(self) -> None:
        api = self._api()
        if api is None or not self.connection.billing_enabled:
            return
        try:
            self.overview = await api.overview()
            self.overview_changed.emit(self.overview)
            self.spend = await api.spend()
            self.spend_changed.emit(self.spend)
            self.history_loading.emit(True)
            self.history = await api.history()
            self.history_changed.emit(self.history)
        except StudioError as error:
            self._failed(error)
        finally:
            self.history_loading.emit(False)

    def _failed(self, error: StudioError) -> None:
        if isinstance(error, AuthNeeded):
            self.connection.report_failure(error)
        self.problem.emit(str(error))

    # --- buying ------------------------------------------------------------------------------------
    def buy(self, kind: str, item: str) -> None:
        """Open Checkout for a pack (``kind`` "pack") or a plan ("plan"), then wait for the payment."""
        self._tasks.start("billing-checkout", self._buy(kind, item))

    async def _buy(self, kind: str, item: str) -> None:
        api = self._api()
        if api is None:
            return
        try:
            session = await api.checkout(kind, item, f"desktop-{uuid.uuid4().hex}")
            before = await api.state()
        except StudioError as error:
            self._failed(error)
            return
        self.pending, self.checkout_url = (kind, item), session.url
        if not self._opener(session.url):
            self.problem.emit(f"The browser did not open. Open this address to pay: {session.url}")
        self._set_state(BillingState.WAITING)
        self._tasks.start("billing-wait", self._wait(api, *before))

    async def _wait(self, api: BillingApi, credits: Credits, status: VersionedStatus) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_LIMIT_SECONDS
        pauses = poll_pauses(self._poll_seconds)
        version = status.version
        try:
            while loop.time() < deadline:
                try:
                    if version:  # the server holds the answer until something changes
                        wait = min(LONG_POLL_SECONDS, max(deadline - loop.time(), 0.0))
                        if (await api.status_after(version, wait)).version == version:
                            continue  # ``wait`` passed with nothing new: ask again
                    else:
                        await asyncio.sleep(next(pauses))
                    now_credits, now_status = await api.state()
                except StudioError as error:  # a dropped connection: keep waiting, the payment is not lost
                    log.info("waiting for a payment: %s", error)
                    await asyncio.sleep(next(pauses))
                    continue
                if now_credits.balance != credits.balance or now_status.plan.id != status.plan.id:
                    self._arrived(now_credits.balance - credits.balance, now_status, status)
                    break
                version = now_status.version or version
        finally:
            self.pending = None
            if self._state == BillingState.WAITING:
                self._set_state(BillingState.READY)
        await self.connection.refresh_credits()
        self.refresh()

    def _arrived(self, added: int, now: BillingStatus, before: BillingStatus) -> None:
        if now.plan.id != before.plan.id:
            title, body = f"{now.plan.name} plan active", f"Your plan is now {now.plan.name}."
        elif added > 0:
            title = f"{added} credit{'s' if added != 1 else ''} added"
            body = "Thank you: your purchase is in your balance."
        else:
            title, body = "Balance changed", f"Your balance changed by {added} credits."
        self._notifier.notify(title, body, place="billing")
        self.message.emit(title, body)

    def reopen_checkout(self) -> None:
        """Open the Checkout page of the payment being waited for again (a closed tab)."""
        if self.checkout_url and not self._opener(self.checkout_url):
            self.problem.emit(f"The browser did not open. Open this address to pay: {self.checkout_url}")

    def cancel_wait(self) -> None:
        """Stop waiting; a payment finished later still arrives (the server's webhook credits it)."""
        self._tasks.cancel("billing-wait")
        self.pending = None
        if self._state == BillingState.WAITING:
            self._set_state(BillingState.READY)

    def view_closed(self) -> None:
        """The Billing place was closed: stop waiting for a payment (its long poll or polls end now)."""
        self.cancel_wait()

    def manage_subscription(self) -> None:
        self._tasks.start("billing-portal", self._portal())

    async def _portal(self) -> None:
        api = self._api()
        if api is None:
            return
        try:
            url = await api.portal()
        except StudioError as error:
            self._failed(error)
            return
        if not self._opener(url):
            self.problem.emit(f"The browser did not open. Open this address: {url}")

    # --- export and account ------------------------------------------------------------------------
    def export_csv(self, folder: Path, reason: str = "") -> None:
        """Write the ledger (only ``reason`` entries when given) to a new CSV in ``folder``."""
        entries = [e for e in self.history if not reason or e.reason == reason]
        self._tasks.start("billing-export", self._export(folder, reason or "all", entries))

    async def _export(self, folder: Path, label: str, entries: list[LedgerItem]) -> None:
        try:
            target = await self._workers.blocking(write_csv, folder, label, entries)
        except OSError as error:
            self.problem.emit(f"The history could not be exported: {error}")
            return
        self.message.emit("History exported", str(target))

    def sign_in(self, email: str, password: str, url: str, new_account: bool) -> None:
        """Sign in (or up) to the Cloud Studio API at ``url``; failures come back as ``problem``."""
        self._tasks.start("billing-sign-in", self._sign_in(email, password, url, new_account))

    async def _sign_in(self, email: str, password: str, url: str, new_account: bool) -> None:
        call = self.connection.sign_up if new_account else self.connection.sign_in
        try:
            lasting = await call(email, password, url)
        except StudioError as error:
            self.problem.emit(str(error))
            return
        if not lasting:
            self.caution.emit(
                "Signed in for this session only",
                "No system keyring could keep your sign-in, so Amethyst will ask for it again after it quits. "
                + lasting_keyring_advice(),
            )


def poll_pauses(first: float, factor: float = POLL_BACKOFF, longest: float = MAX_POLL_SECONDS) -> Iterator[float]:
    """Seconds to pause before each poll: ``first``, then ``factor`` times longer each time, at most ``longest``."""
    pause = first
    while True:
        yield pause
        pause = min(pause * factor, longest)
