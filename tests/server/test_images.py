"""Image jobs over HTTP on the fake Modal cloud: validation, credits, idempotency, long-poll, results."""

from __future__ import annotations

import asyncio
import io

import httpx
import pytest
from PIL import Image

from modal_app.ledger import CreditSummary
from modal_app.store.models import LedgerEntry
from tests.fakes.modal_fake import FakeModalCloud, tiny_png
from tests.server.conftest import bearer, grant, sign_up, wait_until

JOB = {"model": "flux-schnell", "prompt": "a lighthouse at dusk", "size": "1K", "aspect_ratio": "16:9"}


def summary(client: httpx.AsyncClient, email: str = "ada@example.com") -> CreditSummary:
    services = client._transport.app.state.services  # type: ignore[attr-defined]
    return services.ledger.summary(services.accounts.find_by_email(email).id)


def charge_entries(client: httpx.AsyncClient, job_id: str) -> int:
    services = client._transport.app.state.services  # type: ignore[attr-defined]
    with services.store.reads() as session:
        return session.query(LedgerEntry).filter_by(reference=job_id, reason="image").count()


@pytest.mark.sqlite_only("refused by validation before any database statement")
async def test_validation_names_the_field(api: httpx.AsyncClient) -> None:
    token = await sign_up(api)
    cases = {
        "model": {**JOB, "model": "dall-e-9"},
        "size": {**JOB, "size": "4K"},  # flux-schnell stops at 2K
        "aspect_ratio": {**JOB, "aspect_ratio": "2:1"},
        "count": {**JOB, "count": 9},
        "prompt": {**JOB, "prompt": "   "},
        "seed": {**JOB, "seed": -1},
        "reference_image": {**JOB, "reference_image": "aGVsbG8="},
        "negative_prompt": {**JOB, "negative_prompt": "blur"},  # FLUX.1-schnell has no true CFG
    }
    for field, body in cases.items():
        response = await api.post("/v1/images", json=body, headers=bearer(token))
        assert response.status_code == 422, (field, response.text)
        assert response.json()["detail"][0]["loc"][-1] == field


async def test_402_names_needed_and_available(api: httpx.AsyncClient) -> None:
    token = await sign_up(api)
    grant(api, "ada@example.com", 3)
    response = await api.post("/v1/images", json={**JOB, "size": "2K", "count": 2}, headers=bearer(token))
    assert response.status_code == 402
    assert response.json()["detail"] == {"message": "not enough credits", "needed": 4, "available": 3}


async def test_job_completes_is_charged_and_serves_png(api: httpx.AsyncClient, cloud: FakeModalCloud) -> None:
    token = await sign_up(api)
    grant(api, "ada@example.com", 10)
    created = await api.post("/v1/images", json={**JOB, "count": 2, "seed": 7}, headers=bearer(token))
    assert created.status_code == 201
    job = created.json()
    assert job["state"] == "running" and job["cost"] == 2 and job["width"] > job["height"]
    assert summary(api) == CreditSummary(balance=10, reserved=2)
    [call_id] = cloud.call_ids
    assert cloud.payload_of(call_id) == {
        "model": "flux-schnell",
        "instance_model_id": "flux-schnell",
        "prompt": JOB["prompt"],
        "negative_prompt": "",
        "width": job["width"],
        "height": job["height"],
        "count": 2,
        "seed": 7,
        "steps": 4,
    }

    cloud.complete(call_id, [tiny_png((255, 0, 0)), tiny_png((0, 0, 255))])
    done = (await api.get(f"/v1/images/{job['id']}?wait=30", headers=bearer(token))).json()
    assert done["state"] == "completed" and done["charged"] is True
    assert [image["index"] for image in done["images"]] == [0, 1]
    assert [image["seed"] for image in done["images"]] == [7, 8]  # each image's own seed: batch seed + index
    assert summary(api) == CreditSummary(balance=8, reserved=0)

    second = await api.get(done["images"][1]["url"], headers=bearer(token))
    assert second.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(second.content)).getpixel((0, 0)) == (0, 0, 255)
    assert (await api.get(f"/v1/images/{job['id']}/result/2", headers=bearer(token))).status_code == 404

    other = await sign_up(api, "eve@example.com")
    assert (await api.get(f"/v1/images/{job['id']}", headers=bearer(other))).status_code == 404
    assert (await api.get(done["images"][0]["url"], headers=bearer(other))).status_code == 404

    listing = (await api.get("/v1/images", headers=bearer(token))).json()
    assert [item["id"] for item in listing["jobs"]] == [job["id"]] and listing["next_cursor"] is None
    history = (await api.get("/v1/credits/history", headers=bearer(token))).json()["entries"]
    assert next((e["amount"], e["reason"], e["reference"]) for e in history) == (-2, "image", job["id"])


async def test_failure_expiry_and_cancel_release_the_reservation(api: httpx.AsyncClient, cloud: FakeModalCloud) -> None:
    token = await sign_up(api)
    grant(api, "ada@example.com", 10)
    ids = []
    for _ in range(3):
        ids.append((await api.post("/v1/images", json=JOB, headers=bearer(token))).json()["id"])
    assert summary(api).reserved == 3
    failed_call, expired_call, cancelled_call = cloud.call_ids

    cloud.fail(failed_call, RuntimeError("CUDA out of memory"))
    cloud.expire(expired_call)
    cancelled = (await api.post(f"/v1/images/{ids[2]}/cancel", headers=bearer(token))).json()
    assert cancelled["state"] == "cancelled"
    assert cloud.state_of(cancelled_call) == "cancelled"

    failed = (await api.get(f"/v1/images/{ids[0]}?wait=30", headers=bearer(token))).json()
    expired = (await api.get(f"/v1/images/{ids[1]}?wait=30", headers=bearer(token))).json()
    assert failed["state"] == "failed" and "CUDA out of memory" in failed["error"]
    assert expired["state"] == "failed" and "expired" in expired["error"]
    assert summary(api) == CreditSummary(balance=10, reserved=0)
    assert all(charge_entries(api, job_id) == 0 for job_id in ids)

    # Cancelling a finished job changes nothing.
    again = (await api.post(f"/v1/images/{ids[0]}/cancel", headers=bearer(token))).json()
    assert again["state"] == "failed"


async def test_same_idempotency_key_makes_one_job(api: httpx.AsyncClient, cloud: FakeModalCloud) -> None:
    token = await sign_up(api)
    grant(api, "ada@example.com", 10)
    headers = {**bearer(token), "Idempotency-Key": "studio-42"}
    responses = await asyncio.gather(*(api.post("/v1/images", json=JOB, headers=headers) for _ in range(8)))
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(cloud.call_ids) == 1 and summary(api).reserved == 1

    conflict = await api.post("/v1/images", json={**JOB, "prompt": "something else"}, headers=headers)
    assert conflict.status_code == 409


async def test_fifty_concurrent_submissions_against_ten_credits(api: httpx.AsyncClient) -> None:
    token = await sign_up(api)
    grant(api, "ada@example.com", 10)
    responses = await asyncio.gather(*(api.post("/v1/images", json=JOB, headers=bearer(token)) for _ in range(50)))
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 10 and codes.count(402) == 40
    assert summary(api) == CreditSummary(balance=10, reserved=10)


async def test_charge_happens_once_under_concurrent_polls(api: httpx.AsyncClient, cloud: FakeModalCloud) -> None:
    token = await sign_up(api)
    grant(api, "ada@example.com", 5)
    job_id = (await api.post("/v1/images", json={**JOB, "size": "2K"}, headers=bearer(token))).json()["id"]
    services = api._transport.app.state.services  # type: ignore[attr-defined]
    [call_id] = cloud.call_ids
    cloud.complete(call_id)
    # Many pollers see the finished call at once: HTTP long-polls plus direct finishes from threads.
    outcome = await services.compute.poll(call_id)
    finishes = [asyncio.to_thread(services.jobs.finish, job_id, outcome) for _ in range(20)]
    polls = [api.get(f"/v1/images/{job_id}?wait=10", headers=bearer(token)) for _ in range(20)]
    results = await asyncio.gather(*finishes, *polls)
    assert sum(1 for r in results[:20] if r is True) <= 1
    await wait_until(lambda: services.jobs.get(job_id).state == "completed", "job completed")
    assert charge_entries(api, job_id) == 1
    assert summary(api) == CreditSummary(balance=3, reserved=0)
    final = (await api.get(f"/v1/images/{job_id}", headers=bearer(token))).json()
    assert final["charged"] is True and len(final["images"]) == 1


async def test_long_poll_wakes_on_the_state_change(api: httpx.AsyncClient, cloud: FakeModalCloud) -> None:
    token = await sign_up(api)
    grant(api, "ada@example.com", 5)
    job_id = (await api.post("/v1/images", json=JOB, headers=bearer(token))).json()["id"]
    services = api._transport.app.state.services  # type: ignore[attr-defined]
    loop = asyncio.get_running_loop()
    started = loop.time()
    waiter = asyncio.create_task(api.get(f"/v1/images/{job_id}?wait=60", headers=bearer(token)))
    await wait_until(lambda: services.monitor.waiting(job_id), "the request is waiting on the job")
    assert not waiter.done()
    cloud.complete(cloud.call_ids[0])
    answer = (await waiter).json()
    # It answered because the job changed, long before its 60 s wait ran out.
    assert answer["state"] == "completed"
    assert loop.time() - started < 60


async def test_long_poll_without_change_returns_the_same_state(api: httpx.AsyncClient) -> None:
    token = await sign_up(api)
    grant(api, "ada@example.com", 5)
    job_id = (await api.post("/v1/images", json=JOB, headers=bearer(token))).json()["id"]
    answer = (await api.get(f"/v1/images/{job_id}?wait=0.3", headers=bearer(token))).json()
    assert answer["state"] == "running"
    assert (await api.get(f"/v1/images/{job_id}?wait=61", headers=bearer(token))).status_code == 422
    assert (await api.get("/v1/images/nope", headers=bearer(token))).status_code == 404


async def test_billing_off_reserves_and_charges_nothing(settings_factory, cloud: FakeModalCloud) -> None:  # type: ignore[no-untyped-def]
    from modal_app.api import create_app
    from tests.server.conftest import running

    async with running(create_app(settings_factory(billing_enabled=False))) as client:
        token = await sign_up(client)
        job = (await client.post("/v1/images", json={**JOB, "size": "2K"}, headers=bearer(token))).json()
        assert job["cost"] == 0
        assert summary(client) == CreditSummary(balance=0, reserved=0)
        cloud.complete(cloud.call_ids[0])
        done = (await client.get(f"/v1/images/{job['id']}?wait=30", headers=bearer(token))).json()
        assert done["state"] == "completed" and done["charged"] is False
        assert summary(client) == CreditSummary(balance=0, reserved=0)
        assert (await client.get("/v1/me", headers=bearer(token))).json()["billing_enabled"] is False


async def test_spawn_failure_fails_the_job_and_releases(settings_factory, cloud: FakeModalCloud) -> None:  # type: ignore[no-untyped-def]
    from modal_app.api import create_app
    from tests.server.conftest import running

    cloud.deployed_apps.clear()  # "modal deploy" never ran
    async with running(create_app(settings_factory())) as client:
        token = await sign_up(client)
        grant(client, "ada@example.com", 5)
        job = (await client.post("/v1/images", json=JOB, headers=bearer(token))).json()
        assert job["state"] == "failed" and "could not start the job on Modal" in job["error"]
        assert summary(client) == CreditSummary(balance=5, reserved=0)


async def test_local_compute_without_a_model_releases_the_reservation(settings_factory) -> None:  # type: ignore[no-untyped-def]
    from modal_app.api import create_app
    from modal_app.compute.managed import NOT_DOWNLOADED
    from tests.server.conftest import running

    async with running(create_app(settings_factory(compute="local", local_image_model=None))) as client:
        token = await sign_up(client)
        grant(client, "ada@example.com", 4)
        job = (await client.post("/v1/images", json={**JOB, "size": "2K"}, headers=bearer(token))).json()
        while job["state"] in ("queued", "running"):
            job = (await client.get(f"/v1/images/{job['id']}?wait=25", headers=bearer(token))).json()
        assert job["state"] == "failed" and job["error"] == NOT_DOWNLOADED and job["cost"] == 2
        assert summary(client) == CreditSummary(balance=4, reserved=0)


async def test_job_list_pages_and_filters(api: httpx.AsyncClient, cloud: FakeModalCloud) -> None:
    token = await sign_up(api)
    grant(api, "ada@example.com", 10)
    ids = [(await api.post("/v1/images", json=JOB, headers=bearer(token))).json()["id"] for _ in range(3)]
    cloud.complete(cloud.call_ids[0])
    await api.get(f"/v1/images/{ids[0]}?wait=30", headers=bearer(token))
    first = (await api.get("/v1/images?limit=2", headers=bearer(token))).json()
    rest = (await api.get(f"/v1/images?limit=2&cursor={first['next_cursor']}", headers=bearer(token))).json()
    assert [job["id"] for job in first["jobs"] + rest["jobs"]] == ids[::-1]
    assert rest["next_cursor"] is None
    completed = (await api.get("/v1/images?state=completed", headers=bearer(token))).json()["jobs"]
    assert [job["id"] for job in completed] == [ids[0]]
    assert (await api.get("/v1/images?state=bogus", headers=bearer(token))).status_code == 422


async def test_a_job_that_never_ends_is_stopped_and_released(settings_factory, cloud: FakeModalCloud) -> None:  # type: ignore[no-untyped-def]
    from modal_app.api import create_app
    from modal_app.monitor import TIMEOUT_MESSAGE
    from tests.server.conftest import running

    async with running(create_app(settings_factory(job_timeout=0.2))) as client:
        token = await sign_up(client)
        grant(client, "ada@example.com", 2)
        job = (await client.post("/v1/images", json=JOB, headers=bearer(token))).json()
        while job["state"] in ("queued", "running"):
            job = (await client.get(f"/v1/images/{job['id']}?wait=25", headers=bearer(token))).json()
        assert job["state"] == "failed" and job["error"] == TIMEOUT_MESSAGE
        assert cloud.state_of(cloud.call_ids[0]) == "cancelled"
        assert summary(client) == CreditSummary(balance=2, reserved=0)


async def test_no_model_takes_a_negative_prompt_now(api: httpx.AsyncClient) -> None:
    token = await sign_up(api)
    grant(api, "ada@example.com", 10)
    models = (await api.get("/v1/image-models")).json()["models"]
    # Qwen-Image Lightning is CFG-distilled (true CFG would double the time and burn the image), FLUX.1
    # [schnell] guidance-distilled: neither is steered by a negative prompt.
    assert {model["id"]: model["negative_prompt"] for model in models} == {
        "qwen-image-lightning": False,
        "flux-schnell": False,
    }
    body = {**JOB, "model": "qwen-image-lightning", "negative_prompt": "text"}
    refused = await api.post("/v1/images", json=body, headers=bearer(token))
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "negative_prompt"
    plain = await api.post("/v1/images", json={**body, "negative_prompt": "  "}, headers=bearer(token))
    assert plain.status_code == 201 and plain.json()["negative_prompt"] == ""


async def test_negative_prompt_is_stored_and_sent_to_the_compute(
    api: httpx.AsyncClient, cloud: FakeModalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from modal_app import image_models

    # A model whose table row takes negative prompts (none does today): the path stays exact for one.
    steered = tuple(
        dataclasses.replace(m, negative_prompt=m.id == "qwen-image-lightning") for m in image_models.IMAGE_MODELS
    )
    monkeypatch.setattr(image_models, "IMAGE_MODELS", steered)
    token = await sign_up(api)
    grant(api, "ada@example.com", 10)
    body = {**JOB, "model": "qwen-image-lightning", "negative_prompt": "  text, watermark "}
    job = (await api.post("/v1/images", json=body, headers=bearer(token))).json()
    assert job["negative_prompt"] == "text, watermark"
    [call_id] = cloud.call_ids
    assert cloud.payload_of(call_id)["negative_prompt"] == "text, watermark"
    polled = (await api.get(f"/v1/images/{job['id']}", headers=bearer(token))).json()
    assert polled["negative_prompt"] == "text, watermark"
    # An empty negative prompt is fine on any model.
    plain = await api.post("/v1/images", json={**JOB, "negative_prompt": " "}, headers=bearer(token))
    assert plain.status_code == 201 and plain.json()["negative_prompt"] == ""


@pytest.mark.sqlite_only("the compute's readiness, not the database")
async def test_image_models_say_the_cloud_compute_is_ready(api: httpx.AsyncClient) -> None:
    table = (await api.get("/v1/image-models")).json()
    assert (table["compute_ready"], table["compute_message"]) == (True, "")
