"""Bad input is a 4xx naming what is wrong, never a 500, and never charged (issue 11)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from modal_app.contract import NO_NUL
from modal_app.ledger import CreditSummary
from tests.server.conftest import bearer, grant, sign_up
from tests.server.test_images import JOB, summary

HUGE = 2**70


def post_raw(api: httpx.AsyncClient, path: str, body: Any, token: str) -> Any:
    """Send ``body`` as JSON text as a client would write it (escapes for surrogates, NaN allowed)."""
    content = json.dumps(body, ensure_ascii=True, allow_nan=True)
    headers = {**bearer(token), "Content-Type": "application/json"}
    return api.post(path, content=content, headers=headers)


async def jobs_of(api: httpx.AsyncClient, token: str) -> list[str]:
    return [job["id"] for job in (await api.get("/v1/images", headers=bearer(token))).json()["jobs"]]


@pytest.mark.sqlite_only("refused by validation before any database statement")
async def test_unpaired_surrogates_are_a_422_with_an_encodable_body(api: httpx.AsyncClient) -> None:
    token = await sign_up(api)
    grant(api, "ada@example.com", 10)
    cases = {
        "prompt": {**JOB, "prompt": "a\ud800b"},
        "negative_prompt": {**JOB, "model": "qwen-image-lightning", "negative_prompt": "\udfff"},
        "model": {**JOB, "model": "\ud800" * 100},  # too long and unencodable: the echo is cut and cleaned
        "body": {**JOB, "\ud800": 1},  # a key that is no text at all: pydantic refuses the whole body
    }
    for field, body in cases.items():
        response = await post_raw(api, "/v1/images", body, token)
        assert response.status_code == 422, (field, response.text)
        response.content.decode("utf-8")  # strict UTF-8: no lone surrogate reached the body
        assert response.json()["detail"][0]["loc"][-1] == field
    # The handler is the app's, for every route: sign-up and sign-in bodies too.
    for path, body in {
        "/v1/accounts": {"email": "e\ud800@example.com", "password": "long enough"},
        "/v1/sessions": {"email": "ada@example.com", "password": "x", "label": "\ud83d"},
    }.items():
        response = await post_raw(api, path, body, token)
        assert response.status_code == 422, (path, response.text)
        assert "unicode" in response.json()["detail"][0]["msg"]
    assert await jobs_of(api, token) == [] and summary(api) == CreditSummary(balance=10, reserved=0)


@pytest.mark.sqlite_only("refused by validation before any database statement")
async def test_the_echoed_input_of_a_422_is_short(api: httpx.AsyncClient) -> None:
    token = await sign_up(api)
    response = await api.post("/v1/images", json={**JOB, "prompt": "x" * 5000}, headers=bearer(token))
    assert response.status_code == 422
    assert len(response.json()["detail"][0]["input"]) <= 201


async def test_huge_integers_are_a_422_not_an_overflow(api: httpx.AsyncClient) -> None:
    token = await sign_up(api)
    grant(api, "ada@example.com", 10)
    job_id = (await api.post("/v1/images", json=JOB, headers=bearer(token))).json()["id"]
    urls = [
        f"/v1/images?cursor={HUGE}",
        f"/v1/images?cursor={-HUGE}",
        f"/v1/images?limit={HUGE}",
        f"/v1/credits/history?cursor={HUGE}",
        f"/v1/credits/history?limit={-HUGE}",
        f"/v1/images/{job_id}/result/{HUGE}",
        f"/v1/images/{job_id}/result/{-HUGE}",
        f"/v1/images/{job_id}?wait=1e400",
        f"/v1/images/{job_id}?wait=nan",
        f"/v1/images/{'x' * 5000}",
    ]
    for url in urls:
        response = await api.get(url, headers=bearer(token))
        assert response.status_code == 422, (url, response.status_code, response.text)
    for field in ("count", "seed"):
        response = await api.post("/v1/images", json={**JOB, field: HUGE}, headers=bearer(token))
        assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == field
    assert (await api.get(f"/v1/images?cursor={2**63 - 1}", headers=bearer(token))).status_code == 200


@pytest.mark.sqlite_only("reads the OpenAPI description; no database is involved")
async def test_every_integer_parameter_of_every_route_is_bounded(api: httpx.AsyncClient) -> None:
    """The kind, not the instances: a new route with an unbounded number parameter fails here (read from
    the app's own OpenAPI description, so it covers every router)."""
    schema = (await api.get("/openapi.json")).json()
    unbounded, numeric = [], 0
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for param in operation.get("parameters", []):
                for option in param["schema"].get("anyOf", [param["schema"]]):
                    if option.get("type") in ("integer", "number"):
                        numeric += 1
                        if not (
                            {"minimum", "exclusiveMinimum"} & option.keys()
                            and {"maximum", "exclusiveMaximum"} & option.keys()
                        ):
                            unbounded.append(f"{method.upper()} {path} {param['name']}")
    assert unbounded == [] and numeric >= 6


async def test_every_integer_at_its_documented_bounds_fits_the_database(api: httpx.AsyncClient) -> None:
    """The other half of the kind: a bound the API documents must fit the column the value reaches, on
    SQLite and on Postgres (an INTEGER column there stops at 2**31 - 1). Every integer parameter of every
    GET route, and every integer field of the image request, is sent at its minimum and maximum: the answer
    may be a 4xx (a job that is not there) but never a server error."""
    token = await sign_up(api)
    grant(api, "ada@example.com", 1000)
    job_id = (await api.post("/v1/images", json=JOB, headers=bearer(token))).json()["id"]
    schema = (await api.get("/openapi.json")).json()
    tried: list[str] = []
    for path, methods in schema["paths"].items():
        params = methods.get("get", {}).get("parameters", [])
        filler = {p["name"]: job_id if "id" in p["name"] else "0" for p in params if p["in"] == "path"}
        for param in params:
            for option in param["schema"].get("anyOf", [param["schema"]]):
                if option.get("type") != "integer":
                    continue
                for bound in _bounds(option):
                    url = path.format(**{**filler, param["name"]: bound})
                    query = {param["name"]: bound} if param["in"] == "query" else None
                    response = await api.get(url, params=query, headers=bearer(token))
                    assert response.status_code < 500, (url, query, response.text)
                    tried.append(f"{path} {param['name']}={bound}")
    assert len(tried) >= 10, tried
    request = schema["components"]["schemas"]["ImageRequest"]["properties"]
    for field, spec in request.items():
        for option in spec.get("anyOf", [spec]):
            if option.get("type") == "integer":
                for bound in _bounds(option):
                    response = await api.post("/v1/images", json={**JOB, field: bound}, headers=bearer(token))
                    assert response.status_code == 201, (field, bound, response.text)
                    tried.append(f"ImageRequest.{field}={bound}")
    assert {"ImageRequest.count=4", f"ImageRequest.seed={2**32 - 1}"} <= set(tried)


def _bounds(option: dict[str, Any]) -> list[int]:
    """The smallest and largest integer a JSON-schema integer ``option`` allows (those it has)."""
    bounds = [option.get("minimum"), option.get("maximum")]
    if "exclusiveMinimum" in option:
        bounds[0] = option["exclusiveMinimum"] + 1
    if "exclusiveMaximum" in option:
        bounds[1] = option["exclusiveMaximum"] - 1
    return [int(bound) for bound in bounds if bound is not None]


async def test_text_with_a_nul_character_is_a_422_wherever_it_could_reach_a_column(api: httpx.AsyncClient) -> None:
    """PostgreSQL's text types cannot hold NUL (U+0000) and SQLite's can: without a check at the door the
    same request is a 201 on SQLite and a 500 on Postgres. Every text field of the bodies and every text
    parameter refuses it, on both."""
    token = await sign_up(api)
    grant(api, "ada@example.com", 10)
    job_id = (await api.post("/v1/images", json=JOB, headers=bearer(token))).json()["id"]
    request = (await api.get("/openapi.json")).json()["components"]["schemas"]["ImageRequest"]["properties"]
    texts = [f for f, spec in request.items() if "string" in {o.get("type") for o in spec.get("anyOf", [spec])}]
    assert {"model", "prompt", "negative_prompt", "size", "aspect_ratio"} <= set(texts)
    bodies = [("/v1/images", {**JOB, "model": "qwen-image-lightning", f: "1K\x00"}, f) for f in texts]
    bodies += [
        ("/v1/accounts", {"email": "bob@example.com", "password": "long enough\x00"}, "password"),
        ("/v1/sessions", {"email": "ada@example.com", "password": "correct horse", "label": "laptop\x00"}, "label"),
    ]
    for path, body, field in bodies:
        response = await api.post(path, json=body, headers=bearer(token))
        assert response.status_code == 422, (path, field, response.text)
        assert response.json()["detail"][0]["loc"][-1] == field and "NUL" in response.json()["detail"][0]["msg"]
    for method, url in [
        ("GET", "/v1/images/a%00b"),
        ("POST", "/v1/images/a%00b/cancel"),
        ("GET", "/v1/images/a%00b/result/0"),
        ("DELETE", "/v1/tokens/a%00b"),
    ]:
        response = await api.request(method, url, headers=bearer(token))
        assert response.status_code == 422, (url, response.text)
    assert await jobs_of(api, token) == [job_id] and summary(api) == CreditSummary(balance=10, reserved=1)


@pytest.mark.sqlite_only("reads the OpenAPI description; no database is involved")
async def test_every_text_parameter_of_every_route_refuses_nul(api: httpx.AsyncClient) -> None:
    """The kind: a new route with a free-text path, query or header parameter fails here until it refuses
    NUL (``pattern=NO_NUL``); a parameter limited to an enum needs none."""
    schema = (await api.get("/openapi.json")).json()
    open_texts, texts = [], 0
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for param in operation.get("parameters", []):
                for option in param["schema"].get("anyOf", [param["schema"]]):
                    if option.get("type") == "string" and "enum" not in option and "$ref" not in option:
                        texts += 1
                        if option.get("pattern") != NO_NUL:
                            open_texts.append(f"{method.upper()} {path} {param['name']}")
    assert open_texts == [] and texts >= 4


@pytest.mark.sqlite_only("refused by validation before any database statement")
async def test_request_bodies_are_strict_and_name_the_wrong_field(api: httpx.AsyncClient) -> None:
    token = await sign_up(api)
    grant(api, "ada@example.com", 10)
    cases: dict[str, dict[str, Any]] = {
        "count": {**JOB, "count": True},  # a bool is not an integer
        "seed": {**JOB, "seed": "7"},  # nor is a string of digits
        "width": {**JOB, "width": -5},  # not a field of this body: a typo is refused, not ignored
        "aspect_ratio": {**JOB, "aspect_ratio": 169},
        "prompt": {**JOB, "prompt": ["a", "b"]},
    }
    for field, body in cases.items():
        response = await api.post("/v1/images", json=body, headers=bearer(token))
        assert response.status_code == 422, (field, response.text)
        assert response.json()["detail"][0]["loc"] == ["body", field]
    nan = await post_raw(api, "/v1/images", {**JOB, "count": float("nan")}, token)
    assert nan.status_code == 422 and nan.json()["detail"][0]["input"] == "nan"
    signup = await api.post("/v1/accounts", json={"email": "x@example.com", "password": "long enough", "plan": "pro"})
    assert signup.status_code == 422 and signup.json()["detail"][0]["loc"] == ["body", "plan"]
    assert await jobs_of(api, token) == [] and summary(api) == CreditSummary(balance=10, reserved=0)
