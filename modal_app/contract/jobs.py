"""Image jobs: the request that starts one, the one ``JobState`` enum, and the job and page answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, field_validator

from modal_app.contract.base import Answer, RequestBody

SIZES: tuple[str, ...] = ("1K", "2K", "4K")
ASPECT_RATIOS: tuple[str, ...] = ("1:1", "9:16", "16:9", "4:3", "3:4")
MAX_COUNT = 4  # images in one job
MAX_SEED = 2**32 - 1
MAX_PROMPT = 4000  # characters
MAX_REFERENCE_IMAGE = 20_000_000  # characters of base64
MAX_REFERENCE_IMAGES = 16  # the most any engine takes (OpenAI image edits); each model says its own limit


class JobState(StrEnum):
    """Where an image job is; ``queued`` and ``running`` are active, the rest are final."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        """Whether the job has ended (it will not change again)."""
        return self in TERMINAL_STATES


ACTIVE_STATES: tuple[JobState, ...] = (JobState.QUEUED, JobState.RUNNING)
TERMINAL_STATES: frozenset[JobState] = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED})


class ImageRequest(RequestBody):
    """The body of ``POST /v1/images``. The server checks it further against its image-model table
    (known model, a size and aspect that model makes); a 422 names the field at fault."""

    model: str = Field(min_length=1, max_length=64)
    prompt: str = Field(min_length=1, max_length=MAX_PROMPT)
    negative_prompt: str = Field(default="", max_length=MAX_PROMPT)
    size: str = Field(default="1K", max_length=8)
    aspect_ratio: str = Field(default="1:1", max_length=8)
    count: int = Field(default=1, ge=1, le=MAX_COUNT)
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    reference_image: str | None = Field(default=None, max_length=MAX_REFERENCE_IMAGE)
    # --- engines (issue 15): reference images as base64 PNG/JPEG/WebP, up to the model's limit ---
    reference_images: tuple[str, ...] = Field(default=(), strict=False, max_length=MAX_REFERENCE_IMAGES)

    @field_validator("reference_images")
    @classmethod
    def _references_bounded(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(len(item) > MAX_REFERENCE_IMAGE for item in value):
            raise ValueError(f"a reference image may be at most {MAX_REFERENCE_IMAGE} characters of base64")
        return value

    @field_validator("prompt")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("write a prompt")
        return value


class ImageRef(Answer):
    index: int
    url: str  # a path on the Studio API: GET it for the PNG
    seed: int  # this image's own seed: generating it alone with this seed gives the same image


class Job(Answer):
    """An image job as ``GET /v1/images/{id}`` answers it. ``cost`` is what the job reserves (0 when
    billing is off); ``charged`` turns true when it is charged on success. Times are aware (UTC)."""

    id: str
    state: JobState
    model: str
    prompt: str
    negative_prompt: str
    size: str
    aspect_ratio: str
    width: int
    height: int
    count: int
    seed: int
    cost: int
    charged: bool
    error: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    images: tuple[ImageRef, ...]

    @property
    def image_urls(self) -> tuple[str, ...]:
        return tuple(image.url for image in self.images)

    def image_seed(self, index: int) -> int:
        """The seed that makes image ``index`` again alone. Raises IndexError for an image not listed."""
        return self.images[index].seed


class JobPage(Answer):
    jobs: tuple[Job, ...]
    next_cursor: int | None  # pass back as ``cursor`` for the next (older) page; null: no more
