"""Secrets in the OS keyring, and nowhere else. Every value read or written is taught to the log redactor."""

from __future__ import annotations

import logging
from collections.abc import Callable

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from app.log import Redactor

log = logging.getLogger(__name__)

SERVICE = "Amethyst"


class SecretsUnavailable(RuntimeError):
    """The system has no usable keyring; the message says what to do."""


class SecretStore:
    def __init__(self, redactor: Redactor, backend: KeyringBackend | None = None, service: str = SERVICE) -> None:
        self._backend = backend
        self._redactor = redactor
        self._service = service
        self._listeners: list[Callable[[str], None]] = []

    def on_change(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Calls ``listener(name)`` after a secret is stored or deleted (on the thread that changed it).
        Returns a function that stops the calls. Views cache "is there a key?" with this, off the keyring."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _changed(self, name: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(name)
            except Exception:  # one broken listener must not stop a key from being saved
                log.exception("secret change listener failed")

    @property
    def backend(self) -> KeyringBackend:
        if self._backend is None:
            self._backend = keyring.get_keyring()
        return self._backend

    def backend_name(self) -> str:
        backend = self.backend
        name = getattr(backend, "name", None) or type(backend).__name__
        return str(name)

    def available(self) -> bool:
        return getattr(type(self.backend), "priority", 1) > 0

    def get(self, name: str) -> str | None:
        try:
            value = self.backend.get_password(self._service, name)
        except KeyringError as error:
            log.warning("keyring read of %s failed: %s", name, error)
            return None
        if value:
            self._redactor.add_secret(value)
        return value

    def has(self, name: str) -> bool:
        return bool(self.get(name))

    def set(self, name: str, value: str) -> None:
        value = value.strip()
        if not value:
            raise ValueError("An empty key cannot be stored.")
        self._redactor.add_secret(value)
        try:
            self.backend.set_password(self._service, name, value)
        except KeyringError as error:
            raise SecretsUnavailable(
                f"The system keyring ({self.backend_name()}) refused to store the key: {error}. "
                "Install or unlock a keyring (GNOME Keyring, KWallet, macOS Keychain, Windows Credential Locker)."
            ) from error
        log.info("stored secret %s in %s", name, self.backend_name())
        self._changed(name)

    def delete(self, name: str) -> None:
        try:
            self.backend.delete_password(self._service, name)
        except PasswordDeleteError:
            return
        except KeyringError as error:
            raise SecretsUnavailable(f"The system keyring refused to delete the key: {error}") from error
        log.info("deleted secret %s", name)
        self._changed(name)


def mask(value: str) -> str:
    """What a key looks like on screen: its first four and last four characters."""
    if len(value) <= 10:
        return "•" * len(value)
    return f"{value[:4]}…{value[-4:]}"
