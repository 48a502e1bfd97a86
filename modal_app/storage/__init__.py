"""Where result images live: a folder on disk (local server, SQLite) or S3-compatible object storage (cloud).

The database keeps only each image's key (``job_images.object_key``); the bytes go here, so Postgres and
its backups stay small. ``open_storage(spec, data_dir)`` picks the kind from a spec string:

* ``None`` or ``""``: the folder ``<data_dir>/results``;
* ``file:///some/folder`` or a plain path: that folder;
* ``s3://bucket/optional/prefix``: S3 or any S3-compatible service (Backblaze B2, Cloudflare R2, MinIO);
  the endpoint and region come from ``endpoint_url``/``region`` (or boto3's own ``AWS_ENDPOINT_URL``,
  ``AWS_DEFAULT_REGION``), the keys from boto3's usual chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``).
"""

from __future__ import annotations

import abc
from pathlib import Path
from urllib.parse import urlparse


class StorageError(RuntimeError):
    """The object store refused or could not be reached; the job's finishing write is retried later."""


class ResultStorage(abc.ABC):
    """Bytes by key. Keys are ``<job id>/<index>.png``: ASCII, no leading slash, no ``..``."""

    @abc.abstractmethod
    def put(self, key: str, data: bytes, content_type: str = "image/png") -> None:
        """Store ``data`` under ``key``, replacing what was there; raises StorageError."""

    @abc.abstractmethod
    def get(self, key: str) -> bytes | None:
        """The bytes under ``key``, or None when there are none; raises StorageError."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key`` (no error when it is missing)."""


def result_key(job_id: str, index: int) -> str:
    return f"{job_id}/{index}.png"


def open_storage(
    spec: str | None, data_dir: Path | None, endpoint_url: str | None = None, region: str | None = None
) -> ResultStorage:
    """The storage a spec names (see the module docstring); raises ValueError for an unknown scheme."""
    from modal_app.storage.folder import FolderStorage

    if not spec:
        if data_dir is None:
            raise ValueError("result storage needs a data folder or an s3:// location")
        return FolderStorage(data_dir / "results")
    parsed = urlparse(spec)
    if parsed.scheme == "s3":
        from modal_app.storage.s3 import S3Storage

        if not parsed.netloc:
            raise ValueError(f"no bucket in {spec!r} (expected s3://bucket/prefix)")
        return S3Storage.connect(parsed.netloc, parsed.path.strip("/"), endpoint_url=endpoint_url, region=region)
    if parsed.scheme == "file":
        return FolderStorage(Path(parsed.path))
    if parsed.scheme == "":
        return FolderStorage(Path(spec))
    raise ValueError(f"unknown result storage {spec!r}: use a folder, file:///folder or s3://bucket/prefix")
