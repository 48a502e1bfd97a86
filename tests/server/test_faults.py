"""Faults that must not leave money or jobs stuck: failing writes, damaged files, orphaned calls."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from modal_app.api import create_app
from modal_app.compute.base import GenerationRequest
from modal_app.jobs import ImageRequest
from modal_app.ledger import CreditSummary
from modal_app.services import build_services
from modal_app.settings import ServerSettings
from modal_app.store.db import StoreCorrupt
from modal_app.store.models import LedgerEntry
from tests.fakes.modal_fake import FakeModalCloud
from tests.server.conftest import bearer, grant, live_server, modal_compute, running, sign_up, wait_until
from tests.server.sqlite_faults import SqliteFaults

JOB = {"model": "flux-schnell", "prompt": "through the fault", "size": "2K"}  # costs 2 credits


@pytest.mark.sqlite_only("fills the SQLite file (max_page_count); a full Postgres disk cannot be made in a test")
async def test_a_finishing_write_on_a_full_disk_is_retried_and_charged_once(
    settings_factory: Callable[..., ServerSettings], cloud: FakeModalCloud, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_factory(poll_interval=0.02, max_poll_interval=0.1)
    async with running(create_app(settings)) as api:
        token = await sign_up(api)
        grant(api, "ada@example.com", 5)
        services = api._transport.app.state.services  # type: ignore[attr-defined]
        faults = SqliteFaults(services.store.engine)
        job_id = (await api.post("/v1/images", json=JOB, headers=bearer(token))).json()["id"]
        account_id = services.accounts.find_by_email("ada@example.com").id

        faults.full(finishing_grows=True)
        cloud.complete(cloud.call_ids[0])
        await wait_until(lambda: services.store.faults.current == "full", "the finishing write failed")
        await wait_until(lambda: services.monitor.watched and _failures(services, job_id) >= 3, "it was retried")
        assert services.jobs.get(job_id).state == "running"
        assert services.ledger.summary(account_id) == CreditSummary(balance=5, reserved=2)
        assert services.monitor._loop_task is not None and not services.monitor._loop_task.done()

        faults.clear()  # space is back
        await wait_until(lambda: services.jobs.get(job_id).state == "completed", "the retry finished the job")
        job = (await api.get(f"/v1/images/{job_id}", headers=bearer(token))).json()
        assert job["charged"] is True and len(job["images"]) == 1
        assert services.ledger.summary(account_id) == CreditSummary(balance=3, reserved=0)
        with services.store.reads() as session:
            assert session.query(LedgerEntry).filter_by(reference=job_id).count() == 1
    assert "Task exception was never retrieved" not in caplog.text
    outage_logs = [r for r in caplog.records if r.name == "modal_app.store.faults" and r.levelno == logging.ERROR]
    assert len(outage_logs) == 1  # logged once however often the write was tried


def _failures(services: object, job_id: str) -> int:
    watch = services.monitor._watches.get(job_id)  # type: ignore[attr-defined]
    return 0 if watch is None else int(watch.failures)


@pytest.mark.sqlite_only("makes the SQLite file read-only; Postgres faults are covered in test_postgres.py")
def test_writes_on_a_read_only_database_answer_503_logged_once_over_loopback(
    settings_factory: Callable[..., ServerSettings], caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings_factory())
    faults = SqliteFaults(app.state.services.store.engine)
    with live_server(app) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        made = client.post("/v1/accounts", json={"email": "ada@example.com", "password": "correct horse"})
        headers = bearer(made.json()["token"])
        faults.read_only()
        answers = [client.post("/v1/images", json=JOB, headers=headers) for _ in range(3)]
        assert [answer.status_code for answer in answers] == [503] * 3
        assert answers[0].headers["Retry-After"] == "30" and "read-only" in answers[0].json()["detail"]
        signup = client.post("/v1/accounts", json={"email": "bob@example.com", "password": "correct horse"})
        assert signup.status_code == 503
        assert client.get("/v1/credits", headers=headers).status_code == 200  # reads still work
        faults.clear()
        app.state.services.ledger.grant(app.state.services.accounts.find_by_email("ada@example.com").id, 5, "t")
        assert client.post("/v1/images", json=JOB, headers=headers).status_code == 201
    app.state.services.close()
    errors = [r for r in caplog.records if r.name == "modal_app.store.faults" and r.levelno == logging.ERROR]
    assert len(errors) == 1 and "read-only" in errors[0].getMessage()
    assert any("work again" in r.getMessage() for r in caplog.records)


async def test_the_sweep_settles_a_job_whose_compute_ended_without_a_watch(
    settings_factory: Callable[..., ServerSettings], cloud: FakeModalCloud
) -> None:
    async with running(create_app(settings_factory(sweep_interval=0.05))) as api:
        await sign_up(api)
        grant(api, "ada@example.com", 5)
        services = api._transport.app.state.services  # type: ignore[attr-defined]
        account_id = services.accounts.find_by_email("ada@example.com").id
        # Submitted by another process that died after recording the call: nobody here watches it.
        job, _ = services.jobs.create(account_id, ImageRequest(model="flux-schnell", prompt="orphan", size="2K"))
        generator = cloud.cls_from_name("amethyst-studio", "ImageGenerator")(model_id="flux-schnell")
        call_id = generator.generate.spawn(job.generation_request().as_dict()).object_id
        assert services.jobs.mark_running(job.id, call_id)
        cloud.complete(call_id)
        await wait_until(lambda: services.jobs.get(job.id).state == "completed", "the sweep settled it")
        assert services.ledger.summary(account_id) == CreditSummary(balance=3, reserved=0)


async def test_one_loop_polls_every_call_and_old_jobs_less_often(
    settings_factory: Callable[..., ServerSettings], cloud: FakeModalCloud
) -> None:
    import asyncio
    from datetime import timedelta

    from modal_app.store.models import utcnow

    async with running(create_app(settings_factory(billing_enabled=False))) as api:
        token = await sign_up(api)
        for n in range(20):
            assert (await api.post("/v1/images", json={**JOB, "prompt": f"job {n}"}, headers=bearer(token))).is_success
        services = api._transport.app.state.services  # type: ignore[attr-defined]
        monitor = services.monitor
        assert monitor.watched == 20
        assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("watch-")]
        now = utcnow()
        with pytest.MonkeyPatch.context() as frozen:  # a job's age is not the time this test took to get here
            frozen.setattr("modal_app.monitor.utcnow", lambda: now)
            assert monitor._interval(now) == monitor.poll_interval
            assert monitor._interval(now - timedelta(minutes=10)) == monitor.max_poll_interval
        for call_id in cloud.call_ids:
            cloud.complete(call_id)
        await wait_until(lambda: monitor.watched == 0, "every job finished")


def test_a_zero_length_database_file_is_refused_and_kept(tmp_path: Path) -> None:
    folder = tmp_path / "studio"
    folder.mkdir()
    (folder / "studio.db").write_bytes(b"")
    with pytest.raises(StoreCorrupt, match="empty"):
        build_services(ServerSettings.for_data_dir(folder, local_account=True))
    assert (folder / "studio.db").stat().st_size == 0


@pytest.mark.sqlite_only("damages the SQLite file itself")
def test_a_damaged_database_file_is_refused_at_start(
    tmp_path: Path, settings_factory: Callable[..., ServerSettings]
) -> None:
    settings = settings_factory()
    services = build_services(settings)
    account = services.accounts.sign_up("ada@example.com", "correct horse")
    for n in range(400):
        services.ledger.grant(account.id, 1, "filler " + "x" * 200, idempotency_key=f"k{n}")
    services.close()
    path = Path(settings.database_url.removeprefix("sqlite:///"))
    data = bytearray(path.read_bytes())
    page = 4096
    middle = (len(data) // page // 2) * page
    data[middle : middle + page] = os.urandom(page)
    path.write_bytes(bytes(data))
    with pytest.raises(StoreCorrupt, match=r"damaged|cannot be read"):
        build_services(settings)
    assert path.read_bytes() == bytes(data)  # left as it was


async def test_a_call_whose_id_cannot_be_recorded_is_cancelled(cloud: FakeModalCloud) -> None:
    compute = modal_compute(cloud)
    request = GenerationRequest(model="flux-schnell", prompt="p", width=64, height=64, count=1, seed=1, steps=4)
    seen: list[tuple[str, bool]] = []

    def failing_record(call_id: str) -> bool:
        seen.append((threading.current_thread().name, call_id in cloud.call_ids))
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        await compute.submit_recorded(request, failing_record)
    (thread, existed), call_id = seen[0], cloud.call_ids[0]
    assert thread.startswith("modal-sdk") and existed  # recorded in the thread that spawned it
    assert cloud.state_of(call_id) == "cancelled"

    call_id, kept = await compute.submit_recorded(request, lambda _call_id: False)  # cancelled meanwhile
    assert kept is False and cloud.state_of(call_id) == "cancelled"
    await compute.close()
