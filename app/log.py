"""Logging to a rotating file in the data folder, with anything that looks like a key redacted."""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

LOG_FILENAME = "amethyst.log"
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
REDACTED = "[redacted]"

# Shapes of provider keys and bearer tokens. Known secret values are redacted too (Redactor.add_secret).
KEY_PATTERNS = (
    r"sk-(?:ant-|proj-|or-)?[A-Za-z0-9_\-]{16,}",
    r"AIza[0-9A-Za-z_\-]{30,}",
    r"gsk_[A-Za-z0-9]{20,}",
    r"hf_[A-Za-z0-9]{20,}",
    r"(?:sk|pk|rk|whsec)_(?:test|live)_[A-Za-z0-9]{10,}",
    r"e2b_[A-Za-z0-9]{20,}",
    r"(?<=[Bb]earer )[A-Za-z0-9._~+/\-]{12,}=*",
    r"(?<=api_key=)[^\s&\"']{8,}",
    r"(?<=api-key=)[^\s&\"']{8,}",
)


class Redactor:
    """Replaces key-shaped strings and every secret it was taught with ``[redacted]``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern = re.compile("|".join(f"(?:{p})" for p in KEY_PATTERNS))

    def add_secret(self, value: str) -> None:
        if len(value) >= 6:
            with self._lock:
                self._secrets.add(value)

    def redact(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return self._pattern.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.redactor.redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        return True


LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 5


def configure_logging(data_dir: Path, redactor: Redactor, level: int = logging.INFO, *, rotate: bool = True) -> Path:
    """Send the app's records to ``amethyst.log`` (1 MB × 5) in the data folder; returns its path.

    ``rotate=False`` writes to the file without rotating it until ``rotate_log_file()``: the app starts that
    way, because ``logging.handlers`` imports socket, pickle and queue (~6 ms) before the first paint."""
    path = data_dir / "logs" / LOG_FILENAME
    path.parent.mkdir(parents=True, exist_ok=True)
    _install(_rotating(path) if rotate else logging.FileHandler(path, encoding="utf-8"), redactor)
    root = logging.getLogger()
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "alembic", "asyncio", "hpack"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path


def rotate_log_file() -> None:
    """Replace the app's plain file handler (``configure_logging(rotate=False)``) by the rotating one on the
    same file, with the same redaction. Call it while no other thread logs (the app: right after the first
    paint, before any worker starts). Does nothing when the handler already rotates or there is none."""
    current = next((h for h in logging.getLogger().handlers if getattr(h, "amethyst", False)), None)
    if not isinstance(current, logging.FileHandler) or hasattr(current, "maxBytes"):
        return
    redactors = [f.redactor for f in current.filters if isinstance(f, RedactingFilter)]
    _install(_rotating(Path(current.baseFilename)), redactors[0] if redactors else Redactor())


def _rotating(path: Path) -> logging.FileHandler:
    from logging.handlers import RotatingFileHandler

    return RotatingFileHandler(path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")


def _install(handler: logging.Handler, redactor: Redactor) -> None:
    """Make ``handler`` the app's one handler on the root logger (an earlier one is removed and closed)."""
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RedactingFilter(redactor))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "amethyst", False)]:
        root.removeHandler(old)
        old.close()
    handler.amethyst = True  # type: ignore[attr-defined]
    root.addHandler(handler)


def read_log_tail(path: Path, max_bytes: int = 200_000) -> str:
    """The end of the log file, for the viewer in Settings."""
    if not path.exists():
        return ""
    with path.open("rb") as stream:
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(max(0, size - max_bytes))
        data = stream.read()
    text = data.decode("utf-8", errors="replace")
    return text if size <= max_bytes else text.split("\n", 1)[-1]
