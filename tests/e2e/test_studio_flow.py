"""The Studio place end to end: qtbot drives the page; the embedded Studio API runs on loopback (uvicorn)
with a fake compute that makes real small PNGs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from app.context import AppContext
from app.services.clients.studio_types import JobState
from app.services.gallery.metadata import read_metadata
from app.views.studio.page import StudioPage
from modal_app.image_models import image_seed
from tests.fakes.image_compute import FakeImageCompute
from tests.studio.embedded import EmbeddedApi
from tests.studio.page_harness import open_studio


@pytest.fixture
def pages(context: AppContext) -> Iterator[list[StudioPage]]:
    made: list[StudioPage] = []
    yield made
    for page in made:
        page.shutdown()


def type_prompt(qtbot, page: StudioPage, text: str) -> None:  # type: ignore[no-untyped-def]
    page.form.prompt.clear()
    qtbot.keyClicks(page.form.prompt, text)


@pytest.fixture
def steered_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's table with Qwen-Image taking negative prompts. No model does today (Lightning is
    CFG-distilled), but the negative-prompt path of the Studio stays exact for a model that does."""
    import dataclasses

    from modal_app import image_models

    steered = tuple(
        dataclasses.replace(m, negative_prompt=m.id == "qwen-image-lightning") for m in image_models.IMAGE_MODELS
    )
    monkeypatch.setattr(image_models, "IMAGE_MODELS", steered)


def test_generate_watch_states_and_see_images(qtbot, qloop, context: AppContext, pages, steered_table) -> None:  # type: ignore[no-untyped-def]
    compute = FakeImageCompute(hold=True)
    page = open_studio(qtbot, context, EmbeddedApi(compute))
    pages.append(page)
    assert page.gallery_panel.stack.currentWidget() is page.gallery_panel.empty
    assert page.form.generate.text() == "Generate"  # local: billing off, no cost shown
    assert not page.form.generate.isEnabled() and "Write a prompt" in page.form.reason.text()

    type_prompt(qtbot, page, "a lighthouse at dusk, volumetric light")
    page.form.negative.setText("fog")
    page.form.count.setValue(3)
    assert page.form.generate.isEnabled()
    qtbot.mouseClick(page.form.generate, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: len(page.queue.rows) == 1, timeout=10000)
    row = next(iter(page.queue.rows.values()))
    qtbot.waitUntil(lambda: "Running" in row.state.text(), timeout=10000)
    [call] = compute.calls.values()  # the negative prompt went through the API to the compute
    assert (call.request.model, call.request.negative_prompt) == ("qwen-image-lightning", "fog")
    assert row.job.state == JobState.RUNNING and row.cancel.isVisibleTo(page)
    compute.finish()
    qtbot.waitUntil(lambda: row.job.saved == 3, timeout=10000)
    assert "Done" in row.state.text() and not row.cancel.isVisibleTo(page)
    qtbot.waitUntil(lambda: page.gallery_panel.model.rowCount() == 3, timeout=10000)
    assert page.gallery_panel.stack.currentWidget() is page.gallery_panel.grid
    record = page.gallery_panel.model.record(0)
    stored = read_metadata(record.path)
    assert (stored.prompt, stored.negative_prompt, stored.model) == (
        "a lighthouse at dusk, volumetric light",
        "fog",
        page.form.model.currentData(),
    )
    # Each image carries its own seed (batch seed + index), so Remix can make any one of them again.
    seed = row.job.seed
    assert seed is not None
    stored_seeds = sorted(read_metadata(item.path).seed for item in page.gallery_panel.records())  # type: ignore[type-var]
    assert stored_seeds == sorted(image_seed(seed, index) for index in range(3))


def test_cancel_from_the_queue(qtbot, qloop, context: AppContext, pages) -> None:  # type: ignore[no-untyped-def]
    compute = FakeImageCompute(hold=True)
    page = open_studio(qtbot, context, EmbeddedApi(compute))
    pages.append(page)
    type_prompt(qtbot, page, "a slow painting")
    qtbot.keyClick(page.form.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(page.queue.rows) == 1 and bool(compute.held()), timeout=10000)
    row = next(iter(page.queue.rows.values()))
    qtbot.mouseClick(row.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Cancelled" in row.state.text(), timeout=10000)
    assert row.job.state == JobState.CANCELLED
    qtbot.waitUntil(lambda: bool(compute.cancelled), timeout=10000)
    assert page.gallery_panel.model.rowCount() == 0


def test_notification_when_another_place_is_open(qtbot, qloop, context: AppContext, pages) -> None:  # type: ignore[no-untyped-def]
    compute = FakeImageCompute(hold=True)
    page = open_studio(qtbot, context, EmbeddedApi(compute))
    pages.append(page)
    type_prompt(qtbot, page, "three foxes")
    page.form.count.setValue(3)
    qtbot.mouseClick(page.form.generate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(compute.held()), timeout=10000)
    page.hide()  # the person went to another place
    with qtbot.waitSignal(context.notifier.notified, timeout=10000) as notified:
        compute.finish()
    assert notified.args[:3] == ["3 images ready", "three foxes", "studio"]
    assert notified.args[3] == {"job": next(iter(page.queue.rows))}
    page.show()  # the person clicks the message: the Studio opens on the result
    qtbot.waitUntil(lambda: page.right.currentWidget() is page.detail)
    assert page.detail.record is not None and page.detail.record.prompt == "three foxes"


def test_402_shows_needed_and_available_and_buy_credits(qtbot, qloop, context: AppContext, pages) -> None:  # type: ignore[no-untyped-def]
    api = EmbeddedApi(FakeImageCompute(hold=True), billing=True, credits=10)
    page = open_studio(qtbot, context, api)
    pages.append(page)
    type_prompt(qtbot, page, "an expensive castle")
    page.form.count.setValue(4)
    assert page.form.generate.text() == "Generate · 4 credits"
    assert page.form.generate.isEnabled()
    # Credits spent elsewhere: the server knows, the window still shows 10 until it asks again.
    assert api.services is not None
    api.services.ledger.grant(api.account_id(), -8, reason="spent on another computer")
    qtbot.mouseClick(page.form.generate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.form.problem.isVisible(), timeout=10000)
    assert page.form.problem.text() == "Not enough credits: this needs 4, you have 2."
    assert page.form.buy.isVisible()
    qtbot.waitUntil(lambda: "you have 2" in page.form.reason.text(), timeout=10000)
    assert not page.form.generate.isEnabled()
    with qtbot.waitSignal(context.navigator.requested) as opened:
        qtbot.mouseClick(page.form.buy, Qt.MouseButton.LeftButton)
    assert opened.args == ["billing", {}]
    assert page.queue.rows == {}


def test_failed_job_gives_credits_back(qtbot, qloop, context: AppContext, pages) -> None:  # type: ignore[no-untyped-def]
    compute = FakeImageCompute(hold=True)
    page = open_studio(qtbot, context, EmbeddedApi(compute, billing=True, credits=5))
    pages.append(page)
    badges: list[str] = []
    context.studio.credits_changed.connect(badges.append)
    type_prompt(qtbot, page, "a cursed image")
    page.form.count.setValue(2)
    qtbot.mouseClick(page.form.generate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(compute.held()), timeout=10000)
    qtbot.waitUntil(lambda: "3 credits" in badges, timeout=10000)  # 2 reserved
    compute.fail(message="the GPU ran out of memory")
    row = next(iter(page.queue.rows.values()))
    qtbot.waitUntil(lambda: "out of memory" in row.error.text(), timeout=10000)
    assert row.job.state == JobState.FAILED
    qtbot.waitUntil(lambda: badges[-1] == "5 credits", timeout=10000)


def test_use_in_studio_selects_the_model(qtbot, qloop, context: AppContext, pages) -> None:  # type: ignore[no-untyped-def]
    page = open_studio(qtbot, context, EmbeddedApi(FakeImageCompute()))
    pages.append(page)
    page.form.select_model("flux-schnell")
    page.activate({"model_id": "qwen/qwen-image", "studio_model": "qwen-image-lightning"})
    assert page.form.model.currentData() == "qwen-image-lightning"
    page.activate({"model_id": "flux-schnell"})
    assert page.form.model.currentData() == "flux-schnell"
    page.activate({"model_id": "openai/gpt-image-1"})
    assert page.form.model.currentData() == "flux-schnell"
    assert page.toast is not None and "cannot run in the Studio" in page.toast.body_label.text()


def test_negative_prompt_only_for_models_that_use_it(qtbot, qloop, context: AppContext, pages, steered_table) -> None:  # type: ignore[no-untyped-def]
    compute = FakeImageCompute(hold=True)
    page = open_studio(qtbot, context, EmbeddedApi(compute))
    pages.append(page)
    form = page.form
    type_prompt(qtbot, page, "a quiet harbour")
    form.negative.setText("people")
    assert form.select_model("flux-schnell")
    assert not form.negative.isEnabled()
    assert "ignores negative prompts" in form.negative.toolTip() and "FLUX" in form.negative.toolTip()
    assert form.request().negative_prompt == ""  # kept in the field, not sent
    qtbot.mouseClick(form.generate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(compute.calls) == 1, timeout=10000)
    assert not form.problem.isVisible()  # no 422 from the server

    assert form.select_model("qwen-image-lightning")
    assert form.negative.isEnabled() and form.negative.text() == "people"
    qtbot.mouseClick(form.generate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(compute.calls) == 2, timeout=10000)
    negatives = sorted(call.request.negative_prompt for call in compute.calls.values())
    assert negatives == ["", "people"]


def test_a_prompt_the_server_would_refuse_never_reaches_generate(qtbot, qloop, context: AppContext, pages) -> None:  # type: ignore[no-untyped-def]
    """QA: a 100,000-character prompt or one holding a NUL left Generate enabled, and clicking it raised
    pydantic's ValidationError out of the click into the "Something went wrong" dialog."""
    from modal_app.contract import MAX_PROMPT

    compute = FakeImageCompute()
    page = open_studio(qtbot, context, EmbeddedApi(compute))
    pages.append(page)
    form = page.form
    form.prompt.setPlainText("x" * 100_000)
    assert not form.generate.isEnabled()
    assert f"{MAX_PROMPT:,}" in form.reason.text() and "100,000" in form.reason.text()
    form.prompt.setPlainText("x" * MAX_PROMPT)
    assert form.generate.isEnabled()
    assert form.negative.maxLength() == MAX_PROMPT

    form.prompt.setPlainText("a lighthouse\x00 at dusk")  # pasted from a binary file, say
    assert form.generate.isEnabled()
    with qtbot.waitSignal(form.generate_requested) as sent:
        qtbot.mouseClick(form.generate, Qt.MouseButton.LeftButton)
    assert sent.args[0].prompt == "a lighthouse at dusk"
    qtbot.waitUntil(lambda: len(compute.calls) == 1, timeout=20000)
