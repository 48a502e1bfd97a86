"""A crash while a local build runs: the next start finds the processes it left (recorded with their create
times in the build folder) and ends them; a pid that was reused for something else is left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil

from modal_app.builder.local_sandbox import LocalSandboxCompute
from modal_app.builder.pidbook import FILE_NAME

# Runs in its own process: starts a served app and a training run (each with a child of its own) through
# a real LocalSandbox, writes down their pids, then dies by SIGKILL, as a crashed app would.
CRASHING_SERVER = textwrap.dedent(
    """
    import asyncio, json, os, signal, subprocess, sys
    from pathlib import Path
    from modal_app.builder.local_sandbox import LocalSandboxCompute

    CHILD = '''
    import os, subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    open(os.path.basename(sys.argv[0])[:-3], "w").write(f"{os.getpid()} {child.pid}")  # app / train
    time.sleep(300)
    '''

    async def main(root):
        compute = LocalSandboxCompute(root, port=0)
        sandbox = await compute.create("build-1")
        await sandbox.write_files({"app.py": CHILD, "train.py": CHILD})
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(sandbox.venv)], check=True)
        sink = lambda stream, line: None
        await sandbox.serve("app.py", sink, {})
        train = asyncio.ensure_future(sandbox.run_python("train.py", sink, {}))
        while True:  # both scripts (and their children) run once both pid files are written
            await asyncio.sleep(0.05)
            if all((sandbox.work / name).exists() and (sandbox.work / name).read_text() for name in ("app", "train")):
                break
        os.kill(os.getpid(), signal.SIGKILL)

    asyncio.run(main(Path(sys.argv[1])))
    """
)


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


async def test_a_crash_leaves_processes_that_the_next_start_ends(tmp_path: Path) -> None:
    root = tmp_path / "builds"
    (tmp_path / "crash.py").write_text(CRASHING_SERVER, encoding="utf-8")
    crashed = subprocess.run(
        [sys.executable, str(tmp_path / "crash.py"), str(root)],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},  # this tree's modal_app
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert crashed.returncode == -9, crashed.stderr
    work = root / "build-1" / "work"
    pids = [int(p) for name in ("app", "train") for p in (work / name).read_text().split()]
    assert _alive(pids) == pids  # the crash left all four running (two leaders, two children)
    recorded = json.loads((root / "build-1" / FILE_NAME).read_text())
    assert sorted(entry["name"].split(" (")[0] for entry in recorded) == ["python train.py", "the served model"]
    assert {entry["pid"] for entry in recorded} == {pids[0], pids[2]}  # the leaders

    ended = await LocalSandboxCompute(root).sweep()

    assert list(ended) == ["build-1"]
    assert len(ended["build-1"]) == 4
    assert any("python train.py" in sentence for sentence in ended["build-1"])
    assert any("the served model" in sentence for sentence in ended["build-1"])
    assert all("left running by an earlier run of the app" in sentence for sentence in ended["build-1"])
    psutil.wait_procs([psutil.Process(pid) for pid in _alive(pids)], timeout=10)
    assert _alive(pids) == []
    assert not (root / "build-1" / FILE_NAME).exists()
    assert await LocalSandboxCompute(root).sweep() == {}  # nothing twice


async def test_a_reused_pid_is_left_alone(tmp_path: Path) -> None:
    """The recorded pid now belongs to another process (a different create time): it is not killed."""
    folder = tmp_path / "builds" / "build-2"
    folder.mkdir(parents=True)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True)
    try:
        created = psutil.Process(bystander.pid).create_time()
        record = {"pid": bystander.pid, "create_time": created - 3600.0, "name": "python train.py"}
        (folder / FILE_NAME).write_text(json.dumps([record]), encoding="utf-8")
        assert await LocalSandboxCompute(tmp_path / "builds").sweep() == {}
        assert bystander.poll() is None and psutil.pid_exists(bystander.pid)
    finally:
        bystander.kill()
        bystander.wait()
