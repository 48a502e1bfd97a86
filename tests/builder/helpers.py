"""Shared parts of the Builder tests: small CSVs, an offline local sandbox, SSE reading, process checks."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import psutil

from modal_app.builder.local_sandbox import LocalSandboxCompute
from modal_app.settings import ServerSettings

OFFLINE_PIP = ("--no-index",)


def tabular_csv(rows: int = 60, regression: bool = False) -> str:
    """Two numeric columns and a category; the target follows from them (so the model learns something)."""
    rng = random.Random(7)
    lines = ["size,rooms,city,label"]
    for _ in range(rows):
        size, rooms, city = rng.uniform(20, 200), rng.randint(1, 6), rng.choice(["oslo", "rome", "lima"])
        label = f"{size * 3 + rooms * 10:.1f}" if regression else ("big" if size > 110 else "small")
        lines.append(f"{size:.1f},{rooms},{city},{label}")
    return "\n".join(lines) + "\n"


def text_csv() -> str:
    good = ["great product, works well", "love it, excellent", "very good value", "happy with this, superb"]
    bad = ["terrible, broke at once", "awful quality, hate it", "very bad value", "poor and disappointing"]
    rows = ["review,sentiment"] + [f'"{t}",pos' for t in good * 4] + [f'"{t}",neg' for t in bad * 4]
    return "\n".join(rows) + "\n"


def local_settings(data_dir: Path, **overrides: Any) -> ServerSettings:
    """A Local-connection server (billing off) whose sandbox installs from this environment, offline."""
    overrides.setdefault("billing_enabled", False)
    overrides.setdefault("local_account", not overrides["billing_enabled"])
    pip_args = overrides.pop("pip_args", OFFLINE_PIP)
    port = overrides.pop("sandbox_port", 49999)
    compute = LocalSandboxCompute(data_dir / "builds", port=port, inherit_packages=True, pip_args=pip_args)
    return ServerSettings.for_data_dir(data_dir, sandbox=compute, sweep_interval=3600, **overrides)


def llm_files(train_py: str, requirements: str = "joblib\n") -> dict[str, str]:
    """LLM-style code (not a template): a custom train.py with the template's app.py."""
    from modal_app.builder.code import template_files
    from modal_app.contract import BuildTask

    app_py = template_files(BuildTask.TABULAR_CLASSIFICATION).app_py
    return {"requirements_txt": requirements, "train_py": train_py, "app_py": app_py}


async def sse_events(
    client: httpx.AsyncClient,
    build_id: str,
    headers: dict[str, str],
    *,
    last_id: int | None = None,
    stop_after: int | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Parse ``GET /v1/builds/{id}/events`` into {id, event, data} dicts (stops early after ``stop_after``)."""
    extra = dict(headers)
    if last_id is not None:
        extra["Last-Event-ID"] = str(last_id)
    seen = 0
    async with client.stream("GET", f"/v1/builds/{build_id}/events", headers=extra, timeout=120) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        event: dict[str, Any] = {}
        async for line in response.aiter_lines():
            if line == "":
                if "event" in event:
                    yield event
                    seen += 1
                    if stop_after is not None and seen >= stop_after:
                        return
                event = {}
            elif line.startswith("id: "):
                event["id"] = int(line[4:])
            elif line.startswith("event: "):
                event["event"] = line[7:]
            elif line.startswith("data: "):
                event["data"] = json.loads(line[6:])


def processes_mentioning(marker: str) -> list[psutil.Process]:
    """Live processes whose command line or working folder mentions ``marker``."""
    found = []
    for process in psutil.process_iter(["cmdline", "cwd", "status"]):
        try:
            if process.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            text = " ".join(process.info["cmdline"] or []) + " " + (process.info["cwd"] or "")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if marker in text:
            found.append(process)
    return found
