"""The connection and job queue against the real Studio API on loopback (uvicorn), with a fake compute."""

from __future__ import annotations

import pytest

from app.context import AppContext
from app.services.clients.studio_types import JobState, NotEnoughCredits
from app.services.gallery import GalleryQuery
from tests.fakes.image_compute import FakeImageCompute
from tests.studio.embedded import EmbeddedApi
from tests.studio.service_harness import request, until


async def test_local_connection_is_free_and_lists_models(make_studio) -> None:  # type: ignore[no-untyped-def]
    studio = make_studio(EmbeddedApi(FakeImageCompute()))
    badges: list[str] = []
    states: list[str] = []
    studio.connection.credits_changed.connect(badges.append)
    studio.connection.state_changed.connect(states.append)
    await studio.start()
    assert states == ["connecting", "connected"]
    assert badges[-1] == "Local · free"
    assert studio.connection.server is not None and studio.connection.server.url.startswith("http://127.0.0.1:")
    models = studio.connection.models
    assert models is not None and {"flux-schnell", "qwen-image-lightning"} <= {m.id for m in models.models}


async def test_submit_watch_and_collect_images(make_studio, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    studio = make_studio(EmbeddedApi(FakeImageCompute(delay=0.1)))
    await studio.start()
    states: list[str] = []
    studio.jobs.job_changed.connect(lambda job: states.append(job.state.value))
    job = await studio.jobs.submit(request(count=2))
    assert job.cost == 0
    await until(lambda: job.saved == 2 and bool(studio.notified))  # the notice follows the last image's save
    assert job.state == JobState.COMPLETED and "completed" in states
    images = await context.gallery.query(GalleryQuery())
    assert len(images) == 2
    assert {(i.prompt, i.negative_prompt, i.model, i.seed, i.aspect) for i in images} == {
        ("a lighthouse at dusk", "fog", "qwen-image-lightning", 42, "16:9"),
        ("a lighthouse at dusk", "fog", "qwen-image-lightning", 43, "16:9"),  # image 2: batch seed + 1
    }
    assert studio.notified == [("2 images ready", "a lighthouse at dusk", "studio", {"job": job.server_id})]


async def test_no_notification_while_the_person_watches(make_studio) -> None:  # type: ignore[no-untyped-def]
    studio = make_studio(EmbeddedApi(FakeImageCompute(delay=0.02)))
    await studio.start()
    studio.controller.attach_view(lambda: True)
    ready: list[object] = []
    studio.jobs.images_ready.connect(ready.append)  # emitted right before the notify-or-not decision
    job = await studio.jobs.submit(request(count=1))
    await until(lambda: job.saved == 1 and bool(ready))
    assert studio.notified == []


async def test_cancel_a_running_job(make_studio) -> None:  # type: ignore[no-untyped-def]
    compute = FakeImageCompute(hold=True)
    studio = make_studio(EmbeddedApi(compute))
    await studio.start()
    job = await studio.jobs.submit(request())
    await until(lambda: bool(compute.held()))
    await studio.jobs.cancel(job.server_id)
    await until(lambda: job.state == JobState.CANCELLED)
    await until(lambda: compute.cancelled != [])
    assert job.saved == 0


async def test_billing_on_costs_and_402(make_studio) -> None:  # type: ignore[no-untyped-def]
    studio = make_studio(EmbeddedApi(FakeImageCompute(hold=True), billing=True, credits=3))
    await studio.start()
    assert studio.connection.badge_text() == "3 credits"
    assert studio.connection.models is not None
    assert studio.connection.models.cost("flux-schnell", "2K", 2) == 4
    with pytest.raises(NotEnoughCredits) as raised:
        await studio.jobs.submit(request(count=2, size="2K"))
    assert (raised.value.needed, raised.value.available) == (4, 3)
    assert studio.jobs.jobs == []


async def test_failure_releases_the_reservation(make_studio) -> None:  # type: ignore[no-untyped-def]
    compute = FakeImageCompute(hold=True)
    studio = make_studio(EmbeddedApi(compute, billing=True, credits=10))
    await studio.start()
    job = await studio.jobs.submit(request(count=2))  # 2 credits
    assert job.cost == 2
    credits = await studio.connection.refresh_credits()
    assert credits is not None and (credits.reserved, credits.available) == (2, 8)
    await until(lambda: bool(compute.held()))
    compute.fail(message="the GPU ran out of memory")
    await until(lambda: job.state == JobState.FAILED)
    assert "out of memory" in job.error
    credits = await studio.connection.refresh_credits()
    assert credits is not None and (credits.balance, credits.reserved, credits.available) == (10, 0, 10)


async def test_jobs_resume_after_a_restart(make_studio, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    compute = FakeImageCompute(hold=True)
    api = EmbeddedApi(compute)
    first = make_studio(api)
    await first.start()
    job = await first.jobs.submit(request(count=1))
    await until(lambda: bool(compute.held()))
    await first.stop()  # the app quits with the job still running

    compute.finish()  # the GPU finishes while the app is closed
    second = make_studio(api)
    await second.start()
    resumed = second.jobs.find(job.server_id)
    assert resumed is not None
    await until(lambda: resumed.saved == 1)
    assert resumed.state == JobState.COMPLETED
    assert [i.job_id for i in await context.gallery.query(GalleryQuery())] == [job.server_id]
