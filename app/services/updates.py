"""Update check against a JSON release feed, and a download that verifies its SHA-256. Nothing is installed.

The feed (its URL is the ``updates.feed_url`` setting) is one JSON object::

    {"version": "0.2.0", "date": "2026-05-01", "notes": "What changed…",
     "downloads": {"linux": {"url": "https://…/amethyst_0.2.0_amd64.deb", "sha256": "<64 hex digits>"},
                   "windows": {…}, "macos": {…}}}

``UpdateChecker.check()`` fetches it and emits ``available`` with a ``Release`` when its version is newer
than the running one; ``download()`` streams the file for this platform into a folder, checks its SHA-256
and keeps it only when the digest matches. Installing is left to the person.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx
from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

FEED_TIMEOUT_S = 10.0
DOWNLOAD_TIMEOUT_S = 60.0  # per read, not for the whole file
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_VERSION = re.compile(r"^v?(\d+(?:\.\d+)*)(?:[-.]?(a|b|rc|dev)\.?(\d*))?$")
_PRE_RANK = {"dev": 0, "a": 1, "b": 2, "rc": 3}


class UpdateError(Exception):
    """The feed could not be read, is malformed, or a download failed or did not match its checksum."""


@dataclass(frozen=True)
class Release:
    version: str
    date: str
    notes: str
    url: str  # the download for this platform; "" when the feed has none
    sha256: str

    @property
    def file_name(self) -> str:
        name = Path(unquote(urlparse(self.url).path)).name
        return re.sub(r"[^A-Za-z0-9._-]", "_", name) or f"amethyst-{self.version}"


def platform_key(platform: str = sys.platform) -> str:
    """The feed's key for this platform: ``linux``, ``windows`` or ``macos``."""
    if platform.startswith("win"):
        return "windows"
    if platform == "darwin":
        return "macos"
    return "linux"


def version_key(text: str) -> tuple[tuple[int, ...], int, int]:
    """A sortable key for ``1.2``, ``1.2.0``, ``v1.3.0rc1``; ``UpdateError`` for anything else.
    A pre-release sorts before its release; trailing zeros do not count (1.2 == 1.2.0)."""
    match = _VERSION.match(text.strip())
    if match is None:
        raise UpdateError(f"{text!r} is not a version number")
    numbers = [int(part) for part in match.group(1).split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    pre = match.group(2)
    return tuple(numbers), _PRE_RANK[pre] if pre else 4, int(match.group(3) or 0)


def is_newer(candidate: str, current: str) -> bool:
    return version_key(candidate) > version_key(current)


def parse_feed(data: Any, platform: str | None = None) -> Release:
    """The release a feed describes, with this platform's download; ``UpdateError`` when malformed."""
    if not isinstance(data, dict):
        raise UpdateError("the release feed is not a JSON object")
    version = data.get("version")
    if not isinstance(version, str):
        raise UpdateError("the release feed has no version")
    version_key(version)
    downloads = data.get("downloads") or {}
    if not isinstance(downloads, dict):
        raise UpdateError("the release feed's downloads are not an object")
    entry = downloads.get(platform or platform_key()) or {}
    url = entry.get("url", "") if isinstance(entry, dict) else ""
    sha256 = entry.get("sha256", "") if isinstance(entry, dict) else ""
    if url:
        if urlparse(url).scheme not in {"https", "http"}:
            raise UpdateError(f"the download URL {url!r} is not http(s)")
        if not isinstance(sha256, str) or not _SHA256.match(sha256):
            raise UpdateError("the download has no valid SHA-256 in the feed")
    return Release(
        version=version.strip(),
        date=str(data.get("date", "")),
        notes=str(data.get("notes", "")),
        url=url,
        sha256=str(sha256).lower(),
    )


class UpdateChecker(QObject):
    """Checks one feed for a newer release and downloads it on request (QtCore only)."""

    available = Signal(object)  # Release, newer than the running version
    up_to_date = Signal(str)  # the feed's version
    failed = Signal(str)  # a sentence for the person
    progress = Signal(int, int)  # bytes received, total bytes (0 when unknown)

    def __init__(
        self,
        feed_url: Callable[[], str],
        current_version: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__()
        self._feed_url = feed_url
        self.current_version = current_version
        self._transport = transport
        self.latest: Release | None = None

    def _client(self, timeout: float) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self._transport,
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            headers={"User-Agent": f"Amethyst/{self.current_version}"},
        )

    async def check(self) -> Release | None:
        """The newer release, or None when up to date or no feed is set. Failures are emitted on
        ``failed`` and logged, never raised: an update check must not disturb the app."""
        url = self._feed_url().strip()
        if not url:
            return None
        try:
            async with self._client(FEED_TIMEOUT_S) as client:
                response = await client.get(url)
                response.raise_for_status()
                release = parse_feed(response.json())
        except (httpx.HTTPError, ValueError, UpdateError) as error:
            message = f"The update check failed: {error}"
            log.info("%s (feed %s)", message, url)
            self.failed.emit(message)
            return None
        if not is_newer(release.version, self.current_version):
            self.up_to_date.emit(release.version)
            return None
        log.info("Amethyst %s is available (running %s)", release.version, self.current_version)
        self.latest = release
        self.available.emit(release)
        return release

    async def download(self, release: Release, folder: Path) -> Path:
        """Streams the release's file into ``folder`` and returns its path once its SHA-256 matches.

        Raises ``UpdateError`` when there is no download for this platform, the transfer fails, or the
        digest differs; a partial or mismatching file is removed."""
        if not release.url:
            raise UpdateError(f"Amethyst {release.version} has no download for this platform")
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / release.file_name
        partial = target.with_name(target.name + ".part")
        digest = hashlib.sha256()
        try:
            async with self._client(DOWNLOAD_TIMEOUT_S) as client, client.stream("GET", release.url) as response:
                response.raise_for_status()
                total = int(response.headers.get("Content-Length", 0) or 0)
                received = 0
                with partial.open("wb") as file:
                    async for chunk in response.aiter_bytes(1 << 16):
                        file.write(chunk)
                        digest.update(chunk)
                        received += len(chunk)
                        self.progress.emit(received, total)
        except (httpx.HTTPError, OSError) as error:
            partial.unlink(missing_ok=True)
            raise UpdateError(f"The download failed: {error}") from error
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        if digest.hexdigest() != release.sha256:
            partial.unlink(missing_ok=True)
            raise UpdateError(
                f"The downloaded file does not match the release's SHA-256 (got {digest.hexdigest()[:12]}…, "
                f"expected {release.sha256[:12]}…); it was deleted."
            )
        partial.replace(target)
        return target
