"""``LocalSandboxCompute``: a build runs on this computer, in its own folder and venv, with OS limits.

Layout: ``<root>/<build id>/`` holds ``work/`` (the three files, data.csv, the trained model) and
``venv/``. ``install`` makes the venv (with ``hostenv.venv_python``: in a PyInstaller bundle a Python found
on the machine) and pip-installs the requirements into it. With ``inherit_packages`` (and the venv made by
this same interpreter) the venv also sees, through one ``.pth``, links to the distributions of the server's
own environment that requirements.txt needs, their dependencies and pip — and nothing else, so build code
cannot import the app's packages by accident. With ``pip_args=("--no-index",)`` an offline machine that
already has scikit-learn installs nothing and needs no network.

The served app is bound to 127.0.0.1 on the first free port from ``port`` (default 49999) upwards; the real
one is returned. Code not from a built-in template runs only after the person confirmed it (the builds
service checks ``needs_confirmation``).
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path

from modal_app.builder import hostenv, processes
from modal_app.builder.pidbook import FILE_NAME as PIDS_FILE
from modal_app.builder.pidbook import PidBook
from modal_app.builder.processes import Limits, Process
from modal_app.builder.sandbox import DEFAULT_PORT, OutputSink, Sandbox, SandboxCompute, SandboxError

HOST_PACKAGES = "host-packages"  # in the venv: links to the host distributions the build needs
PORT_SEARCH = 100  # ports tried after the configured one
INSTALL_LIMITS = Limits(wall_s=900.0, cpu_s=1800)
SERVE_LIMITS = Limits(wall_s=None, cpu_s=None)


def free_port(start: int, host: str = "127.0.0.1", tries: int = PORT_SEARCH) -> int:
    """The first port from ``start`` on which nothing listens on ``host``; raises ``SandboxError``."""
    for port in range(start, min(start + tries, 65536)):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    raise SandboxError(f"no free port from {start} to {start + tries - 1} on {host}")


def _bin(venv: Path, name: str) -> Path:
    return (
        venv / ("Scripts" if sys.platform == "win32" else "bin") / (name + (".exe" if sys.platform == "win32" else ""))
    )


class LocalSandbox(Sandbox):
    def __init__(self, compute: LocalSandboxCompute, folder: Path) -> None:
        self.id = folder.name
        self.compute = compute
        self.folder = folder
        self.work = folder / "work"
        self.venv = folder / "venv"
        self._server: Process | None = None
        self._running: set[Process] = set()
        self.pids = PidBook(folder)  # what runs, on disk: a crash's leftovers are ended at the next start

    @property
    def python(self) -> Path:
        return _bin(self.venv, "python")

    async def write_files(self, files: Mapping[str, str]) -> None:
        def write() -> None:
            self.work.mkdir(parents=True, exist_ok=True)
            for name, text in files.items():
                target = (self.work / name).resolve()
                if self.work.resolve() not in target.parents:
                    raise SandboxError(f"refusing to write outside the build folder: {name!r}")
                target.write_text(text, encoding="utf-8")

        await asyncio.to_thread(write)

    async def _run(
        self, argv: list[str], on_output: OutputSink, env: Mapping[str, str], limits: Limits, name: str
    ) -> None:
        process = await processes.start(argv, self.work, on_output, processes.child_env(env), limits, name)
        self._running.add(process)
        self.pids.add(process.pid, name)
        try:
            code = await process.wait()
        except BaseException:
            await asyncio.shield(process.stop())
            raise
        finally:
            self._running.discard(process)
            self.pids.remove(process.pid)
        if code != 0:
            raise processes.CommandFailed(code, f"{name} exited with code {code}")

    async def install(self, on_output: OutputSink) -> None:
        if not self.python.exists():
            python = await asyncio.to_thread(hostenv.venv_python)
            # Host distributions are only usable by the same interpreter (compiled extensions, versions).
            link = self.compute.inherit_packages and python == sys.executable
            argv = [python, "-m", "venv", *(["--without-pip"] if link else [])]
            on_output("stdout", f"$ python -m venv {self.venv.name}")
            await self._run([*argv, str(self.venv)], on_output, {}, INSTALL_LIMITS, "creating the venv")
            if link:
                names = await asyncio.to_thread(self._link_host_packages)
                on_output("stdout", f"from this computer's Python (no download): {', '.join(names)}")
        pip = [str(self.python), "-m", "pip", "install", "--disable-pip-version-check", "--no-input"]
        pip += [*self.compute.pip_args, "-r", "requirements.txt"]
        on_output("stdout", "$ pip install " + " ".join([*self.compute.pip_args, "-r", "requirements.txt"]))
        await self._run(pip, on_output, {}, INSTALL_LIMITS, "pip install")

    def _link_host_packages(self) -> list[str]:
        """Only what requirements.txt needs (and pip) becomes visible in the venv, through one ``.pth``."""
        wanted = [
            line.split(" #", 1)[0].strip()
            for line in (self.work / "requirements.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith(("#", "-"))
        ]
        names = hostenv.link_distributions(wanted, self.venv / HOST_PACKAGES)
        purelib = Path(sysconfig.get_paths(vars={"base": str(self.venv), "platbase": str(self.venv)})["purelib"])
        purelib.mkdir(parents=True, exist_ok=True)
        (purelib / "_amethyst_host.pth").write_text(str(self.venv / HOST_PACKAGES) + "\n", encoding="utf-8")
        return names

    async def run_python(self, script: str, on_output: OutputSink, env: Mapping[str, str]) -> None:
        await self._run([str(self.python), script], on_output, env, self.compute.train_limits, f"python {script}")

    async def serve(self, script: str, on_output: OutputSink, env: Mapping[str, str]) -> tuple[str, int]:
        await self._stop_server()
        port = free_port(self.compute.port, self.compute.host)
        full_env = processes.child_env({**env, "PORT": str(port), "HOST": self.compute.host})
        self._server = await processes.start(
            [str(self.python), script], self.work, on_output, full_env, SERVE_LIMITS, f"python {script}"
        )
        self.pids.add(self._server.pid, f"the served model (python {script} on port {port})")
        return f"http://{self.compute.host}:{port}", port

    def serving(self) -> bool | None:
        return self._server is not None and self._server.running

    async def _stop_server(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.stop()
            self.pids.remove(server.pid)

    async def kill(self) -> None:
        await self._stop_server()
        for process in list(self._running):
            await process.stop()
        self._running.clear()

    async def discard(self) -> None:
        await self.kill()
        self.compute.forget(self.id)
        await asyncio.to_thread(shutil.rmtree, self.folder, True)


class LocalSandboxCompute(SandboxCompute):
    """Sandboxes under ``root`` on this computer. ``pip_args`` go to every install (e.g. ``--no-index``)."""

    kind = "local"
    needs_confirmation = True

    def __init__(
        self,
        root: Path,
        *,
        port: int = DEFAULT_PORT,
        host: str = "127.0.0.1",
        inherit_packages: bool = False,
        pip_args: tuple[str, ...] = (),
        train_limits: Limits | None = None,
    ) -> None:
        self.root = root
        self.port = port
        self.host = host
        self.inherit_packages = inherit_packages
        self.pip_args = pip_args
        self.train_limits = train_limits or Limits()
        self._sandboxes: dict[str, LocalSandbox] = {}

    async def create(self, build_id: str) -> Sandbox:
        folder = self.root / build_id
        try:
            await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        except OSError as error:
            raise SandboxError(f"cannot make the build folder {folder}: {error}") from error
        sandbox = LocalSandbox(self, folder)
        self._sandboxes[sandbox.id] = sandbox
        return sandbox

    async def reconnect(self, sandbox_id: str) -> Sandbox | None:
        if sandbox_id in self._sandboxes:
            return self._sandboxes[sandbox_id]
        folder = self.root / sandbox_id
        if not (folder / "venv").is_dir() or not (folder / "work").is_dir():
            return None
        sandbox = LocalSandbox(self, folder)
        self._sandboxes[sandbox.id] = sandbox
        return sandbox

    async def sweep(self) -> dict[str, list[str]]:
        """End what an earlier run left in any build folder (see ``PidBook``); {build id: sentences}."""

        def sweep_all() -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for path in self.root.glob(f"*/{PIDS_FILE}"):
                if path.parent.name in self._sandboxes:
                    continue  # this server's own
                ended = PidBook(path.parent).sweep()
                if ended:
                    found[path.parent.name] = ended
            return found

        return await asyncio.to_thread(sweep_all)

    def forget(self, sandbox_id: str) -> None:
        self._sandboxes.pop(sandbox_id, None)

    async def close(self) -> None:
        for sandbox in list(self._sandboxes.values()):
            with contextlib.suppress(Exception):
                await sandbox.kill()
        self._sandboxes.clear()
