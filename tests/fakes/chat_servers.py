"""Loopback chat servers for tests and benchmarks: OpenAI-compatible and Anthropic-format SSE.

Behaviour is chosen by the model name of a request, so one server scripts every case:

``echo``      streams ``Script.reply`` (default: "You said: <last user text>") with a usage block
``no-usage``  the same, without a usage block (the client must estimate tokens)
``slow``      one token per ``Script.delay_s`` (for stop / kill tests and the benchmark)
``server-error``  500; ``rate-limited`` 429 + Retry-After for the first ``Script.rate_limit_times`` requests
``drop``      a few tokens, then the connection is cut; ``malformed`` a few tokens, then broken JSON
Any request whose key is not ``Script.api_key`` gets 401.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

GOOD_KEY = "sk-test-good"


@dataclass
class Script:
    api_key: str = GOOD_KEY
    reply: str | None = None
    delay_s: float = 0.0
    tokens: int | None = None  # for ``slow``: how many tokens to send
    retry_after: int = 1
    rate_limit_times: int = 1
    rate_limited_so_far: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    models: tuple[str, ...] = (
        "echo",
        "slow",
        "no-usage",
        "drop",
        "malformed",
        "server-error",
        "rate-limited",
    )


class DroppedOnPurpose(Exception):
    """Raised inside a streaming body so that uvicorn cuts the connection mid-reply."""


def _tokens_for(script: Script, body: dict[str, Any]) -> list[str]:
    if script.reply is not None:
        text = script.reply
    else:
        messages = body.get("messages") or [{}]
        last = messages[-1].get("content", "")
        text = f"You said: {last}"
    words = text.split(" ")
    return [word if index == 0 else " " + word for index, word in enumerate(words)]


def _error_for(script: Script, model: str, key: str | None) -> tuple[int, dict[str, str], str] | None:
    if key != script.api_key:
        return 401, {}, "Incorrect API key provided."
    if model == "server-error":
        return 500, {}, "The server had an error while processing your request."
    if model == "rate-limited" and script.rate_limited_so_far < script.rate_limit_times:
        script.rate_limited_so_far += 1
        return 429, {"Retry-After": str(script.retry_after)}, "Rate limit reached."
    return None


def openai_app(script: Script) -> FastAPI:
    app = FastAPI()

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        payload = {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": "fake",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(payload)}\n\n"

    async def body_stream(model: str, body: dict[str, Any]) -> AsyncIterator[str]:
        words = _tokens_for(script, body)
        if model == "slow" and script.tokens is not None:
            words = [f" tok{index}" for index in range(script.tokens)]
        yield chunk({"role": "assistant", "content": ""})
        for index, word in enumerate(words):
            if model in ("drop", "malformed") and index == 3:
                if model == "malformed":
                    yield 'data: {"id": "chatcmpl-test", "choices": [{"delta": {"content": \n\n'
                    yield chunk({"content": " after"}, None)
                    continue
                raise DroppedOnPurpose("cutting the stream")
            yield chunk({"content": word})
            if script.delay_s or model == "slow":
                await asyncio.sleep(script.delay_s or 0.05)
            else:
                await asyncio.sleep(0)
        yield chunk({}, "stop")
        include_usage = (body.get("stream_options") or {}).get("include_usage")
        if include_usage and model != "no-usage":
            usage = {"prompt_tokens": 11, "completion_tokens": len(words), "total_tokens": 11 + len(words)}
            last = {"id": "x", "object": "chat.completion.chunk", "choices": [], "usage": usage}
            yield f"data: {json.dumps(last)}\n\n"
        yield "data: [DONE]\n\n"

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> Any:
        body = await request.json()
        script.requests.append(body)
        auth = request.headers.get("authorization", "")
        key = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        failure = _error_for(script, body.get("model", ""), key)
        if failure is not None:
            status, headers, message = failure
            return JSONResponse({"error": {"message": message, "type": "error"}}, status, headers=headers)
        return StreamingResponse(body_stream(body.get("model", ""), body), media_type="text/event-stream")

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": name, "object": "model"} for name in script.models]}

    return app


def anthropic_app(script: Script) -> FastAPI:
    app = FastAPI()

    def event(kind: str, payload: dict[str, Any]) -> str:
        return f"event: {kind}\ndata: {json.dumps({'type': kind, **payload})}\n\n"

    async def body_stream(model: str, body: dict[str, Any]) -> AsyncIterator[str]:
        words = _tokens_for(script, body)
        message = {
            "id": "msg_test",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 13, "output_tokens": 1},
        }
        yield event("message_start", {"message": message})
        yield event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
        yield event("ping", {})
        for index, word in enumerate(words):
            if model == "drop" and index == 3:
                raise DroppedOnPurpose("cutting the stream")
            if model == "malformed" and index == 3:
                yield 'event: content_block_delta\ndata: {"type": "content_block_delta", "delta\n\n'
                continue
            yield event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": word}})
            await asyncio.sleep(script.delay_s or (0.05 if model == "slow" else 0))
        yield event("content_block_stop", {"index": 0})
        yield event(
            "message_delta",
            {
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": len(words)},
            },
        )
        yield event("message_stop", {})

    @app.post("/v1/messages")
    async def messages(request: Request) -> Any:
        body = await request.json()
        script.requests.append(body)
        # Anthropic accepts ``x-api-key``; newer SDKs send the key as a bearer token instead.
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        failure = _error_for(script, body.get("model", ""), request.headers.get("x-api-key") or bearer or None)
        if failure is not None:
            status, headers, message = failure
            kinds = {401: "authentication_error", 429: "rate_limit_error", 500: "api_error"}
            return JSONResponse(
                {"type": "error", "error": {"type": kinds[status], "message": message}},
                status,
                headers=headers,
            )
        return StreamingResponse(body_stream(body.get("model", ""), body), media_type="text/event-stream")

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        data = [
            {"id": name, "type": "model", "display_name": name, "created_at": "2025-01-01T00:00:00Z"}
            for name in script.models
        ]
        return {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]}

    return app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerThread:
    """A uvicorn server on 127.0.0.1 in a background thread; ``url`` is its root."""

    def __init__(self, app: FastAPI, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="critical", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake chat server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)


def main() -> None:
    """``python -m tests.fakes.chat_servers PORT [TOKENS] [DELAY_S]``: the OpenAI-compatible fake in its own
    process (benchmarks use this so the server does not compete with the UI thread for the GIL)."""
    import sys

    port = int(sys.argv[1])
    script = Script(
        tokens=int(sys.argv[2]) if len(sys.argv) > 2 else None, delay_s=float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    )
    uvicorn.run(openai_app(script), host="127.0.0.1", port=port, log_level="critical", lifespan="off")


if __name__ == "__main__":
    main()
