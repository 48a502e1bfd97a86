"""What the two official SDK clients (openai, anthropic) share: listing models, and closing."""

from __future__ import annotations

from typing import Any

from app.services.providers.base import ChatProvider
from app.services.providers.errors import map_error


class SdkChatProvider(ChatProvider):
    """A provider over an official async SDK client held in ``_client`` (both expose ``models.list()``)."""

    _client: Any

    async def list_models(self) -> list[str]:
        try:
            return sorted([model.id async for model in self._client.models.list()])
        except Exception as error:
            raise map_error(error, self.name, streaming=False) from error

    async def aclose(self) -> None:
        await self._client.close()
