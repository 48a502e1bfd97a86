"""What a local build's venv may take from the server's own environment, and which Python makes the venv.

Offline installs (``pip --no-index``) need the requirements already on this machine. Rather than a ``.pth``
to the server's whole site-packages (which let build code import the app's own packages — ``app``,
``modal_app``, fastapi, keyring … — by accident), ``link_distributions`` puts into one folder of the venv
links to only the distributions the build's requirements name, their dependencies (markers evaluated) and
pip, each with its ``.dist-info`` so pip sees them as installed. The venv's ``.pth`` names that folder only.

``venv_python`` is the interpreter that makes the venv: ``sys.executable`` when running from source; in a
PyInstaller bundle that is the app itself, so a Python on the machine is looked for (``AMETHYST_BUILD_PYTHON``,
then ``python3``/``python``/``py`` on PATH) and checked to run with the ``venv`` module; none → a
``SandboxError`` that names what to install.
"""

from __future__ import annotations

import contextlib
import importlib.metadata as metadata
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from modal_app.builder.sandbox import SandboxError

MIN_PYTHON = (3, 10)
PROBE = "import sys, venv; print('%d.%d' % sys.version_info[:2])"
NO_PYTHON = (
    "Local builds need Python {min} or newer with its venv module on this computer, and none was found."
    " Install it (python.org, or your package manager's python3 and python3-venv) and start the build again,"
    " or set AMETHYST_BUILD_PYTHON to its path."
)


def link_distributions(requirements: Iterable[str], target: Path) -> list[str]:
    """Link (copy where links are not allowed) the installed distributions ``requirements`` need, with their
    dependencies and pip, into ``target``; returns their names. A requirement not installed here is skipped
    (pip then says it cannot find it)."""
    # Imported here, when a build installs: ~16 ms of CPU the embedded Studio API's start does not need.
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    target.mkdir(parents=True, exist_ok=True)
    queue: list[tuple[str, frozenset[str]]] = [("pip", frozenset())]
    for text in requirements:
        with contextlib.suppress(InvalidRequirement):
            requirement = Requirement(text)
            queue.append((requirement.name, frozenset(requirement.extras)))
    linked: dict[str, set[str]] = {}
    while queue:
        name, extras = queue.pop()
        key = canonicalize_name(name)
        if key in linked and extras <= linked[key]:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if key not in linked:
            _link_files(dist, target)
        linked.setdefault(key, set()).update(extras)
        for text in dist.requires or []:
            with contextlib.suppress(InvalidRequirement):
                requirement = Requirement(text)
                wanted = requirement.marker is None or any(
                    requirement.marker.evaluate({"extra": extra}) for extra in (extras or {""})
                )
                if wanted:
                    queue.append((requirement.name, frozenset(requirement.extras)))
    return sorted(linked)


def _link_files(dist: metadata.Distribution, target: Path) -> None:
    tops = {Path(str(path)).parts[0] for path in dist.files or [] if not str(path).startswith("..")}
    for top in tops:
        source = Path(str(dist.locate_file(top)))
        link = target / top
        if link.exists() or link.is_symlink() or not source.exists() or top == "__pycache__":
            continue
        try:
            link.symlink_to(source, target_is_directory=source.is_dir())
        except OSError:  # Windows without the right to make links
            if source.is_dir():
                shutil.copytree(source, link)
            else:
                shutil.copy2(source, link)


def venv_python(environ: Mapping[str, str] | None = None, frozen: bool | None = None) -> str:
    """The interpreter to make build venvs with (see the module docstring); raises ``SandboxError``."""
    environ = os.environ if environ is None else environ
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    if not frozen:
        return sys.executable
    candidates = [environ.get("AMETHYST_BUILD_PYTHON", "")]
    candidates += [shutil.which(name, path=environ.get("PATH")) or "" for name in ("python3", "python", "py")]
    for candidate in filter(None, candidates):
        if _usable(candidate):
            return candidate
    raise SandboxError(NO_PYTHON.format(min=".".join(map(str, MIN_PYTHON))))


def _usable(executable: str) -> bool:
    try:
        probe = subprocess.run([executable, "-c", PROBE], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    major, _, minor = probe.stdout.strip().partition(".")
    return probe.returncode == 0 and major.isdigit() and minor.isdigit() and (int(major), int(minor)) >= MIN_PYTHON
