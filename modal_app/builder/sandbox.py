"""Where a build's code runs: the ``SandboxCompute`` interface and the errors it raises.

A ``SandboxCompute`` makes (or finds again after a restart) one ``Sandbox`` per build. A sandbox holds the
build's three files and its data, runs commands with their output handed line by line to a callback, serves
``app.py`` on a port and says at which URL it answers. Two implementations: ``LocalSandboxCompute`` (a
folder, a venv and limited subprocesses on this computer) and ``E2BSandboxCompute`` (an E2B cloud sandbox).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping

# (stream, line): stream is "stdout" or "stderr"; the line has no trailing newline.
OutputSink = Callable[[str, str], None]

DEFAULT_PORT = 49999


class SandboxError(Exception):
    """The sandbox could not do what was asked; the message is safe to show to the person."""


class CommandFailed(SandboxError):
    """A command ended with a non-zero exit code (its output was already handed to the sink)."""

    def __init__(self, exit_code: int, message: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class CommandTimedOut(SandboxError):
    """A command ran longer than its wall-time limit and was stopped."""


class SandboxAuthError(SandboxError):
    """The sandbox provider refused the server's credentials (an operator problem, not the person's)."""


class Sandbox(ABC):
    """One build's sandbox. ``id`` is what the server stores to find it again after a restart."""

    id: str

    @abstractmethod
    async def write_files(self, files: Mapping[str, str]) -> None:
        """Write text files (relative names) into the build's working folder."""

    @abstractmethod
    async def install(self, on_output: OutputSink) -> None:
        """``pip install -r requirements.txt``; raises ``CommandFailed``/``CommandTimedOut``."""

    @abstractmethod
    async def run_python(self, script: str, on_output: OutputSink, env: Mapping[str, str]) -> None:
        """Run ``python <script>`` in the working folder to its end; raises ``CommandFailed``/``CommandTimedOut``."""

    @abstractmethod
    async def serve(self, script: str, on_output: OutputSink, env: Mapping[str, str]) -> tuple[str, int]:
        """Start ``python <script>`` in the background with ``PORT`` set; returns (base URL, port)."""

    @abstractmethod
    def serving(self) -> bool | None:
        """Whether the served process still runs (None when this side cannot tell)."""

    @abstractmethod
    async def kill(self) -> None:
        """Stop everything the sandbox runs (idempotent); the files stay until ``discard``."""

    @abstractmethod
    async def discard(self) -> None:
        """Kill and remove the sandbox and its files for good (idempotent)."""


class SandboxCompute(ABC):
    """Makes sandboxes. ``kind`` is "local" or "e2b"."""

    kind: str
    # Code that did not come from a built-in template runs only after the person confirmed it.
    needs_confirmation: bool = False

    @abstractmethod
    async def create(self, build_id: str) -> Sandbox:
        """A new, empty sandbox for this build; raises ``SandboxError``."""

    @abstractmethod
    async def reconnect(self, sandbox_id: str) -> Sandbox | None:
        """The sandbox with this id again (after a server restart), or None when it is gone."""

    @abstractmethod
    async def close(self) -> None:
        """Stop every process this compute started in this server process (server shutdown)."""

    async def sweep(self) -> dict[str, list[str]]:
        """At server start: end processes an earlier server process left running (it crashed); returns, per
        sandbox id, a sentence per process ended. Cloud sandboxes have none on this machine."""
        return {}
