"""The wire contract: light to import, the server's answers fit it strictly, one JobState, server-side prices."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import httpx
import pytest
from sqlalchemy import text

from modal_app.api import create_app
from modal_app.api.schemas import job_json, job_out
from modal_app.contract import MAX_COUNT, ImageRequest, Job, JobState, ModelTable
from modal_app.image_models import IMAGE_MODELS, image_cost
from modal_app.jobs import fingerprint
from tests.fakes.modal_fake import FakeModalCloud, tiny_png
from tests.server.conftest import bearer, grant, running, sign_up, wait_until

JOB = {"model": "qwen-image-lightning", "prompt": "a lighthouse at dusk", "size": "1K", "aspect_ratio": "16:9"}


def test_contract_imports_only_pydantic_and_the_standard_library() -> None:
    code = (
        "import sys, modal_app.contract; "
        "heavy = {'fastapi', 'starlette', 'sqlalchemy', 'modal', 'stripe', 'e2b', 'httpx', 'app', 'PySide6'}; "
        "print(sorted(heavy & {name.split('.')[0] for name in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_every_job_answer_fits_the_contract_strictly(api: httpx.AsyncClient, cloud: FakeModalCloud) -> None:
    token = await sign_up(api)
    grant(api, "ada@example.com", 20)
    services = api._transport.app.state.services  # type: ignore[attr-defined]
    ids = []
    for _ in range(4):  # completed, failed, cancelled, still running
        ids.append((await api.post("/v1/images", json={**JOB, "count": 2}, headers=bearer(token))).json()["id"])
    done, failed, *_ = cloud.call_ids
    cloud.complete(done, [tiny_png(), tiny_png()])
    cloud.fail(failed, RuntimeError("out of memory"))
    await api.post(f"/v1/images/{ids[2]}/cancel", headers=bearer(token))
    queued = services.jobs.create(services.accounts.find_by_email("ada@example.com").id, ImageRequest(**JOB))[0]
    await wait_until(lambda: services.jobs.get(ids[1]).state == JobState.FAILED, "job failed")
    await wait_until(lambda: services.jobs.get(ids[0]).state == JobState.COMPLETED, "job completed")

    seen = set()
    for job_id in [*ids, queued.id]:
        view = services.jobs.get(job_id)
        assert type(view.state) is JobState  # the ORM maps the column to the one enum
        wire = json.dumps(job_json(view))
        strict = Job.model_validate_json(wire)  # strict: the hot path's dict is exactly the contract
        assert strict == job_out(view)
        answered = await api.get(f"/v1/images/{job_id}", headers=bearer(token))
        assert Job.model_validate_json(answered.content) == strict
        seen.add(strict.state)
    assert seen == set(JobState)  # the last job was made straight in the store and never spawned: queued

    page = await api.get("/v1/images", params={"state": "failed"}, headers=bearer(token))
    assert [job["id"] for job in page.json()["jobs"]] == [ids[1]]
    with services.store.engine.connect() as connection:  # stored as the plain value, as before the enum
        stored = connection.execute(text("SELECT state FROM image_jobs WHERE id = :id"), {"id": ids[0]}).scalar()
    assert stored == "completed"


@pytest.mark.parametrize("billing", [True, False])
@pytest.mark.sqlite_only("prices come from the model table, not the database")
async def test_model_table_prices_every_size_and_count_as_charged(settings_factory, billing: bool) -> None:  # type: ignore[no-untyped-def]
    async with running(create_app(settings_factory(billing_enabled=billing))) as api:
        table = ModelTable.model_validate_json((await api.get("/v1/image-models")).content)
    assert table.max_count == MAX_COUNT
    # A server lists the active models its own engines serve (here one compute: the models of its engine).
    engine = table.models[0].engine
    served = [spec for spec in IMAGE_MODELS if spec.active and engine in spec.engines]
    assert [model.id for model in table.models] == [spec.id for spec in served]
    for spec in served:
        for size in spec.sizes:
            for count in range(1, MAX_COUNT + 1):
                expected = image_cost(spec.id, size, count) if billing else 0
                assert table.cost(spec.id, size, count) == expected
        assert table.cost(spec.id, "8K", 1) is None and table.cost(spec.id, spec.sizes[0], MAX_COUNT + 1) is None


def test_idempotency_fingerprint_is_unchanged_by_the_contract() -> None:
    # The hash older servers stored (their dataclass's __dict__ as sorted JSON), so a retry across an
    # upgrade still finds its job instead of answering 409.
    request = ImageRequest(model="flux-schnell", prompt="a fox", seed=7)
    old = {"model": "flux-schnell", "prompt": "a fox", "negative_prompt": "", "size": "1K", "aspect_ratio": "1:1"}
    payload = json.dumps({**old, "count": 1, "seed": 7}, sort_keys=True, ensure_ascii=False)
    assert fingerprint(request) == hashlib.sha256(payload.encode()).hexdigest()


async def test_every_route_answers_a_job_in_the_same_bytes(api: httpx.AsyncClient, cloud: FakeModalCloud) -> None:
    # One wire shape: the server's row type is converted by job_json alone, whichever route answers.
    token = await sign_up(api)
    grant(api, "ada@example.com", 20)
    headers = {**bearer(token), "Idempotency-Key": "one-shape"}
    created = await api.post("/v1/images", json={**JOB, "count": 2}, headers=headers)
    job_id = created.json()["id"]
    retried = await api.post("/v1/images", json={**JOB, "count": 2}, headers=headers)
    status = await api.get(f"/v1/images/{job_id}", headers=bearer(token))
    listed = await api.get("/v1/images", headers=bearer(token))
    assert (created.status_code, retried.status_code) == (201, 200)
    assert created.content == retried.content == status.content
    assert listed.json()["jobs"] == [status.json()]

    cancelled = await api.post(f"/v1/images/{job_id}/cancel", headers=bearer(token))
    after = await api.get(f"/v1/images/{job_id}", headers=bearer(token))
    assert cancelled.json()["state"] == "cancelled"
    assert json.loads(cancelled.content) == json.loads(after.content)
    assert Job.model_validate_json(after.content) == job_out(api._transport.app.state.services.jobs.get(job_id))  # type: ignore[attr-defined]
