"""Body size limits over a real uvicorn process on loopback: an anonymous 300 MB upload is refused before
it is read, an authenticated one is cut at the limit, and the server's memory stays bounded."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from modal_app.api.limits import MAX_ANONYMOUS_BODY_BYTES, MAX_BODY_BYTES
from tests.server.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
UPLOAD = 300 * 1024 * 1024
CHUNK = 64 * 1024


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, int, str]]:
    """``python -m modal_app serve`` in its own process: (port, pid, local token)."""
    port = free_port()
    env = {**os.environ, "AMETHYST_COMPUTE": "local", "AMETHYST_BILLING": "off"}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "modal_app", "serve", "--port", str(port), "--data-dir", str(tmp_path)]
    process = subprocess.Popen(
        [*command, "--log-level", "warning"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "the server never answered"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield port, process.pid, (tmp_path / "local-token").read_text().strip()
    finally:
        process.terminate()
        process.wait(timeout=30)


def peak_rss(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def upload(port: int, headers: dict[str, str], total: int) -> tuple[int, int]:
    """POST a chunked body of ``total`` bytes to /v1/images, stopping as soon as the server answers;
    returns (status, bytes of body sent)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        sock.sendall(
            f"POST /v1/images HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Transfer-Encoding: chunked\r\n{head}\r\n".encode()
        )
        chunk = f"{CHUNK:x}\r\n".encode() + b"a" * CHUNK + b"\r\n"
        answer = b""
        while sent < total:
            readable, writable, _ = select.select([sock], [sock], [], 30)
            if readable:
                break
            assert writable, "the server neither read nor answered for 30 s"
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += CHUNK
        else:
            sock.sendall(b"0\r\n\r\n")
        try:
            while b"\r\n" not in answer:
                data = sock.recv(4096)
                if not data:
                    break
                answer += data
        except ConnectionResetError:
            pass
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    return status, sent


def test_oversized_and_anonymous_bodies_are_refused_before_they_are_read(server: tuple[int, int, str]) -> None:
    port, pid, token = server
    url = f"http://127.0.0.1:{port}"
    # Warm up every path once, so the peak below measures the uploads, not imports.
    assert (
        httpx.post(
            f"{url}/v1/images", json={"model": "flux-schnell"}, headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 422
    )
    before = peak_rss(pid)

    # A declared length over the limit: 413 at once, with no token and with one.
    for headers in ({}, {"Authorization": f"Bearer {token}"}):
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            sock.sendall(f"POST /v1/images HTTP/1.1\r\nHost: x\r\nContent-Length: {UPLOAD}\r\n{extra}\r\n".encode())
            assert sock.recv(4096).startswith(b"HTTP/1.1 413 ")

    # 300 MB streamed with no token, or a wrong one: 401 before the body is read (only socket buffers went out).
    for headers in ({}, {"Authorization": "Bearer amt_not-a-token"}):
        status, sent = upload(port, headers, UPLOAD)
        assert status == 401 and sent < 64 * 1024 * 1024, (status, sent)

    # 300 MB streamed with a valid token: cut with a 413 once past the limit.
    status, sent = upload(port, {"Authorization": f"Bearer {token}"}, UPLOAD)
    assert status == 413 and MAX_BODY_BYTES <= sent < 2 * MAX_BODY_BYTES + 64 * 1024 * 1024, (status, sent)

    # Bounded: the server's peak grew by far less than the 300 MB offered (it held at most the limit).
    growth = peak_rss(pid) - before
    assert growth < 3 * MAX_BODY_BYTES, f"peak RSS grew {growth / 2**20:.0f} MiB"

    # Small anonymous bodies (sign-up) and authenticated ones under the limit are read as usual.
    signup = httpx.post(f"{url}/v1/accounts", json={"email": "ada@example.com", "password": "long enough"})
    assert signup.status_code == 201
    big = {"model": "flux-schnell", "prompt": "x" * (MAX_ANONYMOUS_BODY_BYTES * 2)}
    assert httpx.post(f"{url}/v1/images", json=big).status_code == 401
    answer = httpx.post(f"{url}/v1/images", json=big, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "prompt"]
