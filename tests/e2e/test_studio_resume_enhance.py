"""Studio page: jobs resumed after the app restarts; prompt enhancement through a PromptEnhancer."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.context import AppContext
from app.services.clients.studio_types import JobState
from app.services.studio.enhance import ChatPromptEnhancer, PromptEnhancer
from tests.fakes.image_compute import FakeImageCompute
from tests.studio.embedded import EmbeddedApi
from tests.studio.page_harness import open_studio


def forget_studio_services(context: AppContext) -> None:
    """What a restart does to the services: stopped as ``AppContext.close`` stops them, then built anew on
    the same data folder."""
    context.studio_jobs.stop()
    context.studio.stop_server()
    for name in ("studio", "studio_jobs", "studio_controller"):
        context.__dict__.pop(name, None)


def test_unfinished_job_resumes_after_restart(qtbot, qloop, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    compute = FakeImageCompute(hold=True)
    api = EmbeddedApi(compute)
    first = open_studio(qtbot, context, api)
    first.form.prompt.setPlainText("a ship in a bottle")
    first.form.count.setValue(2)
    qtbot.mouseClick(first.form.generate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(compute.held()) and bool(first.queue.rows), timeout=10000)
    server_id = next(iter(first.queue.rows))
    first.shutdown()  # quit: the page closes,
    first.close()
    forget_studio_services(context)  # watchers stop, the embedded API stops, the job is left running on the "GPU"
    second = open_studio(qtbot, context, api)
    try:
        qtbot.waitUntil(lambda: server_id in second.queue.rows, timeout=10000)
        row = second.queue.rows[server_id]
        assert row.job.state in {JobState.QUEUED, JobState.RUNNING}
        compute.finish()
        qtbot.waitUntil(lambda: "Done" in row.state.text(), timeout=10000)
        qtbot.waitUntil(lambda: second.gallery_panel.model.rowCount() == 2, timeout=10000)
        assert {r.job_id for r in second.gallery_panel.records()} == {server_id}
    finally:
        second.shutdown()


class RewritingChat:
    """Stands in for a chat provider's one-shot completion (a real class, not a mock)."""

    def __init__(self, answer: str | Exception) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str]] = []

    async def complete(self, system: str, user: str) -> str:
        self.calls.append((system, user))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_enhance_rewrites_the_prompt_and_reports_failures(qtbot, qloop, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    chat = RewritingChat('Prompt: "A red fox curled in fresh snow at dawn, soft rim light, 85mm"')
    enhancer = ChatPromptEnhancer(chat.complete)
    assert isinstance(enhancer, PromptEnhancer)
    context.prompt_enhancer = enhancer
    page = open_studio(qtbot, context, EmbeddedApi(FakeImageCompute()))
    try:
        assert not page.form.enhance.isEnabled()  # nothing to enhance yet
        page.form.prompt.setPlainText("fox in snow")
        assert page.form.enhance.isEnabled()
        qtbot.mouseClick(page.form.enhance, Qt.MouseButton.LeftButton)
        expected = "A red fox curled in fresh snow at dawn, soft rim light, 85mm"
        qtbot.waitUntil(lambda: page.form.prompt.toPlainText() == expected, timeout=10000)
        assert chat.calls[0][1] == "fox in snow"
        page.form.prompt.undo()
        assert page.form.prompt.toPlainText() == "fox in snow"

        chat.answer = RuntimeError("the provider answered 429: slow down")
        qtbot.mouseClick(page.form.enhance, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.form.problem.isVisible(), timeout=10000)
        assert "429" in page.form.problem.text() and page.form.prompt.toPlainText() == "fox in snow"
        assert page.form.enhance.text() == "Enhance"
    finally:
        page.shutdown()


def test_enhance_disabled_with_a_reason_without_a_chat_model(qtbot, qloop, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    page = open_studio(qtbot, context, EmbeddedApi(FakeImageCompute()))
    try:
        page.form.prompt.setPlainText("anything")
        assert not page.form.enhance.isEnabled()
        assert "Settings" in page.form.enhance.toolTip() and "Settings" in page.form.enhance_note.text()
    finally:
        page.shutdown()


def test_enhance_through_the_chat_model_chosen_in_settings(qtbot, qloop, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    from app.services.providers.registry import provider
    from tests.fakes.chat_servers import GOOD_KEY, Script, ServerThread, openai_app

    script = Script(reply="Prompt: A lighthouse on a cliff at dusk, warm windows, long exposure sea")
    server = ServerThread(openai_app(script)).start()
    page = open_studio(qtbot, context, EmbeddedApi(FakeImageCompute()))
    try:
        assert not page.form.enhance.isEnabled()
        context.settings.set("chat.custom_base_url", f"{server.url}/v1")
        context.secrets.set(provider("custom").secret_name, GOOD_KEY)
        context.settings.set("studio.enhance_model", "custom/echo")
        page.form.prompt.setPlainText("lighthouse")
        assert page.form.enhance.isEnabled(), page.form.enhance.toolTip()
        qtbot.mouseClick(page.form.enhance, Qt.MouseButton.LeftButton)
        expected = "A lighthouse on a cliff at dusk, warm windows, long exposure sea"
        qtbot.waitUntil(lambda: page.form.prompt.toPlainText() == expected, timeout=15000)
        assert script.requests and script.requests[-1]["model"] == "echo"

        context.settings.set("studio.enhance_model", "openai/gpt-4o-mini")  # no OpenAI key stored
        assert not page.form.enhance.isEnabled()
        assert "OpenAI key" in page.form.enhance_note.text()
    finally:
        page.shutdown()
        server.stop()
