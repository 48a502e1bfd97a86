"""Whether each provider has a key, read from the keyring off the UI thread and cached until a key changes.

A keyring read can block (a locked GNOME Keyring or KWallet asks for a password, macOS may prompt), so the
chat never reads it on the UI thread: ``known(provider_id)`` answers from the cache, ``present`` reads on
the app's blocking-work pool (``Workers``) once. ``SecretStore.on_change`` drops a provider's entry when
Settings stores or deletes its key.
"""

from __future__ import annotations

import asyncio
import contextlib

from PySide6.QtCore import QObject, Signal

from app.services.providers.factory import KeySource, has_key
from app.services.providers.registry import PROVIDERS, provider
from app.tasks import Workers


class KeyStatus(QObject):
    changed = Signal(str)  # provider id: its answer is known now, or changed
    _secret_changed = Signal(str)  # secret name; emitted from whatever thread changed it, handled on ours

    def __init__(self, secrets: KeySource, workers: Workers, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._secrets = secrets
        self._workers = workers
        self._known: dict[str, bool] = {}
        # Whether keys can be kept for good (a usable system keyring); None until the first read answers.
        self.keyring_available: bool | None = None
        self._reading: dict[str, asyncio.Future[bool]] = {}
        self._secret_changed.connect(self._forget)
        subscribe = getattr(secrets, "on_change", None)
        self._unsubscribe = subscribe(self._notified) if subscribe is not None else None
        self.destroyed.connect(lambda *_: self.close())

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def known(self, provider_id: str) -> bool | None:
        """True or False when known; None while the keyring has not been read for this provider."""
        info = provider(provider_id)
        if not info.needs_key:
            return True
        return self._known.get(provider_id)

    def check(self, provider_id: str) -> None:
        """Starts reading the keyring when the answer is not known yet; ``changed`` tells when it is.
        Needs the running event loop (``RuntimeError`` otherwise)."""
        if self.known(provider_id) is None:
            self._read_in_thread(provider_id)

    async def present(self, provider_id: str) -> bool:
        known = self.known(provider_id)
        if known is not None:
            return known
        return await asyncio.shield(self._read_in_thread(provider_id))

    def _read_in_thread(self, provider_id: str) -> asyncio.Future[bool]:
        reading = self._reading.get(provider_id)
        if reading is None:
            loop = asyncio.get_running_loop()
            reading = loop.run_in_executor(self._workers.blocking_executor, self._read_key, provider_id)
            self._reading[provider_id] = reading  # kept here until done, so the task is not collected
            reading.add_done_callback(lambda done: self._read(provider_id, done))
        return reading

    def _read_key(self, provider_id: str) -> bool:
        """On the blocking pool: whether the provider has a key; notes whether the keyring is usable."""
        available = getattr(self._secrets, "available", None)
        if available is not None and self.keyring_available is None:
            self.keyring_available = bool(available())
        return has_key(provider(provider_id), self._secrets)

    def _read(self, provider_id: str, done: asyncio.Future[bool]) -> None:
        if self._reading.get(provider_id) is not done:
            return  # the key changed while it was being read: that answer is stale
        del self._reading[provider_id]
        if done.cancelled() or done.exception() is not None:
            return
        self._known[provider_id] = bool(done.result())
        self.changed.emit(provider_id)

    def _notified(self, secret_name: str) -> None:
        with contextlib.suppress(RuntimeError):  # this object was deleted with its page
            self._secret_changed.emit(secret_name)

    def _forget(self, secret_name: str) -> None:
        for info in PROVIDERS:
            if info.secret_name == secret_name:
                self._known.pop(info.id, None)
                self._reading.pop(info.id, None)
                self.changed.emit(info.id)
