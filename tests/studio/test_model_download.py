"""The managed model download against a loopback Hugging Face Hub (``HF_ENDPOINT``): progress, cancel,
resume, free-disk check, a full disk, a damaged file, a gated model."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.services.studio import model_download
from app.services.studio.model_download import (
    CorruptFile,
    DiskFull,
    DownloadCancelled,
    GatedModel,
    NotEnoughDisk,
    bytes_on_disk,
    download,
    is_complete,
)
from modal_app.contract import COMPLETE_MARKER, MANAGED_MODELS
from tests.fakes.chat_servers import ServerThread
from tests.fakes.hf_hub_fake import ACCEPTED_TOKEN, HubLog, HubRepo, git_blob_id, hub_app

MODEL = MANAGED_MODELS[0]
WEIGHTS = "unet/diffusion_pytorch_model.safetensors"


def repo_files() -> dict[str, bytes]:
    """A diffusers-shaped repository: the files the allow-list takes, and two it leaves."""
    return {
        "model_index.json": b'{"_class_name": "StableDiffusionPipeline"}',
        "scheduler/scheduler_config.json": b'{"_class_name": "EulerDiscreteScheduler"}',
        "unet/config.json": b'{"sample_size": 16}',
        WEIGHTS: os.urandom(3 * 1024 * 1024 + 123),
        "text_encoder/config.json": b"{}",
        "text_encoder/model.safetensors": os.urandom(700_000),
        "README.md": b"# not needed",
        "unet/diffusion_pytorch_model.fp16.bin": b"not in the allow-list",
    }


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[HubRepo, HubLog]]:
    repo, log = HubRepo(repo_files()), HubLog()
    server = ServerThread(hub_app({MODEL.repo: repo}, log)).start()
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    yield repo, log
    log.release.set()  # a body held for a test ends with the server
    server.stop()


def wanted_size(repo: HubRepo) -> int:
    return sum(len(data) for path, data in repo.files.items() if path not in ("README.md",) and ".fp16." not in path)


def run(folder: Path, cancel: threading.Event | None = None, **options: object) -> list[tuple[int, int]]:
    reports: list[tuple[int, int]] = []
    download(MODEL, folder, cancel=cancel or threading.Event(), report=lambda d, t: reports.append((d, t)), **options)  # type: ignore[arg-type]
    return reports


def test_downloads_the_allowed_files_with_progress_and_marks_the_folder_complete(  # type: ignore[no-untyped-def]
    hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, log = hub
    monkeypatch.setattr(model_download, "REPORT_EVERY", 0.0)
    folder = tmp_path / "models" / MODEL.id
    reports = run(folder)
    total = wanted_size(repo)
    assert reports[-1] == (total, total)
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)  # never goes back
    assert all(t == total for _, t in reports) and len(reports) > 3
    assert (folder / WEIGHTS).read_bytes() == repo.files[WEIGHTS]
    assert not (folder / "README.md").exists() and not (folder / "unet/diffusion_pytorch_model.fp16.bin").exists()
    assert is_complete(folder) and "stabilityai/sd-turbo@" in (folder / COMPLETE_MARKER).read_text()
    assert not (folder / ".partial").exists()
    assert log.tokens and set(log.tokens) == {""}  # no token was asked for, none was sent


def test_cancel_keeps_the_part_and_a_new_download_resumes_it_with_a_range(  # type: ignore[no-untyped-def]
    hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, log = hub
    monkeypatch.setattr(model_download, "REPORT_EVERY", 0.0)  # every chunk reported: Cancel lands mid-file
    folder = tmp_path / MODEL.id
    cancel = threading.Event()
    reports: list[tuple[int, int]] = []

    def report(done: int, total: int) -> None:
        reports.append((done, total))
        if done > 1_500_000:
            cancel.set()  # the person presses Cancel halfway through the big file

    with pytest.raises(DownloadCancelled, match="resumes"):
        download(MODEL, folder, cancel=cancel, report=report)
    kept = bytes_on_disk(folder)
    part = folder / ".partial" / f"{WEIGHTS}.part"
    assert part.stat().st_size > 0 and not is_complete(folder)
    assert 0 < kept < wanted_size(repo)

    # "After a restart": a new download of the same folder (fresh state, nothing in memory).
    log.requests.clear()
    log.sent = 0
    reports = run(folder)
    assert reports[0][0] == kept  # the bar starts where it stopped
    ranges = [wanted for method, path, wanted in log.requests if path == WEIGHTS]
    assert ranges and ranges[0].startswith("bytes=") and ranges[0] != "bytes=0-"
    assert log.sent == wanted_size(repo) - kept  # nothing fetched twice
    assert (folder / WEIGHTS).read_bytes() == repo.files[WEIGHTS] and is_complete(folder)


def test_cancel_ends_a_download_the_hub_stalled_at_once(  # type: ignore[no-untyped-def]
    hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hub stops sending mid-file and Cancel is pressed: the blocked read is cut then, not at a next chunk
    that never comes (the read timeout is two minutes; the test's own time limit fails it long before)."""
    repo, log = hub
    monkeypatch.setattr(model_download, "REPORT_EVERY", 0.0)
    log.hold_after = 1_000_000
    folder = tmp_path / MODEL.id
    cancel = threading.Event()

    def press_cancel_once_stalled() -> None:
        while log.sent < 1_000_000:
            time.sleep(0.01)
        cancel.set()

    presser = threading.Thread(target=press_cancel_once_stalled, daemon=True)
    presser.start()
    with pytest.raises(DownloadCancelled, match="resumes"):
        run(folder, cancel)
    presser.join()
    assert 0 < bytes_on_disk(folder) < wanted_size(repo) and not is_complete(folder)


def test_a_part_of_another_version_of_the_file_starts_over(hub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo, _log = hub
    folder = tmp_path / MODEL.id
    part = folder / ".partial" / f"{WEIGHTS}.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"x" * 1000)
    (folder / ".partial" / f"{WEIGHTS}.blob").write_text(git_blob_id(b"an older file"), encoding="utf-8")
    run(folder)
    assert (folder / WEIGHTS).read_bytes() == repo.files[WEIGHTS]


def test_too_little_free_disk_stops_before_any_byte_is_fetched(hub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _repo, log = hub
    folder = tmp_path / MODEL.id
    seen: list[str] = []

    def disk_usage(path: str) -> SimpleNamespace:
        seen.append(path)
        return SimpleNamespace(free=1_000_000, total=10**9, used=10**9 - 1_000_000)

    with pytest.raises(NotEnoughDisk, match=r"needs .* free .* 1 MB is free"):
        run(folder, disk_usage=disk_usage)
    assert seen and Path(seen[0]) in (folder, *folder.parents)
    assert not [request for request in log.requests if request[0] == "GET"] and log.sent == 0


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux) to fill a disk for real")
def test_a_disk_that_fills_up_says_so_and_keeps_what_arrived(hub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo, _log = hub
    folder = tmp_path / MODEL.id
    partial = folder / ".partial" / "unet"
    partial.mkdir(parents=True)
    # The big file's part is written to /dev/full, where every write fails with ENOSPC.
    (partial / "diffusion_pytorch_model.safetensors.part").symlink_to("/dev/full")
    (partial / "diffusion_pytorch_model.safetensors.blob").write_text(git_blob_id(repo.files[WEIGHTS]))
    with pytest.raises(DiskFull, match=r"disk is full.*resume"):
        run(folder)
    assert not is_complete(folder)
    assert (folder / "model_index.json").is_file()  # the files that arrived stay


def test_a_damaged_file_is_removed_and_named(hub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo, _log = hub
    folder = tmp_path / MODEL.id
    repo.corrupt.add(WEIGHTS)
    with pytest.raises(CorruptFile, match=f"{WEIGHTS} arrived damaged.*checksum"):
        run(folder)
    assert not (folder / WEIGHTS).exists() and not (folder / ".partial" / f"{WEIGHTS}.part").exists()
    assert not is_complete(folder)
    repo.corrupt.clear()  # a later try gets good bytes
    run(folder)
    assert hashlib.sha256((folder / WEIGHTS).read_bytes()).digest() == hashlib.sha256(repo.files[WEIGHTS]).digest()


def test_a_gated_model_asks_to_accept_its_terms(hub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo, log = hub
    repo.gated = True
    folder = tmp_path / MODEL.id
    with pytest.raises(GatedModel, match=rf"accept the terms .*{MODEL.repo}|{MODEL.repo}.*accept the terms"):
        run(folder)
    assert not is_complete(folder)
    run(folder, token=ACCEPTED_TOKEN)  # with the person's Hugging Face token the files come
    assert is_complete(folder) and ACCEPTED_TOKEN in log.tokens


def test_an_unreachable_hub_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fakes.chat_servers import free_port

    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(model_download.DownloadError, match="Could not reach"):
        run(tmp_path / MODEL.id)
