"""A fake of the ``e2b`` SDK's async surface (2.x, as read in e2b 2.63), running commands as real local
subprocesses in a temporary folder standing in for the sandbox's ``/home/user``.

Documented behaviour it keeps: ``AsyncSandbox.create(template=…, timeout=…, api_key=…)``;
``commands.run(cmd, background=False, envs, cwd, on_stdout, on_stderr, timeout=60)`` — the default 60 s
bounds the command (background ones too) and raises ``TimeoutException``; ``timeout=0`` means no limit; a
non-zero exit raises ``CommandExitException`` (a ``SandboxException``) from ``run``/``handle.wait()``;
``on_stdout`` gets text chunks that need not end at a line break; ``get_host(port)`` is a host without
scheme; ``connect(sandbox_id)`` finds a live sandbox again and raises ``NotFoundException`` for a killed or
unknown one; a wrong API key raises ``AuthenticationException``, which is *not* a ``SandboxException``.
``time_scale`` makes fake seconds pass faster than real ones (1000: the 60 s default is 60 ms).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VALID_KEY = "e2b_test_key"


class SandboxException(Exception):
    pass


class TimeoutException(SandboxException):
    pass


class NotFoundException(SandboxException):
    pass


class AuthenticationException(Exception):
    pass


@dataclass
class CommandResult:
    stdout: str
    stderr: str
    exit_code: int
    error: str | None = None


class CommandExitException(SandboxException):
    def __init__(self, stdout: str, stderr: str, exit_code: int, error: str | None = None) -> None:
        super().__init__(f"Command exited with code {exit_code} and error:\n{stderr}")
        self.stdout, self.stderr, self.exit_code, self.error = stdout, stderr, exit_code, error


@dataclass
class FakeCloud:
    """The fake's shared state: sandboxes by id, and the clock's speed."""

    time_scale: float = 1000.0
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="e2b-fake-")))
    sandboxes: dict[str, AsyncSandbox] = field(default_factory=dict)
    created: list[dict[str, Any]] = field(default_factory=list)


CLOUD = FakeCloud()


class AsyncCommandHandle:
    def __init__(self, proc: asyncio.subprocess.Process, on_stdout: Any, on_stderr: Any, timeout: float) -> None:
        self.proc = proc
        self.pid = proc.pid
        self._out: list[str] = []
        self._err: list[str] = []
        self.exit_code: int | None = None
        self._task = asyncio.get_running_loop().create_task(self._run(on_stdout, on_stderr, timeout))

    async def _pump(self, stream: asyncio.StreamReader, sink: Any, keep: list[str]) -> None:
        while chunk := await stream.read(7):  # small chunks: callbacks get partial lines, as from E2B
            text = chunk.decode("utf-8", errors="replace")
            keep.append(text)
            if sink is not None:
                result = sink(text)
                if asyncio.iscoroutine(result):
                    await result

    async def _run(self, on_stdout: Any, on_stderr: Any, timeout: float) -> CommandResult:
        assert self.proc.stdout is not None and self.proc.stderr is not None
        work = asyncio.gather(
            self._pump(self.proc.stdout, on_stdout, self._out),
            self._pump(self.proc.stderr, on_stderr, self._err),
            self.proc.wait(),
        )
        try:
            await asyncio.wait_for(work, timeout / CLOUD.time_scale if timeout else None)
        except TimeoutError:
            await self.kill()
            raise TimeoutException(
                "context deadline exceeded: the command ran past its timeout (pass timeout=0 for no limit)"
            ) from None
        self.exit_code = self.proc.returncode
        return CommandResult("".join(self._out), "".join(self._err), int(self.proc.returncode or 0))

    async def wait(self) -> CommandResult:
        result = await self._task
        if result.exit_code != 0:
            raise CommandExitException(result.stdout, result.stderr, result.exit_code)
        return result

    async def kill(self) -> bool:
        if self.proc.returncode is not None:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        await self.proc.wait()
        return True


class Files:
    def __init__(self, sandbox: AsyncSandbox) -> None:
        self._sandbox = sandbox

    async def write(self, path: str, data: str | bytes, **_: Any) -> None:
        target = self._sandbox.local(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

    async def make_dir(self, path: str, **_: Any) -> bool:
        self._sandbox.local(path).mkdir(parents=True, exist_ok=True)
        return True

    async def read(self, path: str, **_: Any) -> str:
        return self._sandbox.local(path).read_text(encoding="utf-8")


class Commands:
    def __init__(self, sandbox: AsyncSandbox) -> None:
        self._sandbox = sandbox

    async def run(
        self,
        cmd: str,
        background: bool | None = None,
        envs: dict[str, str] | None = None,
        user: str | None = None,
        cwd: str | None = None,
        on_stdout: Any = None,
        on_stderr: Any = None,
        stdin: bool | None = None,
        timeout: float | None = 60,
        request_timeout: float | None = None,
    ) -> Any:
        self._sandbox.check_alive()
        folder = self._sandbox.local(cwd or "/home/user")
        proc = await asyncio.create_subprocess_shell(
            cmd,
            cwd=folder,
            env={**os.environ, **(envs or {})},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        handle = AsyncCommandHandle(proc, on_stdout, on_stderr, timeout or 0)
        self._sandbox.handles.append(handle)
        if background:
            return handle
        return await handle.wait()


class AsyncSandbox:
    def __init__(self, template: str, timeout: int | None, metadata: dict[str, str] | None) -> None:
        self.sandbox_id = "i" + uuid.uuid4().hex[:19]
        self.template = template
        self.timeout = timeout
        self.metadata = metadata or {}
        self.killed = False
        self.handles: list[AsyncCommandHandle] = []
        self.home = CLOUD.root / self.sandbox_id
        self.home.mkdir(parents=True)
        self.files = Files(self)
        self.commands = Commands(self)
        self.timeouts: list[int] = []

    def local(self, path: str) -> Path:
        if not path.startswith("/home/user"):
            raise SandboxException(f"permission denied: {path}")
        return self.home / path.removeprefix("/home/user").lstrip("/")

    def check_alive(self) -> None:
        if self.killed:
            raise NotFoundException(f"sandbox {self.sandbox_id} not found")

    @staticmethod
    def _check_key(api_key: str | None) -> None:
        if api_key != VALID_KEY:
            raise AuthenticationException("Invalid API key")

    @classmethod
    async def create(
        cls,
        template: str | None = None,
        timeout: int | None = None,
        metadata: dict[str, str] | None = None,
        envs: dict[str, str] | None = None,
        api_key: str | None = None,
        **_: Any,
    ) -> AsyncSandbox:
        cls._check_key(api_key)
        sandbox = cls(template or "base", timeout, metadata)
        CLOUD.sandboxes[sandbox.sandbox_id] = sandbox
        CLOUD.created.append({"template": sandbox.template, "timeout": timeout, "metadata": sandbox.metadata})
        return sandbox

    @staticmethod
    async def connect(
        sandbox_id: str, timeout: int | None = None, api_key: str | None = None, **_: Any
    ) -> AsyncSandbox:
        AsyncSandbox._check_key(api_key)
        sandbox = CLOUD.sandboxes.get(sandbox_id)
        if sandbox is None or sandbox.killed:
            raise NotFoundException(f"sandbox {sandbox_id} not found")
        return sandbox

    def get_host(self, port: int) -> str:
        return f"{port}-{self.sandbox_id}.e2b.app"

    async def set_timeout(self, timeout: int, **_: Any) -> None:
        self.check_alive()
        self.timeouts.append(timeout)

    async def kill(self, **_: Any) -> bool:
        for handle in self.handles:
            await handle.kill()
        self.killed = True
        return True
