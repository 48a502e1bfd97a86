"""ModalImageCompute against the fake's transient errors and remote failures, through the real API."""

from __future__ import annotations

import httpx
from modal.exception import ConnectionError as ModalConnectionError
from modal.exception import FunctionTimeoutError, InternalFailure, ServiceError

from modal_app.compute.base import Failed, GenerationFailed, GenerationRequest, Pending
from modal_app.compute.modal_compute import INTERNAL_MESSAGE, OOM_MESSAGE, TIMEOUT_MESSAGE
from tests.fakes.modal_fake import FakeModalCloud, remote_failure
from tests.server.conftest import bearer, grant, modal_compute, sign_up, wait_until

JOB = {"model": "flux-schnell", "prompt": "through the storm"}
REQUEST = GenerationRequest(model="flux-schnell", prompt="p", width=1024, height=1024, count=1, seed=1, steps=4)


async def test_a_transient_error_is_retried_and_the_job_completes(
    api: httpx.AsyncClient, cloud: FakeModalCloud
) -> None:
    token = await sign_up(api)
    grant(api, "ada@example.com", 5)
    services = api._transport.app.state.services  # type: ignore[attr-defined]
    services.compute.retry_delays = (0.01, 0.05)
    job = (await api.post("/v1/images", json=JOB, headers=bearer(token))).json()
    [call_id] = cloud.call_ids
    await wait_until(lambda: cloud.waiting_on(call_id) == 1, "the compute waits on the call")
    cloud.interrupt(call_id, ServiceError("UNAVAILABLE"), ModalConnectionError("reset"), ConnectionResetError())
    await wait_until(lambda: cloud.waiting_on(call_id) == 1, "it waits again after the errors")
    assert (await api.get(f"/v1/images/{job['id']}", headers=bearer(token))).json()["state"] == "running"
    cloud.complete(call_id)
    done = (await api.get(f"/v1/images/{job['id']}?wait=30", headers=bearer(token))).json()
    assert done["state"] == "completed" and done["charged"] is True
    assert cloud.gets_of(call_id) >= 4  # three interrupted gets, then the one that saw the result


async def test_a_remote_failure_fails_the_job_once_with_a_clean_message(
    api: httpx.AsyncClient, cloud: FakeModalCloud
) -> None:
    token = await sign_up(api)
    grant(api, "ada@example.com", 5)
    services = api._transport.app.state.services  # type: ignore[attr-defined]
    job = (await api.post("/v1/images", json=JOB, headers=bearer(token))).json()
    [call_id] = cloud.call_ids
    cloud.fail(call_id, remote_failure())
    failed = (await api.get(f"/v1/images/{job['id']}?wait=30", headers=bearer(token))).json()
    assert failed["state"] == "failed"
    assert failed["error"] == OOM_MESSAGE  # not the "Could not deserialize…" traceback text
    assert "Traceback" not in failed["error"]
    account = services.accounts.find_by_email("ada@example.com").id
    assert services.ledger.summary(account).reserved == 0
    history = (await api.get("/v1/credits/history", headers=bearer(token))).json()["entries"]
    assert [entry["reason"] for entry in history].count("image") == 0


async def test_each_remote_ending_reads_cleanly(cloud: FakeModalCloud) -> None:
    compute = modal_compute(cloud)
    compute.retry_delays = (0.01, 0.02)
    calls = [await compute.submit(REQUEST) for _ in range(5)]
    ours, timed_out, internal, other, obscure = calls
    cloud.fail(ours, GenerationFailed("FLUX.1 [schnell] does not make 4096×4096 images"))
    cloud.fail(timed_out, FunctionTimeoutError("Function timed out after 600s"))
    cloud.fail(internal, InternalFailure("worker preempted"))
    cloud.fail(other, remote_failure("ValueError: the prompt is too long\nsecond line"))
    cloud.fail(obscure, remote_failure("something odd happened"))
    results = {}
    for call_id in calls:
        await wait_until(lambda c=call_id: c not in compute._waiters, "the waiter ended")
        results[call_id] = await compute.poll(call_id)
    assert results == {
        ours: Failed("FLUX.1 [schnell] does not make 4096×4096 images"),
        timed_out: Failed(TIMEOUT_MESSAGE),
        internal: Failed(INTERNAL_MESSAGE),
        other: Failed("image generation failed on the GPU (ValueError)"),
        obscure: Failed("image generation failed on the GPU"),
    }
    assert cloud.gets_of(internal) >= 3  # Modal's retriable internal failure is looked at again first
    # A transport error on a single look is Pending, never a failed job.
    running = await compute.submit(REQUEST)
    cloud.interrupt(running, ServiceError("DEADLINE_EXCEEDED"))
    assert isinstance(await compute.poll(running), Pending)
    await compute.close()
