"""The wire contract of the Studio API v1: every body the server answers and the desktop reads, once.

The server builds its answers with these models and the desktop validates every answer with them, so a
field the server forgets or mistypes is a loud error on the desktop, not a silent default. The module
imports only pydantic and the standard library: the desktop imports it without the server's cloud SDKs,
FastAPI or SQLAlchemy (``tests/server/test_contract.py`` checks this).

Request bodies are strict (no ``true`` for an integer, no ``"7"`` for a number) and forbid unknown
fields, so a client's typo is a 422 that names the field; pydantic itself refuses text with unpaired
surrogates (``"\\ud800"`` in JSON), which UTF-8 cannot store. Answers are strict too, but ignore fields
they do not know, so an older desktop keeps working against a newer server that adds one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SIZES: tuple[str, ...] = ("1K", "2K", "4K")
ASPECT_RATIOS: tuple[str, ...] = ("1:1", "9:16", "16:9", "4:3", "3:4")
MAX_COUNT = 4  # images in one job
MAX_SEED = 2**32 - 1
MAX_PROMPT = 4000  # characters
MAX_REFERENCE_IMAGE = 20_000_000  # characters of base64
MAX_REFERENCE_IMAGES = 16  # the most any engine takes (OpenAI image edits); each model says its own limit
MAX_INT64 = 2**63 - 1  # the largest cursor: the paging keys are 64-bit on SQLite and Postgres (BIGINT)
# Text that can reach a database column holds no NUL (U+0000): PostgreSQL's text types cannot store it
# (SQLite's can), so it is refused at the door on both, as a 422 naming the field rather than a 500.
NO_NUL = r"^[^\x00]*$"  # for path, query and header parameters; request bodies check every text field

STRICT_BODY = ConfigDict(strict=True, extra="forbid", frozen=True)
"""The configuration of every request body (strict types, unknown fields refused)."""


class RequestBody(BaseModel):
    """Base of request bodies: strict types, unknown fields are a 422 that names them, and no text field
    holds a NUL character (see ``NO_NUL``)."""

    model_config = STRICT_BODY

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text must not contain NUL characters (U+0000)")
        return value


class Answer(BaseModel):
    """Base of answers: strict types, every field required, unknown (newer) fields ignored."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


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


class ImageModel(Answer):
    """One row of the image-model table. ``credits[size][n - 1]`` is what a job of ``n`` images of that
    size costs on this server, as it will be reserved: the desktop shows it and never computes a price."""

    id: str
    name: str
    provider: str
    sizes: tuple[str, ...]
    aspect_ratios: tuple[str, ...]
    steps: int
    reference_images: bool
    negative_prompt: bool  # whether a negative prompt steers the model
    active: bool
    credits: dict[str, tuple[int, ...]]
    # --- engines (issue 15): who serves the model and whether it can run here now ---
    engines: tuple[str, ...] = ()  # every engine that can serve it (modal, local, openai, gemini, comfyui, a1111)
    engine: str = ""  # the engine that serves it on this server ("" when none is configured)
    ready: bool = True
    reason: str = ""  # why not ready, in words the person can act on
    fix: str = ""  # what fixes it: "key:openai", "key:google", "download:<model>", "server:comfyui", "settings"
    max_reference_images: int = 0

    def cost(self, size: str, count: int) -> int | None:
        """Credits for ``count`` images of ``size``, or None when this model does not make that."""
        prices = self.credits.get(size)
        if prices is None or not 1 <= count <= len(prices):
            return None
        return prices[count - 1]


class ModelTable(Answer):
    """``GET /v1/image-models``: the models this server makes, their prices, and whether it can
    generate now (when not, ``compute_message`` says why and what to do)."""

    models: tuple[ImageModel, ...]
    max_count: int
    compute_ready: bool
    compute_message: str

    @model_validator(mode="after")
    def _priced(self) -> ModelTable:
        for model in self.models:
            for size in model.sizes:
                if len(model.credits.get(size, ())) != self.max_count:
                    raise ValueError(f"{model.id} lists no price for each count of {size} images")
        return self

    @classmethod
    def empty(cls) -> ModelTable:
        """No models yet (before the server has answered)."""
        return cls(models=(), max_count=MAX_COUNT, compute_ready=True, compute_message="")

    def get(self, model_id: str) -> ImageModel | None:
        return next((model for model in self.models if model.id == model_id), None)

    def cost(self, model_id: str, size: str, count: int) -> int | None:
        """What the server will reserve for this request, or None if it does not make it."""
        model = self.get(model_id)
        return None if model is None else model.cost(size, count)


class Credits(Answer):
    """``GET /v1/credits``: integers; available = balance − reserved."""

    balance: int
    reserved: int
    available: int
    billing_enabled: bool


class Account(Answer):
    id: str
    email: str
    plan: str
    local: bool
    created_at: datetime


class Plan(Answer):
    id: str
    name: str
    price_usd_month: int
    max_models: int
    priority: bool
    api_access: bool
    monthly_credits: int  # credits granted with each paid monthly invoice


class Session(Answer):
    """The answer to sign-up and sign-in: the account and its new bearer token."""

    account: Account
    token: str


class Me(Answer):
    account: Account
    plan: Plan
    billing_enabled: bool


class Health(Answer):
    status: str


# --- Billing (issue 13): packs, checkout, the customer portal, billing status, spend ---------------------


class Pack(Answer):
    """A credit pack of ``GET /v1/packs``: price in US cents, its price per credit, and the percent saved
    per credit against the smallest pack."""

    id: str
    credits: int
    price_usd_cents: int
    cents_per_credit: float
    discount_percent: int


class PackList(Answer):
    packs: tuple[Pack, ...]


class CheckoutRequest(RequestBody):
    """``POST /v1/checkout``: exactly one of ``pack`` (a pack id) or ``plan`` (a paid plan id)."""

    pack: str | None = Field(default=None, min_length=1, max_length=32)
    plan: str | None = Field(default=None, min_length=1, max_length=32)

    @model_validator(mode="after")
    def _one(self) -> CheckoutRequest:
        if (self.pack is None) == (self.plan is None):
            raise ValueError("name either a pack or a plan")
        return self


class CheckoutSession(Answer):
    """A Stripe Checkout Session to open in the browser: its id (``cs_…``) and hosted URL."""

    id: str
    url: str


class PortalSession(Answer):
    """A Stripe Customer Portal session URL (manage or cancel the subscription, invoices, card)."""

    url: str


class BillingStatus(Answer):
    """``GET /v1/billing``: the plan and its state, usage against its limits, and what Stripe knows.

    ``status``: "active", "past_due" or "cancelled" (Free is "active"); ``renews_at``: the end of the paid
    period (null on Free); ``debt``: refunded credits that could not be taken back yet (they are taken
    from the next credits granted); ``last_payment_failed``: an asynchronous payment that failed."""

    plan: Plan
    status: str
    renews_at: datetime | None
    customer: bool
    debt: int
    usage: dict[str, int]  # what counts against the plan's limits now, by limit name ("models": kept)
    last_payment_failed: bool


class LedgerItem(Answer):
    """One ledger entry: positive amounts add credits, negative take them."""

    id: int
    amount: int
    reason: str
    reference: str | None
    created_at: datetime


class LedgerHistory(Answer):
    """``GET /v1/credits/history``: entries newest first; ``next_cursor`` for the older page, null at the end."""

    entries: tuple[LedgerItem, ...]
    next_cursor: int | None


class SpendDay(Answer):
    day: str  # ISO date (UTC)
    credits: int


class SpendModel(Answer):
    model: str
    credits: int


class SpendReport(Answer):
    """``GET /v1/billing/spend``: credits charged per day (every day of the window, oldest first) and per
    image model (most first) over the last ``days`` days."""

    days: tuple[SpendDay, ...]
    models: tuple[SpendModel, ...]


# --- engines (issue 15) ------------------------------------------------------------------------------------

PROVIDER_KEY_HEADER = "X-Provider-Key"
"""On the Local connection the desktop hands the person's own provider key for one job in this header; the
server uses it for that job's call only and never stores or logs it (a Cloud server ignores it)."""


class EngineState(Answer):
    """One image engine as ``GET /v1/engines`` reports it: ``state`` is ready, needs_key, not_found,
    not_installed or not_downloaded; ``detail`` says why and what to do; ``url`` where a local server is."""

    id: str
    name: str
    state: str
    detail: str
    url: str = ""
    checkpoints: tuple[str, ...] = ()


class EngineList(Answer):
    engines: tuple[EngineState, ...]


class ManagedModel(Answer):
    """A model the desktop can download for the managed local engine (Settings → Studio → Local model).
    The download lands in ``<Studio data folder>/models/<id>/`` and is complete when ``COMPLETE_MARKER``
    exists there; the embedded Studio API serves the model from that folder."""

    id: str  # the image-model table's id
    repo: str  # the Hugging Face repository
    name: str
    size_bytes: int  # what the allowed files add up to (checked against free disk before starting)
    licence: str
    gpu_gb: int  # 0: runs on a CPU (slowly); else "needs a GPU with N GB"
    allow_patterns: tuple[str, ...]


COMPLETE_MARKER = ".amethyst-complete"
MANAGED_FOLDER = "models"
_DIFFUSERS_FILES = (
    "model_index.json",
    "*/config.json",
    "scheduler/*",
    "tokenizer/*",
    "tokenizer_2/*",
    "*/diffusion_pytorch_model.safetensors",
    "*/diffusion_pytorch_model-*.safetensors",
    "*/diffusion_pytorch_model.safetensors.index.json",
    "text_encoder*/model.safetensors",
    "text_encoder*/model-*.safetensors",
    "text_encoder*/model.safetensors.index.json",
)
MANAGED_MODELS: tuple[ManagedModel, ...] = (
    ManagedModel(
        id="sd-turbo",
        repo="stabilityai/sd-turbo",
        name="SD-Turbo — small, runs on a CPU",
        size_bytes=5_200_000_000,
        licence="Stability AI Community License (non-commercial use)",
        gpu_gb=0,
        allow_patterns=_DIFFUSERS_FILES,
    ),
    ManagedModel(
        id="flux-schnell",
        repo="black-forest-labs/FLUX.1-schnell",
        name="FLUX.1 [schnell]",
        size_bytes=33_700_000_000,
        licence="Apache 2.0",
        gpu_gb=24,
        allow_patterns=_DIFFUSERS_FILES,
    ),
)
# --- Builder (issue 14): builds of small ML models, trained and served in a sandbox ----------------------
MAX_DESCRIPTION = 2000  # characters
MAX_CSV_CHARS = 10_000_000  # characters of ``BuildRequest.csv`` (the whole request is capped at 32 MB)
MAX_CODE_FILE = 200_000  # characters of one generated file
MAX_COLUMN_NAME = 200


class BuildTask(StrEnum):
    TABULAR_CLASSIFICATION = "tabular_classification"
    TABULAR_REGRESSION = "tabular_regression"
    TEXT_CLASSIFICATION = "text_classification"

    @property
    def label(self) -> str:
        return {
            "tabular_classification": "Tabular classification",
            "tabular_regression": "Tabular regression",
            "text_classification": "Text classification",
        }[self.value]


class BuildState(StrEnum):
    """``queued`` and ``building`` are in progress; ``ready`` serves; the rest have ended."""

    QUEUED = "queued"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"
    CANCELLED = "cancelled"
    STOPPED = "stopped"

    @property
    def in_progress(self) -> bool:
        return self in (BuildState.QUEUED, BuildState.BUILDING)

    @property
    def live(self) -> bool:
        """Counts against the plan's limit of models kept (in progress or serving)."""
        return self in (BuildState.QUEUED, BuildState.BUILDING, BuildState.READY)


class BuildStep(StrEnum):
    WRITE_FILES = "write_files"
    INSTALL = "install"
    TRAIN = "train"
    SERVE = "serve"
    HEALTH = "health"

    @property
    def label(self) -> str:
        return {
            "write_files": "Write files",
            "install": "Install",
            "train": "Train",
            "serve": "Serve",
            "health": "Health check",
        }[self.value]


BUILD_STEPS: tuple[BuildStep, ...] = tuple(BuildStep)


class StepState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class BuildFiles(RequestBody):
    """The three files of a build (from an LLM, or a template's as the server shows them)."""

    requirements_txt: str = Field(max_length=MAX_CODE_FILE)
    train_py: str = Field(max_length=MAX_CODE_FILE)
    app_py: str = Field(max_length=MAX_CODE_FILE)


class BuildRequest(RequestBody):
    """``POST /v1/builds``. Without ``files`` the server's built-in template for ``task`` writes the code;
    with them (an LLM's), ``code_model`` names who wrote it, and on a sandbox on the person's own machine
    ``confirmed`` must say that they read it."""

    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION)
    task: BuildTask = Field(strict=False)  # its value as a JSON string
    target: str = Field(min_length=1, max_length=MAX_COLUMN_NAME)
    csv: str = Field(min_length=1, max_length=MAX_CSV_CHARS)
    files: BuildFiles | None = None
    code_model: str | None = Field(default=None, max_length=200)
    confirmed: bool = False

    @field_validator("csv", mode="before")
    @classmethod
    def _csv_is_text(cls, value: object) -> object:
        if isinstance(value, str) and "\x00" in value:  # before the generic NUL rule: say what the file is
            raise ValueError("this is a binary file, not CSV text (it holds NUL bytes)")
        return value


class TemplateRequest(RequestBody):
    """``POST /v1/builds/template``: the template's files for a task, to review before building."""

    task: BuildTask = Field(strict=False)


class StepStatus(Answer):
    step: BuildStep
    state: StepState
    started_at: datetime | None
    finished_at: datetime | None


class Build(Answer):
    """A build as ``GET /v1/builds/{id}`` answers it; ``url`` is where the model answers once ready."""

    id: str
    description: str
    task: BuildTask
    target: str
    source: str  # "template" or "llm"
    code_model: str | None
    state: BuildState
    step: BuildStep | None  # the step running, or the one it failed at
    error: str | None
    steps: tuple[StepStatus, ...]
    sandbox: str  # "local" or "e2b"
    url: str | None
    port: int | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class BuildUsage(Answer):
    """Live models against the plan's limit (``limit`` null: no limit, the Local connection)."""

    plan: str
    plan_name: str
    live: int
    limit: int | None


class BuildPage(Answer):
    builds: tuple[Build, ...]
    usage: BuildUsage


class BuildCode(Answer):
    requirements_txt: str
    train_py: str
    app_py: str


class InputField(Answer):
    """One input of a served model, from its ``/info``: type "number", "string" or "text"."""

    model_config = ConfigDict(strict=False, extra="ignore", frozen=True)

    name: str
    type: str
    default: float | str | None = None
    choices: tuple[str, ...] = ()
    example: float | str | None = None


class ModelInfo(Answer):
    """A served model's ``GET /info`` (written by train.py; lenient about numbers, it is the model's text)."""

    model_config = ConfigDict(strict=False, extra="ignore", frozen=True)

    task: str
    target: str
    inputs: tuple[InputField, ...]
    metrics: dict[str, float] = Field(default_factory=dict)
    classes: tuple[str, ...] = ()
    rows: int | None = None
    model: str | None = None


# --- end of Builder --------------------------------------------------------------------------------------
