"""Builder (issue 14): builds of small ML models, trained and served in a sandbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, Field, field_validator

from modal_app.contract.base import Answer, RequestBody

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
