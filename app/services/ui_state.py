"""Window state kept between runs (sidebar, last place, geometry) in a small JSON file.

It is read before the window is first painted, so it lives beside the settings rather than in the
database, whose engine is opened only once a place needs it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class UiStateStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._values: dict[str, Any] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                self._values = data
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as error:
            log.warning("window state %s unreadable (%s); starting with defaults", path, error)

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        if self._values.get(key) == value:
            return
        self._values[key] = value
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self._values, indent=1), encoding="utf-8")
        temporary.replace(self.path)
