"""The managed local model end to end: downloaded from a loopback Hugging Face hub (``HF_ENDPOINT``) that serves
the tiny random diffusers pipeline of ``tests/server/tiny_pipeline.py`` under SD-Turbo's repository id, the model
turns ready in the Studio's list, and Generate makes a real PNG through the embedded Studio API's local worker
(torch + diffusers in a spawned process), stored in the gallery with its metadata. Skipped without torch,
diffusers or transformers (the generator's libraries are optional)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt

from app.context import AppContext
from app.services.gallery.metadata import read_metadata
from app.services.studio import model_download
from app.services.studio.connection import ConnectionState
from app.views.studio.page import StudioPage
from modal_app.contract import COMPLETE_MARKER, MANAGED_MODELS
from tests.e2e.test_newcomer_images import shoot_model_list
from tests.fakes.chat_servers import ServerThread
from tests.fakes.hf_hub_fake import HubLog, HubRepo, hub_app

# This module builds the tiny pipeline and spawns a worker that imports torch and diffusers:
# on a loaded machine that can outlast the suite's 60 s hang guard (pyproject); its own waits, which allow
# longer, are what bound it.
pytestmark = pytest.mark.timeout(300)

MODEL = next(model for model in MANAGED_MODELS if model.id == "sd-turbo")
PROMPT = "a small amethyst"


@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for library in ("torch", "diffusers", "transformers"):  # here, not at collection: torch loads slowly
        pytest.importorskip(library)
    from tests.server.tiny_pipeline import build_tiny_pipeline

    return build_tiny_pipeline(tmp_path_factory.mktemp("tiny-sd"))


@pytest.fixture
def hub(tiny_sd: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HubLog]:
    """The hub serves the tiny pipeline as stabilityai/sd-turbo; no local image server is looked for."""
    # Held part-way (the small files and the text encoder, ~9 %, are in; the U-Net waits) until the test has
    # seen the Studio while the download runs: a paced hub could finish between two looks on a loaded machine.
    log = HubLog(hold_after=100_000)
    server = ServerThread(hub_app({MODEL.repo: HubRepo.from_folder(tiny_sd)}, log)).start()
    monkeypatch.setattr(model_download, "REPORT_EVERY", 0.0)
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    for name in ("AMETHYST_COMFYUI_URL", "AMETHYST_A1111_URL"):
        monkeypatch.setenv(name, "off")
    monkeypatch.delenv("AMETHYST_LOCAL_IMAGE_MODEL", raising=False)
    yield log
    log.release.set()
    server.stop()


def test_a_downloaded_managed_model_makes_a_png_with_metadata(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, hub: HubLog, screenshot_dir: Path
) -> None:
    page = StudioPage(context)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    context.studio_controller.start()
    qtbot.waitUntil(lambda: context.studio.state == ConnectionState.CONNECTED, timeout=30000)
    form = page.form
    try:
        assert form.select_model("sd-turbo")
        assert form.model.currentText() == "SD-Turbo (on this computer) — not downloaded"
        assert form.fix.text() == "Download"

        local = context.studio_local_models
        local.start("sd-turbo")  # what Settings → Studio → Local model's Download button does
        # While it downloads, its row and the line under Generate say how far it got.
        qtbot.waitUntil(lambda: 0 < (form.model.download_percent("sd-turbo") or 0) < 100, timeout=60000)
        percent = form.model.download_percent("sd-turbo")
        assert form.model.currentText() == f"SD-Turbo (on this computer) — downloading {percent} %"
        assert form.reason.text().startswith(f"SD-Turbo (on this computer) is downloading ({percent} %)")
        assert not form.generate.isEnabled() and form.fix.text() == "Show progress"
        shoot_model_list(qtbot, form, screenshot_dir / "studio-models-downloading.png")
        hub.release.set()
        qtbot.waitUntil(lambda: local.view("sd-turbo").status in ("complete", "failed"), timeout=60000)
        assert local.view("sd-turbo").status == "complete", local.view("sd-turbo").message
        assert (local.folder_of("sd-turbo") / COMPLETE_MARKER).is_file()
        assert hub.requests  # the files came from the loopback hub
        # The download's end asks the embedded API again: the model is ready, Generate is offered.
        qtbot.waitUntil(lambda: form.model.currentText() == "SD-Turbo (on this computer)", timeout=20000)
        qtbot.keyClicks(form.prompt, PROMPT)
        assert form.generate.isEnabled(), form.reason.text()
        shoot_model_list(qtbot, form, screenshot_dir / "studio-models-local-ready.png")
        qtbot.mouseClick(form.generate, Qt.MouseButton.LeftButton)

        # The spawned worker imports torch and diffusers, then runs one step of the tiny pipeline.
        qtbot.waitUntil(lambda: page.gallery_panel.model.rowCount() == 1, timeout=120000)
        record = page.gallery_panel.model.record(0)
        stored = read_metadata(record.path)
        assert (stored.prompt, stored.model) == (PROMPT, "sd-turbo")
        assert stored.seed is not None
        with Image.open(record.path) as image:
            assert image.format == "PNG" and image.size == (512, 512)
            assert image.text["prompt"] == PROMPT  # type: ignore[attr-defined]
    finally:
        page.shutdown()
