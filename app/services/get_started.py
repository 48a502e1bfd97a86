"""The first-run guide's state: what works right now, and three ways to a first answer.

1. **Local server**: look for Ollama, LM Studio, llama.cpp or vLLM on this computer; the first one found
   becomes new chats' provider, with its first model.
2. **Provider key**: Settings → Keys; done once any provider has a key.
3. **Studio**: on the Local connection with no image engine ready (the Studio connection's model table says
   so), the way to a first image: Settings → Studio (add an OpenAI or Google key, start a local image server
   such as ComfyUI, or download the local model). Otherwise a Studio account: Settings → Connection; done
   once a cloud Studio account is connected.

"Works now" names Studio only when its model table has a ready model (``images_ready``), never from the
connection state alone: a connected Local Studio without any engine cannot generate.

The card shows on the first start and stays until the person has chatted once or closes it (kept in the
window state, ``state.json``); Help → Get started shows it again. QtCore only: the view
(``views/get_started.py``) binds to ``changed``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from app.config import CHAT_DEFAULT_MODEL, CHAT_DEFAULT_PROVIDER, Settings
from app.services.navigation import Navigator
from app.services.providers.local import LocalServer
from app.services.ui_state import UiStateStore
from app.tasks import TaskRunner

log = logging.getLogger(__name__)

STATE_KEY = "get_started"  # in state.json: "" (show), "dismissed" or "chatted"
LOCAL_TASK = "get-started-local"
KEYS_TASK = "get-started-keys"
CHATTED_TASK = "get-started-chatted"


@dataclass(frozen=True)
class Step:
    """One way to a first answer: its button text, what it says now, and whether it is done."""

    key: str
    title: str
    action: str
    text: str
    done: bool = False
    busy: bool = False


class StudioLike(Protocol):
    state_changed: Any  # Signal(str)
    models_changed: Any  # Signal(ModelTable)
    models: Any  # ModelTable | None: the image models and whether any can generate now

    @property
    def kind(self) -> str: ...

    @property
    def state(self) -> Any: ...


class GetStartedController(QObject):
    changed = Signal()  # a step, the summary or the visibility changed
    _secret_changed = Signal()  # emitted from whichever thread stored a key; handled on ours

    def __init__(
        self,
        ui_state: UiStateStore,
        settings: Settings,
        tasks: TaskRunner,
        navigator: Navigator,
        studio: StudioLike,
        *,
        find_servers: Callable[[], Awaitable[list[LocalServer]]],
        any_key: Callable[[], Awaitable[bool]],
        has_chatted: Callable[[], Awaitable[bool]],
        on_secret_change: Callable[[Callable[[str], None]], Any] | None = None,
    ) -> None:
        super().__init__()
        self._ui_state = ui_state
        self._settings = settings
        self._tasks = tasks
        self._navigator = navigator
        self._studio = studio
        self._find_servers = find_servers
        self._any_key = any_key
        self._has_chatted = has_chatted
        self._visible = ui_state.get(STATE_KEY, "") not in {"dismissed", "chatted"}
        self._local = Step(
            "local",
            "Use a local server",
            "Find local servers",
            "Ollama, LM Studio, llama.cpp or vLLM on this computer: free and private, no key.",
        )
        self._key = Step("key", "Add a provider key", "Add a key", "OpenAI, Anthropic, Google, Groq, Mistral and more.")
        studio.state_changed.connect(lambda _state: self.changed.emit())
        studio.models_changed.connect(lambda _table: self.changed.emit())
        self._secret_changed.connect(self._key_stored_or_deleted)
        if on_secret_change is not None:  # SecretStore.on_change: a key saved in Settings ticks the step
            on_secret_change(lambda _name: self._secret_changed.emit())

    def _key_stored_or_deleted(self) -> None:
        if self._visible:
            self.refresh_keys()

    # --- state ---------------------------------------------------------------------------------------
    @property
    def visible(self) -> bool:
        return self._visible

    def steps(self) -> list[Step]:
        return [self._local, self._key, self._studio_step()]

    def _connected(self) -> bool:
        return str(getattr(self._studio.state, "value", self._studio.state)) == "connected"

    def images_ready(self) -> bool:
        """Whether Studio can make an image now: connected, and its model table has a ready model."""
        table = self._studio.models
        if not self._connected() or table is None:
            return False
        return bool(table.compute_ready) and any(model.ready for model in table.models)

    def _studio_step(self) -> Step:
        if self._studio.kind == "cloud" and self._connected():
            return Step("studio", "Connect a Studio account", "Connection", "Connected to your Studio account.", True)
        if self._studio.kind == "local" and self._connected() and not self.images_ready():
            return Step(
                "studio",
                "Make images in Studio",
                "Set up images",
                "No image engine is ready yet: add an OpenAI or Google key, start a local image server "
                "(ComfyUI, AUTOMATIC1111) or download the local model. A Studio account works too.",
            )
        if self._studio.kind == "local" and self.images_ready():
            text = "Cloud GPUs and credits. Studio already makes images on this computer without one."
        else:
            text = "Cloud GPUs and credits for Studio's images."
        return Step("studio", "Connect a Studio account", "Connect", text)

    def summary(self) -> str:
        """What works right now, in one sentence (and what to pick for what does not)."""
        works = ["the Marketplace"]
        if self.images_ready():
            works.append("Studio on this computer" if self._studio.kind == "local" else "Studio")
        chat_ready = self._local.done or self._key.done
        if chat_ready:
            works.append("Chat")
        said = ", ".join(works[:-1]) + (" and " if len(works) > 1 else "") + works[-1]
        missing = [name for name, ready in (("Chat", chat_ready), ("images", self.images_ready())) if not ready]
        if not missing:
            return f"Works now: {said}."
        return f"Works now: {said}. For {' and '.join(missing)}, pick one of these:"

    # --- visibility ----------------------------------------------------------------------------------
    def start(self) -> None:
        """Check (off the UI thread) whether the person has chatted before and whether a key is stored."""
        if not self._visible:
            return
        self._tasks.start(CHATTED_TASK, self._check_chatted())
        self.refresh_keys()

    async def _check_chatted(self) -> None:
        if await self._has_chatted():
            self.chatted()

    def chatted(self) -> None:
        """The person has chatted: the card goes for good."""
        if self._ui_state.get(STATE_KEY, "") != "chatted":
            self._ui_state.set(STATE_KEY, "chatted")
        self._set_visible(False)

    def close(self) -> None:
        """Closed by the person: not shown at start again (Help → Get started still shows it)."""
        self._ui_state.set(STATE_KEY, "dismissed")
        self._set_visible(False)

    def show(self) -> None:
        """Help → Get started."""
        self._set_visible(True)
        self.refresh_keys()

    def _set_visible(self, visible: bool) -> None:
        if visible != self._visible:
            self._visible = visible
            self.changed.emit()

    # --- the three ways --------------------------------------------------------------------------------
    def run(self, step_key: str) -> None:
        """The step's one click."""
        if step_key == "local":
            self.find_local()
        elif step_key == "key":
            self._navigator.open("settings", {"section": "keys"})
        elif step_key == "studio":
            local_setup = self._studio.kind == "local" and self._connected() and not self.images_ready()
            self._navigator.open("settings", {"section": "studio" if local_setup else "connection"})

    def find_local(self) -> None:
        self._local = Step("local", self._local.title, self._local.action, "Looking on this computer…", busy=True)
        self.changed.emit()
        self._tasks.start(LOCAL_TASK, self._find_local())

    async def _find_local(self) -> None:
        try:
            servers = await self._find_servers()
        except Exception as error:  # a probe that broke is said on the card, not raised at the person
            log.warning("first-run guide: looking for local servers failed: %s", error)
            self._local = Step("local", self._local.title, "Look again", f"Looking failed: {error}")
            self.changed.emit()
            return
        if not servers:
            text = "None answered. Install Ollama (ollama.com) or LM Studio (lmstudio.ai), start it, then look again."
            self._local = Step("local", self._local.title, "Look again", text)
        else:
            server = servers[0]
            name = server.name.removesuffix(" (local)")
            self._settings.put(CHAT_DEFAULT_PROVIDER, server.provider_id)
            if server.models:
                self._settings.put(CHAT_DEFAULT_MODEL, server.models[0])
                text = f"Found {name}: new chats use {server.models[0]}."
            else:
                text = f"Found {name}, but it serves no model yet: load or pull one there."
            self._local = Step("local", self._local.title, "Open Chat", text, done=bool(server.models))
            log.info("first-run guide: %s found with %d model(s)", name, len(server.models))
        self.changed.emit()

    def open_chat(self) -> None:
        self._navigator.open("chat", {})

    def refresh_keys(self) -> None:
        """Look again (off the UI thread) whether any provider key is stored."""
        self._tasks.start(KEYS_TASK, self._refresh_keys())

    async def _refresh_keys(self) -> None:
        found = await self._any_key()
        if found:
            self._key = Step("key", self._key.title, "Keys", "A provider key is stored: Chat can use it.", True)
        else:
            self._key = Step("key", self._key.title, "Add a key", "OpenAI, Anthropic, Google, Groq, Mistral and more.")
        self.changed.emit()
