"""Result images as files in a folder (the local server's data folder, or a mounted volume)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from modal_app.storage import ResultStorage, StorageError


class FolderStorage(ResultStorage):
    """``<root>/<key>``; writes go to a temporary file first and are renamed, so a reader never sees half
    an image and a crash leaves no torn file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if not key or key.startswith("/") or any(part in {"", ".", ".."} for part in parts):
            raise ValueError(f"bad storage key {key!r}")
        return self.root.joinpath(*parts)

    def put(self, key: str, data: bytes, content_type: str = "image/png") -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(prefix=".part-", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise StorageError(f"cannot write {path}: {error}") from error

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StorageError(f"cannot read {path}: {error}") from error

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
