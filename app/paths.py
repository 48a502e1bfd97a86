"""Where the app keeps its files: one data folder (platformdirs' user data dir, or --data-dir)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

APP_NAME = "Amethyst"


@dataclass(frozen=True)
class Paths:
    data_dir: Path

    @classmethod
    def resolve(cls, data_dir: str | Path | None) -> Paths:
        if data_dir:
            root = Path(data_dir).expanduser().resolve()
        else:
            from platformdirs import user_data_path  # only without --data-dir: it costs ~3 ms at start-up

            root = user_data_path(APP_NAME, appauthor=False)
        root.mkdir(parents=True, exist_ok=True)
        return cls(root)

    @property
    def settings_file(self) -> Path:
        return self.data_dir / "settings.json"

    @property
    def ui_state_file(self) -> Path:
        return self.data_dir / "state.json"

    @property
    def database(self) -> Path:
        return self.data_dir / "amethyst.db"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    def folder(self, name: str) -> Path:
        """A sub-folder of the data folder (gallery, exports, cache…), created on first use."""
        path = self.data_dir / name
        path.mkdir(parents=True, exist_ok=True)
        return path
