"""Two server instances on one database and one Modal cloud, as with several uvicorn workers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from modal_app.api import create_app
from modal_app.ledger import CreditSummary
from modal_app.settings import ServerSettings
from modal_app.store.models import LedgerEntry
from tests.fakes.modal_fake import FakeModalCloud
from tests.server.conftest import bearer, grant, running, sign_up, wait_until

JOB = {"model": "flux-schnell", "prompt": "twin servers", "size": "2K"}


async def test_second_instance_long_poll_wakes_and_the_job_is_charged_once(
    settings_factory: Callable[..., ServerSettings], cloud: FakeModalCloud
) -> None:
    async with (
        running(create_app(settings_factory())) as first,
        running(create_app(settings_factory())) as second,
    ):
        token = await sign_up(first)
        grant(first, "ada@example.com", 5)
        job_id = (await first.post("/v1/images", json=JOB, headers=bearer(token))).json()["id"]
        second_monitor = second._transport.app.state.services.monitor  # type: ignore[attr-defined]

        waiter = asyncio.create_task(second.get(f"/v1/images/{job_id}?wait=60", headers=bearer(token)))
        await wait_until(lambda: second_monitor.waiting(job_id) > 0, "the second instance is waiting")
        assert second_monitor.watching(job_id)  # it polls the shared call itself
        cloud.complete(cloud.call_ids[0])
        answer = (await waiter).json()
        assert answer["state"] == "completed"
        assert (await first.get(f"/v1/images/{job_id}?wait=30", headers=bearer(token))).json()["charged"] is True

        services = first._transport.app.state.services  # type: ignore[attr-defined]
        account_id = services.accounts.find_by_email("ada@example.com").id
        assert services.ledger.summary(account_id) == CreditSummary(balance=3, reserved=0)
        with services.store.reads() as session:
            assert session.query(LedgerEntry).filter_by(reference=job_id).count() == 1


async def test_a_starting_instance_adopts_a_job_another_is_submitting(
    settings_factory: Callable[..., ServerSettings], cloud: FakeModalCloud
) -> None:
    from modal_app.jobs import ImageRequest

    async with running(create_app(settings_factory())) as first:
        token = await sign_up(first)
        grant(first, "ada@example.com", 5)
        services = first._transport.app.state.services  # type: ignore[attr-defined]
        account_id = services.accounts.find_by_email("ada@example.com").id
        # The first instance has stored the job but not yet handed it to Modal when the second starts.
        job, _ = services.jobs.create(account_id, ImageRequest(model="flux-schnell", prompt="in flight"))
        async with running(create_app(settings_factory())) as second:
            assert (await second.get(f"/v1/images/{job.id}", headers=bearer(token))).json()["state"] == "queued"
            call_id = cloud.cls_from_name("amethyst-studio", "ImageGenerator")(model_id="flux-schnell")
            call_id = call_id.generate.spawn(job.generation_request().as_dict()).object_id
            assert services.jobs.mark_running(job.id, call_id)
            cloud.complete(call_id)
            done = (await second.get(f"/v1/images/{job.id}?wait=30", headers=bearer(token))).json()
            while done["state"] == "running":
                done = (await second.get(f"/v1/images/{job.id}?wait=30", headers=bearer(token))).json()
            assert done["state"] == "completed" and done["charged"] is True
        assert services.ledger.summary(account_id) == CreditSummary(balance=4, reserved=0)
