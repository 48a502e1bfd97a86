"""Everyday polish (issue 12), each observed on real widgets: the first window fits the screen, combo boxes
show an arrow and open from the whole field, the selected sidebar item keeps its place, one check-box
style, toasts keep off the composer, stale and stray texts go, the detail panel keeps its card colour."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QCheckBox, QComboBox, QListWidget, QListWidgetItem

from app.context import AppContext
from app.views.main_window import MainWindow
from app.views.settings.connection_section import ConnectionSection
from app.views.theme import PALETTE
from app.views.window_geometry import MINIMUM, first_geometry, fits_a_screen

SCREEN_1366 = QRect(0, 0, 1366, 728)  # a 1366×768 screen less a 40 px task bar


def _near(colour: QColor, hex_colour: str, tolerance: int = 40) -> bool:
    other = QColor(hex_colour)
    return all(abs(a - b) <= tolerance for a, b in zip(colour.getRgb()[:3], other.getRgb()[:3], strict=True))


def _columns_with(image: QImage, hex_colour: str, tolerance: int = 40) -> list[int]:
    return sorted(
        {
            x
            for x in range(image.width())
            for y in range(image.height())
            if _near(image.pixelColor(x, y), hex_colour, tolerance)
        }
    )


# --- the first window ---------------------------------------------------------------------------------


def test_the_first_window_fits_a_1366_by_768_screen(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    rect = first_geometry(SCREEN_1366)
    assert SCREEN_1366.contains(rect) and rect.width() >= MINIMUM.width() and rect.height() >= MINIMUM.height()
    assert MINIMUM.width() <= 1280 and MINIMUM.height() + 32 <= 720 - 40  # the minimum fits 1280×720, framed
    big = first_geometry(QRect(0, 0, 1920, 1040))
    assert (big.width(), big.height()) == (1440, 900) and big.center() == QRect(0, 0, 1920, 1040).center()
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.setGeometry(rect)
    window.show()
    qtbot.waitExposed(window)
    settings = window.sidebar.buttons["settings"]
    bottom = settings.mapTo(window, settings.rect().bottomLeft()).y()
    assert settings.isVisible() and bottom <= window.height()  # the sidebar's last entry is on screen


def test_a_saved_geometry_is_used_only_when_it_fits_a_connected_screen(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    assert fits_a_screen(QRect(100, 80, 1200, 700), [QRect(0, 0, 1920, 1040)])
    assert not fits_a_screen(QRect(2100, 80, 1200, 700), [QRect(0, 0, 1920, 1040)])  # on a monitor now gone
    first = MainWindow(context)
    qtbot.addWidget(first)
    first.setGeometry(QRect(4000, 3000, 1000, 640))  # where an unplugged second monitor was
    first.save_state()
    again = MainWindow(context)
    qtbot.addWidget(again)
    screen = again.screen().availableGeometry()
    assert again.geometry().left() < screen.right() and again.geometry().top() < screen.bottom()


# --- combo boxes, check boxes, sidebar ----------------------------------------------------------------


def test_combo_boxes_draw_a_drop_down_arrow(qtbot) -> None:  # type: ignore[no-untyped-def]
    combo = QComboBox()
    combo.addItems(["Relevance", "Price"])
    qtbot.addWidget(combo)
    combo.resize(200, 32)
    combo.show()
    qtbot.waitExposed(combo)
    image = combo.grab().toImage()
    arrow = [x for x in _columns_with(image, PALETTE.muted, 30) if x > 200 - 30]
    assert arrow, "no arrow drawn in the drop-down area"


def test_the_chat_model_field_opens_its_list_from_anywhere(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    from app.views.chat.page import ChatPage

    page = ChatPage(context)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitUntil(lambda: page.params.model.count() > 0)
    field = page.params.model.lineEdit()
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton, pos=QPoint(12, field.height() // 2))
    qtbot.waitUntil(lambda: page.params.model.view().isVisible())
    page.params.model.hidePopup()
    page.shutdown()


def test_one_check_box_style(qtbot) -> None:  # type: ignore[no-untyped-def]
    box = QCheckBox("Temperature")
    box.setChecked(True)
    listed = QListWidget()
    item = QListWidgetItem("OpenAI")
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(Qt.CheckState.Checked)
    listed.addItem(item)
    for widget in (box, listed):
        qtbot.addWidget(widget)
        widget.resize(200, 40)
        widget.show()
    qtbot.waitExposed(listed)

    def indicator_width(image: QImage) -> int:
        columns = _columns_with(image, PALETTE.accent, 25)
        return columns[-1] - columns[0] + 1 if columns else 0

    in_box, in_list = indicator_width(box.grab().toImage()), indicator_width(listed.viewport().grab().toImage())
    assert in_box >= 16 and abs(in_box - in_list) <= 1, (in_box, in_list)  # the same box, give or take antialiasing


def test_the_selected_sidebar_item_does_not_shift(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    button = window.sidebar.buttons["chat"]

    def icon_left_edge() -> int:
        """The first column past the accent edge that is clearly brighter (luminance) than the background:
        the purple edge is not, the icon (grey or white) is."""
        image = button.grab().toImage()

        def luminance(x: int, y: int) -> float:
            colour = image.pixelColor(x, y)
            return 0.299 * colour.red() + 0.587 * colour.green() + 0.114 * colour.blue()

        background = luminance(image.width() - 3, image.height() // 2)
        for x in range(4, image.width()):
            if any(luminance(x, y) > background + 90 for y in range(image.height())):
                return x
        raise AssertionError("nothing drawn")

    window.sidebar.set_current("marketplace")
    unselected = icon_left_edge()
    window.sidebar.set_current("chat")

    def icon_in_place() -> None:  # once the restyle posted by the selection ran, however long it takes
        # Within antialiasing (the selected icon is brighter); the 3 px accent edge used to push it right.
        assert abs(icon_left_edge() - unselected) <= 1, (unselected, icon_left_edge())

    qtbot.waitUntil(icon_in_place)


# --- texts and panels -----------------------------------------------------------------------------------


def test_toasts_keep_off_the_chat_composer(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(context, open_initial_place=False)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.open_place("chat")
    qtbot.waitExposed(window)
    toast = window.show_toast("Sending…", "Your message is on its way.")
    composer = window.page("chat").composer  # type: ignore[attr-defined]
    toast_box = QRect(toast.mapTo(window, QPoint(0, 0)), toast.size())
    composer_box = QRect(composer.mapTo(window, QPoint(0, 0)), composer.size())
    assert not toast_box.intersects(composer_box)
    assert toast_box.top() >= window.header.height()


def test_the_cloud_address_error_goes_when_local_is_chosen(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    section = ConnectionSection(context.settings)
    qtbot.addWidget(section)
    section.show()
    section.cloud.setChecked(True)
    section.url.clear()
    qtbot.mouseClick(section.apply_button, Qt.MouseButton.LeftButton)
    assert section.message.text() == "Enter the address of your Studio API." and section.message.isVisible()
    section.local.setChecked(True)
    assert section.message.text() == "" and not section.message.isVisible()


def test_the_gallery_write_a_prompt_button_goes_once_a_prompt_is_written(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    from app.views.studio.gallery_panel import GalleryPanel

    panel = GalleryPanel(context.gallery, context.tasks, PALETTE.accent)
    qtbot.addWidget(panel)
    panel.show()
    button = panel.empty.action_button
    assert button is not None and not button.isHidden()
    panel.set_prompt_written(True)
    assert button.isHidden()
    panel.set_prompt_written(False)
    assert not button.isHidden()


def test_the_marketplace_detail_panel_keeps_the_card_colour(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    page = window.page("marketplace")
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=15000)  # type: ignore[attr-defined]
    page.grid.setCurrentIndex(page.model.index(0, 0))  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: page.detail.entry is not None)  # type: ignore[attr-defined]
    detail = page.detail  # type: ignore[attr-defined]

    def card_coloured() -> None:  # once the posted layout passes ran, however long they take
        image = detail.grab().toImage()
        middle = image.pixelColor(image.width() // 2, image.height() - 6)
        assert _near(middle, PALETTE.surface, 6), middle.name()  # the card colour, not the window's black
        bottom_edge = image.pixelColor(image.width() // 2, image.height() - 1)
        assert _near(bottom_edge, PALETTE.border, 12), bottom_edge.name()  # the border's bottom edge is drawn

    qtbot.waitUntil(card_coloured)
