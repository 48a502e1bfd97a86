"""The shape of ``resources/catalog/models.json``, checked when it is loaded.

A bad file raises :class:`CatalogFormatError` whose message names the entry (its index and id) and the
field, e.g. ``entry 12 (id "gpt-4o"), field pricing.input: Input should be greater than or equal to 0``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.services.providers.registry import PROVIDERS

Kind = Literal["chat", "code", "image", "embedding"]
Modality = Literal["text", "image", "audio", "video", "file", "embedding"]
KINDS: tuple[str, ...] = ("chat", "code", "image", "embedding")
PROVIDER_IDS = frozenset(info.id for info in PROVIDERS)


class CatalogFormatError(ValueError):
    """The catalog file or a stored copy does not match the schema; the message says where."""


class Serving(BaseModel):
    """One way to run a model: an Amethyst provider id and that provider's model id, or a vendor API URL."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str = Field(min_length=1)
    model: str = Field(min_length=1)
    base_url: str | None = None

    @model_validator(mode="after")
    def _known_provider(self) -> Serving:
        if self.base_url is None and self.provider not in PROVIDER_IDS:
            raise ValueError(f"provider {self.provider!r} is not one of Amethyst's providers; give a base_url for it")
        if self.base_url is not None and not self.base_url.startswith(("https://", "http://")):
            raise ValueError("base_url must start with http:// or https://")
        return self


class Pricing(BaseModel):
    """USD per 1M input / output tokens, or per image; ``None`` where the provider publishes no price."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: float | None = Field(default=None, ge=0)
    output: float | None = Field(default=None, ge=0)
    per_image: float | None = Field(default=None, ge=0)
    note: str = ""


class CatalogEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/+-]*$")
    provider: str = Field(min_length=1)
    name: str = Field(min_length=1)
    description: str = ""
    kind: Kind
    input_modalities: tuple[Modality, ...] = Field(min_length=1)
    output_modalities: tuple[Modality, ...] = Field(min_length=1)
    capabilities: tuple[str, ...] = ()
    context_window: int | None = Field(default=None, ge=1)
    max_output_tokens: int | None = Field(default=None, ge=1)
    embedding_dimensions: int | None = Field(default=None, ge=1)
    pricing: Pricing = Pricing()
    open_weights: bool = False
    # total parameters in billions, for open-weight models: how much machine running it yourself takes
    parameters_b: float | None = Field(default=None, gt=0)
    release_date: dt.date
    source_url: str
    served_by: tuple[Serving, ...] = ()
    studio_model: str | None = None

    @field_validator("source_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be a web address starting with https://")
        return value

    @model_validator(mode="after")
    def _priced_for_its_kind(self) -> CatalogEntry:
        price = self.pricing
        if self.kind in ("chat", "code") and self.context_window is None:
            raise ValueError(f"a {self.kind} model needs a context_window")
        if self.kind in ("chat", "code") and (price.input is None or price.output is None):
            raise ValueError(f"a {self.kind} model needs pricing.input and pricing.output (0 when free)")
        if self.kind == "embedding" and price.input is None:
            raise ValueError("an embedding model needs pricing.input (0 when free)")
        if self.kind == "image" and price.per_image is None and not price.note:
            raise ValueError("an image model needs pricing.per_image, or a pricing.note on how it is paid")
        return self

    @property
    def reference_price(self) -> float | None:
        """One number to sort and filter by: the mean of input and output per 1M tokens, or per image."""
        price = self.pricing
        if self.kind == "image":
            return price.per_image
        if self.kind == "embedding":
            return price.input
        if price.input is None or price.output is None:
            return None
        return (price.input + price.output) / 2

    @property
    def local_only(self) -> bool:
        """Free only because it runs on your own hardware: open weights, no hosted price."""
        return self.open_weights and self.reference_price == 0

    def served_on(self, provider_id: str) -> str | None:
        """This model's id at ``provider_id``, when that provider can run it."""
        return next((way.model for way in self.served_by if way.provider == provider_id), None)


class CatalogFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: dt.date
    note: str = ""
    models: list[CatalogEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> CatalogFile:
        seen: set[str] = set()
        for index, entry in enumerate(self.models):
            if entry.id in seen:
                raise ValueError(f"entry {index} repeats the id {entry.id!r}")
            seen.add(entry.id)
        return self


def parse_catalog(data: Any, source: str = "models.json") -> CatalogFile:
    """The validated catalog, or :class:`CatalogFormatError` naming the entry and field that are wrong."""
    try:
        return CatalogFile.model_validate(data)
    except ValidationError as error:
        raise CatalogFormatError(describe_errors(error, data, source)) from None


def describe_errors(error: ValidationError, data: Any, source: str) -> str:
    lines = []
    for problem in error.errors()[:5]:
        location = list(problem["loc"])
        where = "the file"
        if len(location) >= 2 and location[0] == "models" and isinstance(location[1], int):
            index = location[1]
            where = f"entry {index}{_entry_id(data, index)}"
            location = location[2:]
        field = ".".join(str(part) for part in location)
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"{where}, field {field}: {message}" if field else f"{where}: {message}")
    more = error.error_count() - len(lines)
    suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else ""
    return f"{source} is not a valid catalog: " + "; ".join(lines) + suffix


def _entry_id(data: Any, index: int) -> str:
    try:
        entry_id = data["models"][index]["id"]
    except (KeyError, IndexError, TypeError):
        return ""
    return f' (id "{entry_id}")' if isinstance(entry_id, str) else ""
