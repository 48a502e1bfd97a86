"""Reference images are read and checked on the blocking pool, not the UI thread."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from app.context import AppContext
from app.services.studio import reference_files
from app.views.studio.references import ReferencePicker
from tests.fakes.images_common import png


def test_files_are_read_off_the_ui_thread_and_bad_ones_are_named(  # type: ignore[no-untyped-def]
    qtbot, context: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readers: list[str] = []
    real = reference_files.read_reference

    def watched(path: Path, max_bytes: int = reference_files.MAX_BYTES) -> reference_files.ReferenceImage:
        readers.append(threading.current_thread().name)
        return real(path, max_bytes)

    monkeypatch.setattr("app.views.studio.references.read_reference", watched)
    picker = ReferencePicker()
    qtbot.addWidget(picker)
    picker.bind(context.tasks, context.workers)
    picker.set_limit(2, "Gemini 2.5 Flash Image")
    good = tmp_path / "good.png"
    good.write_bytes(png(size=(300, 200)))
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    problems: list[str] = []
    picker.problem.connect(problems.append)

    with qtbot.waitSignal(picker.loaded, timeout=10000):
        picker.add_files([good, bad])
    assert readers and all(name.startswith("blocking") for name in readers)
    assert len(picker.encoded()) == 1 and problems == [
        "notes.png is not an image the Studio can send (PNG, JPEG or WebP)."
    ]
    assert picker.note.text() == "1 of 2 · or drop"
