"""PySide6's check of every later import, made cheap: read once at start-up, before anything imports Qt.

Once shiboken6 is loaded it replaces ``builtins.__import__`` and, after every module imported from then on,
asks whether the module "uses PySide" (the default of its ``from __feature__ import …`` switching, PYSIDE-2029):
``shibokensupport.feature._mod_uses_pyside`` runs ``inspect.getsource(module)`` and looks for ``"PySide6"``.
``getsource`` tokenizes each file for its encoding, splits it into lines and keeps them in ``linecache`` for
the life of the process. The app imports ~700 modules after Qt before the embedded Studio API answers
(SQLAlchemy, FastAPI, pydantic, the server), and that reading cost ~60–100 ms of CPU on the way there (4
interleaved runs on the 2-core dev machine) and several MB of cached source lines; napari reported the same
cost (github.com/napari/napari/issues/8584).

``install`` swaps in a check that gives the same answer from the file's bytes: ``"PySide6"`` is ASCII, so it
is in the source text exactly when its bytes are in the file (UTF-8, Latin-1 and every other ASCII-compatible
source encoding). Modules without a readable ``.py`` file (built-ins, extensions, a PyInstaller bundle's
byte-code) still go to PySide's own check, which answers False for them as before. Amethyst itself never
uses ``__feature__``; the answers are kept exact anyway, so a library that does is unaffected.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

MARKER = "_amethyst_reads_bytes"


def install() -> bool:
    """Replace PySide's per-import source check with the byte check (see the module's docstring); call it
    before the first Qt import so that every later import gets it. True when installed now; False when it
    already was or this PySide has no such check (another version: nothing is changed)."""
    import shiboken6  # noqa: F401  loads shibokensupport (and its import hook) without Qt's modules

    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(original) or getattr(original, MARKER, False):
        return False
    feature._mod_uses_pyside = byte_check(original)  # type: ignore[attr-defined]
    return True


def byte_check(original: Callable[[ModuleType], bool]) -> Callable[[ModuleType], bool]:
    """``original``'s answer (does the module's source mention ``PySide6``?) from the bytes of its ``.py``
    file; modules without one go to ``original``."""

    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return original(module)
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:  # in a zip, removed since: PySide's own check knows what to say
            return original(module)

    setattr(uses_pyside, MARKER, True)
    return uses_pyside
