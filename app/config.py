"""Settings: one typed registry, resolved as defaults < settings file < environment < arguments.

The settings file is JSON in the data folder. A value of the wrong type is dropped with a notice; a file
that cannot be read at all is backed up beside itself and replaced by defaults, never a crash.

Each setting is a typed constant (``CHAT_DEFAULT_MODEL: Setting[str]``): read it with
``settings.value(CHAT_DEFAULT_MODEL)`` (a ``str`` to mypy) and write it with ``settings.put(...)``. The
string form, ``settings.get("chat.default_model")``, still works while call sites move over.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

log = logging.getLogger(__name__)

SETTINGS_FILENAME = "settings.json"
ENV_PREFIX = "AMETHYST_"


T = TypeVar("T", str, bool, int, float)


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One setting: its key in the file (``group.name``), value type, default and how Settings shows it."""

    key: str
    type: type[T]
    default: T
    label: str
    group: str
    choices: tuple[Any, ...] = ()
    help: str = ""

    @property
    def env_name(self) -> str:
        return ENV_PREFIX + self.key.upper().replace(".", "_")

    def coerce(self, raw: Any) -> Any:
        """The value as this setting's type, or ``ValueError`` when it cannot be one."""
        if self.type is bool:
            if isinstance(raw, bool):
                value: Any = raw
            elif isinstance(raw, str) and raw.lower() in {
                "1",
                "true",
                "yes",
                "on",
                "0",
                "false",
                "no",
                "off",
            }:
                value = raw.lower() in {"1", "true", "yes", "on"}
            else:
                raise ValueError(f"{self.key}: expected true or false, got {raw!r}")
        elif self.type is int:
            if isinstance(raw, bool) or not isinstance(raw, int | str):
                raise ValueError(f"{self.key}: expected a whole number, got {raw!r}")
            try:
                value = int(raw)
            except ValueError as error:
                raise ValueError(f"{self.key}: expected a whole number, got {raw!r}") from error
        elif self.type is float:
            if isinstance(raw, bool) or not isinstance(raw, int | float | str):
                raise ValueError(f"{self.key}: expected a number, got {raw!r}")
            try:
                value = float(raw)
            except ValueError as error:
                raise ValueError(f"{self.key}: expected a number, got {raw!r}") from error
        elif self.type is str:
            if not isinstance(raw, str):
                raise ValueError(f"{self.key}: expected text, got {raw!r}")
            value = raw
        else:
            raise TypeError(f"{self.key}: unsupported setting type {self.type!r}")
        if self.choices and value not in self.choices:
            raise ValueError(f"{self.key}: {value!r} is not one of {', '.join(map(str, self.choices))}")
        return value


ACCENTS = ("#9333ea", "#a855f7", "#7c3aed", "#c026d3", "#6366f1")

CONNECTION_KIND = Setting(
    "connection.kind",
    str,
    "local",
    "Connection",
    "Connection",
    choices=("local", "cloud"),
    help="Local runs the Studio API on this computer; Cloud talks to a hosted Studio API.",
)
CONNECTION_CLOUD_URL = Setting(
    "connection.cloud_url",
    str,
    "",
    "Studio API URL",
    "Connection",
    help="The address of a hosted Studio API, e.g. https://you--amethyst-api.modal.run",
)
APPEARANCE_ACCENT = Setting("appearance.accent", str, ACCENTS[0], "Accent colour", "Appearance", choices=ACCENTS)
GENERAL_CLOSE_TO_TRAY = Setting(
    "general.close_to_tray", bool, True, "Closing the window keeps Amethyst in the tray", "General"
)
CATALOG_REFRESH_URL = Setting(
    "catalog.refresh_url",
    str,
    "https://openrouter.ai/api/v1/models",
    "Model listing URL",
    "Marketplace",
    help="An OpenRouter-style /api/v1/models listing that Refresh merges in.",
)
CATALOG_REFRESH_TIMEOUT = Setting(
    "catalog.refresh_timeout", float, 15.0, "Model listing timeout (seconds)", "Marketplace"
)
CHAT_CUSTOM_BASE_URL = Setting(
    "chat.custom_base_url",
    str,
    "",
    "Custom OpenAI-compatible server",
    "Chat",
    help="Base URL of any OpenAI-compatible server, e.g. http://192.168.1.5:8000/v1",
)
CHAT_DEFAULT_PROVIDER = Setting("chat.default_provider", str, "openai", "Provider of new chats", "Chat")
CHAT_DEFAULT_MODEL = Setting("chat.default_model", str, "gpt-4o-mini", "Model of new chats", "Chat")
CHAT_LOCAL_FIRST_BYTE_TIMEOUT = Setting(
    "chat.local_first_byte_timeout",
    int,
    300,
    "Seconds a local server may take to start answering (loading a model)",
    "Chat",
)
STUDIO_ENHANCE_MODEL = Setting(
    "studio.enhance_model",
    str,
    "",
    "Prompt enhancement model",
    "Studio",
    help="A chat model (provider/model, e.g. openai/gpt-4o-mini) that rewrites prompts when you press "
    "Enhance in the Studio. Empty: Enhance is off.",
)
# --- image engines (issue 15) ---
STUDIO_DEFAULT_MODEL = Setting(
    "studio.default_model",
    str,
    "",
    "Default image model",
    "Studio",
    help="The image model the Studio picks first when it is ready (an id from the image-model table). "
    "Empty: the first ready model.",
)
# --- start-up and updates (issue 16: installers) -----------------------------------------------
STARTUP_AT_LOGIN = Setting(
    "startup.at_login",
    bool,
    False,
    "Start Amethyst when I log in",
    "Start-up",
    help="Adds Amethyst to the desktop's autostart (XDG autostart, the Run key or a LaunchAgent).",
)
STARTUP_MINIMIZED = Setting("startup.minimized", bool, True, "Start minimized to the tray at login", "Start-up")
UPDATES_CHECK_AT_START = Setting("updates.check_at_start", bool, True, "Check for updates at start", "Updates")
UPDATES_FEED_URL = Setting(
    "updates.feed_url",
    str,
    "",
    "Release feed URL",
    "Updates",
    help="A JSON release feed: version, date, notes and per-platform download URLs with SHA-256. "
    "Empty: no update check.",
)

REGISTRY: tuple[Setting[Any], ...] = (
    CONNECTION_KIND,
    CONNECTION_CLOUD_URL,
    APPEARANCE_ACCENT,
    GENERAL_CLOSE_TO_TRAY,
    CATALOG_REFRESH_URL,
    CATALOG_REFRESH_TIMEOUT,
    CHAT_CUSTOM_BASE_URL,
    CHAT_DEFAULT_PROVIDER,
    CHAT_DEFAULT_MODEL,
    CHAT_LOCAL_FIRST_BYTE_TIMEOUT,
    STUDIO_ENHANCE_MODEL,
    STUDIO_DEFAULT_MODEL,
    STARTUP_AT_LOGIN,
    STARTUP_MINIMIZED,
    UPDATES_CHECK_AT_START,
    UPDATES_FEED_URL,
)


def registry_by_key(settings: Iterable[Setting[Any]] = REGISTRY) -> dict[str, Setting[Any]]:
    return {setting.key: setting for setting in settings}


@dataclass
class Settings:
    """The effective settings of one run. ``set`` persists; environment and argument overrides do not."""

    path: Path
    registry: Mapping[str, Setting[Any]] = field(default_factory=registry_by_key)
    overrides: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    _stored: dict[str, Any] = field(default_factory=dict)
    _listeners: list[Callable[[str, Any], None]] = field(default_factory=list)

    @classmethod
    def load(
        cls,
        path: Path,
        registry: Mapping[str, Setting[Any]] | None = None,
        environ: Mapping[str, str] | None = None,
        arguments: Mapping[str, str] | None = None,
    ) -> Settings:
        settings = cls(path=path, registry=dict(registry or registry_by_key()))
        settings._read_file()
        settings._apply_overrides(os.environ if environ is None else environ, arguments or {})
        return settings

    def _read_file(self) -> None:
        if not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("the file does not hold a JSON object")
        except (OSError, UnicodeDecodeError, ValueError) as error:
            backup = self.path.with_name(f"{self.path.stem}.broken-{time.strftime('%Y%m%d-%H%M%S')}.json")
            shutil.copyfile(self.path, backup)
            self.notices.append(
                f"Your settings file could not be read ({error}). It was saved as {backup.name} "
                "and the defaults are in use."
            )
            log.warning("settings file %s unreadable: %s; backed up to %s", self.path, error, backup)
            self._write()
            return
        for key, raw in data.items():
            setting = self.registry.get(key)
            if setting is None:
                self._stored[key] = raw  # kept for newer versions of the app, ignored here
                continue
            try:
                self._stored[key] = setting.coerce(raw)
            except ValueError as error:
                self.notices.append(f"Setting ignored: {error}. The default is in use.")
                log.warning("settings: %s", error)

    def _apply_overrides(self, environ: Mapping[str, str], arguments: Mapping[str, str]) -> None:
        for setting in self.registry.values():
            if setting.env_name in environ:
                self._override(setting, environ[setting.env_name], source=setting.env_name)
        for key, raw in arguments.items():
            known = self.registry.get(key)
            if known is None:
                self.notices.append(f"Unknown setting --set {key}; it was ignored.")
                continue
            self._override(known, raw, source=f"--set {key}")

    def _override(self, setting: Setting[Any], raw: str, source: str) -> None:
        try:
            self.overrides[setting.key] = setting.coerce(raw)
        except ValueError as error:
            self.notices.append(f"{source} ignored: {error}")

    def value(self, setting: Setting[T]) -> T:
        """The effective value of ``setting``, typed as the setting is."""
        return cast(T, self.get(setting.key))

    def put(self, setting: Setting[T], value: T) -> None:
        """Store ``value`` for ``setting`` (see ``set``)."""
        self.set(setting.key, value)

    def get(self, key: str) -> Any:
        """The effective value by key string; ``value(SETTING)`` is the typed form."""
        setting = self.registry[key]
        if key in self.overrides:
            return self.overrides[key]
        return self._stored.get(key, setting.default)

    def set(self, key: str, value: Any) -> None:
        value = self.registry[key].coerce(value)
        if self.get(key) == value and key in self._stored:
            return
        self._stored[key] = value
        self._write()
        for listener in list(self._listeners):
            listener(key, value)

    def is_overridden(self, key: str | Setting[Any]) -> bool:
        """Whether the environment or ``--set`` fixes this setting for this run."""
        return (key.key if isinstance(key, Setting) else key) in self.overrides

    def on_change(self, listener: Callable[[str, Any], None]) -> None:
        self._listeners.append(listener)

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self._stored, indent=2, sort_keys=True), encoding="utf-8")
        temporary.replace(self.path)
