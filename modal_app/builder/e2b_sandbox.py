"""``E2BSandboxCompute``: builds run in E2B cloud sandboxes (the ``e2b`` SDK, 2.x; facts below from e2b 2.63).

- ``AsyncSandbox.create(template="base", timeout=…, api_key=…)``: the ``base`` template, because in the
  code-interpreter template port 49999 belongs to its Jupyter server (and 49983 is always E2B's own agent).
- ``sbx.commands.run(cmd, cwd=…, envs=…, on_stdout=…, on_stderr=…, timeout=0)``: the default ``timeout=60``
  bounds the command's connection and also cuts background commands, so install, training and the server
  all pass ``timeout=0``. A non-zero exit raises ``CommandExitException`` (a ``SandboxException``).
  ``on_stdout``/``on_stderr`` get chunks of text that need not end at a line break.
- ``sbx.get_host(port)`` returns a host name without scheme: the URL is ``https://`` + host.
- ``sbx.set_timeout(seconds)``, ``sbx.kill()``, ``AsyncSandbox.connect(sandbox_id, api_key=…)`` to find a
  sandbox again after a server restart (``NotFoundException`` when it is gone).
- Errors are ``SandboxException`` and its children, but ``AuthenticationException`` is not one of them.

The API key comes from the server settings only (``E2B_API_KEY`` in the server's environment).
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from types import ModuleType
from typing import Any, TypeVar

from modal_app.builder.processes import LineSplitter
from modal_app.builder.sandbox import (
    DEFAULT_PORT,
    CommandFailed,
    CommandTimedOut,
    OutputSink,
    Sandbox,
    SandboxAuthError,
    SandboxCompute,
    SandboxError,
)

T = TypeVar("T")
WORKDIR = "/home/user/build"
TEMPLATE = "base"
BUILD_TIMEOUT_S = 3600  # the sandbox's lifetime while it builds
READY_TIMEOUT_S = 3600  # and once it serves (extended by set_timeout; plans bound how long E2B keeps one)


class _Sinks:
    """E2B hands text chunks; these turn them into whole lines for the build's log."""

    def __init__(self, sink: OutputSink) -> None:
        self.out = LineSplitter("stdout", sink)
        self.err = LineSplitter("stderr", sink)

    def stdout(self, chunk: str) -> None:
        self.out.feed(chunk.encode("utf-8"))

    def stderr(self, chunk: str) -> None:
        self.err.feed(chunk.encode("utf-8"))

    def close(self) -> None:
        self.out.close()
        self.err.close()


class E2BSandbox(Sandbox):
    def __init__(self, compute: E2BSandboxCompute, sbx: Any) -> None:
        self.compute = compute
        self.sbx = sbx
        self.id = str(sbx.sandbox_id)
        self._server: Any = None

    async def _call(self, what: str, make: Callable[[], Awaitable[T]]) -> T:
        return await self.compute.guard(what, make)

    async def write_files(self, files: Mapping[str, str]) -> None:
        for name, text in files.items():
            if "/" in name or "\\" in name or name.startswith("."):
                raise SandboxError(f"refusing to write outside the build folder: {name!r}")
            await self._call(f"writing {name}", partial(self.sbx.files.write, f"{WORKDIR}/{name}", text))

    async def _run(self, command: str, on_output: OutputSink, env: Mapping[str, str], name: str) -> None:
        sinks = _Sinks(on_output)
        try:
            await self._call(
                name,
                lambda: self.sbx.commands.run(
                    command, cwd=WORKDIR, envs=dict(env), on_stdout=sinks.stdout, on_stderr=sinks.stderr, timeout=0
                ),
            )
        finally:
            sinks.close()

    async def install(self, on_output: OutputSink) -> None:
        on_output("stdout", "$ pip install -r requirements.txt")
        await self._run("pip install --disable-pip-version-check -r requirements.txt", on_output, {}, "pip install")

    async def run_python(self, script: str, on_output: OutputSink, env: Mapping[str, str]) -> None:
        await self._run(f"python {shlex.quote(script)}", on_output, env, f"python {script}")

    async def serve(self, script: str, on_output: OutputSink, env: Mapping[str, str]) -> tuple[str, int]:
        port = self.compute.port
        sinks = _Sinks(on_output)
        self._server = await self._call(
            f"starting python {script}",
            lambda: self.sbx.commands.run(
                f"python {shlex.quote(script)}",
                background=True,
                cwd=WORKDIR,
                envs={**env, "PORT": str(port), "HOST": "0.0.0.0"},
                on_stdout=sinks.stdout,
                on_stderr=sinks.stderr,
                timeout=0,
            ),
        )
        await self._call("keeping the sandbox alive", lambda: self.sbx.set_timeout(READY_TIMEOUT_S))
        return "https://" + str(self.sbx.get_host(port)), port

    def serving(self) -> bool | None:
        if self._server is None:
            return None
        return getattr(self._server, "exit_code", None) is None

    async def kill(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            with contextlib.suppress(SandboxError):
                await self._call("stopping the server", server.kill)

    async def discard(self) -> None:
        self._server = None
        with contextlib.suppress(SandboxError):
            await self._call("removing the sandbox", self.sbx.kill)


class E2BSandboxCompute(SandboxCompute):
    """E2B sandboxes with the server's API key. ``sdk`` is the ``e2b`` module (tests hand a fake)."""

    kind = "e2b"
    needs_confirmation = False  # the code runs in E2B's isolated VM, not on the person's machine

    def __init__(self, api_key: str, *, port: int = DEFAULT_PORT, sdk: ModuleType | None = None) -> None:
        if sdk is None:
            import e2b

            sdk = e2b
        self.sdk = sdk
        self.api_key = api_key
        self.port = port

    async def guard(self, what: str, make: Callable[[], Awaitable[T]]) -> T:
        """Await ``make()``; the SDK's errors become ``SandboxError`` and its kinds, with a message to show."""
        sdk = self.sdk
        try:
            return await make()
        except sdk.AuthenticationException as error:
            raise SandboxAuthError(f"E2B refused the server's API key while {what}: {error}") from error
        except sdk.CommandExitException as error:
            raise CommandFailed(int(error.exit_code), f"{what} exited with code {error.exit_code}") from error
        except sdk.TimeoutException as error:
            raise CommandTimedOut(f"E2B timed out while {what}: {error}") from error
        except sdk.SandboxException as error:
            raise SandboxError(f"E2B failed while {what}: {error}") from error

    async def create(self, build_id: str) -> Sandbox:
        sbx = await self.guard(
            "creating the sandbox",
            lambda: self.sdk.AsyncSandbox.create(
                template=TEMPLATE, timeout=BUILD_TIMEOUT_S, api_key=self.api_key, metadata={"build": build_id}
            ),
        )
        sandbox = E2BSandbox(self, sbx)
        await self.guard("making the build folder", lambda: sbx.files.make_dir(WORKDIR))
        return sandbox

    async def reconnect(self, sandbox_id: str) -> Sandbox | None:
        try:
            sbx = await self.guard(
                "reconnecting", lambda: self.sdk.AsyncSandbox.connect(sandbox_id, api_key=self.api_key)
            )
        except SandboxAuthError:
            raise
        except SandboxError as error:
            if isinstance(error.__cause__, self.sdk.NotFoundException):
                return None
            raise
        return E2BSandbox(self, sbx)

    async def close(self) -> None:
        """Nothing to stop here: E2B sandboxes live on (and are found again by id after a restart)."""
