"""The gallery in the Studio page: search, favourite, delete with undo, remix, save as, corrupt import."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.context import AppContext
from app.services.gallery import GalleryRecord, ImageMetadata
from app.services.gallery.metadata import read_metadata
from app.views.studio.page import StudioPage
from tests.fakes.image_compute import FakeImageCompute
from tests.studio.embedded import EmbeddedApi
from tests.studio.helpers import png_bytes
from tests.studio.page_harness import open_studio

PROMPTS = [
    ("a red fox in fresh snow", "flux-schnell", 11),
    ("a lighthouse at dusk", "qwen-image-lightning", 22),
    ("red panda eating bamboo", "qwen-image-lightning", 33),
]


@pytest.fixture
def page(qtbot, qloop, context: AppContext) -> Iterator[StudioPage]:  # type: ignore[no-untyped-def]
    async def fill() -> None:
        for index, (prompt, model, seed) in enumerate(PROMPTS):
            metadata = ImageMetadata(
                prompt=prompt, model=model, seed=seed, size="1K", aspect="1:1", negative_prompt="blur"
            )
            await context.gallery.save_generated(png_bytes((40 * index, 60, 200)), metadata)

    filled = asyncio.ensure_future(fill())
    qtbot.waitUntil(filled.done)
    filled.result()
    studio = open_studio(qtbot, context, EmbeddedApi(FakeImageCompute()))
    qtbot.waitUntil(lambda: studio.gallery_panel.model.rowCount() == 3, timeout=10000)
    yield studio
    studio.shutdown()


def shown_prompts(page: StudioPage) -> list[str]:
    return [record.prompt for record in page.gallery_panel.records()]


def open_record(qtbot, page: StudioPage, prompt: str) -> GalleryRecord:  # type: ignore[no-untyped-def]
    grid = page.gallery_panel.grid
    row = shown_prompts(page).index(prompt)
    rect = grid.visualRect(page.gallery_panel.model.index(row))
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: page.right.currentWidget() is page.detail)
    assert page.detail.record is not None and page.detail.record.prompt == prompt
    return page.detail.record


def test_thumbnails_arrive_and_newest_first(qtbot, page: StudioPage) -> None:  # type: ignore[no-untyped-def]
    assert shown_prompts(page) == [p for p, _, _ in reversed(PROMPTS)]
    assert page.gallery_panel.count_label.text() == "3 images"
    loader = page.gallery_panel.loader
    qtbot.waitUntil(lambda: all(loader.image(str(r.path)) is not None for r in page.gallery_panel.records()))


def test_search_filter_and_sort(qtbot, page: StudioPage) -> None:  # type: ignore[no-untyped-def]
    panel = page.gallery_panel
    qtbot.keyClicks(panel.search, "red")
    qtbot.waitUntil(lambda: len(shown_prompts(page)) == 2)
    assert set(shown_prompts(page)) == {"a red fox in fresh snow", "red panda eating bamboo"}
    assert panel.count_label.text() == "2 of 3 images"
    panel.model_filter.setCurrentText("flux-schnell")
    qtbot.waitUntil(lambda: shown_prompts(page) == ["a red fox in fresh snow"])
    qtbot.keyClicks(panel.search, " zebra")
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.no_match)
    qtbot.mouseClick(panel.no_match.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(shown_prompts(page)) == 3)
    panel.sort.setCurrentIndex(1)
    qtbot.waitUntil(lambda: shown_prompts(page) == [p for p, _, _ in PROMPTS])


def test_favourite_then_filter(qtbot, page: StudioPage) -> None:  # type: ignore[no-untyped-def]
    open_record(qtbot, page, "a lighthouse at dusk")
    qtbot.mouseClick(page.detail.favourite, Qt.MouseButton.LeftButton)
    qtbot.keyClick(page.detail, Qt.Key.Key_Escape)
    assert page.right.currentWidget() is page.gallery_panel
    qtbot.mouseClick(page.gallery_panel.favourites, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown_prompts(page) == ["a lighthouse at dusk"])
    assert page.gallery_panel.records()[0].favourite


def test_detail_shows_metadata_and_full_image(qtbot, page: StudioPage) -> None:  # type: ignore[no-untyped-def]
    open_record(qtbot, page, "red panda eating bamboo")
    fields = page.detail.fields
    assert fields["Prompt"].text() == "red panda eating bamboo"
    assert (fields["Model"].text(), fields["Seed"].text(), fields["Negative"].text()) == (
        "qwen-image-lightning",
        "33",
        "blur",
    )
    qtbot.waitUntil(lambda: not page.detail.full_image().isNull())
    assert page.detail.full_image().width() == 48


def test_remix_refills_the_form(qtbot, page: StudioPage) -> None:  # type: ignore[no-untyped-def]
    open_record(qtbot, page, "red panda eating bamboo")
    page.form.count.setValue(4)
    qtbot.mouseClick(page.detail.remix, Qt.MouseButton.LeftButton)
    form = page.form
    assert form.prompt.toPlainText() == "red panda eating bamboo"
    assert form.negative.text() == "blur"
    assert form.model.currentData() == "qwen-image-lightning"
    assert form.seed_fixed.isChecked() and form.seed.text() == "33"
    assert form.request().seed == 33 and page.right.currentWidget() is page.gallery_panel
    assert form.request().count == 1  # the image's own seed, one image: that very image again


def test_delete_asks_and_can_be_undone(qtbot, page: StudioPage, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    answers: list[QMessageBox.StandardButton] = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: answers.pop(0))
    record = open_record(qtbot, page, "a red fox in fresh snow")
    qtbot.mouseClick(page.detail.delete, Qt.MouseButton.LeftButton)  # Cancel: nothing happens
    assert page.right.currentWidget() is page.detail and len(shown_prompts(page)) == 3
    qtbot.mouseClick(page.detail.delete, Qt.MouseButton.LeftButton)  # Yes
    qtbot.waitUntil(lambda: "a red fox in fresh snow" not in shown_prompts(page))
    toast = page.toast
    assert toast is not None and toast.title_label.text() == "Image deleted" and toast.action_button is not None
    qtbot.mouseClick(toast.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "a red fox in fresh snow" in shown_prompts(page))
    assert record.path.exists()


def test_delete_for_good_when_the_toast_goes(qtbot, page: StudioPage, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.Yes)
    record = open_record(qtbot, page, "a lighthouse at dusk")
    qtbot.mouseClick(page.detail.delete, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(shown_prompts(page)) == 2)
    assert page.toast is not None
    page.toast.dismiss()  # what the timer does when the undo time is over
    qtbot.waitUntil(lambda: not record.path.exists())


def test_save_as_jpeg_with_a_sanitized_name(qtbot, page: StudioPage, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / 'my "fox"?.jpg'
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "JPEG image"))
    open_record(qtbot, page, "a red fox in fresh snow")
    qtbot.mouseClick(page.detail.save, Qt.MouseButton.LeftButton)
    saved = tmp_path / "my _fox.jpg"
    qtbot.waitUntil(saved.exists)
    assert saved.read_bytes()[:2] == b"\xff\xd8"
    qtbot.waitUntil(lambda: page.toast is not None and page.toast.title_label.text() == "Image saved")


def test_import_reports_and_skips_a_corrupt_file(qtbot, page: StudioPage, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "castle.png"
    good.write_bytes(png_bytes(metadata=ImageMetadata(prompt="an imported castle", model="sdxl", seed=5)))
    broken = tmp_path / "broken.png"
    broken.write_bytes(png_bytes()[:50])
    page.gallery_panel.import_files([good, broken])
    qtbot.waitUntil(lambda: "an imported castle" in shown_prompts(page))
    assert (
        page.toast is not None
        and page.toast.title_label.text() == "1 image imported; 1 skipped (not readable images: broken.png)"
    )
    loader = page.gallery_panel.loader
    qtbot.waitUntil(lambda: all(loader.image(str(r.path)) is not None for r in page.gallery_panel.records()))
    imported = next(r for r in page.gallery_panel.records() if r.prompt == "an imported castle")
    assert read_metadata(imported.path).model == "sdxl"


def test_corrupt_file_in_the_gallery_folder_never_breaks_the_grid(qtbot, page: StudioPage) -> None:  # type: ignore[no-untyped-def]
    record = page.gallery_panel.records()[0]
    record.path.write_bytes(b"\x89PNG\r\n\x1a\n garbage")  # damaged on disk after it was added
    loader = page.gallery_panel.loader
    loader.forget(str(record.path))
    page.gallery_panel.grid.viewport().update()
    qtbot.waitUntil(lambda: loader.is_broken(str(record.path)))
    open_record(qtbot, page, record.prompt)
    qtbot.waitUntil(lambda: page.detail.picture.text() == "This image file cannot be read.")


def test_copy_image_to_clipboard(qtbot, page: StudioPage) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.clipboard().clear()
    open_record(qtbot, page, "a lighthouse at dusk")
    qtbot.waitUntil(lambda: not page.detail.full_image().isNull())
    qtbot.mouseClick(page.detail.copy, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().image()
    assert (copied.width(), copied.height()) == (48, 32)
    assert page.toast is not None and page.toast.title_label.text() == "Image copied to the clipboard."


def test_dropped_files_are_imported(qtbot, page: StudioPage, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    dropped = tmp_path / "dropped.png"
    dropped.write_bytes(png_bytes(metadata=ImageMetadata(prompt="a dropped comet", model="flux-schnell", seed=9)))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    event = QDropEvent(
        QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    page.gallery_panel.dropEvent(event)
    qtbot.waitUntil(lambda: "a dropped comet" in shown_prompts(page))
    assert page.toast is not None and page.toast.title_label.text() == "1 image imported"


def test_shutdown_twice_is_harmless(qtbot, page: StudioPage, recwarn) -> None:  # type: ignore[no-untyped-def]
    """The window shuts its places down when it closes, and tests (or a page closed first) may have already."""
    page.gallery_panel.shutdown()
    page.shutdown()
    page.shutdown()
    assert [str(w.message) for w in recwarn if issubclass(w.category, RuntimeWarning)] == []
    assert not page.controller.watched  # the page let go of the controller
