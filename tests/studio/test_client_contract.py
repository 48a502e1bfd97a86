"""The desktop against the wire contract, over loopback: prices shown are prices reserved, and an answer
that does not fit the contract is a loud ``MalformedAnswer``, never a value filled with defaults."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.services.clients.studio import StudioClient
from app.services.clients.studio_types import InvalidRequest, MalformedAnswer, StudioError
from app.views.studio.prompt_form import Availability, PromptForm
from modal_app.api import create_app
from modal_app.contract import MAX_COUNT
from modal_app.settings import ServerSettings
from modal_app.store.models import Reservation
from tests.fakes.image_compute import FakeImageCompute
from tests.server.conftest import live_server

GOOD_JOB: dict[str, Any] = {
    "id": "j1",
    "state": "running",
    "model": "flux-schnell",
    "prompt": "a fox",
    "negative_prompt": "",
    "size": "1K",
    "aspect_ratio": "1:1",
    "width": 1024,
    "height": 1024,
    "count": 1,
    "seed": 7,
    "cost": 1,
    "charged": False,
    "error": None,
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
    "finished_at": None,
    "images": [],
}

MALFORMED: dict[str, tuple[Any, str]] = {
    "missing cost": ({k: v for k, v in GOOD_JOB.items() if k != "cost"}, "cost"),
    "cost as text": ({**GOOD_JOB, "cost": "1"}, "cost"),
    "charged as 0": ({**GOOD_JOB, "charged": 0}, "charged"),
    "unknown state": ({**GOOD_JOB, "state": "exploded"}, "state"),
    "image without seed": ({**GOOD_JOB, "images": [{"index": 0, "url": "/v1/images/j1/result/0"}]}, "images.0.seed"),
    "not an object": ([GOOD_JOB], "should be an object"),
}


@pytest.fixture
def bad_server() -> Iterator[tuple[str, dict[str, Any]]]:
    """A loopback server whose job route answers whatever ``answer["body"]`` holds (bytes: sent raw)."""
    answer: dict[str, Any] = {"body": GOOD_JOB}

    async def job(_request: Request) -> Response:
        body = answer["body"]
        if isinstance(body, bytes):
            return Response(body, media_type="application/json")
        return JSONResponse(body)

    app = Starlette(routes=[Route("/v1/images/{job_id}", job)])
    with live_server(app) as url:  # type: ignore[arg-type]
        yield url, answer


async def test_a_malformed_answer_is_a_loud_typed_error(bad_server: tuple[str, dict[str, Any]]) -> None:
    url, answer = bad_server
    client = StudioClient(url, "token", attempts=1)
    try:
        assert (await client.job("j1")).cost == 1  # the well-formed answer reads fine
        cases = {**MALFORMED, "not JSON": (b"<html>502 Bad Gateway</html>", "")}
        for case, (body, field) in cases.items():
            answer["body"] = body
            with pytest.raises(MalformedAnswer) as caught:
                await client.job("j1")
            message = str(caught.value)
            assert isinstance(caught.value, StudioError)  # every view already shows StudioError's text
            assert message.startswith("The Studio API sent a malformed answer to GET /v1/images/j1"), case
            assert field in message, (case, message)
    finally:
        await client.aclose()


async def test_the_generate_button_shows_exactly_what_the_server_reserves(tmp_path: Path, qapp: Any) -> None:
    settings = ServerSettings.for_data_dir(
        tmp_path / "studio", compute=FakeImageCompute(hold=True), billing_enabled=True, poll_interval=0.05
    )
    app = create_app(settings)
    services = app.state.services
    form = PromptForm()
    with live_server(app) as url:
        client = StudioClient(url, await StudioClient(url).sign_up("ada@example.com", "correct horse battery"))
        try:
            account = services.accounts.find_by_email("ada@example.com")
            services.ledger.grant(account.id, 10_000, "test grant")
            form.set_models(await client.image_models())
            form.set_availability(Availability(connected=True, billing=True, available=10_000))
            form.prompt.setPlainText("a lighthouse at dusk")
            checked = 0
            for model_index in range(form.model.count()):
                form.model.setCurrentIndex(model_index)
                for size_index in range(form.size_choice.count()):
                    form.size_choice.setCurrentIndex(size_index)
                    for count in range(1, MAX_COUNT + 1):
                        form.count.setValue(count)
                        shown = re.fullmatch(r"Generate · (\d+) credits?", form.generate.text())
                        assert shown is not None, form.generate.text()
                        job = await client.submit(form.request(), idempotency_key=f"k{checked}")
                        with services.store.reads() as session:
                            reserved = session.scalar(select(Reservation.amount).where(Reservation.job_id == job.id))
                        assert int(shown.group(1)) == job.cost == reserved, (job.model, job.size, count)
                        checked += 1
        finally:
            await client.aclose()
            form.deleteLater()
    services.close()
    assert checked == 4 * (2 + 2)  # each model makes 1K and 2K (4K is beyond what either does well)


async def test_a_refused_field_is_said_in_the_servers_words_without_pydantics_prefix(tmp_path: Path) -> None:
    """QA: creating an account with "not-an-email" showed "email: Value error, enter an email address like
    name@example.com": pydantic's "Value error, " (its prefix for a validator's ValueError) is no word of ours."""
    settings = ServerSettings.for_data_dir(tmp_path / "studio", compute=FakeImageCompute(), billing_enabled=True)
    app = create_app(settings)
    with live_server(app) as url:
        client = StudioClient(url)
        try:
            with pytest.raises(InvalidRequest) as refused:
                await client.sign_up("not-an-email", "correct horse battery")
        finally:
            await client.aclose()
    app.state.services.close()
    assert refused.value.field == "email"
    assert refused.value.message.startswith("enter an email address"), refused.value.message
    assert str(refused.value) == f"email: {refused.value.message}"
