"""Settings → Studio on the real embedded Studio API: each engine's state, Find local servers, a managed
model downloaded from a loopback hub (progress, Cancel, Resume), and a Studio fix landing on its part."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.context import AppContext
from app.services.studio.connection import ConnectionState
from app.views.settings.page import SettingsPage
from modal_app.contract import COMPLETE_MARKER
from tests.fakes.chat_servers import ServerThread, free_port
from tests.fakes.comfyui_fake import ComfyState, comfyui_app
from tests.fakes.hf_hub_fake import HubLog, HubRepo, hub_app
from tests.fakes.openai_images_fake import GOOD_KEY
from tests.studio.test_model_download import MODEL, repo_files

GENERATOR_INSTALLED = all(importlib.util.find_spec(name) for name in ("torch", "diffusers", "transformers"))


@pytest.fixture
def engines_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """ComfyUI answers on loopback; nothing listens where AUTOMATIC1111 is looked for."""
    server = ServerThread(comfyui_app(ComfyState())).start()
    monkeypatch.setenv("AMETHYST_COMFYUI_URL", server.url)
    monkeypatch.setenv("AMETHYST_A1111_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("AMETHYST_LOCAL_IMAGE_MODEL", raising=False)
    yield server.url
    server.stop()


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[HubRepo, HubLog]]:
    repo, log = HubRepo(repo_files()), HubLog()
    server = ServerThread(hub_app({MODEL.repo: repo}, log)).start()
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    yield repo, log
    log.release.set()  # a body held for a test ends with the server
    server.stop()


def open_settings(qtbot, context: AppContext) -> SettingsPage:  # type: ignore[no-untyped-def]
    page = SettingsPage(context)
    qtbot.addWidget(page)
    page.resize(960, 1200)
    page.show()
    context.studio.start_reconnect()
    qtbot.waitUntil(lambda: context.studio.state == ConnectionState.CONNECTED, timeout=30000)
    states = context.studio_engine_states
    states.refresh()
    qtbot.waitUntil(lambda: not states.busy and len(states.rows) >= 5, timeout=20000)
    return page


def labels(context: AppContext) -> dict[str, str]:
    return {row.id: row.label for row in context.studio_engine_states.rows}


def shoot(page: SettingsPage, screenshot_dir: Path, name: str) -> None:
    page.scroll_area.ensureWidgetVisible(page.studio)
    assert page.studio.grab().save(str(screenshot_dir / name))


def test_engine_states_find_servers_and_the_fix_lands_on_its_part(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, engines_env: str, screenshot_dir: Path
) -> None:
    page = open_settings(qtbot, context)
    found = labels(context)
    assert found["openai"] == "Needs key" and found["gemini"] == "Needs key"
    assert found["comfyui"] == "Ready" and found["a1111"] == "Not found"
    assert found["local"] == ("Not downloaded" if GENERATOR_INSTALLED else "Not installed")
    a1111 = next(row for row in context.studio_engine_states.rows if row.id == "a1111")
    assert "not found at http://127.0.0.1:" in a1111.detail and a1111.fix is not None
    _name, state, detail, button = page.studio.engines.lines["openai"]
    assert button.text() == "Add key" and "API key" in detail.text() and state.text() == "Needs key"
    shoot(page, screenshot_dir, "settings-studio-newcomer.png")

    context.secrets.set("provider:openai", GOOD_KEY)  # the key is added in Settings → API keys
    qtbot.mouseClick(page.studio.engines.find_servers, Qt.MouseButton.LeftButton)  # and the person looks again
    qtbot.waitUntil(lambda: labels(context).get("openai") == "Ready", timeout=20000)
    assert labels(context)["gemini"] == "Needs key"

    # The Studio's one-click fixes: {"section": "studio", "detail": …} focuses the part it names.
    page.window().activateWindow()
    page.activate({"section": "studio", "detail": "sd-turbo"})
    qtbot.waitUntil(lambda: page.studio.local.rows["sd-turbo"].action.hasFocus())
    page.activate({"section": "studio", "detail": "a1111"})
    qtbot.waitUntil(lambda: page.studio.engines.lines["a1111"][3].hasFocus())


def test_download_a_managed_model_with_progress_cancel_and_resume(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, engines_env: str, hub, screenshot_dir: Path
) -> None:
    repo, log = hub
    page = open_settings(qtbot, context)
    local = context.studio_local_models
    row = page.studio.local.rows["sd-turbo"]
    qtbot.waitUntil(lambda: local.missing is not None)
    assert row.action.text() == "Download" and "Not downloaded" in row.status.text()
    assert "GB" in row.facts.text() and "Stability AI Community License" in row.facts.text()
    assert "runs on a CPU" in row.facts.text()
    assert "needs a GPU with 24 GB" in page.studio.local.rows["flux-schnell"].facts.text()
    libraries = page.studio.local.libraries.text()
    assert ("installed" in libraries) if GENERATOR_INSTALLED else ("amethyst[generator]" in libraries)

    log.hold_after = 1_000_000  # the hub stops part-way, so the download is still running when Cancel is pressed
    qtbot.mouseClick(row.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: local.view("sd-turbo").done > 600_000, timeout=20000)
    assert row.action.text() == "Cancel" and row.bar.isVisible() and "%" in row.status.text()
    qtbot.waitUntil(lambda: labels(context)["local"].startswith("Downloading"), timeout=5000)
    shoot(page, screenshot_dir, "settings-studio-downloading.png")

    qtbot.mouseClick(row.action, Qt.MouseButton.LeftButton)  # Cancel
    qtbot.waitUntil(lambda: local.view("sd-turbo").status == "partial", timeout=20000)
    assert row.action.text() == "Resume" and "Paused at" in row.status.text()
    shoot(page, screenshot_dir, "settings-studio-paused.png")
    kept = local.view("sd-turbo").done
    assert kept > 0 and not (local.folder_of("sd-turbo") / COMPLETE_MARKER).exists()

    log.sent = 0
    log.release.set()
    qtbot.mouseClick(row.action, Qt.MouseButton.LeftButton)  # Resume
    qtbot.waitUntil(lambda: local.view("sd-turbo").status == "complete", timeout=30000)
    assert "Downloaded" in row.status.text() and not row.action.isVisible()
    assert (local.folder_of("sd-turbo") / COMPLETE_MARKER).is_file()
    assert log.sent < sum(len(data) for data in repo.files.values())  # resumed, not started over
    if GENERATOR_INSTALLED:
        qtbot.waitUntil(lambda: labels(context)["local"] == "Ready", timeout=20000)
    shoot(page, screenshot_dir, "settings-studio-downloaded.png")


def test_a_gated_model_says_what_to_do(qtbot, context: AppContext, engines_env: str, hub) -> None:  # type: ignore[no-untyped-def]
    repo, _log = hub
    repo.gated = True
    page = open_settings(qtbot, context)
    row = page.studio.local.rows["sd-turbo"]
    qtbot.mouseClick(row.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: context.studio_local_models.view("sd-turbo").status == "failed", timeout=20000)
    assert "accept the terms" in row.status.text() and MODEL.repo in row.status.text()
    assert row.action.text() == "Try again"
