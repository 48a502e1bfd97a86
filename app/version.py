"""The app's version, read from the installed package metadata (the one version source).

``app.__version__`` is the literal the build reads into the package metadata (``pyproject.toml``'s
dynamic version); ``amethyst --version``, the About dialog and the packaging scripts read the metadata
back. Reading it costs ~40 ms (``importlib.metadata``), so the start-up path uses ``app.__version__``,
which the metadata was built from.
"""

from __future__ import annotations

from app import __version__

DISTRIBUTION = "amethyst"


def installed_version() -> str:
    """The version in the installed package metadata; ``app.__version__`` for a source tree that was never
    installed (``PYTHONPATH=. python -m app``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return __version__
