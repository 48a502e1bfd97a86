"""The managed local model: diffusers folders the desktop downloaded into ``<data dir>/models/<id>/``.

A folder serves its model once the downloader wrote ``COMPLETE_MARKER`` into it (after every file arrived
and was checked). ``AMETHYST_LOCAL_IMAGE_MODEL`` stays an override: one folder for every local model.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from modal_app.compute.local_compute import LocalImageCompute
from modal_app.contract import COMPLETE_MARKER, MANAGED_FOLDER, MANAGED_MODELS

LIBRARIES = ("torch", "diffusers", "transformers")
INSTALL_HINT = (
    'install the generator\'s libraries: pip install "amethyst[generator]" (torch, diffusers, transformers; '
    "from a source checkout: make generator), then restart Amethyst"
)


NOT_DOWNLOADED = "not downloaded — download it in Settings → Studio → Local model"
CLOUD_ONLY = "runs on the cloud; or set AMETHYST_LOCAL_IMAGE_MODEL to a diffusers folder for it"


def missing_libraries() -> list[str]:
    """The generator's libraries that are not installed here (found without importing them)."""
    return [name for name in LIBRARIES if importlib.util.find_spec(name) is None]


def managed_folder(data_dir: Path, model_id: str) -> Path:
    return data_dir / MANAGED_FOLDER / model_id


class ManagedLocalCompute(LocalImageCompute):
    """Serves each managed model from its downloaded folder (or every model from the override folder)."""

    def __init__(self, data_dir: Path | None, override_folder: str | None = None) -> None:
        super().__init__(override_folder)
        self.data_dir = data_dir

    def folder_for(self, model_id: str) -> str | None:
        if self.model_folder:
            return self.model_folder
        if self.data_dir is None:
            return None
        folder = managed_folder(self.data_dir, model_id)
        return str(folder) if (folder / COMPLETE_MARKER).is_file() else None

    def missing_message(self, model_id: str) -> str:
        if any(model.id == model_id for model in MANAGED_MODELS):
            return NOT_DOWNLOADED
        return CLOUD_ONLY

    def model_readiness(self, model_id: str) -> tuple[bool, str, str]:
        """(ready, reason, fix) for one model on this machine."""
        missing = missing_libraries()
        if missing:
            return False, f"{', '.join(missing)} not installed — {INSTALL_HINT}", "install:local"
        if self.folder_for(model_id):
            return True, "", ""
        downloadable = any(model.id == model_id for model in MANAGED_MODELS)
        return False, self.missing_message(model_id), f"download:{model_id}" if downloadable else "settings"

    def readiness(self) -> tuple[bool, str]:
        return True, ""

    def engine_state(self) -> tuple[str, str]:
        """(state, detail) of the engine as Settings → Studio shows it: not_installed, not_downloaded or
        ready (with what it serves)."""
        missing = missing_libraries()
        if missing:
            return "not_installed", f"{', '.join(missing)} not installed — {INSTALL_HINT}"
        if self.model_folder:
            return "ready", f"uses AMETHYST_LOCAL_IMAGE_MODEL: {self.model_folder}"
        ready = [model.name for model in MANAGED_MODELS if self.folder_for(model.id)]
        if ready:
            return "ready", f"{', '.join(ready)} downloaded"
        return "not_downloaded", "no model downloaded yet — download one in Settings → Studio → Local model"
