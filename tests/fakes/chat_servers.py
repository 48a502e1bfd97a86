"""Loopback chat servers for tests and benchmarks: OpenAI-compatible and Anthropic-format SSE.

Behaviour is chosen by the model name of a request, so one server scripts every case:

``echo``      streams ``Script.reply`` (default: "You said: <last user text>") with a usage block
``no-usage``  the same, without a usage block (the client must estimate tokens)
``slow``      one token per ``Script.delay_s`` (for stop / kill tests and the benchmark)
``server-error``  500; ``rate-limited`` 429 + Retry-After for the first ``Script.rate_limit_times`` requests
``drop``      a few tokens, then the connection is cut; ``malformed`` a few tokens, then broken JSON
``length``    the reply, then ``finish_reason: "length"`` (Anthropic: ``stop_reason: "max_tokens"``)
``content-filter`` / ``refusal``  the reply, then that finish (stop) reason
``reasoning`` ``reasoning_content`` deltas only, then "length" with 64 completion tokens (DeepSeek-style);
              Anthropic: ``thinking_delta`` events, then the reply
``openrouter-reasoning``  ``reasoning`` deltas (OpenRouter's field), then the reply
``think``     the reply wrapped as ``<think>pondering</think>`` + answer in ordinary content
``done-no-finish``  the reply and ``data: [DONE]`` but no finish_reason; ``null-event`` a ``data: null``
              event first; ``silent-close`` 200, then the body closes before any event
``overflow-abort``  streaming: 200, then the stream aborts (llama-cpp-python); without streaming: 400 with
              llama.cpp's "Requested tokens … exceed context window" text
``overflow``  400 with OpenAI's "maximum context length" text
``Script.first_byte_delay_s`` delays every answer (a local server loading its model).
``Script.hold_after`` holds every stream after that many tokens until ``Script.release`` is set: a Stop test
finds its reply mid-stream however slow the machine is, instead of racing a paced stream to its end.
Any request whose key is not ``Script.api_key`` gets 401.
"""

from __future__ import annotations

import asyncio
import contextlib
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
    first_byte_delay_s: float = 0.0
    hold_after: int | None = None
    release: threading.Event = field(default_factory=threading.Event)
    models: tuple[str, ...] = (
        "echo",
        "slow",
        "no-usage",
        "drop",
        "malformed",
        "server-error",
        "rate-limited",
        "length",
        "reasoning",
        "think",
        "overflow",
        "thinking",
    )


class DroppedOnPurpose(Exception):
    """Raised inside a streaming body so that uvicorn cuts the connection mid-reply."""


async def _hold(script: Script, sent: int) -> None:
    """After ``sent`` tokens, wait (polling: the test sets ``release`` from another thread) while held."""
    if script.hold_after is not None and sent == script.hold_after:
        while not script.release.is_set():
            await asyncio.sleep(0.01)


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
    if model == "overflow":
        return 400, {}, "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens."
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

    async def special(model: str, words: list[str]) -> AsyncIterator[str]:
        """The scripted cases of issue 10 (see the module doc)."""
        if model in ("overflow-abort", "silent-close"):
            if model == "overflow-abort":
                raise DroppedOnPurpose("llama.cpp aborts a prompt longer than its context")
            return
        if model == "null-event":
            yield "data: null\n\n"
        if model == "reasoning":
            for word in ("Let", " me", " think"):
                yield chunk({"role": "assistant", "content": None, "reasoning_content": word})
            yield chunk({"content": None}, "length")
            usage = {"prompt_tokens": 9, "completion_tokens": 64, "total_tokens": 73}
            yield f"data: {json.dumps({'id': 'x', 'choices': [], 'usage': usage})}\n\n"
            yield "data: [DONE]\n\n"
            return
        if model == "openrouter-reasoning":
            yield chunk({"role": "assistant", "content": "", "reasoning": "Weighing it."})
        if model == "think":
            for part in ("<thi", "nk>ponder", "ing</think>", "\n\n"):
                yield chunk({"content": part})
        for word in words:
            yield chunk({"content": word})
        finish = {"length": "length", "content-filter": "content_filter", "refusal": "refusal"}.get(model, "stop")
        if model != "done-no-finish":
            yield chunk({}, finish)
        yield "data: [DONE]\n\n"

    async def body_stream(model: str, body: dict[str, Any]) -> AsyncIterator[str]:
        words = _tokens_for(script, body)
        if model in SPECIAL_OPENAI:
            async for piece in special(model, words):
                yield piece
            return
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
            await _hold(script, index + 1)
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
        if script.first_byte_delay_s:
            await asyncio.sleep(script.first_byte_delay_s)
        if not body.get("stream"):
            return _completion(body)
        return StreamingResponse(body_stream(body.get("model", ""), body), media_type="text/event-stream")

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": name, "object": "model"} for name in script.models]}

    return app


SPECIAL_OPENAI = frozenset(
    {
        "length",
        "content-filter",
        "refusal",
        "reasoning",
        "openrouter-reasoning",
        "think",
        "done-no-finish",
        "null-event",
        "silent-close",
        "overflow-abort",
    }
)


def _completion(body: dict[str, Any]) -> Any:
    """A non-streamed answer (what ``explain_failure`` asks for)."""
    if body.get("model") == "overflow-abort":
        message = "Requested tokens (5000) exceed context window of 2048"
        return JSONResponse({"error": {"message": message, "type": "invalid_request_error"}}, 400)
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", ""),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "length"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }


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
        if model == "null-event":
            yield "event: content_block_delta\ndata: null\n\n"
        if model == "thinking":
            yield event("content_block_start", {"index": 0, "content_block": {"type": "thinking", "thinking": ""}})
            for part in ("Checking", " the sum."):
                yield event("content_block_delta", {"index": 0, "delta": {"type": "thinking_delta", "thinking": part}})
            yield event("content_block_stop", {"index": 0})
        yield event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
        yield event("ping", {})
        for index, word in enumerate(words):
            if model == "drop" and index == 3:
                raise DroppedOnPurpose("cutting the stream")
            if model == "malformed" and index == 3:
                yield 'event: content_block_delta\ndata: {"type": "content_block_delta", "delta\n\n'
                continue
            yield event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": word}})
            await _hold(script, index + 1)
            await asyncio.sleep(script.delay_s or (0.05 if model == "slow" else 0))
        yield event("content_block_stop", {"index": 0})
        yield event(
            "message_delta",
            {
                "delta": {"stop_reason": ANTHROPIC_STOPS.get(model, "end_turn"), "stop_sequence": None},
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


ANTHROPIC_STOPS = {"length": "max_tokens", "refusal": "refusal"}


class SilentServer:
    """A TCP server on loopback that reads each request and closes the connection without a response for
    the first ``silent`` connections, then hands the rest to ``answer`` (raw HTTP bytes) — a dead pooled
    keep-alive connection, as a server restart or an aborted stream leaves behind."""

    def __init__(self, silent: int, answer: bytes) -> None:
        self.silent = silent
        self.answer = answer
        self.connections = 0
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen()
        self.port = int(self._socket.getsockname()[1])
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            with connection:
                self.connections += 1
                data = b""
                while b"\r\n\r\n" not in data:
                    piece = connection.recv(65536)
                    if not piece:
                        break
                    data += piece
                head, _, rest = data.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                while len(rest) < length:
                    piece = connection.recv(65536)
                    if not piece:
                        break
                    rest += piece
                if self.connections > self.silent:
                    connection.sendall(self.answer)

    def stop(self) -> None:
        # Closing alone does not wake a thread blocked in accept() on Linux: shut the socket down first.
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)
        self._socket.close()


def sse_answer(text: str) -> bytes:
    """Raw HTTP bytes of an OpenAI-style SSE reply with ``text``, a finish reason and [DONE]."""
    events = [
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
        },
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        },
    ]
    body = "".join(f"data: {json.dumps(item)}\n\n" for item in events) + "data: [DONE]\n\n"
    raw = body.encode()
    head = (
        f"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {len(raw)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + raw


def code_reply(lines: int) -> str:
    """A reply holding one unlabelled fenced code block of ``lines`` lines, streamed ten lines a chunk."""
    body = "\n".join(f"value_{n}=compute({n})+{n}" + (" #" if n % 10 == 9 else "") for n in range(lines))
    return f"Here is the file:\n\n```\n{body}\n```\n"


def free_port() -> int:
    """A port nothing listens on now (for "nothing answers there" URLs; a server binds ``listening_socket``)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening_socket(port: int = 0) -> socket.socket:
    """A socket bound on 127.0.0.1 (``port`` 0: one the system picks) that the server is handed as it is: a port
    picked, closed and bound again later could be taken in between by another test run on the same machine."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


class ServerThread:
    """A uvicorn server on 127.0.0.1 in a background thread; ``url`` is its root."""

    def __init__(self, app: FastAPI, port: int | None = None) -> None:
        self._socket = listening_socket(port or 0)
        self.port = int(self._socket.getsockname()[1])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="critical", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

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
        self._socket.close()


def main() -> None:
    """``python -m tests.fakes.chat_servers PORT [TOKENS] [DELAY_S] [CODE_LINES]``: the OpenAI-compatible fake
    in its own process (benchmarks use this so the server does not compete with the UI thread for the GIL)."""
    import sys

    port = int(sys.argv[1])
    script = Script(
        tokens=int(sys.argv[2]) if len(sys.argv) > 2 else None, delay_s=float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    )
    if len(sys.argv) > 4:  # ``echo`` replies with an unlabelled fenced code block of this many lines
        script.reply = code_reply(int(sys.argv[4]))
    uvicorn.run(openai_app(script), host="127.0.0.1", port=port, log_level="critical", lifespan="off")


if __name__ == "__main__":
    main()
