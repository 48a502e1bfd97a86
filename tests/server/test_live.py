"""The API under a real uvicorn on loopback: a whole job, the OpenAPI schema, and a restart mid-job."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from modal_app.api import accounts, create_app, credits, image_models, images, plans
from modal_app.jobs import JobStore
from modal_app.settings import ServerSettings
from modal_app.store.db import open_store
from modal_app.store.models import LedgerEntry
from tests.fakes.modal_fake import FakeModalCloud
from tests.server.conftest import live_server

JOB = {"model": "qwen-image-lightning", "prompt": "an amethyst geode", "size": "2K", "aspect_ratio": "9:16"}


def _sign_up(client: httpx.Client, email: str) -> dict[str, str]:
    response = client.post("/v1/accounts", json={"email": email, "password": "correct horse"})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.mark.sqlite_only("reads the OpenAPI description; no database is involved")
def test_openapi_lists_every_route(settings_factory: Callable[..., ServerSettings]) -> None:
    app = create_app(settings_factory())
    routers = [module.router for module in (accounts, credits, image_models, images, plans)]
    routes = {("GET", "/v1/health")} | {
        (method, route.path)  # type: ignore[attr-defined]
        for router in routers
        for route in router.routes
        for method in route.methods  # type: ignore[attr-defined]
    }
    with live_server(app) as url, httpx.Client(base_url=url) as client:
        schema = client.get("/openapi.json").json()
        assert client.get("/docs").status_code == 200
    served = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    assert len(routes) >= 15
    assert routes <= served, routes - served
    app.state.services.close()


@pytest.mark.sqlite_only("uvicorn on loopback is under test; the same job on Postgres is test_images.py")
def test_whole_job_over_loopback(settings_factory: Callable[..., ServerSettings], cloud: FakeModalCloud) -> None:
    cloud.auto_complete = True
    app = create_app(settings_factory())
    with live_server(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        assert client.get("/v1/health").json() == {"status": "ok"}
        headers = _sign_up(client, "ada@example.com")
        services = app.state.services
        services.ledger.grant(services.accounts.find_by_email("ada@example.com").id, 6, "test")
        job = client.post("/v1/images", json=JOB, headers={**headers, "Idempotency-Key": "k1"}).json()
        done = client.get(f"/v1/images/{job['id']}", params={"wait": 30}, headers=headers).json()
        assert done["state"] == "completed" and done["width"] < done["height"]
        png = client.get(done["images"][0]["url"], headers=headers)
        assert png.content.startswith(b"\x89PNG")
        assert client.get("/v1/credits", headers=headers).json() == {
            "balance": 4,
            "reserved": 0,
            "available": 4,
            "billing_enabled": True,
        }
    app.state.services.close()


def test_jobs_survive_a_restart_and_are_charged_once(
    settings_factory: Callable[..., ServerSettings], cloud: FakeModalCloud
) -> None:
    settings = settings_factory(submit_grace=0.5)
    first = create_app(settings)
    with live_server(first) as url, httpx.Client(base_url=url, timeout=30) as client:
        headers = _sign_up(client, "ada@example.com")
        services = first.state.services
        account_id = services.accounts.find_by_email("ada@example.com").id
        services.ledger.grant(account_id, 10, "test")
        ids = [client.post("/v1/images", json=JOB, headers=headers).json()["id"] for _ in range(3)]
        assert all(client.get(f"/v1/images/{i}", headers=headers).json()["state"] == "running" for i in ids)
    first.state.services.close()

    # While the server is down: one call finishes, one fails; a job the server never sent is left queued.
    calls = cloud.call_ids
    cloud.complete(calls[0])
    cloud.fail(calls[1], RuntimeError("worker lost"))
    store = open_store(settings.database_url)
    from modal_app.jobs import ImageRequest

    orphan, _ = JobStore(store, billing_enabled=True, storage=services.jobs.storage).create(
        account_id, ImageRequest(model="flux-schnell", prompt="never sent")
    )
    store.close()

    second = create_app(settings)
    with live_server(second) as url, httpx.Client(base_url=url, timeout=30) as client:
        waits = {ids[0]: 30, ids[1]: 30, ids[2]: 0}  # the third is still running in the cloud
        states = {i: client.get(f"/v1/images/{i}", params={"wait": waits[i]}, headers=headers).json() for i in ids}
        assert states[ids[0]]["state"] == "completed" and states[ids[0]]["charged"] is True
        assert states[ids[1]]["state"] == "failed"
        assert states[ids[2]]["state"] == "running"
        cloud.complete(calls[2])
        third = client.get(f"/v1/images/{ids[2]}", params={"wait": 30}, headers=headers).json()
        assert third["state"] == "completed"
        orphan_state = client.get(f"/v1/images/{orphan.id}", params={"wait": 30}, headers=headers).json()
        assert orphan_state["state"] == "failed"
        credits = client.get("/v1/credits", headers=headers).json()
    # 3 jobs of 2 credits reserved; two charged, one failed and one orphan released.
    assert credits == {"balance": 6, "reserved": 0, "available": 6, "billing_enabled": True}
    with second.state.services.store.reads() as session:
        charges = session.query(LedgerEntry).filter_by(reason="image").all()
    assert sorted(entry.reference for entry in charges) == sorted([ids[0], ids[2]])
    second.state.services.close()
