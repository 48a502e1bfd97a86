"""The New model form on its own with qtbot: at the smallest window nothing overlaps (the fields scroll),
a built-in template may build without a review, and whenever Build is disabled a line says why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QWidget

from app.context import AppContext
from app.views.builder.new_model import NewModelForm
from modal_app.contract import BuildFiles, BuildRequest
from tests.builder.helpers import text_csv

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "builder"


@pytest.fixture
def form(qtbot, qloop, context: AppContext) -> Iterator[NewModelForm]:  # type: ignore[no-untyped-def]
    # Hosted like the Builder's stack hosts it: a child gets the room there is, even below its minimum (a
    # top-level window would be held at its layout's minimum instead). 660×440 is about the stack's room at
    # the main window's minimum size (960×600).
    host = QWidget()
    qtbot.addWidget(host)
    host.resize(660, 440)
    made = NewModelForm(context.builder_controller, parent=host)
    made.setGeometry(0, 0, 660, 440)
    host.show()
    yield made


def load(qtbot, form: NewModelForm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "reviews.csv"
    data.write_text(text_csv(), encoding="utf-8")
    form.load(data)
    qtbot.waitUntil(lambda: form.table.columnCount() == 2, timeout=10000)


def rect_in(form: NewModelForm, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(form, QPoint(0, 0)), widget.size())


def reason_shown(form: NewModelForm) -> str:
    assert not form.build_button.isEnabled()
    assert form.build_reason.isVisible() and form.build_reason.text()
    assert form.build_button.toolTip() == form.build_reason.text()
    return form.build_reason.text()


def test_nothing_overlaps_at_the_smallest_window(qtbot, form: NewModelForm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load(qtbot, form, tmp_path)
    qtbot.waitUntil(lambda: form.table.height() >= form.table.minimumHeight())
    order = [form.description, form.attach, form.table, form.target, form.task, form.use_template, form.review]
    rects = [rect_in(form, widget) for widget in order]
    for upper, lower, widget in zip(rects, rects[1:], order[1:], strict=False):
        assert upper.bottom() < lower.top(), widget.accessibleName() or widget.objectName()
    assert form.code.height() >= form.code.minimumHeight()
    assert form.build_button.isVisible()  # the Build row stays below the scrolling fields
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert form.grab().save(str(ARTIFACTS / "new-model-small.png"))


def test_a_template_builds_without_review_and_a_reason_shows_while_it_cannot(  # type: ignore[no-untyped-def]
    qtbot, form: NewModelForm, tmp_path: Path, monkeypatch
) -> None:
    assert "Describe" in reason_shown(form)
    qtbot.keyClicks(form.description, "Tell happy reviews from unhappy ones")
    assert "CSV" in reason_shown(form)
    load(qtbot, form, tmp_path)
    assert form.use_template.isChecked() and form.target.currentText() == "sentiment"
    assert form.build_button.isEnabled() and not form.build_reason.isVisible()

    form.description.clear()
    assert "Describe" in reason_shown(form)
    qtbot.keyClicks(form.description, "Tell happy reviews from unhappy ones")

    form.use_llm.setChecked(True)
    form.model.clear()
    assert "chat model" in reason_shown(form)
    form.model.setText("openai/gpt-4o-mini")
    assert "Review code" in reason_shown(form)
    form.show_code(
        BuildFiles(train_py="print(1)\n", app_py="print(2)\n", requirements_txt="joblib\n"), "openai/gpt-4o-mini"
    )
    assert "Tick" in reason_shown(form)
    form.confirm.setChecked(True)
    assert form.build_button.isEnabled() and not form.build_reason.isVisible()

    submitted: list[BuildRequest] = []
    monkeypatch.setattr(form.controller, "submit", submitted.append)
    form.use_template.setChecked(True)
    assert form.build_button.isEnabled()
    form.build_button.click()
    assert len(submitted) == 1
    request = submitted[0]
    assert (request.files, request.code_model, request.target) == (None, None, "sentiment")
    assert request.description == "Tell happy reviews from unhappy ones"


def test_a_file_that_cannot_be_read_replaces_the_previous_preview(qtbot, form: NewModelForm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """QA: after a good CSV, attaching a bad one showed its error and its name, but kept the good file's table,
    target and text, so Build trained on the file the person had just replaced."""
    load(qtbot, form, tmp_path)
    form.description.setPlainText("Tell happy reviews from sad ones")
    assert form.build_button.isEnabled()
    bad = tmp_path / "wrong.csv"
    bad.write_text("a,a\n1,2\n", encoding="utf-8")
    form.load(bad)
    qtbot.waitUntil(lambda: "name of its own" in form.error.text(), timeout=10000)
    assert form.preview is None and form.csv_text == ""
    assert form.table.columnCount() == 0 and form.target.count() == 0
    assert "wrong.csv" in form.file_label.text()
    assert reason_shown(form) == "Attach a CSV file with the data."
