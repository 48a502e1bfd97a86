"""Build events: stored, resumable with Last-Event-ID; a failing train.py shows its traceback lines."""

from __future__ import annotations

from pathlib import Path

import httpx

from modal_app.api import create_app
from modal_app.contract import Build, BuildState, BuildStep
from tests.builder.helpers import llm_files, local_settings, sse_events, tabular_csv
from tests.server.conftest import bearer, live_server

FAILING_TRAIN = """
import json

for i in range(120):
    print(f"epoch {i}", flush=True)


def load_table(path):
    raise ValueError("column 'size' holds text: 'big'")


load_table("data.csv")
open("model.joblib", "wb")
"""


async def test_failing_train_shows_traceback_and_stream_resumes(tmp_path: Path) -> None:
    app = create_app(local_settings(tmp_path / "studio"))
    token = app.state.services.local_token
    with live_server(app) as url:
        async with httpx.AsyncClient(base_url=url, headers=bearer(token), timeout=60) as client:
            body = {
                "description": "fails",
                "task": "tabular_classification",
                "target": "label",
                "csv": tabular_csv(20),
                "files": llm_files(FAILING_TRAIN),
                "code_model": "gpt-test",
                "confirmed": True,
            }
            response = await client.post("/v1/builds", json=body)
            assert response.status_code == 201, response.text
            build_id = response.json()["id"]

            first = [event async for event in sse_events(client, build_id, {}, stop_after=40)]
            assert len(first) == 40
            rest = [event async for event in sse_events(client, build_id, {}, last_id=first[-1]["id"])]
            whole = [event async for event in sse_events(client, build_id, {})]
            ids = [e["id"] for e in first + rest if "id" in e]
            assert ids == [e["id"] for e in whole if "id" in e]  # nothing lost, nothing twice
            assert ids == sorted(set(ids))

            lines = [e["data"]["line"] for e in whole if e["event"] == "log" and e["data"]["step"] == "train"]
            assert "epoch 119" in lines
            assert any(line.startswith("Traceback (most recent call last)") for line in lines)
            assert any("raise ValueError(\"column 'size' holds text" in line for line in lines)
            assert "ValueError: column 'size' holds text: 'big'" in lines

            failed = Build.model_validate_json((await client.get(f"/v1/builds/{build_id}")).content)
            assert failed.state == BuildState.FAILED and failed.step == BuildStep.TRAIN
            assert failed.error and "Train failed" in failed.error and "exit" in failed.error
            assert failed.source == "llm" and failed.code_model == "gpt-test"
            train = next(step for step in failed.steps if step.step == BuildStep.TRAIN)
            assert train.state == "failed"
            # A resume from the very end sends only the end marker.
            tail = [event async for event in sse_events(client, build_id, {}, last_id=ids[-1])]
            assert [e["event"] for e in tail] == ["end"]
            bad = await client.get(f"/v1/builds/{build_id}/events", headers={"Last-Event-ID": "x1"})
            assert bad.status_code == 400
