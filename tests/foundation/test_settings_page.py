import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.context import AppContext
from app.log import configure_logging
from app.views.settings.connection_section import validate_api_url
from app.views.settings.page import SettingsPage
from tests.fakes.memory_keyring import MemoryKeyring

KEY = "gsk_abcdefghijklmnopqrstuvwxyz0123"


def make_page(context: AppContext, qtbot) -> SettingsPage:
    page = SettingsPage(context)
    qtbot.addWidget(page)
    page.resize(1000, 800)
    page.show()
    return page


def test_add_replace_and_delete_a_key_with_undo(context: AppContext, memory_keyring: MemoryKeyring, qtbot) -> None:
    page = make_page(context, qtbot)
    row = page.keys.rows["groq"]
    assert row.status.text() == "No key"
    qtbot.mouseClick(row.edit_button, Qt.MouseButton.LeftButton)
    assert row.editor.isVisible()
    assert row.editor.echoMode() == row.editor.EchoMode.Password
    qtbot.keyClicks(row.editor, KEY)
    qtbot.mouseClick(row.save_button, Qt.MouseButton.LeftButton)
    assert memory_keyring.store[("Amethyst", "provider:groq")] == KEY
    assert row.status.text() == "gsk_…0123"
    assert row.edit_button.text() == "Replace"

    qtbot.mouseClick(row.edit_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(row.editor, "gsk_replacementreplacement9999")
    qtbot.keyClick(row.editor, Qt.Key.Key_Return)
    assert memory_keyring.store[("Amethyst", "provider:groq")] == "gsk_replacementreplacement9999"

    qtbot.mouseClick(row.delete_button, Qt.MouseButton.LeftButton)
    assert ("Amethyst", "provider:groq") not in memory_keyring.store
    assert row.status.text() == "No key"
    toast = page.keys.undo_toast
    assert toast is not None and toast.action_button is not None
    qtbot.mouseClick(toast.action_button, Qt.MouseButton.LeftButton)
    assert memory_keyring.store[("Amethyst", "provider:groq")] == "gsk_replacementreplacement9999"
    assert row.status.text() == "gsk_…9999"


def test_bad_key_input_is_explained_and_nothing_stored(
    context: AppContext, memory_keyring: MemoryKeyring, qtbot
) -> None:
    page = make_page(context, qtbot)
    row = page.keys.rows["openai"]
    qtbot.mouseClick(row.edit_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(row.save_button, Qt.MouseButton.LeftButton)
    assert "Paste a key" in row.error.text()
    qtbot.keyClicks(row.editor, "sk-two words")
    qtbot.mouseClick(row.save_button, Qt.MouseButton.LeftButton)
    assert "no spaces" in row.error.text()
    assert memory_keyring.store == {}
    qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    assert not row.editor.isVisible()


def test_keyring_backend_is_named(context: AppContext, qtbot) -> None:
    page = make_page(context, qtbot)
    assert "In-memory keyring (tests)" in page.keys.backend.text()


def test_connection_switches_to_cloud_only_with_a_valid_url(context: AppContext, qtbot) -> None:
    page = make_page(context, qtbot)
    section = page.connection
    assert section.local.isChecked() and not section.url.isEnabled()
    section.cloud.setChecked(True)
    qtbot.keyClicks(section.url, "ftp://nope")
    qtbot.mouseClick(section.apply_button, Qt.MouseButton.LeftButton)
    assert "https://" in section.message.text()
    assert context.settings.get("connection.kind") == "local"
    section.url.setText("https://me--amethyst.modal.run/")
    with qtbot.waitSignal(section.changed):
        qtbot.mouseClick(section.apply_button, Qt.MouseButton.LeftButton)
    assert context.settings.get("connection.kind") == "cloud"
    assert context.settings.get("connection.cloud_url") == "https://me--amethyst.modal.run"
    with qtbot.waitSignal(section.changed):
        section.local.setChecked(True)
    assert context.settings.get("connection.kind") == "local"


def test_validate_api_url() -> None:
    assert validate_api_url("https://x.modal.run") is None
    assert validate_api_url("http://127.0.0.1:8000") is None
    assert validate_api_url("") is not None
    assert "https" in (validate_api_url("http://example.com") or "")


def test_accent_and_close_to_tray_are_saved(context: AppContext, qtbot) -> None:
    page = make_page(context, qtbot)
    swatch = next(b for b in page.general.swatches.buttons() if b.toolTip() == "#c026d3")
    qtbot.mouseClick(swatch, Qt.MouseButton.LeftButton)
    assert context.settings.get("appearance.accent") == "#c026d3"
    assert "#c026d3" in QApplication.instance().styleSheet()
    page.general.close_to_tray.setChecked(False)
    assert context.settings.get("general.close_to_tray") is False
    assert page.general.folder.text() == str(context.paths.data_dir)
    page.general.set_accent("#9333ea")


def test_log_viewer_shows_filters_and_refreshes(context: AppContext, qtbot) -> None:
    context.log_file = configure_logging(context.paths.data_dir, context.redactor)
    logging.getLogger("viewer").warning("disk nearly full")
    logging.getLogger("viewer").info("ordinary day")
    page = make_page(context, qtbot)
    viewer = page.log_viewer
    text = viewer.text.toPlainText()
    assert "disk nearly full" in text and "ordinary day" in text
    viewer.level.setCurrentText("WARNING")
    assert "ordinary day" not in viewer.text.toPlainText()
    assert "disk nearly full" in viewer.text.toPlainText()
    viewer.level.setCurrentIndex(0)
    qtbot.keyClicks(viewer.filter, "ordinary")
    assert viewer.text.toPlainText().count("\n") == 0 and "ordinary day" in viewer.text.toPlainText()
    logging.getLogger("viewer").info("ordinary again")
    qtbot.mouseClick(viewer.refresh_button, Qt.MouseButton.LeftButton)
    assert "ordinary again" in viewer.text.toPlainText()


def test_settings_notices_are_shown(paths, memory_keyring, qtbot) -> None:
    paths.settings_file.write_text("{broken")
    from app.context import build_context

    context = build_context(paths, keyring_backend=memory_keyring, environ={})
    page = make_page(context, qtbot)
    assert page.notices.isVisible()
    assert "could not be read" in page.notices.text()


def test_enhance_model_is_chosen_in_the_studio_section(context: AppContext, qtbot) -> None:
    page = make_page(context, qtbot)
    section = page.studio
    assert section.provider.currentData() == "" and not section.model.isEnabled()
    section.provider.setCurrentIndex(section.provider.findData("groq"))
    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    assert "model's id" in section.message.text()
    assert context.settings.get("studio.enhance_model") == ""
    qtbot.keyClicks(section.model, "llama-3.1-8b-instant")
    qtbot.keyClick(section.model, Qt.Key.Key_Return)
    assert context.settings.get("studio.enhance_model") == "groq/llama-3.1-8b-instant"
    section.provider.setCurrentIndex(0)
    qtbot.mouseClick(section.save_button, Qt.MouseButton.LeftButton)
    assert context.settings.get("studio.enhance_model") == ""


def test_without_a_keyring_the_page_says_so_and_offers_no_save(paths, qtbot) -> None:
    from keyring.backends.fail import Keyring as NoKeyring

    from app.context import build_context

    context = build_context(paths, keyring_backend=NoKeyring(), environ={})
    page = make_page(context, qtbot)
    page.resize(760, 600)
    assert "No system keyring is available" in page.keys.backend.text()
    assert page.keys.backend.wordWrap()
    assert not page.keys.rows["openai"].edit_button.isEnabled()
    # once the posted layout passes ran, however long they take
    qtbot.waitUntil(lambda: page.scroll_area.widget().minimumSizeHint().width() <= page.scroll_area.viewport().width())


def test_default_image_model_names_each_engine_once_and_says_what_is_not_ready() -> None:
    from types import SimpleNamespace

    from app.views.settings.studio_section import model_label

    a1111 = SimpleNamespace(name="AUTOMATIC1111 / Forge (current model)", engine="a1111", ready=True)
    assert model_label(a1111) == "AUTOMATIC1111 / Forge (current model)"
    qwen = SimpleNamespace(name="Qwen-Image", engine="modal", ready=True)
    assert model_label(qwen).startswith("Qwen-Image · ") and model_label(qwen) != "Qwen-Image · "
    missing = SimpleNamespace(name="ComfyUI (current workflow)", engine="comfyui", ready=False)
    assert model_label(missing) == "ComfyUI (current workflow) (not ready)"
    unserved = SimpleNamespace(name="Gemini 3 Pro Image", engine="", ready=False)
    assert model_label(unserved) == "Gemini 3 Pro Image (not ready)"
