"""A newcomer's first image on the Local connection, in the real main window with the real embedded Studio API.

Nothing is set up: no provider key, no ComfyUI or AUTOMATIC1111 (their URLs point at closed loopback ports),
no managed model downloaded. The Studio must say which engines exist and how to enable each, and keep Generate
disabled with the reason. Then the person follows the one-click fix to Settings → API keys, pastes an OpenAI
key (the in-memory keyring of the tests), picks GPT Image 1 and generates: the embedded API's OpenAI engine
(the real ``openai`` SDK, pointed at a loopback fake of the Images API by ``AMETHYST_OPENAI_BASE_URL``, which
``EngineSettings.from_env`` reads) makes the image, and it lands in the gallery with its metadata. The key is
then in no file under the data folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPixmap

from app.__main__ import start_studio
from app.context import AppContext
from app.services.gallery.metadata import read_metadata
from app.services.studio.connection import ConnectionState
from app.views.main_window import MainWindow
from app.views.settings.page import SettingsPage
from app.views.sidebar import SidebarMode
from app.views.studio.model_list import MODEL_ROLE
from app.views.studio.page import StudioPage
from app.views.studio.prompt_form import PromptForm
from modal_app.compute.managed import missing_libraries
from tests.fakes.chat_servers import ServerThread, free_port
from tests.fakes.images_common import Seen
from tests.fakes.openai_images_fake import GOOD_KEY, openai_images_app

PROMPT = "a lighthouse at dusk"


@pytest.fixture
def newcomer_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Seen]:
    """The embedded API's engines as on a fresh computer, except that OpenAI's Images API is a loopback fake."""
    seen = Seen()
    server = ServerThread(openai_images_app(seen)).start()
    monkeypatch.setenv("AMETHYST_OPENAI_BASE_URL", f"{server.url}/v1")
    monkeypatch.setenv("AMETHYST_GOOGLE_BASE_URL", f"http://127.0.0.1:{free_port()}")  # never reached
    monkeypatch.setenv("AMETHYST_COMFYUI_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.setenv("AMETHYST_A1111_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("AMETHYST_LOCAL_IMAGE_MODEL", raising=False)
    for name in ("OPENAI_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY"):  # never read on the Local connection
        monkeypatch.delenv(name, raising=False)
    yield seen
    server.stop()


@pytest.fixture
def window(qtbot, context: AppContext, newcomer_env: Seen) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    window = MainWindow(context, open_initial_place=False)
    qtbot.addWidget(window)
    window.sidebar.set_mode(SidebarMode.EXPANDED)
    window.resize(1280, 800)
    window.show()
    window.open_place("studio")
    start_studio(window, context)  # what the app does once its first place is shown
    qtbot.waitUntil(lambda: context.studio.state == ConnectionState.CONNECTED, timeout=30000)
    yield window
    studio = window.page("studio")
    assert isinstance(studio, StudioPage)
    studio.shutdown()


def shoot_model_list(qtbot, form: PromptForm, path: Path) -> None:  # type: ignore[no-untyped-def]
    """The form with its model list opened, as one picture (the list is a popup window of its own)."""
    form.model.showPopup()
    popup = form.model.view().window()
    qtbot.waitUntil(popup.isVisible)
    canvas = QPixmap(form.width() + popup.width() + 16, max(form.height(), popup.height()))
    canvas.fill(form.palette().window().color())
    painter = QPainter(canvas)
    painter.drawPixmap(0, 0, form.grab())
    painter.drawPixmap(form.width() + 16, 0, popup.grab())
    painter.end()
    form.model.hidePopup()
    assert canvas.save(str(path))


def model_rows(page: StudioPage) -> list[tuple[str, str, bool]]:
    """The model list as shown: (text, model id or "" for a heading, selectable)."""
    items = page.form.model.model()
    rows = []
    for row in range(items.rowCount()):
        index = items.index(row, 0)
        flags = items.flags(index)
        rows.append((str(index.data()), str(index.data(MODEL_ROLE) or ""), bool(flags & Qt.ItemFlag.ItemIsEnabled)))
    return rows


def test_a_newcomer_learns_how_to_enable_an_engine_then_makes_an_image_with_an_openai_key(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, window: MainWindow, newcomer_env: Seen, screenshot_dir: Path
) -> None:
    studio = window.page("studio")
    assert isinstance(studio, StudioPage)
    form = studio.form
    qtbot.waitUntil(lambda: form.model.model_count() > 0, timeout=10000)

    # Every engine is listed under its heading; each model that cannot run says why in its own row.
    rows = model_rows(studio)
    headings = [text for text, model_id, _ in rows if not model_id]
    assert headings == ["On this computer", "Google Gemini", "OpenAI", "ComfyUI", "AUTOMATIC1111 / Forge"]
    assert not any(enabled for _, model_id, enabled in rows if not model_id)  # headings are not choices
    shown = {model_id: text for text, model_id, _ in rows if model_id}
    missing = missing_libraries()  # CI without the generator's libraries: the row names what to install
    local = f"{', '.join(missing)} not installed" if missing else "not downloaded"
    assert shown["sd-turbo"] == f"SD-Turbo (on this computer) — {local}"
    assert shown["gpt-image-1"] == "GPT Image 1 — needs your OpenAI API key"
    assert shown["gemini-2.5-flash-image"] == "Gemini 2.5 Flash Image — needs your Google Gemini API key"
    assert shown["comfyui"] == "ComfyUI (your checkpoint) — not found"
    assert shown["a1111"] == "AUTOMATIC1111 / Forge (current model) — not found"
    cloud_only = local if missing else "runs on the cloud"
    assert shown["qwen-image-lightning"] == f"Qwen-Image Lightning — {cloud_only}"
    comfyui = form.model.itemData(form.model.findData("comfyui"), Qt.ItemDataRole.ToolTipRole)
    assert comfyui.startswith("ComfyUI not found at http://127.0.0.1:") and "start it" in comfyui

    # Nothing can run: Generate is disabled and the line under it says how to enable each kind of engine.
    qtbot.keyClicks(form.prompt, PROMPT)
    assert not form.generate.isEnabled()
    reason = form.reason.text()
    assert reason.startswith("No image engine is ready yet"), reason
    for how in ("OpenAI or Google key in Settings → API keys", "ComfyUI or AUTOMATIC1111", "local model"):
        assert how in reason
    assert form.use_cloud.isVisible()
    shoot_model_list(qtbot, form, screenshot_dir / "studio-models-nothing-ready.png")

    # Choosing GPT Image 1 names its one fix; the one click leads to its key in Settings → API keys.
    assert form.select_model("gpt-image-1")
    assert not form.generate.isEnabled()
    assert form.reason.text() == "GPT Image 1: needs your OpenAI API key — add it in Settings → API keys."
    assert form.fix.isVisible() and form.fix.text() == "Add key"
    qtbot.mouseClick(form.fix, Qt.MouseButton.LeftButton)
    assert window.current_place == "settings"
    settings = window.page("settings")
    assert isinstance(settings, SettingsPage)
    row = settings.keys.rows["openai"]
    assert row.editor.isVisible() and row.status.text() == "No key"
    qtbot.keyClicks(row.editor, GOOD_KEY)
    qtbot.mouseClick(row.save_button, Qt.MouseButton.LeftButton)
    assert row.status.text() != "No key" and GOOD_KEY not in row.status.text()  # shown masked

    # Back in the Studio the model is ready (the key was seen in the keyring): Generate makes the image.
    window.open_place("studio")
    qtbot.waitUntil(lambda: form.generate.isEnabled(), timeout=10000)
    assert form.model.currentData() == "gpt-image-1"
    assert form.model.currentText() == "GPT Image 1"
    shoot_model_list(qtbot, form, screenshot_dir / "studio-models-openai-ready.png")
    qtbot.mouseClick(form.generate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: studio.gallery_panel.model.rowCount() == 1, timeout=20000)
    stored = read_metadata(studio.gallery_panel.model.record(0).path)
    assert (stored.prompt, stored.model) == (PROMPT, "gpt-image-1")
    assert newcomer_env.keys == [GOOD_KEY] and newcomer_env.paths == ["/v1/images/generations"]

    # The key went to OpenAI with the job and was kept nowhere else: no file under the data folder has it.
    holding = [
        path for path in context.paths.data_dir.rglob("*") if path.is_file() and GOOD_KEY.encode() in path.read_bytes()
    ]
    assert holding == []


def test_the_get_started_card_names_studio_only_once_an_engine_is_ready(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, window: MainWindow, newcomer_env: Seen
) -> None:
    """Connected Local Studio with no engine: the card does not claim Studio works; its third way leads to
    Settings → Studio (keys, local image servers, the local model). A key later: Studio works, and says so."""
    window.open_initial_place()  # what the app does after the first paint: the card comes with it
    card = window.get_started_card
    assert card is not None and context.studio.models is not None
    qtbot.waitUntil(card.isVisible)  # the layout shows it on the next turn of the event loop
    assert card.summary.text() == "Works now: the Marketplace. For Chat and images, pick one of these:"
    tile = card.tiles["studio"]
    assert tile.title.text() == "Make images in Studio" and tile.button.text() == "Set up images"
    assert "download the local model" in tile.text.text() and "local image server" in tile.text.text()
    qtbot.mouseClick(tile.button, Qt.MouseButton.LeftButton)
    assert window.current_place == "settings"
    settings = window.page("settings")
    assert isinstance(settings, SettingsPage) and settings.studio.isVisible()

    context.secrets.set("provider:openai", GOOD_KEY)  # OpenAI's engine becomes ready on the Local connection
    qtbot.waitUntil(lambda: "Studio on this computer" in card.summary.text(), timeout=10000)
    assert card.summary.text() == "Works now: the Marketplace, Studio on this computer and Chat."
    assert tile.title.text() == "Connect a Studio account" and tile.button.text() == "Connect"
