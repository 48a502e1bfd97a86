"""The shape of ``resources/catalog/models.json``, checked when it is loaded.

A bad file raises :class:`CatalogFormatError` whose message names the entry (its index and id) and the
field, e.g. ``entry 12 (id "gpt-4o"), field served_by.0.pricing.input: Input should be greater than or
equal to 0``. The shapes live here; the rules that make the data true (a price per route, no retired ids,
exact Ollama tags, …) are in :mod:`app.services.catalog.rules` and run on every load.

A price belongs to a *route* (one provider serving the model under one id), not to the model: the same
open model costs $0 on your own machine, one price at Groq and another through OpenRouter.
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
LOCAL_PROVIDER_IDS = frozenset(info.id for info in PROVIDERS if info.local)
PROVIDER_NAMES = {info.id: info.name for info in PROVIDERS} | {"stability": "Stability AI", "bfl": "BFL API"}
FREE = None  # how a local route's price reads: no price, the person's own hardware


class CatalogFormatError(ValueError):
    """The catalog file or a stored copy does not match the schema; the message says where."""


class Pricing(BaseModel):
    """USD per 1M input / output tokens, or per image; ``None`` where the provider publishes no price."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: float | None = Field(default=None, ge=0)
    output: float | None = Field(default=None, ge=0)
    per_image: float | None = Field(default=None, ge=0)
    note: str = ""


LOCAL_PRICE = Pricing(input=0.0, output=0.0, note="Free: runs on your own hardware.")


class Serving(BaseModel):
    """One route to a model: a provider, its id for the model there, and what it charges and allows.

    ``pricing`` is required for hosted routes and absent for local ones (Ollama & co.: your hardware).
    ``context_window``/``max_output_tokens`` are set only where this route limits the model below its own
    figures (Groq serves Llama 4 Scout with 131K of its 10M context). ``resolves_to`` names the pinned id an
    alias (``…-latest``) pointed to on the catalog's date. ``delisted_on`` is set by a refresh when the
    provider's listing no longer has the id: the route is then shown, but not offered.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str = Field(min_length=1)
    model: str = Field(min_length=1)
    base_url: str | None = None
    pricing: Pricing | None = None
    context_window: int | None = Field(default=None, ge=1)
    max_output_tokens: int | None = Field(default=None, ge=1)
    resolves_to: str | None = None
    delisted_on: dt.date | None = None

    @model_validator(mode="after")
    def _known_provider(self) -> Serving:
        if self.base_url is None and self.provider not in PROVIDER_IDS:
            raise ValueError(f"provider {self.provider!r} is not one of Amethyst's providers; give a base_url for it")
        if self.base_url is not None and not self.base_url.startswith(("https://", "http://")):
            raise ValueError("base_url must start with http:// or https://")
        if self.local and self.pricing is not None:
            raise ValueError(f"a {self.provider} route runs on the person's hardware and has no price")
        return self

    @property
    def local(self) -> bool:
        return self.provider in LOCAL_PROVIDER_IDS

    @property
    def listed(self) -> bool:
        return self.delisted_on is None

    @property
    def price(self) -> Pricing:
        """What this route charges; a local route is free."""
        return self.pricing if self.pricing is not None else LOCAL_PRICE

    @property
    def provider_name(self) -> str:
        return PROVIDER_NAMES.get(self.provider, self.provider)


class Licence(BaseModel):
    """Under what terms the model may be used: the licence's name, whether its weights can be downloaded,
    and whether commercial use is allowed (of the weights when published, else of the API's output)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    weights: bool
    commercial: bool
    url: str | None = None


LicenceFilter = Literal["open-commercial", "open", "open-noncommercial", "closed"]
LICENCE_FILTERS: dict[str, str] = {  # short: the filter column is narrow
    "open-commercial": "Open · commercial OK",
    "open": "Open · any licence",
    "open-noncommercial": "Open · non-commercial",
    "closed": "Closed (API only)",
}


def licence_matches(licence: Licence, wanted: str) -> bool:
    """Whether ``licence`` passes the licence filter ``wanted`` (a key of :data:`LICENCE_FILTERS`)."""
    if wanted == "open-commercial":
        return licence.weights and licence.commercial
    if wanted == "open":
        return licence.weights
    if wanted == "open-noncommercial":
        return licence.weights and not licence.commercial
    if wanted == "closed":
        return not licence.weights
    raise ValueError(f"unknown licence filter {wanted!r}")


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
    max_output_tokens: int | None = Field(default=None, ge=1)  # None: the maker publishes no figure
    embedding_dimensions: int | None = Field(default=None, ge=1)
    licence: Licence
    # total parameters in billions, for open-weight models: how much machine running it yourself takes
    parameters_b: float | None = Field(default=None, gt=0)
    release_date: dt.date
    source_url: str
    served_by: tuple[Serving, ...] = ()
    studio_model: str | None = None
    how_to_run: str = ""  # for models no route serves: where to get them and what runs them

    @field_validator("source_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be a web address starting with https://")
        return value

    @model_validator(mode="after")
    def _checked(self) -> CatalogEntry:
        from app.services.catalog.rules import check_entry  # the rules read the shapes above

        check_entry(self)
        return self

    # --- derived views -------------------------------------------------------------------------------------
    @property
    def open_weights(self) -> bool:
        return self.licence.weights

    @property
    def routes(self) -> tuple[Serving, ...]:
        """The routes a person can use now: those the provider still lists."""
        return tuple(way for way in self.served_by if way.listed)

    @property
    def primary_route(self) -> Serving | None:
        """The route cards quote: the first listed hosted route, else the first listed local one."""
        listed = self.routes
        return next((way for way in listed if not way.local), listed[0] if listed else None)

    @property
    def pricing(self) -> Pricing:
        """The primary route's price; an entry no route serves has no price (Studio credits, or run it)."""
        way = self.primary_route
        if way is not None:
            return way.price
        return Pricing(note=self.how_to_run)

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
        """Free only because it runs on your own hardware: every listed route is a local one."""
        listed = self.routes
        return bool(listed) and all(way.local for way in listed)

    def served_on(self, provider_id: str) -> str | None:
        """This model's id at ``provider_id``, when that provider can run it."""
        return next((way.model for way in self.served_by if way.provider == provider_id), None)

    def route(self, provider_id: str, model: str | None = None) -> Serving | None:
        """The route at ``provider_id`` (with that model id, when given), listed or not."""
        return next(
            (way for way in self.served_by if way.provider == provider_id and (model is None or way.model == model)),
            None,
        )


class CatalogFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: dt.date
    note: str = ""
    models: list[CatalogEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> CatalogFile:
        from app.services.catalog.rules import check_catalog

        seen: set[str] = set()
        for index, entry in enumerate(self.models):
            if entry.id in seen:
                raise ValueError(f"entry {index} repeats the id {entry.id!r}")
            seen.add(entry.id)
        check_catalog(self)
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
