"""The Builder place with qtbot through a full build of the text template on the embedded Studio API
(local sandbox, offline pip; the server's pipeline tests run the two tabular templates): New model →
preview → review → build (live log) → ready → predict → stop → delete; a failed build; screenshots of
every state under artifacts/builder/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.context import AppContext
from app.models.db import SCHEMA_LOCK
from app.services.builder.controller import BuilderController
from app.services.studio.connection import ConnectionState
from app.views.builder.build_view import LOG_MIN_LINES
from app.views.builder.page import BuilderPage
from modal_app.api import create_app
from modal_app.contract import BuildRequest, BuildState, BuildTask
from tests.builder.helpers import llm_files, local_settings, tabular_csv, text_csv
from tests.fakes.image_compute import FakeImageCompute
from tests.studio.embedded import EmbeddedApi
from tests.studio.page_harness import use_api

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "builder"


class BuilderApi(EmbeddedApi):
    """The embedded Studio API with an offline local sandbox for builds."""

    def __call__(self, data_dir: Path) -> tuple[Any, str]:
        settings = local_settings(data_dir, compute=self.compute)
        with SCHEMA_LOCK:  # as the real factory: its migrations never overlap the cache database's
            app = create_app(settings)
        self.services = app.state.services
        return app, app.state.services.local_token


def shot(page: BuilderPage, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert page.grab().save(str(ARTIFACTS / f"{name}.png"))


@pytest.fixture
def page(qtbot, qloop, context: AppContext) -> BuilderPage:  # type: ignore[no-untyped-def]
    use_api(context, BuilderApi(FakeImageCompute()))
    page = BuilderPage(context)
    qtbot.addWidget(page)
    page.resize(1300, 860)
    page.show()
    context.studio_controller.start()
    qtbot.waitUntil(lambda: context.studio.state == ConnectionState.CONNECTED, timeout=30000)
    qtbot.waitUntil(lambda: "no limit" in page.usage.text(), timeout=10000)
    return page


def test_a_template_build_from_the_place(
    qtbot, page: BuilderPage, context: AppContext, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    notes: list[tuple[str, str]] = []
    context.notifier.notified.connect(lambda title, body, _place, _payload: notes.append((title, body)))
    assert page.stack.currentWidget() is page.empty and page.list_empty.isVisible()
    shot(page, "1-empty")

    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    form = page.new_form
    assert page.stack.currentWidget() is form
    qtbot.keyClicks(form.description, "Tell happy reviews from unhappy ones")
    data = tmp_path / "reviews.csv"
    data.write_text(text_csv(), encoding="utf-8")
    form.load(data)
    qtbot.waitUntil(lambda: form.table.columnCount() == 2, timeout=10000)
    assert form.target.currentText() == "sentiment"
    assert form.task.currentData() == BuildTask.TEXT_CLASSIFICATION
    assert form.table.horizontalHeaderItem(0).text() == "review\ntext"
    assert form.build_button.isEnabled()  # a built-in template may build unreviewed; the review is optional
    shot(page, "2-new-model")

    qtbot.mouseClick(form.review, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "TfidfVectorizer" in form.code.editors["train.py"].toPlainText(), timeout=10000)
    assert form.code.editors["train.py"].isReadOnly() and form.code_by.text() == "Written by: Built-in template"
    assert not form.confirm.isVisible() and form.build_button.isEnabled()
    shot(page, "3-review")

    qtbot.mouseClick(form.build_button, Qt.MouseButton.LeftButton)
    view = page.build_view
    qtbot.waitUntil(lambda: page.stack.currentWidget() is view and view.build is not None, timeout=10000)
    qtbot.waitUntil(lambda: view.log.document().blockCount() > 3, timeout=30000)
    assert view.cancel_button.isVisible()
    shot(page, "4-building")
    qtbot.waitUntil(lambda: view.build is not None and view.build.state == BuildState.READY, timeout=120000)
    assert all(label.text().startswith("●") for label in view.step_labels.values())
    assert "Ready · http://127.0.0.1:" in view.status.text()
    qtbot.waitUntil(lambda: len(view.ready.fields) == 1, timeout=20000)
    assert "accuracy" in view.ready.metrics.text()
    assert "curl -X POST http://127.0.0.1:" in view.ready.curl.toPlainText()
    view.ready.fields["review"].clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(view.ready.fields["review"], "excellent value, love it")
    qtbot.mouseClick(view.ready.predict_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: '"predictions"' in view.ready.answer.toPlainText(), timeout=20000)
    assert '"pos"' in view.ready.answer.toPlainText()
    qtbot.waitUntil(lambda: bool(notes), timeout=5000)
    assert notes[0][0] == "Model ready"
    assert "1 live model" in page.usage.text()
    shot(page, "5-ready")
    # The ready panel scrolls above the log instead of squeezing it (QA: three lines were left at 1600 × 1000),
    # down to the page of the smallest window (1280 × 720 less the header).
    page.resize(1280, 600)

    def log_is_readable() -> None:
        lines = view.log.height() / view.log.fontMetrics().lineSpacing()
        assert lines >= LOG_MIN_LINES, lines

    qtbot.waitUntil(log_is_readable, timeout=5000)
    shot(page, "5-ready-small")
    page.resize(1300, 860)

    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.build is not None and view.build.state == BuildState.STOPPED, timeout=20000)
    assert view.delete_button.isVisible() and not view.stop_button.isVisible()
    qtbot.waitUntil(lambda: page.usage.text().startswith("0 live") and not page.busy.text(), timeout=10000)
    shot(page, "6-stopped")
    qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.list.count() == 0, timeout=20000)
    watching(qtbot, context)


def test_a_failed_build_shows_its_traceback_and_a_new_controller_reads_the_stored_log(  # type: ignore[no-untyped-def]
    qtbot, page: BuilderPage, context: AppContext
) -> None:
    train = "print('loading', flush=True)\nraise RuntimeError('no column named price')\nopen('model.joblib')\n"
    request = BuildRequest(
        description="A price model that fails",
        task=BuildTask.TABULAR_REGRESSION,
        target="label",
        csv=tabular_csv(20, regression=True),
        files=llm_files(train),  # type: ignore[arg-type]
        code_model="openai/gpt-test",
        confirmed=True,
    )
    page.controller.submit(request)
    view = page.build_view
    qtbot.waitUntil(lambda: view.build is not None and view.build.state == BuildState.FAILED, timeout=60000)
    assert "Failed: Train failed" in view.status.text()
    qtbot.waitUntil(lambda: "RuntimeError: no column named price" in view.log.toPlainText(), timeout=10000)
    assert "Traceback (most recent call last):" in view.log.toPlainText()
    qtbot.waitUntil(lambda: page.usage.text().startswith("0 live") and not page.busy.text(), timeout=10000)
    shot(page, "7-failed")

    # After an app restart a new controller reads the stored events again (the log view resumes).
    fresh = BuilderController(context.studio, context.notifier, context.tasks, context.workers, lambda _m: (None, ""))
    fresh.start()
    qtbot.waitUntil(lambda: view.build is not None and view.build.id in fresh.builds, timeout=10000)
    fresh.load_log(view.build.id)
    qtbot.waitUntil(
        lambda: any("no column named price" in line.text for line in fresh.log(view.build.id)), timeout=10000
    )

    watching(qtbot, context)


def watching(qtbot, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    """Every log stream has ended (the builds are over), so no task is left for the loop's teardown."""
    qtbot.waitUntil(lambda: not any(name.startswith("builder-watch-") for name in context.tasks.names()), timeout=10000)
