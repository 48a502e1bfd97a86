"""Local subprocesses with limits: wall time, CPU time, address space and output size.

Each command runs in its own session (process group), so stopping it stops what it started too (pip's
children, a server's workers); nothing is left behind. CPU time and address space are set with
``resource.setrlimit`` in the child where the OS has it (POSIX); the wall time and the output size are
watched here. Output is read in chunks and split into lines here, so one huge line cannot exhaust memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from modal_app.builder.sandbox import CommandFailed, CommandTimedOut, OutputSink, SandboxError

try:
    import resource
except ImportError:  # Windows: no rlimits; the wall time and output size still apply
    resource = None  # type: ignore[assignment]

MAX_LINE = 4000  # characters of one log line kept (the rest is cut and marked)
CHUNK = 65536
STOP_GRACE = 3.0  # seconds between SIGTERM and SIGKILL


@dataclass(frozen=True)
class Limits:
    """Limits of one command. ``None`` means no limit for that resource."""

    wall_s: float | None = 1800.0
    cpu_s: int | None = 3600
    address_space_bytes: int | None = 8 * 1024**3
    output_bytes: int = 50 * 1024 * 1024


def _preexec(limits: Limits) -> Callable[[], None] | None:
    if resource is None:
        return None

    def apply() -> None:  # runs in the child between fork and exec
        if limits.cpu_s is not None:
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + 5))
        if limits.address_space_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limits.address_space_bytes, limits.address_space_bytes))

    return apply


class LineSplitter:
    """Turns chunks of bytes into lines handed to ``sink(stream, line)``; counts the bytes seen."""

    def __init__(self, stream: str, sink: OutputSink) -> None:
        self.stream = stream
        self.sink = sink
        self._pending = b""
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        data = self._pending + chunk
        *lines, self._pending = data.split(b"\n")
        for line in lines:
            self._emit(line)
        if len(self._pending) > MAX_LINE * 4:  # a line with no end in sight: hand over what there is
            self._emit(self._pending)
            self._pending = b""

    def close(self) -> None:
        if self._pending:
            self._emit(self._pending)
            self._pending = b""

    def _emit(self, raw: bytes) -> None:
        text = raw.decode("utf-8", errors="replace").rstrip("\r")
        if len(text) > MAX_LINE:
            text = text[:MAX_LINE] + " …[line cut]"
        self.sink(self.stream, text)


class Process:
    """A started command: its output pumped to the sink, stoppable with everything it started."""

    def __init__(self, proc: asyncio.subprocess.Process, sink: OutputSink, limits: Limits, name: str) -> None:
        self.proc = proc
        self.limits = limits
        self.name = name
        self.over_output = False
        self._splitters = [LineSplitter("stdout", sink), LineSplitter("stderr", sink)]
        streams = (proc.stdout, proc.stderr)
        self._pumps = [
            asyncio.get_running_loop().create_task(self._pump(stream, splitter))
            for stream, splitter in zip(streams, self._splitters, strict=True)
            if stream is not None
        ]

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc.returncode is None

    async def _pump(self, stream: asyncio.StreamReader, splitter: LineSplitter) -> None:
        while chunk := await stream.read(CHUNK):
            splitter.feed(chunk)
            if sum(s.total for s in self._splitters) > self.limits.output_bytes:
                self.over_output = True
                await self.stop()
                return
        splitter.close()

    async def wait(self) -> int:
        """Wait for the end (and the last output); enforces the wall time. Raises ``CommandTimedOut``."""
        try:
            code = await asyncio.wait_for(self.proc.wait(), self.limits.wall_s)
        except TimeoutError:
            await self.stop()
            raise CommandTimedOut(f"{self.name} ran longer than {self.limits.wall_s:.0f} s and was stopped") from None
        await asyncio.gather(*self._pumps, return_exceptions=True)
        if self.over_output:
            raise SandboxError(f"{self.name} wrote more than {self.limits.output_bytes // 1024**2} MB of output")
        return code

    async def stop(self) -> None:
        """SIGTERM the process group, SIGKILL what is left after a grace period; waits for the exit."""
        if self.proc.returncode is None:
            _signal_group(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self.proc.wait()), STOP_GRACE)
        # The leader may be gone while children of its group live on: kill the group regardless.
        _signal_group(self.proc.pid, getattr(signal, "SIGKILL", signal.SIGTERM))
        with contextlib.suppress(ProcessLookupError):
            await self.proc.wait()
        for pump in self._pumps:
            if pump is not asyncio.current_task():
                pump.cancel()


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        if sys.platform == "win32":
            os.kill(pid, sig)
        else:
            os.killpg(pid, sig)


def child_env(extra: Mapping[str, str]) -> dict[str, str]:
    """A small environment for build code: no server secrets, unbuffered output, one BLAS thread."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT", "USERPROFILE")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update(PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.update(extra)
    return env


async def start(
    argv: Sequence[str], cwd: Path, sink: OutputSink, env: Mapping[str, str], limits: Limits, name: str
) -> Process:
    """Start ``argv`` in its own process group with these limits; raises ``SandboxError`` if it cannot start."""
    kwargs: dict[str, object] = {}
    if sys.platform == "win32":
        kwargs["creationflags"] = 0x00000200  # CREATE_NEW_PROCESS_GROUP
    else:
        kwargs["start_new_session"] = True
        kwargs["preexec_fn"] = _preexec(limits)
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            **kwargs,  # type: ignore[arg-type]
        )
    except OSError as error:
        raise SandboxError(f"{name} could not start: {error}") from error
    return Process(proc, sink, limits, name)


async def run(
    argv: Sequence[str], cwd: Path, sink: OutputSink, env: Mapping[str, str], limits: Limits, name: str
) -> None:
    """Run to the end; a non-zero exit is ``CommandFailed``; cancelling stops the whole process group."""
    process = await start(argv, cwd, sink, env, limits, name)
    try:
        code = await process.wait()
    except BaseException:
        await asyncio.shield(process.stop())
        raise
    if code != 0:
        raise CommandFailed(code, f"{name} exited with code {code}")
