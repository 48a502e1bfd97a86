"""The wire contract of the Studio API v1: every body the server answers and the desktop reads, once.

The server builds its answers with these models and the desktop validates every answer with them, so a
field the server forgets or mistypes is a loud error on the desktop, not a silent default. The package
imports only pydantic and the standard library: the desktop imports it without the server's cloud SDKs,
FastAPI or SQLAlchemy (``tests/server/test_contract.py`` checks this).

Request bodies are strict (no ``true`` for an integer, no ``"7"`` for a number) and forbid unknown
fields, so a client's typo is a 422 that names the field; pydantic itself refuses text with unpaired
surrogates (``"\\ud800"`` in JSON), which UTF-8 cannot store. Answers are strict too, but ignore fields
they do not know, so an older desktop keeps working against a newer server that adds one.

One module per area — ``base`` (the two base classes, shared limits, health), ``jobs`` (image requests
and jobs), ``catalog`` (the image-model table), ``accounts``, ``billing``, ``engines`` (image engines and
managed local models) and ``builder`` — and every name is re-exported here: import from
``modal_app.contract``.
"""

from __future__ import annotations

from modal_app.contract.accounts import (
    Account,
    Me,
    Plan,
    Session,
)
from modal_app.contract.base import (
    MAX_INT64,
    NO_NUL,
    STRICT_BODY,
    Answer,
    Health,
    RequestBody,
)
from modal_app.contract.billing import (
    BillingStatus,
    CheckoutRequest,
    CheckoutSession,
    Credits,
    LedgerHistory,
    LedgerItem,
    Pack,
    PackList,
    PortalSession,
    SpendDay,
    SpendModel,
    SpendReport,
)
from modal_app.contract.builder import (
    BUILD_STEPS,
    MAX_CODE_FILE,
    MAX_COLUMN_NAME,
    MAX_CSV_CHARS,
    MAX_DESCRIPTION,
    Build,
    BuildCode,
    BuildFiles,
    BuildPage,
    BuildRequest,
    BuildState,
    BuildStep,
    BuildTask,
    BuildUsage,
    InputField,
    ModelInfo,
    StepState,
    StepStatus,
    TemplateRequest,
)
from modal_app.contract.catalog import (
    ImageModel,
    ModelTable,
)
from modal_app.contract.engines import (
    COMPLETE_MARKER,
    MANAGED_FOLDER,
    MANAGED_MODELS,
    PROVIDER_KEY_HEADER,
    EngineList,
    EngineState,
    ManagedModel,
)
from modal_app.contract.jobs import (
    ACTIVE_STATES,
    ASPECT_RATIOS,
    MAX_COUNT,
    MAX_PROMPT,
    MAX_REFERENCE_IMAGE,
    MAX_REFERENCE_IMAGES,
    MAX_SEED,
    SIZES,
    TERMINAL_STATES,
    ImageRef,
    ImageRequest,
    Job,
    JobPage,
    JobState,
)

__all__ = [
    "ACTIVE_STATES",
    "ASPECT_RATIOS",
    "BUILD_STEPS",
    "COMPLETE_MARKER",
    "MANAGED_FOLDER",
    "MANAGED_MODELS",
    "MAX_CODE_FILE",
    "MAX_COLUMN_NAME",
    "MAX_COUNT",
    "MAX_CSV_CHARS",
    "MAX_DESCRIPTION",
    "MAX_INT64",
    "MAX_PROMPT",
    "MAX_REFERENCE_IMAGE",
    "MAX_REFERENCE_IMAGES",
    "MAX_SEED",
    "NO_NUL",
    "PROVIDER_KEY_HEADER",
    "SIZES",
    "STRICT_BODY",
    "TERMINAL_STATES",
    "Account",
    "Answer",
    "BillingStatus",
    "Build",
    "BuildCode",
    "BuildFiles",
    "BuildPage",
    "BuildRequest",
    "BuildState",
    "BuildStep",
    "BuildTask",
    "BuildUsage",
    "CheckoutRequest",
    "CheckoutSession",
    "Credits",
    "EngineList",
    "EngineState",
    "Health",
    "ImageModel",
    "ImageRef",
    "ImageRequest",
    "InputField",
    "Job",
    "JobPage",
    "JobState",
    "LedgerHistory",
    "LedgerItem",
    "ManagedModel",
    "Me",
    "ModelInfo",
    "ModelTable",
    "Pack",
    "PackList",
    "Plan",
    "PortalSession",
    "RequestBody",
    "Session",
    "SpendDay",
    "SpendModel",
    "SpendReport",
    "StepState",
    "StepStatus",
    "TemplateRequest",
]
