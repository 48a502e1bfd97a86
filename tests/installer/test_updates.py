"""The update check and download against a real loopback HTTP feed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from app.services.updates import Release, UpdateChecker, UpdateError, is_newer, parse_feed, platform_key

PAYLOAD = b"amethyst package bytes " * 5000


def publish(folder: Path, base: str, version: str, payload: bytes = PAYLOAD, sha256: str | None = None) -> str:
    (folder / "amethyst_new.deb").write_bytes(payload)
    feed = {
        "version": version,
        "date": "2026-05-01",
        "notes": "Faster start.\nA new About dialog.",
        "downloads": {
            platform_key(): {"url": f"{base}/amethyst_new.deb", "sha256": sha256 or hashlib.sha256(payload).hexdigest()}
        },
    }
    (folder / "feed.json").write_text(json.dumps(feed))
    return f"{base}/feed.json"


def test_versions_compare_numerically() -> None:
    assert is_newer("0.10.0", "0.9.9")
    assert is_newer("1.0", "1.0rc2")
    assert not is_newer("1.0.0", "1.0")
    assert not is_newer("v0.1.0", "0.1.0")
    with pytest.raises(UpdateError):
        is_newer("latest", "0.1.0")


def test_feed_without_a_valid_checksum_is_refused() -> None:
    with pytest.raises(UpdateError, match="SHA-256"):
        parse_feed({"version": "1.0", "downloads": {"linux": {"url": "https://x/a.deb", "sha256": "abc"}}}, "linux")
    with pytest.raises(UpdateError, match="http"):
        parse_feed(
            {"version": "1.0", "downloads": {"linux": {"url": "file:///etc/passwd", "sha256": "a" * 64}}}, "linux"
        )
    assert parse_feed({"version": "1.0"}, "linux").url == ""


async def test_newer_release_is_announced_and_downloaded_verified(feed_server, tmp_path: Path) -> None:
    base, folder = feed_server
    url = publish(folder, base, "0.2.0")
    checker = UpdateChecker(lambda: url, "0.1.0")
    announced: list[Release] = []
    checker.available.connect(announced.append)
    release = await checker.check()
    assert isinstance(release, Release) and announced == [release]
    assert release.version == "0.2.0" and release.notes.startswith("Faster start.")
    progress: list[tuple[int, int]] = []
    checker.progress.connect(lambda received, total: progress.append((received, total)))
    path = await checker.download(release, tmp_path / "updates")
    assert path.read_bytes() == PAYLOAD
    assert path.name == "amethyst_new.deb"
    assert progress[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert not list((tmp_path / "updates").glob("*.part"))


async def test_same_version_is_up_to_date(feed_server) -> None:
    base, folder = feed_server
    checker = UpdateChecker(lambda: publish(folder, base, "0.1.0"), "0.1.0")
    seen: list[str] = []
    checker.up_to_date.connect(seen.append)
    assert await checker.check() is None
    assert seen == ["0.1.0"]


async def test_a_file_that_does_not_match_its_checksum_is_deleted(feed_server, tmp_path: Path) -> None:
    base, folder = feed_server
    url = publish(folder, base, "0.2.0", sha256=hashlib.sha256(b"something else").hexdigest())
    checker = UpdateChecker(lambda: url, "0.1.0")
    release = await checker.check()
    assert release is not None
    with pytest.raises(UpdateError, match="does not match"):
        await checker.download(release, tmp_path / "updates")
    assert list((tmp_path / "updates").iterdir()) == []


async def test_broken_or_missing_feed_fails_quietly(feed_server) -> None:
    base, folder = feed_server
    (folder / "broken.json").write_text("{not json")
    for url in (f"{base}/broken.json", f"{base}/missing.json"):
        checker = UpdateChecker(lambda url=url: url, "0.1.0")
        failures: list[str] = []
        checker.failed.connect(failures.append)
        assert await checker.check() is None
        assert len(failures) == 1 and "update check failed" in failures[0]
    assert await UpdateChecker(lambda: "", "0.1.0").check() is None  # no feed set: no request at all
