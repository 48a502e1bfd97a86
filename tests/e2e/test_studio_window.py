"""The Studio inside the real main window: nothing clipped at common sizes, a notification click opens
its own job's result, and a local connection without an image model says so before Generate."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLayout, QStackedLayout, QWidget

from app.__main__ import start_studio
from app.context import AppContext
from app.services.clients.studio_types import ImageRequest, JobState
from app.services.studio.connection import ConnectionState
from app.views.main_window import MainWindow
from app.views.sidebar import SidebarMode
from app.views.studio.page import StudioPage
from app.views.tray import TrayController
from modal_app.compute.local_compute import NO_LOCAL_MODEL, LocalImageCompute
from tests.fakes.image_compute import FakeImageCompute
from tests.studio.embedded import EmbeddedApi
from tests.studio.page_harness import use_api

LONG_PROMPT = "A lighthouse at dusk, volumetric light, 35mm film, rolling fog over black basalt rocks"


@pytest.fixture
def window_for(qtbot, qloop, context: AppContext) -> Iterator:  # type: ignore[no-untyped-def]
    windows: list[MainWindow] = []

    def make(api: EmbeddedApi) -> tuple[MainWindow, StudioPage]:
        use_api(context, api)
        window = MainWindow(context, open_initial_place=False)
        qtbot.addWidget(window)
        window.sidebar.set_mode(SidebarMode.EXPANDED)
        window.resize(1280, 800)
        window.show()
        window.open_place("studio")
        page = window.page("studio")
        assert isinstance(page, StudioPage)
        start_studio(window, context)  # what the app does once its first place is shown
        qtbot.waitUntil(lambda: context.studio.state == ConnectionState.CONNECTED, timeout=20000)
        qtbot.waitUntil(lambda: page.form.model.count() > 0)
        windows.append(window)
        return window, page

    yield make
    for window in windows:
        window.page("studio").shutdown()  # type: ignore[attr-defined]


def submit(qtbot, page: StudioPage, request: ImageRequest) -> None:  # type: ignore[no-untyped-def]
    done = asyncio.ensure_future(page.jobs.submit(request))
    qtbot.waitUntil(done.done, timeout=10000)
    done.result()


def clipped_children(page: QWidget) -> list[str]:
    """Visible widgets that stick out of the page, or out of their parent (cut off by it). Content
    inside a scroll area may run past the bottom of its viewport, never past its sides."""
    problems = []
    bounds = page.rect()
    for child in page.findChildren(QWidget):
        if not child.isVisibleTo(page) or child.isWindow():
            continue
        parent = child.parentWidget()
        in_viewport = (
            isinstance(parent.parentWidget(), QAbstractScrollArea)
            and parent is getattr(parent.parentWidget(), "viewport", lambda: None)()
        )
        name = f"{type(child).__name__}({child.objectName() or getattr(child, 'text', lambda: '')()!r})"
        if in_viewport:
            if child.x() < 0 or child.geometry().right() > parent.width() - 1:
                problems.append(f"{name} runs past the sides of its scroll area: {child.geometry()} in {parent.size()}")
            continue
        inside_scroll = any(isinstance(ancestor, QAbstractScrollArea) for ancestor in _ancestors(child, page))
        if not parent.rect().contains(child.geometry()):
            problems.append(f"{name} is cut by its parent {type(parent).__name__}: {child.geometry()}")
        if not inside_scroll:
            mapped = QRect(child.mapTo(page, child.rect().topLeft()), child.size())
            if not bounds.contains(mapped):
                problems.append(f"{name} extends outside the page: {mapped} vs {bounds}")
    return problems


def overlapping_siblings(page: QWidget) -> list[str]:
    """Visible widgets placed by the same layout that overlap: a layout squeezed below its minimum."""
    problems = []
    for owner in [page, *page.findChildren(QWidget)]:
        layout = owner.layout()
        if layout is None or (owner is not page and not owner.isVisibleTo(page)):
            continue
        placed = [w for w in _layout_widgets(layout) if w.isVisibleTo(page) and w.width() > 0]
        for index, first in enumerate(placed):
            for second in placed[index + 1 :]:
                if first.geometry().intersects(second.geometry()):
                    problems.append(f"{_name(first)} {first.geometry()} overlaps {_name(second)} {second.geometry()}")
    return problems


def _layout_widgets(layout: QLayout) -> Iterator[QWidget]:
    if isinstance(layout, QStackedLayout):
        return
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item.widget() is not None:
            yield item.widget()
        elif item.layout() is not None:
            yield from _layout_widgets(item.layout())


def _name(widget: QWidget) -> str:
    text = getattr(widget, "text", None)
    label = text() if callable(text) else widget.objectName()
    return f"{type(widget).__name__}({str(label)[:30]!r})"


def _ancestors(widget: QWidget, stop: QWidget) -> Iterator[QWidget]:
    current = widget.parentWidget()
    while current is not None and current is not stop:
        yield current
        current = current.parentWidget()


def test_queue_rows_wrap_long_errors_at_every_width(window_for, qtbot, screenshot_dir: Path) -> None:  # type: ignore[no-untyped-def]
    compute = FakeImageCompute(hold=True)
    window, page = window_for(EmbeddedApi(compute))
    submit(qtbot, page, ImageRequest(model="qwen-image-lightning", prompt=LONG_PROMPT, count=2, seed=7))
    submit(qtbot, page, ImageRequest(model="flux-schnell", prompt="A cat that will not render", seed=8))
    submit(qtbot, page, ImageRequest(model="flux-schnell", prompt="Aurora over a frozen lake", seed=9))
    qtbot.waitUntil(lambda: len(compute.held()) == 3, timeout=10000)
    first, second, _third = compute.held()
    compute.finish(first)
    compute.fail(second, NO_LOCAL_MODEL)
    qtbot.waitUntil(lambda: sum(job.state.terminal for job in page.jobs.jobs) == 2, timeout=10000)
    qtbot.waitUntil(lambda: page.gallery_panel.model.rowCount() == 2, timeout=10000)
    failed = next(row for row in page.queue.rows.values() if row.job.state == JobState.FAILED)
    assert failed.error.text() == NO_LOCAL_MODEL and failed.error.isVisibleTo(page)

    for width, height in ((1280, 800), (960, 620), (1920, 1080)):
        window.resize(width, height)
        qtbot.waitUntil(lambda w=width: window.width() == w)

        def laid_out(width: int = width, height: int = height) -> None:  # once the posted layout passes ran
            assert clipped_children(page) == [], (width, height)
            assert overlapping_siblings(page) == [], (width, height)
            row_box = QRect(failed.mapTo(page.queue, failed.rect().topLeft()), failed.size())
            # The row (it may scroll vertically) keeps its right edge and border inside the queue card.
            assert row_box.left() > 0 and row_box.right() < page.queue.width() - 1, (width, row_box, page.queue.rect())
            # The error's lines all fit: the label is as tall as its wrapped text needs.
            assert failed.error.height() >= failed.error.heightForWidth(failed.error.width())

        qtbot.waitUntil(laid_out)
        if width != 1920:
            page.left.ensureWidgetVisible(page.queue)  # a short window scrolls the form and queue together
            page.queue.scroll_area.ensureWidgetVisible(failed)
            qtbot.wait(20)
            assert window.grab().save(str(screenshot_dir / f"studio-window-{width}x{height}.png"))


def test_notification_click_opens_that_jobs_images(window_for, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    compute = FakeImageCompute(hold=True)
    window, page = window_for(EmbeddedApi(compute))
    tray = TrayController(window, page.context.notifier, use_tray=True)
    assert tray.tray is not None
    monkeypatch.setattr(tray.tray, "showMessage", lambda *args: None)
    submit(qtbot, page, ImageRequest(model="flux-schnell", prompt="first: a red fox", seed=1))
    submit(qtbot, page, ImageRequest(model="flux-schnell", prompt="second: a blue whale", seed=2))
    qtbot.waitUntil(lambda: len(compute.held()) == 2, timeout=10000)
    window.open_place("settings")  # the person works elsewhere while both finish
    first_call, second_call = compute.held()
    with qtbot.waitSignal(page.context.notifier.notified, timeout=10000) as first_message:
        compute.finish(first_call)
    clicked_payload = first_message.args[3]
    with qtbot.waitSignal(page.context.notifier.notified, timeout=10000):
        compute.finish(second_call)
    first_job = next(job for job in page.jobs.jobs if job.request.prompt.startswith("first"))
    assert clicked_payload == {"job": first_job.server_id}

    tray._pending = ("studio", clicked_payload)  # the first message is the one clicked
    tray.tray.messageClicked.emit()
    assert window.current_place == "studio"
    qtbot.waitUntil(lambda: page.right.currentWidget() is page.detail)
    assert page.detail.record is not None and page.detail.record.prompt == "first: a red fox"

    # The toast fallback carries the payload too.
    page.show_gallery()
    window.open_place("settings")
    toast_tray = TrayController(window, page.context.notifier, use_tray=False)
    toast_tray.notify("1 image ready", "first: a red fox", "studio", clicked_payload)
    from app.views.widgets.toast import Toast

    toast = [t for t in window.findChildren(Toast) if t.title_label.text() == "1 image ready"][-1]
    qtbot.mouseClick(toast, Qt.MouseButton.LeftButton)
    assert window.current_place == "studio"
    assert page.right.currentWidget() is page.detail and page.detail.record.prompt == "first: a red fox"


def test_local_without_image_model_says_so_before_generate(window_for, qtbot, screenshot_dir: Path) -> None:  # type: ignore[no-untyped-def]
    window, page = window_for(EmbeddedApi(LocalImageCompute(None)))  # type: ignore[arg-type]
    form = page.form
    qtbot.keyClicks(form.prompt, "a lighthouse at dusk")
    qtbot.waitUntil(lambda: form.use_cloud.isVisible())
    assert not form.generate.isEnabled()
    assert "AMETHYST_LOCAL_IMAGE_MODEL" in form.reason.text() and form.reason.text().startswith("No local")
    assert clipped_children(page) == [] and overlapping_siblings(page) == []
    assert window.grab().save(str(screenshot_dir / "studio-no-local-model.png"))
    qtbot.mouseClick(form.use_cloud, Qt.MouseButton.LeftButton)
    assert window.current_place == "settings"
