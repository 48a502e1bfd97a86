"""The Studio controller without widgets: the one start of the connection, who is watching, the Generate and
Enhance flows and gallery edits, against the real Studio API on loopback with a fake compute."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.context import AppContext
from app.services.clients.studio_types import JobState
from app.services.gallery import GalleryQuery, ImageMetadata
from app.services.studio.connection import ConnectionState
from app.services.studio.enhance import ChatPromptEnhancer
from tests.fakes.image_compute import FakeImageCompute
from tests.studio.embedded import EmbeddedApi
from tests.studio.helpers import png_bytes
from tests.studio.service_harness import request, until

ROOT = Path(__file__).resolve().parents[2]


def test_the_controller_module_needs_no_widgets() -> None:
    code = (
        "import sys, app.services.studio.controller, app.context; "
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6.QtWidgets', 'PySide6.QtGui'))); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


async def test_start_connects_once_and_resumes_unfinished_jobs(make_studio, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    compute = FakeImageCompute(hold=True)
    api = EmbeddedApi(compute)
    first = make_studio(api)
    await first.start()
    job = await first.jobs.submit(request(count=1))
    await until(lambda: bool(compute.held()))
    await first.stop()  # the app quits with the job still running

    second = make_studio(api)
    states: list[str] = []
    second.connection.state_changed.connect(states.append)
    assert not second.controller.started and second.connection.state == ConnectionState.DISCONNECTED
    second.controller.start()
    second.controller.start()  # a second call starts nothing more
    await until(lambda: second.jobs.find(job.server_id) is not None)
    assert states == ["connecting", "connected"]
    assert second.jobs.watching() == [job.server_id]  # resumed on connect, one watcher
    compute.finish()
    resumed = second.jobs.find(job.server_id)
    assert resumed is not None
    await until(lambda: resumed.saved == 1)
    assert [i.job_id for i in await context.gallery.query(GalleryQuery())] == [job.server_id]


async def test_notifies_only_when_nobody_watches_and_keeps_the_unseen_job(make_studio) -> None:  # type: ignore[no-untyped-def]
    studio = make_studio(EmbeddedApi(FakeImageCompute(delay=0.02)))
    await studio.start()
    watching = [True]
    studio.controller.attach_view(lambda: watching[0])
    ready: list[object] = []
    studio.jobs.images_ready.connect(ready.append)
    seen = await studio.jobs.submit(request(count=1))
    await until(lambda: len(ready) == 1)
    assert studio.notified == [] and studio.controller.take_unseen() is None

    watching[0] = False  # the person went to another place
    unseen = await studio.jobs.submit(request(count=2))
    await until(lambda: len(ready) == 2)
    assert studio.notified == [("2 images ready", "a lighthouse at dusk", "studio", {"job": unseen.server_id})]
    assert studio.controller.take_unseen() is unseen and studio.controller.take_unseen() is None
    assert studio.controller.first_result(unseen.server_id) == unseen.records[0]
    assert studio.controller.first_result(seen.server_id) == seen.records[0]

    studio.controller.detach_view()  # the view closed: nobody watches
    await studio.jobs.submit(request(count=1))
    await until(lambda: len(studio.notified) == 2)


async def test_generate_reports_refusals_as_problems(make_studio) -> None:  # type: ignore[no-untyped-def]
    studio = make_studio(EmbeddedApi(FakeImageCompute(hold=True), billing=True, credits=3))
    await studio.start()
    busy: list[bool] = []
    problems: list[tuple[str, bool]] = []
    studio.controller.submitting.connect(busy.append)
    studio.controller.problem.connect(lambda text, buy: problems.append((text, buy)))
    studio.controller.generate(request(count=2, size="2K"))  # 4 credits
    await until(lambda: busy == [True, False])
    assert problems == [("Not enough credits: this needs 4, you have 3.", True)]
    assert studio.jobs.jobs == []

    studio.controller.generate(request(count=1))  # 1 credit: accepted
    await until(lambda: len(busy) == 4 and len(studio.jobs.jobs) == 1)
    assert len(problems) == 1 and studio.jobs.jobs[0].state in {JobState.QUEUED, JobState.RUNNING}


class Rewriter:
    """A one-shot chat completion that answers what it is told (a real class, not a mock)."""

    def __init__(self, answer: str | Exception) -> None:
        self.answer = answer

    async def complete(self, system: str, user: str) -> str:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


async def test_enhance_rewrites_or_reports_and_follows_the_setting(make_studio, context: AppContext) -> None:  # type: ignore[no-untyped-def]
    chat = Rewriter("Prompt: A red fox curled in fresh snow at dawn")
    asked: list[str] = []

    def source():  # type: ignore[no-untyped-def]
        asked.append(str(context.settings.get("studio.enhance_model")))
        return ChatPromptEnhancer(chat.complete), ""

    studio = make_studio(EmbeddedApi(FakeImageCompute()), enhancer=source)
    controller = studio.controller
    enhancing: list[bool] = []
    enhanced: list[str] = []
    problems: list[str] = []
    controller.enhancing.connect(enhancing.append)
    controller.enhanced.connect(enhanced.append)
    controller.problem.connect(lambda text, _buy: problems.append(text))
    controller.enhance("   ")  # nothing to enhance
    controller.enhance("fox in snow")
    await until(lambda: enhancing == [True, False])
    assert enhanced == ["A red fox curled in fresh snow at dawn"] and problems == []

    chat.answer = RuntimeError("the provider answered 429: slow down")
    controller.enhance("fox in snow")
    await until(lambda: len(enhancing) == 4)
    assert problems == ["Enhance failed: the provider answered 429: slow down"] and len(enhanced) == 1

    changes: list[tuple[bool, str]] = []
    controller.enhancer_changed.connect(lambda available, reason: changes.append((available, reason)))
    context.settings.set("studio.enhance_model", "custom/echo")
    assert asked[-1] == "custom/echo" and changes == [(True, "")]


async def test_gallery_edits_delete_undo_purge_and_save(make_studio, context: AppContext, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    studio = make_studio(EmbeddedApi(FakeImageCompute()))
    gallery = context.gallery
    record = await gallery.save_generated(png_bytes(), ImageMetadata(prompt="a harbour at night", seed=3))
    controller = studio.controller

    async def shown() -> list[int]:
        return [r.id for r in await gallery.query(GalleryQuery())]

    controller.set_favourite(record, True)
    await until(lambda: not context.tasks.running("studio-favourite"))
    assert [r.favourite for r in await gallery.query(GalleryQuery())] == [True]

    controller.delete(record)
    await until(lambda: not context.tasks.names("studio-delete-"))
    assert await shown() == []
    controller.undo_delete(record)
    await until(lambda: not context.tasks.names("studio-undo-"))
    assert await shown() == [record.id]
    controller.delete(record)
    await until(lambda: not context.tasks.names("studio-delete-"))
    controller.finish_delete(record)
    await until(lambda: not record.path.exists())

    kept = await gallery.save_generated(png_bytes(), ImageMetadata(prompt="a lighthouse", seed=4))
    messages: list[tuple[str, str]] = []
    controller.message.connect(lambda title, body: messages.append((title, body)))
    controller.save(kept, tmp_path / "lighthouse.png")
    await until(lambda: bool(messages))
    assert messages == [("Image saved", str(tmp_path / "lighthouse.png"))]
    controller.save(kept, tmp_path / "missing-folder" / "x.png" / "y.png")
    await until(lambda: len(messages) == 2)
    assert messages[1][0] == "The image could not be saved"


class FailsOnce:
    """A Local server factory whose first start fails (a port or disk problem), then works."""

    def __init__(self, api: EmbeddedApi) -> None:
        self.api = api
        self.calls = 0

    def __call__(self, data_dir: Path) -> tuple[object, str]:
        self.calls += 1
        if self.calls == 1:
            raise OSError("the data folder is not writable")
        return self.api(data_dir)


async def test_opening_the_studio_retries_a_failed_connection_but_never_starts_one(make_studio) -> None:  # type: ignore[no-untyped-def]
    factory = FailsOnce(EmbeddedApi(FakeImageCompute()))
    studio = make_studio(factory)  # type: ignore[arg-type]
    controller, connection = studio.controller, studio.connection
    controller.view_opened()  # before the app's start: nothing happens
    assert connection.state == ConnectionState.DISCONNECTED and factory.calls == 0
    controller.start()
    await until(lambda: connection.state == ConnectionState.ERROR)
    assert "not writable" in connection.error_message
    controller.view_opened()
    await until(lambda: connection.state == ConnectionState.CONNECTED)
    assert factory.calls == 2
    controller.view_opened()  # connected: nothing to retry
    assert connection.state == ConnectionState.CONNECTED and factory.calls == 2
