"""A Studio without widgets for service tests: connection, job queue and controller on a test context, with
the real Studio API embedded on loopback (uvicorn) and a fake compute."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from app.context import AppContext
from app.services.clients.studio_types import ImageRequest
from app.services.studio.connection import ConnectionState, StudioConnection
from app.services.studio.controller import EnhancerSource, StudioController
from app.services.studio.jobs import JobQueue
from tests.studio.embedded import EmbeddedApi


async def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    async def wait() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(wait(), timeout)


class Studio:
    def __init__(self, context: AppContext, api: EmbeddedApi, enhancer: EnhancerSource | None = None) -> None:
        self.context = context
        self.api = api
        self.connection = StudioConnection(
            context.settings,
            context.secrets,
            context.paths.folder("studio-api"),
            context.tasks,
            context.workers,
            local_app_factory=api,
        )
        self.jobs = JobQueue(self.connection, context.gallery, context.sessions, context.tasks, context.workers)
        # Notifications are the controller's call: nobody looks at a Studio view here unless a test says so.
        self.controller = StudioController(
            self.connection,
            self.jobs,
            context.gallery,
            context.notifier,
            context.tasks,
            context.settings,
            enhancer or (lambda: (None, "no enhancer in these tests")),
        )
        self.notified: list[tuple[str, str, str, dict[str, str]]] = []
        context.notifier.notified.connect(lambda *args: self.notified.append(args))

    async def start(self) -> None:
        await self.connection.reconnect()
        assert self.connection.state == ConnectionState.CONNECTED, self.connection.error_message
        await self.jobs.resume()

    async def stop(self) -> None:
        await self.jobs.close()
        await self.connection.close()


@pytest.fixture
async def make_studio(context: AppContext) -> AsyncIterator[Callable[..., Studio]]:
    """``make_studio(api, enhancer=None)``; every Studio made is stopped after the test."""
    made: list[Studio] = []

    def make(api: EmbeddedApi, enhancer: EnhancerSource | None = None) -> Studio:
        made.append(Studio(context, api, enhancer))
        return made[-1]

    yield make
    for studio in made:
        await studio.stop()


def request(count: int = 2, size: str = "1K") -> ImageRequest:
    return ImageRequest(
        model="qwen-image-lightning",
        prompt="a lighthouse at dusk",
        size=size,
        aspect_ratio="16:9",
        count=count,
        seed=42,
        negative_prompt="fog",
    )
