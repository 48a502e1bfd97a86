"""The ledger (grants, idempotency, history pages), the admin CLI, and ModalImageCompute on the fake."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from modal_app.compute.base import Done, Failed, GenerationRequest, Pending
from modal_app.compute.modal_compute import EXPIRED_MESSAGE
from modal_app.ledger import MAX_AMOUNT
from tests.fakes.modal_fake import FakeModalCloud
from tests.server.conftest import bearer, modal_compute, sign_up

# This module runs the server's CLI as subprocesses:
# on a loaded machine that can outlast the suite's 60 s hang guard (pyproject); its own waits, which allow
# longer, are what bound it.
pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[2]


async def test_history_pages_and_idempotent_grants(api: httpx.AsyncClient) -> None:
    token = await sign_up(api)
    services = api._transport.app.state.services  # type: ignore[attr-defined]
    account_id = services.accounts.find_by_email("ada@example.com").id
    for n in range(5):
        services.ledger.grant(account_id, n + 1, "pack", reference=f"cs_{n}", idempotency_key=f"stripe:{n}")
    services.ledger.grant(account_id, 1, "pack", idempotency_key="stripe:0")  # a repeated webhook
    assert (await api.get("/v1/credits", headers=bearer(token))).json()["balance"] == 15

    first = (await api.get("/v1/credits/history?limit=2", headers=bearer(token))).json()
    assert [e["reference"] for e in first["entries"]] == ["cs_4", "cs_3"]
    second = (await api.get(f"/v1/credits/history?limit=2&cursor={first['next_cursor']}", headers=bearer(token))).json()
    third = (await api.get(f"/v1/credits/history?limit=2&cursor={second['next_cursor']}", headers=bearer(token))).json()
    assert [e["reference"] for e in second["entries"] + third["entries"]] == ["cs_2", "cs_1", "cs_0"]
    assert third["next_cursor"] is None
    assert (await api.get("/v1/credits/history?limit=0", headers=bearer(token))).status_code == 422
    # An amount the column cannot hold (INTEGER: 32-bit on Postgres) is refused before the database sees it.
    for amount in (MAX_AMOUNT + 1, -MAX_AMOUNT - 1):
        with pytest.raises(ValueError, match="at most"):
            services.ledger.grant(account_id, amount, "typo")
    services.ledger.grant(account_id, MAX_AMOUNT, "largest", idempotency_key="largest")
    assert (await api.get("/v1/credits", headers=bearer(token))).json()["balance"] == 15 + MAX_AMOUNT


def _cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AMETHYST_STUDIO_DATA": str(data_dir), "AMETHYST_COMPUTE": "modal"}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "modal_app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_grant_command(tmp_path: Path) -> None:
    from modal_app.accounts import Accounts
    from modal_app.ledger import Ledger
    from modal_app.store.db import open_store

    data_dir = tmp_path / "server"
    data_dir.mkdir()
    store = open_store(f"sqlite:///{data_dir / 'studio.db'}")
    account = Accounts(store).sign_up("ada@example.com", "correct horse")

    done = _cli("grant", "Ada@example.com", "25", "--reason", "support", "--idempotency-key", "t-1", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert "balance 25" in done.stdout
    repeat = _cli(
        "grant", "ada@example.com", "25", "--reason", "support", "--idempotency-key", "t-1", data_dir=data_dir
    )
    assert repeat.returncode == 0 and "balance 25" in repeat.stdout
    missing = _cli("grant", "nobody@example.com", "5", "--reason", "x", data_dir=data_dir)
    assert missing.returncode == 1 and "no account" in missing.stderr
    huge = _cli("grant", "ada@example.com", str(2**40), "--reason", "typo", data_dir=data_dir)
    assert huge.returncode == 2 and "at most 2147483647 credits" in huge.stderr
    entries, _ = Ledger(store).history(account.id)
    assert [(e.amount, e.reason) for e in entries] == [(25, "support")]
    store.close()


REQUEST = GenerationRequest(model="flux-schnell", prompt="p", width=64, height=64, count=1, seed=1, steps=4)


async def test_modal_compute_follows_the_sdk_contract(cloud: FakeModalCloud) -> None:
    compute = modal_compute(cloud)
    pending, done, failed, expired, cancelled = [await compute.submit(REQUEST) for _ in range(5)]
    assert all(call.startswith("fc-") for call in (pending, done))
    cloud.complete(done)
    cloud.fail(failed, ValueError("bad prompt"))
    cloud.expire(expired)
    await compute.cancel(cancelled)

    assert isinstance(await compute.poll(pending), Pending)
    result = await compute.poll(done)
    assert isinstance(result, Done) and result.images[0].startswith(b"\x89PNG")
    failure = await compute.poll(failed)
    assert isinstance(failure, Failed) and "ValueError: bad prompt" in failure.message
    assert await compute.poll(expired) == Failed(EXPIRED_MESSAGE)
    assert isinstance(await compute.poll(cancelled), Failed)
    assert cloud.state_of(cancelled) == "cancelled"


async def test_modal_compute_reports_a_missing_deployment(cloud: FakeModalCloud) -> None:
    from modal_app.compute.base import ComputeError

    cloud.deployed_apps.clear()
    with pytest.raises(ComputeError, match="could not start the job on Modal"):
        await modal_compute(cloud).submit(REQUEST)
