"""Secrets in the OS keyring, and nowhere else. Every value read or written is taught to the log redactor.

Where the system has no usable keyring, a key can be kept for this session only: in this process's memory
(``set_for_session``), never written to any file, the database, the settings or the log, and gone when the
app quits. ``lasting_keyring_advice`` names what to install for a keyring that keeps keys.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
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
        self._session: dict[str, str] = {}  # name -> value kept in memory until quit (no keyring)
        self._warned = False  # a failing keyring is logged once per start, not once per read

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
        """The stored value: this session's, else the keyring's; None when there is none or the keyring
        cannot be read (logged once per start)."""
        if name in self._session:
            return self._session[name]
        try:
            value = self.backend.get_password(self._service, name)
        except KeyringError as error:
            if not self._warned:
                self._warned = True
                log.warning("the system keyring cannot be read (%s): %s", self.backend_name(), error)
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
        self._session.pop(name, None)  # the lasting copy replaces a session-only one
        log.info("stored secret %s in %s", name, self.backend_name())
        self._changed(name)

    def set_for_session(self, name: str, value: str) -> None:
        """Keep ``value`` in memory for this session only (until the app quits): nothing is written anywhere.
        Raises ``ValueError`` for an empty value."""
        value = value.strip()
        if not value:
            raise ValueError("An empty key cannot be used.")
        self._redactor.add_secret(value)
        self._session[name] = value
        log.info("keeping secret %s in memory for this session only", name)
        self._changed(name)

    def session_only(self, name: str) -> bool:
        """Whether ``name``'s value is the in-memory one of this session."""
        return name in self._session

    def delete(self, name: str) -> None:
        if self._session.pop(name, None) is not None:
            log.info("forgot the session-only secret %s", name)
            self._changed(name)
            if not self.available():
                return
        try:
            self.backend.delete_password(self._service, name)
        except PasswordDeleteError:
            return
        except KeyringError as error:
            raise SecretsUnavailable(f"The system keyring refused to delete the key: {error}") from error
        log.info("deleted secret %s", name)
        self._changed(name)


def lasting_keyring_advice(platform: str = sys.platform) -> str:
    """What to install on this operating system for a keyring that keeps keys between sessions."""
    if platform.startswith("linux") or platform.startswith("freebsd"):
        if importlib.util.find_spec("secretstorage") is None:
            return (
                "To keep keys between sessions, install the Python package “secretstorage” and a Secret Service "
                "keyring: “gnome-keyring” (e.g. sudo apt install gnome-keyring) or KDE's “kwalletmanager”."
            )
        return (
            "To keep keys between sessions, install and unlock a Secret Service keyring: “gnome-keyring” "
            "(e.g. sudo apt install gnome-keyring) or KDE's “kwalletmanager”, then restart Amethyst."
        )
    if platform == "darwin":
        return "To keep keys between sessions, unlock the macOS login Keychain (Keychain Access), then restart."
    if platform == "win32":
        return "To keep keys between sessions, Windows Credential Locker must be available to your account."
    return "To keep keys between sessions, install a keyring supported by the Python “keyring” package."


def mask(value: str) -> str:
    """What a key looks like on screen: its first four and last four characters."""
    if len(value) <= 10:
        return "•" * len(value)
    return f"{value[:4]}…{value[-4:]}"
