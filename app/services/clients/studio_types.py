"""What the Studio API answers, as typed values, and the errors a request can end with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class StudioError(Exception):
    """Any failure talking to the Studio API; ``str(error)`` is fit to show to the person."""


class StudioUnreachable(StudioError):
    """No answer: connection refused, DNS, TLS, timeouts (after retries)."""


class AuthNeeded(StudioError):
    """401: no token, or the token was revoked. The person must sign in again."""


class NotEnoughCredits(StudioError):
    def __init__(self, needed: int, available: int) -> None:
        super().__init__(f"This needs {needed} credits; {available} available.")
        self.needed = needed
        self.available = available


class InvalidRequest(StudioError):
    """422: the server names the field that is wrong."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}" if field_name else message)
        self.field = field_name
        self.message = message


class NotFound(StudioError):
    pass


class ServerError(StudioError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"The Studio API answered {status}: {message}")
        self.status = status


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in {JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED}


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@dataclass(frozen=True)
class ImageModel:
    id: str
    name: str
    provider: str = ""
    credit_multiplier: float = 1.0
    sizes: tuple[str, ...] = ("1K",)
    aspect_ratios: tuple[str, ...] = ("1:1",)
    steps: int = 4
    reference_images: bool = False
    negative_prompt: bool = False  # whether the model is steered by a negative prompt
    active: bool = True

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImageModel:
        return cls(
            id=str(data["id"]),
            name=str(data.get("name") or data["id"]),
            provider=str(data.get("provider", "")),
            credit_multiplier=float(data.get("credit_multiplier", 1)),
            sizes=tuple(data.get("sizes") or ("1K",)),
            aspect_ratios=tuple(data.get("aspect_ratios") or ("1:1",)),
            steps=int(data.get("steps", 4)),
            reference_images=bool(data.get("reference_images", False)),
            negative_prompt=bool(data.get("negative_prompt", False)),
            active=bool(data.get("active", True)),
        )


@dataclass(frozen=True)
class ModelTable:
    models: tuple[ImageModel, ...]
    size_credits: dict[str, int]
    # Whether the server's compute can make images now; if not, ``compute_message`` says why.
    compute_ready: bool = True
    compute_message: str = ""

    def get(self, model_id: str) -> ImageModel | None:
        return next((model for model in self.models if model.id == model_id), None)

    def cost(self, model_id: str, size: str, count: int) -> int:
        model = self.get(model_id)
        if model is None:
            return 0
        return round(self.size_credits.get(size, 1) * model.credit_multiplier * count)


@dataclass(frozen=True)
class Credits:
    balance: int
    reserved: int
    available: int
    billing_enabled: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Credits:
        return cls(
            balance=int(data.get("balance", 0)),
            reserved=int(data.get("reserved", 0)),
            available=int(data.get("available", 0)),
            billing_enabled=bool(data.get("billing_enabled", True)),
        )


@dataclass(frozen=True)
class ImageRequest:
    model: str
    prompt: str
    size: str = "1K"
    aspect_ratio: str = "1:1"
    count: int = 1
    seed: int | None = None
    negative_prompt: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "size": self.size,
            "aspect_ratio": self.aspect_ratio,
            "count": self.count,
            "seed": self.seed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImageRequest:
        return cls(
            model=str(data.get("model", "")),
            prompt=str(data.get("prompt", "")),
            size=str(data.get("size", "1K")),
            aspect_ratio=str(data.get("aspect_ratio", "1:1")),
            count=int(data.get("count", 1)),
            seed=data.get("seed"),
            negative_prompt=str(data.get("negative_prompt", "")),
        )


@dataclass(frozen=True)
class Job:
    id: str
    state: JobState
    model: str = ""
    prompt: str = ""
    size: str = ""
    aspect_ratio: str = ""
    width: int = 0
    height: int = 0
    count: int = 1
    seed: int | None = None
    cost: int = 0
    charged: bool = False
    error: str | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None
    image_urls: tuple[str, ...] = field(default_factory=tuple)
    image_seeds: tuple[int | None, ...] = field(default_factory=tuple)  # each image's own seed

    def image_seed(self, index: int) -> int | None:
        """The seed that makes image ``index`` again alone (the server's, else batch seed + index)."""
        if index < len(self.image_seeds) and self.image_seeds[index] is not None:
            return self.image_seeds[index]
        return None if self.seed is None else (self.seed + index) % 2**32

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        try:
            state = JobState(str(data.get("state", "queued")))
        except ValueError as error:
            raise StudioError(f"The Studio API sent an unknown job state {data.get('state')!r}.") from error
        listed = [item for item in data.get("images") or [] if isinstance(item, dict) and "url" in item]
        return cls(
            id=str(data["id"]),
            state=state,
            model=str(data.get("model", "")),
            prompt=str(data.get("prompt", "")),
            size=str(data.get("size", "")),
            aspect_ratio=str(data.get("aspect_ratio", "")),
            width=int(data.get("width") or 0),
            height=int(data.get("height") or 0),
            count=int(data.get("count") or 1),
            seed=data.get("seed"),
            cost=int(data.get("cost") or 0),
            charged=bool(data.get("charged", False)),
            error=data.get("error"),
            created_at=parse_time(data.get("created_at")),
            finished_at=parse_time(data.get("finished_at")),
            image_urls=tuple(str(item["url"]) for item in listed),
            image_seeds=tuple(_int_or_none(item.get("seed")) for item in listed),
        )


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None
