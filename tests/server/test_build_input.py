"""Bad build input is a clear 4xx: CSVs that are not CSVs, empty, too large; code off the allow-list;
unconfirmed LLM code on this computer; the plan's live-model limit (403 naming plan and limit)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from modal_app.api import create_app
from tests.builder.helpers import llm_files, local_settings, tabular_csv
from tests.server.conftest import bearer, running, sign_up

SLEEPING_TRAIN = 'import time\nprint("waiting", flush=True)\ntime.sleep(120)\nopen("model.joblib", "wb")\n'


def body(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "description": "a model",
        "task": "tabular_classification",
        "target": "label",
        "csv": tabular_csv(20),
    }
    base.update(overrides)
    return base


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(local_settings(tmp_path / "studio"))
    async with running(app) as client:
        client.headers.update(bearer(app.state.services.local_token))
        yield client


@pytest.mark.parametrize(
    ("csv", "field", "words"),
    [
        ("", "csv", "at least 1 character"),
        ("   \n\n", "csv", "the CSV is empty"),
        ("size,label\n", "csv", "no data rows"),
        ('{"size": 3, "label": "big"}\n{"size": 4}\n', "csv", "not a CSV"),
        ("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "csv", "binary"),
        ("a,b,label\n1,2\n3\n4,5,6,7\n8\n", "csv", "not a CSV"),
        ("size,kind\n1,a\n2,b\n", "target", "'label' is not in the CSV"),
    ],
)
async def test_bad_csv_is_a_clear_422(local: httpx.AsyncClient, csv: str, field: str, words: str) -> None:
    response = await local.post("/v1/builds", json=body(csv=csv))
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", field] and words in detail["msg"]


async def test_oversized_csv_is_refused(local: httpx.AsyncClient) -> None:
    too_long = "size,label\n" + "1,a\n" * 2_600_000  # 10.4 M characters, over the 10 M cap
    response = await local.post("/v1/builds", json=body(csv=too_long))
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "csv"]

    size = 200 * 1024 * 1024

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(size // 65536):
            yield b"x" * 65536

    huge = await local.post(
        "/v1/builds", content=chunks(), headers={"Content-Length": str(size), "Content-Type": "application/json"}
    )
    assert huge.status_code == 413 and "larger than" in huge.json()["detail"]


@pytest.mark.parametrize(
    ("files", "field", "words"),
    [
        (llm_files(SLEEPING_TRAIN, requirements="scikit-learn\nrequests\n"), "files.requirements_txt", "requests"),
        (
            llm_files(SLEEPING_TRAIN, requirements="--extra-index-url http://x\njoblib\n"),
            "files.requirements_txt",
            "line 1",
        ),
        (llm_files(SLEEPING_TRAIN, requirements="git+https://x/y.git\n"), "files.requirements_txt", "line 1"),
        (llm_files("print('no model file')\n"), "files.train_py", "model.joblib"),
        (llm_files("def broken(:\n"), "files.train_py", "not valid Python"),
        (
            {
                **llm_files(SLEEPING_TRAIN),
                "app_py": "# '/info' only in a comment\nimport os\nos.environ['PORT']\n'/health'\n'/predict'\n",
            },
            "files.app_py",
            "/info",
        ),
    ],
)
async def test_generated_code_is_checked(
    local: httpx.AsyncClient, files: dict[str, str], field: str, words: str
) -> None:
    response = await local.post("/v1/builds", json=body(files=files, confirmed=True))
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", *field.split(".")][:2] or detail["loc"] == ["body", field]
    assert words in detail["msg"]


async def test_llm_code_runs_locally_only_when_confirmed(local: httpx.AsyncClient) -> None:
    response = await local.post("/v1/builds", json=body(files=llm_files(SLEEPING_TRAIN)))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "confirmed"]
    template = await local.post("/v1/builds/template", json={"task": "text_classification"})
    assert template.status_code == 200 and "TfidfVectorizer" in template.json()["train_py"]


async def test_plan_limit_is_a_403_naming_plan_and_limit(tmp_path: Path) -> None:
    app = create_app(local_settings(tmp_path / "studio", billing_enabled=True))
    async with running(app) as client:
        token = await sign_up(client)
        headers = bearer(token)
        sleeping = body(files=llm_files(SLEEPING_TRAIN), confirmed=True)
        first = await client.post("/v1/builds", json=sleeping, headers=headers)
        assert first.status_code == 201, first.text
        second = await client.post("/v1/builds", json=sleeping, headers=headers)
        assert second.status_code == 403
        assert (
            second.json()["detail"] == "The Free plan keeps 1 live model (1 now); stop or delete one, or change plan."
        )
        page = (await client.get("/v1/builds", headers=headers)).json()
        assert page["usage"] == {"plan": "free", "plan_name": "Free", "live": 1, "limit": 1}
        # Cancelling frees the place.
        assert (await client.post(f"/v1/builds/{first.json()['id']}/cancel", headers=headers)).json()[
            "state"
        ] == "cancelled"
        third = await client.post("/v1/builds", json=sleeping, headers=headers)
        assert third.status_code == 201
        await client.post(f"/v1/builds/{third.json()['id']}/cancel", headers=headers)
        other = await sign_up(client, "bob@example.com")
        assert (await client.get(f"/v1/builds/{third.json()['id']}", headers=bearer(other))).status_code == 404
