"""What the About dialog shows and "Copy diagnostics" copies: versions, folders and bundled licences."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.metadata import PackageMetadata

# The third-party parts every installer ships (the distributions named in pyproject.toml's dependencies
# that the desktop bundle contains), shown with the licence their own metadata declares.
BUNDLED = (
    "PySide6-Essentials",
    "shiboken6",
    "qasync",
    "httpx",
    "SQLAlchemy",
    "alembic",
    "keyring",
    "platformdirs",
    "openai",
    "anthropic",
    "tiktoken",
    "markdown-it-py",
    "Pygments",
    "tenacity",
    "pydantic",
    "fastapi",
    "uvicorn",
    "pillow",
    "argon2-cffi",
    "certifi",
)


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    licence: str


def licence_of(metadata: PackageMetadata) -> str:
    """The SPDX expression (``License-Expression``), else the ``License`` field's first line, else the
    ``License ::`` classifiers; "unknown" when none is declared."""

    def first(field: str) -> str:
        values = metadata.get_all(field) or []
        return str(values[0]).strip() if values else ""

    if expression := first("License-Expression"):
        return expression
    text = first("License").splitlines()[0].strip() if first("License") else ""
    if text and len(text) <= 60:  # a name ("MIT"), or the first line of a pasted licence ("MIT License")
        return text
    classifiers = [
        c.split("::")[-1].strip() for c in (metadata.get_all("Classifier") or []) if str(c).startswith("License ::")
    ]
    return ", ".join(classifiers) or "unknown"


def bundled_components(names: tuple[str, ...] = BUNDLED) -> list[Component]:
    """Each installed distribution of ``names`` with its version and licence (absent ones are left out)."""
    from importlib.metadata import PackageNotFoundError, metadata

    components = []
    for name in names:
        try:
            meta = metadata(name)
        except PackageNotFoundError:
            continue
        real_name = (meta.get_all("Name") or [name])[0]
        version = (meta.get_all("Version") or ["?"])[0]
        components.append(Component(str(real_name), str(version), licence_of(meta)))
    return components


def diagnostics_text(
    version: str, data_dir: Path, log_file: Path | None, components: list[Component] | None = None
) -> str:
    """A plain-text report for bug reports: no settings values, no keys, no personal data beyond paths."""
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    lines = [
        f"Amethyst {version}",
        f"Packaged: {'yes' if getattr(sys, 'frozen', False) else 'no'}",
        f"Python {platform.python_version()} ({sys.executable})",
        f"Qt {qVersion()}, PySide6 {pyside_version}",
        f"System: {platform.platform()}",
        f"Data folder: {data_dir}",
        f"Log file: {log_file or 'none'}",
        "Bundled components:",
    ]
    lines += [f"  {c.name} {c.version} ({c.licence})" for c in components or bundled_components()]
    return "\n".join(lines) + "\n"
