import asyncio
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.context import AppContext
from app.log import Redactor
from app.tasks import TaskRunner
from app.views.error_dialog import ErrorDialog, ExceptionHandler
from app.views.main_window import MainWindow
from app.views.tray import TrayController


def raise_and_capture() -> tuple:  # type: ignore[type-arg]
    try:
        raise ValueError("token sk-abcdefghijklmnopqrstuvwx was wrong")
    except ValueError:
        return sys.exc_info()


def test_unexpected_exception_opens_a_dialog_with_traceback_and_copy(qtbot) -> None:
    handler = ExceptionHandler(Redactor())
    handler(*raise_and_capture())
    assert len(handler.dialogs) == 1
    dialog = handler.dialogs[0]
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    assert "ValueError" in dialog.summary.text()
    details = dialog.details.toPlainText()
    assert "Traceback" in details and "raise_and_capture" in details
    assert "sk-abcdefghijklmnopqrstuvwx" not in details  # redacted
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert "raise_and_capture" in QApplication.clipboard().text()
    dialog.accept()
    assert handler.dialogs == []


def test_excepthook_is_installed_and_the_app_keeps_running(qtbot, monkeypatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    handler = ExceptionHandler(Redactor())
    handler.install()
    assert sys.excepthook is handler
    sys.excepthook(*raise_and_capture())
    assert isinstance(handler.dialogs[-1], ErrorDialog)
    for dialog in list(handler.dialogs):
        dialog.close()


def test_a_failing_background_task_is_reported(qtbot, qloop) -> None:
    handler = ExceptionHandler(Redactor())
    runner = TaskRunner(report_error=handler.report)

    async def fail() -> None:
        await asyncio.sleep(0)
        raise ConnectionError("server went away")

    runner.start("refresh-catalog", fail())
    qtbot.waitUntil(lambda: len(handler.dialogs) == 1)
    assert "refresh-catalog" in handler.dialogs[0].summary.text()
    assert "server went away" in handler.dialogs[0].summary.text()
    handler.dialogs[0].close()


def test_named_task_replaces_its_predecessor(qtbot, qloop) -> None:
    runner = TaskRunner()
    finished: list[str] = []

    async def work(label: str, delay: float) -> None:
        await asyncio.sleep(delay)
        finished.append(label)

    first = runner.start("search", work("old", 0.2))
    second = runner.start("search", work("new", 0.01))
    qtbot.waitUntil(lambda: finished == ["new"])
    assert first.cancelled()
    assert second.done()
    assert not runner.running("search")

    kept = runner.start("poll", work("poll-1", 0.05))
    same = runner.start("poll", work("poll-2", 0.0), replace=False)
    assert same is kept
    qtbot.waitUntil(lambda: "poll-1" in finished)
    assert "poll-2" not in finished


@pytest.fixture
def window(context: AppContext, qtbot) -> MainWindow:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    return window


def test_notifications_fall_back_to_a_toast_that_opens_the_place(
    context: AppContext, window: MainWindow, qtbot
) -> None:
    tray = TrayController(window, context.notifier, use_tray=False)
    assert tray.tray is None and not window.tray_available
    opened: list[tuple[str, object]] = []
    window.page("settings").activate = lambda payload: opened.append(("settings", payload))  # type: ignore[attr-defined]
    context.notifier.notify(
        "3 images ready", "Your images are in the gallery.", place="settings", payload={"section": "log"}
    )
    toasts = [t for t in window.findChildren(__import__("app.views.widgets.toast", fromlist=["Toast"]).Toast)]
    assert len(toasts) == 1
    toast = toasts[0]
    assert toast.isVisible()
    assert toast.title_label.text() == "3 images ready"
    qtbot.mouseClick(toast, Qt.MouseButton.LeftButton)
    assert window.current_place == "settings"
    assert opened == [("settings", {"section": "log"})]  # the payload travels to the place's activate()


def test_tray_menu_shows_hides_and_notifies(context: AppContext, window: MainWindow, qtbot, monkeypatch) -> None:
    tray = TrayController(window, context.notifier, use_tray=True)
    assert tray.tray is not None and window.tray_available
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(tray.tray, "showMessage", lambda title, body, *rest: shown.append((title, body)))
    with qtbot.waitSignal(context.notifier.notified) as signal:
        context.notifier.notify("Chat finished", "A long reply is ready.", place="builder")
    assert signal.args == ["Chat finished", "A long reply is ready.", "builder", {}]
    assert shown == [("Chat finished", "A long reply is ready.")]
    tray.tray.messageClicked.emit()
    assert window.current_place == "builder"
    opened: list[object] = []
    window.page("settings").activate = opened.append  # type: ignore[attr-defined]
    context.notifier.notify("Key saved", "OpenAI is ready.", place="settings", payload={"section": "keys"})
    tray.tray.messageClicked.emit()
    assert window.current_place == "settings" and opened == [{"section": "keys"}]
    tray.toggle_window()
    assert not window.isVisible()
    tray._update_menu()
    assert tray.toggle_action.text() == "Show Amethyst"
    tray.toggle_window()
    assert window.isVisible()
    with qtbot.waitSignal(window.quit_requested):
        tray.quit()
