"""Property: whatever JSON a client sends to the job-submit route, the answer is never a 500, every
refusal is a readable 4xx, and nothing refused is charged (real uvicorn on loopback)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modal_app.api import create_app
from modal_app.settings import ServerSettings
from tests.server.conftest import live_server

TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "a\ud800b", "\udfff", "1K", "16:9", "flux-schnell", "qwen-image-lightning", "7"]),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
)
ANY_JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4))
FIELDS = ("model", "prompt", "negative_prompt", "size", "aspect_ratio", "count", "seed", "reference_image")
# Bodies near the real shape: the known fields with any values, some missing, sometimes extra ones.
NEAR_VALID = st.builds(
    lambda known, extra: {**known, **extra},
    st.fixed_dictionaries({}, optional={name: ANY_JSON for name in FIELDS}),
    st.dictionaries(TEXT, SCALARS, max_size=2),
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Callable[[], int]]]:
    from tests.fakes.modal_fake import FakeModalCloud
    from tests.server.conftest import modal_compute

    folder = tmp_path_factory.mktemp("property")
    settings_ = ServerSettings.for_data_dir(folder, compute=modal_compute(FakeModalCloud()), billing_enabled=True)
    app = create_app(settings_)
    services = app.state.services
    with live_server(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        answer = client.post("/v1/accounts", json={"email": "ada@example.com", "password": "correct horse battery"})
        client.headers["Authorization"] = f"Bearer {answer.json()['token']}"
        account = services.accounts.find_by_email("ada@example.com")
        services.ledger.grant(account.id, 1_000_000, "test grant")

        def spent() -> int:
            summary = services.ledger.summary(account.id)
            return int(summary.reserved + 1_000_000 - summary.balance)

        yield client, spent
    services.close()


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(ANY_JSON, NEAR_VALID))
def test_submit_never_answers_500(served: tuple[httpx.Client, Callable[[], int]], body: Any) -> None:
    client, spent = served
    before = spent()
    content = json.dumps(body, ensure_ascii=True, allow_nan=True)  # as a careless client might write it
    response = client.post("/v1/images", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code in {201, 402, 422}, (response.status_code, response.text)
    answer = json.loads(response.content.decode("utf-8"))  # strict UTF-8 and real JSON, even for a 422
    if response.status_code == 422:
        assert answer["detail"] and all("loc" in issue and "msg" in issue for issue in answer["detail"])
        assert spent() == before  # refused: nothing reserved
    elif response.status_code == 201:
        assert spent() == before + answer["cost"]
