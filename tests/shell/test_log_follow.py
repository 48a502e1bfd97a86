"""Settings' log viewer follows the log live (QA of issue 12/19): new records appear while it is shown, the view
keeps to the end unless the person scrolled up, a rotated file is followed, and memory stays bounded."""

from __future__ import annotations

import logging
from pathlib import Path

from app.log import LOG_FORMAT
from app.services.log_tail import LogTail
from app.views.settings.log_viewer import LogViewer


def write(path: Path, *messages: str, level: str = "INFO") -> None:
    with path.open("a", encoding="utf-8") as stream:
        for message in messages:
            record = logging.LogRecord("test", getattr(logging, level), __file__, 1, message, None, None)
            stream.write(logging.Formatter(LOG_FORMAT).format(record) + "\n")


def test_new_records_appear_while_shown_and_polling_stops_when_hidden(tmp_path: Path, qtbot) -> None:
    log = tmp_path / "amethyst.log"
    write(log, "before the viewer")
    viewer = LogViewer(log)
    qtbot.addWidget(viewer)
    assert "before the viewer" in viewer.text.toPlainText()
    viewer.show()
    qtbot.waitExposed(viewer)
    assert viewer.tail.following
    write(log, "while it is shown")
    qtbot.waitUntil(lambda: "while it is shown" in viewer.text.toPlainText(), timeout=5000)
    viewer.hide()
    assert not viewer.tail.following


def test_the_view_keeps_to_the_end_unless_scrolled_up(tmp_path: Path, qtbot) -> None:
    log = tmp_path / "amethyst.log"
    write(log, *(f"line {n}" for n in range(300)))
    viewer = LogViewer(log)
    qtbot.addWidget(viewer)
    viewer.resize(700, 500)
    viewer.show()
    qtbot.waitExposed(viewer)
    bar = viewer.text.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=5000)
    write(log, "at the end")
    qtbot.waitUntil(lambda: "at the end" in viewer.text.toPlainText(), timeout=5000)
    assert bar.value() == bar.maximum()
    bar.setValue(10)  # the person scrolls up to read
    write(log, "while reading")
    qtbot.waitUntil(lambda: "while reading" in viewer.text.toPlainText(), timeout=5000)
    assert bar.value() == 10


def test_filters_apply_to_new_lines(tmp_path: Path, qtbot) -> None:
    log = tmp_path / "amethyst.log"
    write(log, "start")
    viewer = LogViewer(log)
    qtbot.addWidget(viewer)
    viewer.level.setCurrentText("WARNING")
    viewer.show()
    write(log, "quiet news")
    write(log, "disk nearly full", level="WARNING")
    qtbot.waitUntil(lambda: "disk nearly full" in viewer.text.toPlainText(), timeout=5000)
    assert "quiet news" not in viewer.text.toPlainText()


def test_a_rotated_file_is_followed_and_memory_is_bounded(tmp_path: Path, qtbot) -> None:
    log = tmp_path / "amethyst.log"
    write(log, *(f"old {n}" for n in range(50)))
    tail = LogTail(log, max_lines=20)
    tail.poll()
    assert tail.lines[-1].endswith("old 49") and len(tail.lines) == 20
    write(log, *(f"more {n}" for n in range(100)))
    with qtbot.waitSignal(tail.appended, timeout=2000):
        tail.poll()
    assert len(tail.lines) == 20 and tail.lines[-1].endswith("more 99")
    log.rename(tmp_path / "amethyst.log.1")  # what RotatingFileHandler does
    write(log, "after rotation")
    with qtbot.waitSignal(tail.reset, timeout=2000) as reset:
        tail.poll()
    assert len(reset.args[0]) == 1 and reset.args[0][0].endswith("after rotation")


def test_a_line_being_written_waits_for_its_end(tmp_path: Path, qtbot) -> None:
    log = tmp_path / "amethyst.log"
    log.write_text("first\nhalf a li", encoding="utf-8")
    tail = LogTail(log)
    tail.poll()
    assert tail.lines == ["first"]
    with log.open("a", encoding="utf-8") as stream:
        stream.write("ne\n")
    with qtbot.waitSignal(tail.appended, timeout=2000) as appended:
        tail.poll()
    assert appended.args[0] == ["half a line"]


def test_the_viewer_keeps_at_most_its_line_budget(tmp_path: Path, qtbot) -> None:
    log = tmp_path / "amethyst.log"
    write(log, "start")
    viewer = LogViewer(log, max_lines=50)
    qtbot.addWidget(viewer)
    viewer.show()
    write(log, *(f"burst {n}" for n in range(400)))
    qtbot.waitUntil(lambda: "burst 399" in viewer.text.toPlainText(), timeout=5000)
    assert viewer.text.blockCount() <= 50 and len(viewer.tail.lines) <= 50
