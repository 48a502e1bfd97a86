"""The one task runner and the app's executors."""

from __future__ import annotations

import asyncio
import threading

import pytest

from app.tasks import TaskRunner, Workers, WorkersClosed


async def test_a_named_task_replaces_its_predecessor() -> None:
    runner = TaskRunner()
    first = runner.start("search", asyncio.sleep(10))
    second = runner.start("search", asyncio.sleep(10))
    await asyncio.sleep(0)
    assert first.cancelled()
    assert runner.get("search") is second
    assert runner.names("sea") == ["search"]
    runner.cancel_prefix("sea")
    await asyncio.sleep(0)
    assert second.cancelled()
    assert not runner.running("search")


async def test_replace_false_keeps_the_running_task() -> None:
    runner = TaskRunner()
    first = runner.start("load", asyncio.sleep(10))
    assert runner.start("load", asyncio.sleep(10), replace=False) is first
    runner.cancel_all()


async def test_a_failure_reaches_the_reporter_once() -> None:
    seen: list[tuple[str, BaseException]] = []
    runner = TaskRunner(lambda name, error: seen.append((name, error)))

    async def boom() -> None:
        raise ValueError("bad")

    task = runner.start("boom", boom())
    with pytest.raises(ValueError):
        await task
    await asyncio.sleep(0)
    assert [(name, str(error)) for name, error in seen] == [("boom", "bad")]


def test_starting_without_a_loop_is_an_error_and_leaves_no_unawaited_coroutine() -> None:
    async def work() -> None:
        pass

    coroutine = work()
    with pytest.raises(RuntimeError):
        TaskRunner().start("x", coroutine)
    assert coroutine.cr_frame is None  # closed


async def test_workers_keep_database_work_in_order_and_refuse_after_shutdown() -> None:
    workers = Workers()
    order: list[int] = []
    names: set[str] = set()

    def record(value: int) -> None:
        names.add(threading.current_thread().name)
        order.append(value)

    await asyncio.gather(*(workers.db(record, i) for i in range(20)))
    assert order == list(range(20))
    assert len(names) == 1
    assert await workers.blocking(sum, [1, 2, 3]) == 6
    workers.shutdown()
    workers.shutdown()  # twice is fine
    with pytest.raises(WorkersClosed):
        await workers.db(record, 1)
