from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication

from app.context import AppContext, build_context
from app.paths import Paths
from app.views.main_window import MainWindow
from app.views.places import PLACES
from app.views.sidebar import COLLAPSED_WIDTH, Sidebar, SidebarMode
from tests.fakes.memory_keyring import MemoryKeyring

MakeWindow = Callable[[AppContext], MainWindow]


def press_ctrl(window: MainWindow, key: Qt.Key) -> None:
    """Ctrl+key on the window's shortcut. The offscreen platform drops window activation once some pages
    are shown, so the chord is matched against the window's QShortcuts instead of sent as a key event."""
    chord = QKeySequence(Qt.KeyboardModifier.ControlModifier | key)
    matches = [s for s in window.findChildren(QShortcut) if s.key() == chord and s.isEnabled()]
    assert len(matches) == 1, f"expected one shortcut for {chord.toString()}"
    matches[0].activated.emit()


@pytest.fixture
def make_window(qtbot, qloop) -> MakeWindow:
    def make(context: AppContext) -> MainWindow:
        window = MainWindow(context)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.windowHandle().requestActivate()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        return window

    return make


def test_opens_marketplace_first_and_builds_only_that_place(context: AppContext, make_window: MakeWindow) -> None:
    window = make_window(context)
    assert window.current_place == "marketplace"
    assert window.built_places() == ["marketplace"]
    assert window.header.title.text() == "Marketplace"
    assert window.header.credits.text() == "—"


def test_navigation_by_click(context: AppContext, make_window: MakeWindow, qtbot) -> None:
    window = make_window(context)
    for spec in PLACES:
        with (
            qtbot.waitSignal(window.place_changed, check_params_cb=lambda key, k=spec.key: key == k)
            if (spec.key != window.current_place)
            else qtbot.assertNotEmitted(window.place_changed)
        ):
            qtbot.mouseClick(window.sidebar.buttons[spec.key], Qt.MouseButton.LeftButton)
        assert window.current_place == spec.key
        assert window.stack.currentWidget() is window.page(spec.key)
        assert window.header.title.text() == spec.title
        assert window.sidebar.buttons[spec.key].isChecked()


def test_navigation_by_shortcut(context: AppContext, make_window: MakeWindow, qtbot) -> None:
    window = make_window(context)
    for index, spec in [*enumerate(PLACES, start=1), (1, PLACES[0])]:
        press_ctrl(window, Qt.Key(Qt.Key.Key_0 + index))
        assert window.current_place == spec.key


def test_sidebar_collapse_by_button_and_ctrl_b(context: AppContext, make_window: MakeWindow, qtbot) -> None:
    window = make_window(context)
    sidebar = window.sidebar
    qtbot.mouseClick(sidebar.toggle_button, Qt.MouseButton.LeftButton)
    assert sidebar.mode == SidebarMode.COLLAPSED
    assert sidebar.width() == COLLAPSED_WIDTH
    assert not sidebar.brand.isVisible()
    assert sidebar.buttons["chat"].toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly
    press_ctrl(window, Qt.Key.Key_B)
    assert sidebar.mode == SidebarMode.EXPANDED
    assert sidebar.brand.isVisible()


def test_sidebar_close_and_reopen_from_header(context: AppContext, make_window: MakeWindow, qtbot) -> None:
    window = make_window(context)
    qtbot.mouseClick(window.sidebar.close_button, Qt.MouseButton.LeftButton)
    assert not window.sidebar.isVisible()
    assert window.header.sidebar_button.isVisible()
    qtbot.mouseClick(window.header.sidebar_button, Qt.MouseButton.LeftButton)
    assert window.sidebar.isVisible()
    assert window.sidebar.mode == SidebarMode.EXPANDED
    assert not window.header.sidebar_button.isVisible()


def test_sidebar_state_and_last_place_survive_a_restart(
    paths: Paths,
    memory_keyring: MemoryKeyring,
    make_window: MakeWindow,
    qtbot,
) -> None:
    first = build_context(paths, keyring_backend=memory_keyring, environ={})
    window = make_window(first)
    window.open_place("billing")
    qtbot.mouseClick(window.sidebar.close_button, Qt.MouseButton.LeftButton)
    window.close()
    first.close()

    second = build_context(paths, keyring_backend=memory_keyring, environ={})
    again = make_window(second)
    assert again.current_place == "billing"
    assert again.sidebar.mode == SidebarMode.CLOSED
    assert not again.sidebar.isVisible()
    press_ctrl(again, Qt.Key.Key_B)
    assert again.sidebar.mode == SidebarMode.EXPANDED
    second.close()


def test_a_sidebar_without_a_window_yet_is_not_a_window_of_its_own(context: AppContext, qtbot) -> None:
    """The window builds its sidebar before it has a layout to put it in: that sidebar must not open as a
    top-level window (which cost ~10 ms of the first paint); it shows with the window."""
    sidebar = Sidebar()
    qtbot.addWidget(sidebar)
    assert not sidebar.isVisible()
    window = MainWindow(context, open_initial_place=False)
    qtbot.addWidget(window)
    assert not window.sidebar.isVisible()
    window.show()
    qtbot.waitExposed(window)
    assert window.sidebar.isVisible() and window.sidebar.window() is window


def test_unknown_saved_place_falls_back_to_the_first(context: AppContext, make_window: MakeWindow) -> None:
    context.ui_state.set("place", "nowhere")
    assert make_window(context).current_place == "marketplace"


def test_navigator_switches_place_and_hands_over_the_payload(context: AppContext, make_window: MakeWindow) -> None:
    window = make_window(context)
    context.navigator.open("settings", {"section": "keys", "provider": "groq"})
    assert window.current_place == "settings"
    settings_page = window.page("settings")
    assert settings_page.keys.rows["groq"].editor.isVisible()


def test_closing_hides_to_tray_when_enabled(context: AppContext, make_window: MakeWindow, qtbot) -> None:
    window = make_window(context)
    window.tray_available = True
    event = QCloseEvent()
    window.closeEvent(event)
    assert not event.isAccepted()
    assert not window.isVisible()

    window.show()
    context.settings.set("general.close_to_tray", False)
    with qtbot.waitSignal(window.quit_requested):
        window.closeEvent(event := QCloseEvent())
    assert event.isAccepted()


def test_closing_without_a_tray_quits(context: AppContext, make_window: MakeWindow, qtbot) -> None:
    window = make_window(context)
    window.tray_available = False
    with qtbot.waitSignal(window.quit_requested):
        window.close()
