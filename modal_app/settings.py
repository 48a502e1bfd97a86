"""Server settings: one dataclass handed to ``create_app``; ``from_env`` reads the documented variables.

Without ``AMETHYST_STUDIO_DATA`` (or ``--data-dir``) and ``DATABASE_URL``, the server keeps its SQLite file
and local token in the platform's data folder (``platformdirs.user_data_path("amethyst-studio")``, e.g.
``~/.local/share/amethyst-studio`` on Linux), never in the current directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modal_app.builder.sandbox import SandboxCompute
    from modal_app.compute.base import ImageCompute
    from modal_app.compute.engines import EngineSettings

DEFAULT_MODAL_APP = "amethyst-studio"
DATA_FOLDER_NAME = "amethyst-studio"
LOCAL_TOKEN_FILE = "local-token"
DAY = 86400.0


def default_data_dir() -> Path:
    """The platform's per-user data folder for the Studio API."""
    from platformdirs import user_data_path

    return user_data_path(DATA_FOLDER_NAME, appauthor=False)


@dataclass
class ServerSettings:
    database_url: str
    data_dir: Path | None = None
    # "local", "modal", or an ImageCompute object (tests inject fakes this way).
    compute: str | ImageCompute = "local"
    billing_enabled: bool = True
    # Create the single local account at start-up and write its token to <data_dir>/local-token.
    local_account: bool = False
    token_secret: str = ""
    # Seconds a token may go unused before it is refused and revoked (sliding); 0 = never.
    token_lifetime: float = 30 * DAY
    signup_credits: int = 0
    modal_app_name: str = DEFAULT_MODAL_APP
    local_image_model: str | None = None
    # Seconds between looks at a young job's compute call; older jobs are looked at less often, up to
    # max_poll_interval (a job of age t waits about t/10).
    poll_interval: float = 0.2
    max_poll_interval: float = 5.0
    # Seconds between sweeps: unfinished jobs nobody watches, settlements to retry, token bookkeeping.
    sweep_interval: float = 10.0
    job_timeout: float = 3600.0
    submit_grace: float = 60.0
    # Password hashing threads (None: half the CPUs, 1 to 4) and failed sign-ins allowed per window.
    hash_threads: int | None = None
    signin_per_account: int = 10
    signin_per_address: int = 30
    signin_window: float = 900.0
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    # --- billing (issue 13) ---
    # Our item ids ("pack-10" … "pack-250", "pro", "enterprise") → Stripe Price ids; from STRIPE_PRICES as
    # "pack-10=price_…,pro=price_…" (an environment variable or a Modal Secret), never from the client.
    stripe_prices: dict[str, str] = field(default_factory=dict)
    stripe_api_base: str | None = None  # another Stripe API address (tests point the SDK at a fake)
    stripe_webhook_tolerance: int = 300  # seconds a webhook signature's timestamp may be old (Stripe's default)
    # The address people's browsers reach this server at, for Checkout's return pages; None: the request's.
    public_url: str | None = None

    # -- Postgres connection pool and result storage (issue 17) --
    # Per server process: db_pool_size kept open, db_pool_overflow more under load; a request waits
    # db_pool_timeout seconds for a free one before a 503. Seconds; statement timeout 0 = none.
    db_pool_size: int = 5
    db_pool_overflow: int = 5
    db_pool_timeout: float = 10.0
    db_connect_timeout: float = 5.0
    db_statement_timeout: float = 30.0
    # Where result PNGs go: None = <data_dir>/results, a folder, file:///folder or s3://bucket/prefix
    # (see modal_app.storage); the S3 endpoint and region for S3-compatible services (B2, R2, MinIO).
    result_storage: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    # Image engines next to the base compute (issue 15); None: read from the environment at build time.
    engines: EngineSettings | None = None
    # --- Builder (issue 14) ---
    # "local", "e2b", or a SandboxCompute object (tests inject fakes this way); the E2B key only from here.
    sandbox: str | SandboxCompute = "local"
    sandbox_port: int = 49999
    e2b_api_key: str | None = None
    # Local sandbox: build venvs also see this environment's packages; extra pip arguments (e.g. --no-index).
    sandbox_inherit_packages: bool = True
    sandbox_pip_args: tuple[str, ...] = ()
    build_health_timeout: float = 60.0
    predict_timeout: float = 30.0
    # --- end Builder ---

    @classmethod
    def for_data_dir(cls, data_dir: Path, **overrides: Any) -> ServerSettings:
        data_dir.mkdir(parents=True, exist_ok=True)
        return cls(database_url=f"sqlite:///{data_dir / 'studio.db'}", data_dir=data_dir, **overrides)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, data_dir: Path | None = None) -> ServerSettings:
        env = os.environ if environ is None else environ
        named = data_dir or env.get("AMETHYST_STUDIO_DATA")
        folder = Path(named) if named else default_data_dir()
        compute = env.get("AMETHYST_COMPUTE", "local")
        billing_default = "off" if compute == "local" else "on"
        billing = env.get("AMETHYST_BILLING", billing_default).strip().lower() in {"on", "1", "true", "yes"}
        database_url = env.get("DATABASE_URL")
        if database_url is None:
            folder.mkdir(parents=True, exist_ok=True)
            database_url = f"sqlite:///{folder / 'studio.db'}"
        return cls(
            database_url=database_url,
            data_dir=folder,
            compute=compute,
            billing_enabled=billing,
            local_account=not billing,
            token_secret=env.get("AMETHYST_TOKEN_SECRET", ""),
            token_lifetime=float(env.get("AMETHYST_TOKEN_LIFETIME_DAYS", "30")) * DAY,
            signup_credits=int(env.get("AMETHYST_SIGNUP_CREDITS", "0")),
            modal_app_name=env.get("AMETHYST_MODAL_APP", DEFAULT_MODAL_APP),
            local_image_model=env.get("AMETHYST_LOCAL_IMAGE_MODEL") or None,
            poll_interval=float(env.get("AMETHYST_POLL_INTERVAL", "0.2")),
            job_timeout=float(env.get("AMETHYST_JOB_TIMEOUT", "3600")),
            stripe_secret_key=env.get("STRIPE_SECRET_KEY"),
            stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET"),
            **_pool_and_storage_from_env(env),
            stripe_prices=parse_prices(env.get("STRIPE_PRICES", "")),
            stripe_api_base=env.get("STRIPE_API_BASE") or None,
            public_url=env.get("AMETHYST_PUBLIC_URL") or None,
            sandbox=env.get("AMETHYST_SANDBOX", "e2b" if env.get("E2B_API_KEY") and compute != "local" else "local"),
            sandbox_port=int(env.get("AMETHYST_SANDBOX_PORT", "49999")),
            e2b_api_key=env.get("E2B_API_KEY"),
            sandbox_pip_args=tuple(env.get("AMETHYST_SANDBOX_PIP_ARGS", "").split()),
        )


def _pool_and_storage_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """The issue-17 settings from AMETHYST_DB_POOL_SIZE, AMETHYST_DB_POOL_OVERFLOW, AMETHYST_DB_POOL_TIMEOUT,
    AMETHYST_DB_CONNECT_TIMEOUT, AMETHYST_DB_STATEMENT_TIMEOUT (seconds), AMETHYST_RESULT_STORAGE,
    AMETHYST_S3_ENDPOINT_URL and AMETHYST_S3_REGION; unset ones keep their defaults."""
    numbers = {
        "db_pool_size": ("AMETHYST_DB_POOL_SIZE", int),
        "db_pool_overflow": ("AMETHYST_DB_POOL_OVERFLOW", int),
        "db_pool_timeout": ("AMETHYST_DB_POOL_TIMEOUT", float),
        "db_connect_timeout": ("AMETHYST_DB_CONNECT_TIMEOUT", float),
        "db_statement_timeout": ("AMETHYST_DB_STATEMENT_TIMEOUT", float),
    }
    values: dict[str, Any] = {name: kind(env[var]) for name, (var, kind) in numbers.items() if env.get(var)}
    texts = {
        "result_storage": "AMETHYST_RESULT_STORAGE",
        "s3_endpoint_url": "AMETHYST_S3_ENDPOINT_URL",
        "s3_region": "AMETHYST_S3_REGION",
    }
    values.update({name: env[var] for name, var in texts.items() if env.get(var)})
    return values


def parse_prices(text: str) -> dict[str, str]:
    """``"pack-10=price_1,pro=price_2"`` → ``{"pack-10": "price_1", "pro": "price_2"}``; blanks are skipped.
    Raises ValueError for an entry without ``=``."""
    prices: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        item, sep, price = part.partition("=")
        if not sep or not item.strip() or not price.strip():
            raise ValueError(f"STRIPE_PRICES: write item=price_id, not {part.strip()!r}")
        prices[item.strip()] = price.strip()
    return prices
