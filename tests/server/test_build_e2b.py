"""E2BSandboxCompute against the SDK fake (tests/fakes/e2b_fake.py): timeouts, hosts, errors, reconnect."""

from __future__ import annotations

import pytest

from modal_app.builder.e2b_sandbox import WORKDIR, E2BSandboxCompute
from modal_app.builder.sandbox import CommandFailed, SandboxAuthError, SandboxError
from tests.fakes import e2b_fake

SLOW = "import time\nprint('start', flush=True)\ntime.sleep(0.3)\nprint('line one\\nline two', flush=True)\n"


@pytest.fixture
def compute() -> E2BSandboxCompute:
    e2b_fake.CLOUD.time_scale = 1000.0  # 60 fake seconds pass in 60 ms
    return E2BSandboxCompute(e2b_fake.VALID_KEY, sdk=e2b_fake)  # type: ignore[arg-type]


async def test_long_commands_outlive_the_default_timeout(compute: E2BSandboxCompute) -> None:
    sandbox = await compute.create("b1")
    assert e2b_fake.CLOUD.created[-1]["template"] == "base"
    await sandbox.write_files({"train.py": SLOW})
    lines: list[tuple[str, str]] = []
    await sandbox.run_python("train.py", lambda stream, line: lines.append((stream, line)), {"TARGET": "y"})
    assert lines == [("stdout", "start"), ("stdout", "line one"), ("stdout", "line two")]  # whole lines from chunks
    # The SDK's own default (60 s) would have cut it: what the compute avoids by passing timeout=0.
    raw = compute.sdk.AsyncSandbox  # type: ignore[attr-defined]
    sbx = await raw.connect(sandbox.id, api_key=e2b_fake.VALID_KEY)
    with pytest.raises(e2b_fake.TimeoutException):
        await sbx.commands.run("python train.py", cwd=WORKDIR)


async def test_serve_gives_an_https_url_and_keeps_the_sandbox_alive(compute: E2BSandboxCompute) -> None:
    sandbox = await compute.create("b2")
    await sandbox.write_files({"app.py": "import time\nprint('up', flush=True)\ntime.sleep(5)\n"})
    lines: list[str] = []
    url, port = await sandbox.serve("app.py", lambda _s, line: lines.append(line), {})
    assert port == 49999
    assert url == f"https://49999-{sandbox.id}.e2b.app"
    assert sandbox.serving() is True
    sbx = e2b_fake.CLOUD.sandboxes[sandbox.id]
    assert sbx.timeouts  # set_timeout after serving
    await sandbox.kill()
    assert sandbox.serving() is False or sandbox.serving() is None


async def test_failures_map_to_sandbox_errors(compute: E2BSandboxCompute) -> None:
    sandbox = await compute.create("b3")
    await sandbox.write_files({"train.py": "import sys\nprint('boom', file=sys.stderr)\nsys.exit(3)\n"})
    lines: list[tuple[str, str]] = []
    with pytest.raises(CommandFailed) as failed:
        await sandbox.run_python("train.py", lambda s, line: lines.append((s, line)), {})
    assert failed.value.exit_code == 3 and ("stderr", "boom") in lines
    with pytest.raises(SandboxError):
        await sandbox.write_files({"../../etc/x": "no"})


async def test_wrong_key_is_an_auth_error_not_a_sandbox_exception() -> None:
    compute = E2BSandboxCompute("wrong", sdk=e2b_fake)  # type: ignore[arg-type]
    with pytest.raises(SandboxAuthError) as refused:
        await compute.create("b4")
    assert isinstance(refused.value.__cause__, e2b_fake.AuthenticationException)
    assert not isinstance(refused.value.__cause__, e2b_fake.SandboxException)


async def test_reconnect_by_id_and_gone_after_discard(compute: E2BSandboxCompute) -> None:
    sandbox = await compute.create("b5")
    again = await compute.reconnect(sandbox.id)
    assert again is not None and again.id == sandbox.id
    await sandbox.discard()
    assert await compute.reconnect(sandbox.id) is None
