"""Run as a child process by test_crash: streams a slow reply into the database until it is killed.

Arguments: data folder, base URL of the fake OpenAI-compatible server.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from app.context import build_context
from app.paths import Paths
from app.services.chat.service import ChatService
from app.services.providers.openai_compatible import OpenAICompatibleProvider
from tests.fakes.chat_servers import GOOD_KEY
from tests.fakes.memory_keyring import MemoryKeyring


async def main(data_dir: Path, base_url: str) -> None:
    context = build_context(Paths.resolve(data_dir), keyring_backend=MemoryKeyring(), environ={})
    service = ChatService(
        context.sessions,
        lambda _id: OpenAICompatibleProvider("Fake", base_url, GOOD_KEY),
        tasks=context.tasks,
        workers=context.workers,
    )
    session = await service.create_session(provider="openai", model="slow")
    print("streaming", flush=True)
    await service.send(session.id, "tell me a long story")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
