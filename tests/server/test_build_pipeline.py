"""The whole build pipeline on the local sandbox, once per tabular template (the text template's whole build
runs through the Builder place in tests/builder/test_builder_place.py): real pip (no index), real train.py,
real app.py answering /predict over loopback; the sandbox port taken → the next one, reported."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from modal_app.api import create_app
from modal_app.contract import Build, BuildPage, BuildState, ModelInfo
from tests.builder.helpers import local_settings, processes_mentioning, sse_events, tabular_csv
from tests.server.conftest import bearer, live_server

CASES = {
    "tabular_classification": (tabular_csv(), "label", {"size": 180, "rooms": 4, "city": "oslo"}),
    "tabular_regression": (tabular_csv(regression=True), "label", {"size": 50, "rooms": 2, "city": "rome"}),
}


@pytest.mark.parametrize("task", list(CASES))
async def test_template_build_serves_and_predicts(tmp_path: Path, task: str) -> None:
    csv, target, record = CASES[task]
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
    try:
        blocker.bind(("127.0.0.1", 49999))  # the default port is taken (if someone else holds it, still taken)
        blocker.listen()
    except OSError:
        pass
    app = create_app(local_settings(tmp_path / "studio"))
    token = app.state.services.local_token
    try:
        with live_server(app) as url:
            async with httpx.AsyncClient(base_url=url, headers=bearer(token), timeout=60) as client:
                response = await client.post(
                    "/v1/builds", json={"description": f"a {task} model", "task": task, "target": target, "csv": csv}
                )
                assert response.status_code == 201, response.text
                build = Build.model_validate_json(response.content)
                assert build.source == "template" and build.sandbox == "local"

                events = [event async for event in sse_events(client, build.id, {})]
                states = [e["data"]["state"] for e in events if e["event"] == "state"]
                assert states[-1] == "ready", [e["data"] for e in events if e["event"] == "log"][-30:]
                steps = [(e["data"]["step"], e["data"]["state"]) for e in events if e["event"] == "step"]
                assert [s for s, state in steps if state == "done"] == [
                    "write_files",
                    "install",
                    "train",
                    "serve",
                    "health",
                ]
                lines = [e["data"]["line"] for e in events if e["event"] == "log"]
                assert any("Requirement already satisfied: scikit-learn" in line for line in lines)
                assert any("wrote model.joblib" in line for line in lines)
                ids = [e["id"] for e in events if "id" in e]
                assert events[-1]["event"] == "end"
                assert ids == sorted(set(ids))

                ready = Build.model_validate_json((await client.get(f"/v1/builds/{build.id}")).content)
                assert ready.state == BuildState.READY and ready.port is not None
                assert ready.port != 49999 and ready.url == f"http://127.0.0.1:{ready.port}"
                assert any("port 49999 is taken" in line for line in lines)
                assert all(step.started_at and step.finished_at for step in ready.steps)

                info = ModelInfo.model_validate_json((await client.get(f"/v1/builds/{build.id}/info")).content)
                assert info.target == target and info.metrics and {f.name for f in info.inputs} == set(record)

                answer = await client.post(f"/v1/builds/{build.id}/predict", json={"inputs": record})
                assert answer.status_code == 200, answer.text
                prediction = answer.json()["predictions"][0]
                if task == "tabular_regression":
                    assert 100 < prediction < 300  # size 50 * 3 + 2 rooms * 10 = 170
                else:
                    assert prediction == "big"
                direct = httpx.post(f"{ready.url}/predict", json={"inputs": [record, record]}, timeout=30)
                assert len(direct.json()["predictions"]) == 2
                bad = await client.post(f"/v1/builds/{build.id}/predict", json={"rows": []})
                assert bad.status_code == 400 and "inputs" in bad.json()["error"]

                page = BuildPage.model_validate_json((await client.get("/v1/builds")).content)
                assert page.usage.live == 1 and page.usage.limit is None  # Local: no plan limit

                folder = str(tmp_path / "studio" / "builds" / build.id)
                assert processes_mentioning(folder)
                if task != "tabular_regression":  # that one is stopped after a server restart, below
                    stopped = Build.model_validate_json((await client.post(f"/v1/builds/{build.id}/cancel")).content)
                    assert stopped.state == BuildState.STOPPED
                    assert not processes_mentioning(folder)
                    assert (
                        await client.post(f"/v1/builds/{build.id}/predict", json={"inputs": record})
                    ).status_code == 502
                    assert (await client.delete(f"/v1/builds/{build.id}")).status_code == 204
                    assert not Path(folder).exists()
                    assert (await client.get(f"/v1/builds/{build.id}")).status_code == 404
        if task == "tabular_regression":
            app.state.services.close()
            await restart_then_stop(tmp_path, token, build.id, record, folder)
    finally:
        blocker.close()


async def restart_then_stop(tmp_path: Path, token: str, build_id: str, record: dict[str, object], folder: str) -> None:
    """After a server restart a ready model is found again (its sandbox folder) and served again."""
    assert not processes_mentioning(folder)  # the first server stopped: its model process went with it
    app = create_app(local_settings(tmp_path / "studio"))
    with live_server(app) as url:
        async with httpx.AsyncClient(base_url=url, headers=bearer(token), timeout=60) as client:
            events = [event async for event in sse_events(client, build_id, {})]
            lines = [e["data"]["line"] for e in events if e["event"] == "log"]
            assert sum("GET /health → 200" in line for line in lines) == 2  # checked again after the restart
            again = Build.model_validate_json((await client.get(f"/v1/builds/{build_id}")).content)
            assert again.state == BuildState.READY
            answer = await client.post(f"/v1/builds/{build_id}/predict", json={"inputs": record})
            assert answer.status_code == 200 and 100 < answer.json()["predictions"][0] < 300
            assert (await client.delete(f"/v1/builds/{build_id}")).status_code == 204
            assert not processes_mentioning(folder) and not Path(folder).exists()
