"""Cancel mid-install and mid-train: every process of the build (and its children) is gone; restarts."""

from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path

import httpx
import pytest

from modal_app.api import create_app
from modal_app.contract import Build, BuildState
from tests.builder.helpers import llm_files, local_settings, processes_mentioning, sse_events, tabular_csv
from tests.server.conftest import bearer, live_server

# This module runs builds (pip, training) as process trees: on a loaded machine that can outlast the
# suite's 60 s hang guard (pyproject); its own waits, which allow longer, are what bound it.
pytestmark = pytest.mark.timeout(300)

SLOW_TRAIN = """
import subprocess, sys, time

child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "amethyst-orphan-check"])
print("training started", flush=True)
time.sleep(120)
open("model.joblib", "wb")
"""


class StallingIndex:
    """A package index on loopback that accepts connections and never answers: pip waits on it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/simple"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


async def _wait_for_line(client: httpx.AsyncClient, build_id: str, text: str) -> None:
    async for event in sse_events(client, build_id, {}):
        if event["event"] == "log" and text in event["data"]["line"]:
            return
    raise AssertionError(f"the log never showed {text!r}")


async def test_cancel_mid_install_leaves_no_process(tmp_path: Path) -> None:
    index = StallingIndex()
    pip_args = ("--index-url", index.url, "--timeout", "120", "--retries", "0")
    app = create_app(local_settings(tmp_path / "studio", pip_args=pip_args))
    token = app.state.services.local_token
    try:
        with live_server(app) as url:
            async with httpx.AsyncClient(base_url=url, headers=bearer(token), timeout=60) as client:
                body = {
                    "description": "needs a package",
                    "task": "tabular_classification",
                    "target": "label",
                    "csv": tabular_csv(20),
                    "files": llm_files(SLOW_TRAIN, requirements="lightgbm\n"),
                    "confirmed": True,
                }
                build_id = (await client.post("/v1/builds", json=body)).json()["id"]
                folder = str(tmp_path / "studio" / "builds" / build_id)
                await _wait_for_line(client, build_id, "$ pip install")
                while not processes_mentioning(folder):  # pip has started and waits on the index
                    await asyncio.sleep(0.05)
                cancelled = Build.model_validate_json((await client.post(f"/v1/builds/{build_id}/cancel")).content)
                assert cancelled.state == BuildState.CANCELLED and cancelled.step == "install"
                assert not processes_mentioning(folder)
                steps = {step.step: step.state for step in cancelled.steps}
                assert steps["install"] == "cancelled" and steps["train"] == "pending"
    finally:
        index.close()


async def test_cancel_mid_train_kills_children_too(tmp_path: Path) -> None:
    app = create_app(local_settings(tmp_path / "studio"))
    token = app.state.services.local_token
    with live_server(app) as url:
        async with httpx.AsyncClient(base_url=url, headers=bearer(token), timeout=60) as client:
            body = {
                "description": "slow",
                "task": "tabular_classification",
                "target": "label",
                "csv": tabular_csv(20),
                "files": llm_files(SLOW_TRAIN),
                "confirmed": True,
            }
            build_id = (await client.post("/v1/builds", json=body)).json()["id"]
            await _wait_for_line(client, build_id, "training started")
            folder = str(tmp_path / "studio" / "builds" / build_id)
            assert processes_mentioning("amethyst-orphan-check")
            cancelled = Build.model_validate_json((await client.post(f"/v1/builds/{build_id}/cancel")).content)
            assert cancelled.state == BuildState.CANCELLED and cancelled.step == "train"
            assert not processes_mentioning(folder)
            assert not processes_mentioning("amethyst-orphan-check")
            events = [event async for event in sse_events(client, build_id, {})]
            assert events[-2]["event"] == "state" and events[-2]["data"]["state"] == "cancelled"


async def test_restart_fails_a_build_in_progress_clearly(tmp_path: Path) -> None:
    settings = local_settings(tmp_path / "studio")
    app = create_app(settings)
    token = app.state.services.local_token
    with live_server(app) as url:
        async with httpx.AsyncClient(base_url=url, headers=bearer(token), timeout=60) as client:
            body = {
                "description": "slow",
                "task": "tabular_classification",
                "target": "label",
                "csv": tabular_csv(20),
                "files": llm_files(SLOW_TRAIN),
                "confirmed": True,
            }
            build_id = (await client.post("/v1/builds", json=body)).json()["id"]
            await _wait_for_line(client, build_id, "training started")
    # The server stopped: its processes are gone, the build is left as it was.
    assert not processes_mentioning("amethyst-orphan-check")
    app.state.services.close()
    again = create_app(local_settings(tmp_path / "studio"))
    with live_server(again) as url:
        async with httpx.AsyncClient(base_url=url, headers=bearer(token), timeout=60) as client:
            build = Build.model_validate_json((await client.get(f"/v1/builds/{build_id}")).content)
            assert build.state == BuildState.FAILED
            assert build.error == "the server restarted while this build was at Train; start the build again"
