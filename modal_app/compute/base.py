"""The image compute interface: submit a generation, poll it by call id, cancel it."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class GenerationRequest:
    """What the generator needs; plain data so it pickles to a worker process or a Modal container."""

    model: str
    prompt: str
    width: int
    height: int
    count: int
    seed: int
    steps: int
    negative_prompt: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "width": self.width,
            "height": self.height,
            "count": self.count,
            "seed": self.seed,
            "steps": self.steps,
        }


@dataclass(frozen=True)
class Pending:
    pass


@dataclass(frozen=True)
class Done:
    images: list[bytes]
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Failed:
    message: str


PollResult = Pending | Done | Failed


class ComputeError(Exception):
    """Submitting failed; the message is safe to show to the person."""


class ImageCompute(abc.ABC):
    #: Whether call ids can be polled from any server process (a cloud), or only the one that submitted.
    shared_calls: bool = False

    @abc.abstractmethod
    async def submit(self, request: GenerationRequest) -> str:
        """Start the generation and return its call id (raises ComputeError)."""

    @abc.abstractmethod
    async def poll(self, call_id: str) -> PollResult:
        """Look once, without waiting, at the call's state."""

    @abc.abstractmethod
    async def cancel(self, call_id: str) -> None:
        """Ask the compute to stop the call; a finished or unknown call is ignored."""

    def readiness(self) -> tuple[bool, str]:
        """Whether submitted jobs can succeed at all, and if not a message saying why and what to do."""
        return True, ""

    async def close(self) -> None:  # noqa: B027 (optional hook, nothing to do by default)
        """Release workers or connections."""
