"""Without a data folder or database URL the server uses the platform's data folder, not the cwd."""

from __future__ import annotations

from pathlib import Path

import pytest

from modal_app import settings as settings_module
from modal_app.settings import ServerSettings, default_data_dir


def test_from_env_defaults_to_the_platform_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_data_dir().is_absolute() and default_data_dir().name == "amethyst-studio"
    platform_folder = tmp_path / "platform" / "amethyst-studio"
    monkeypatch.setattr(settings_module, "default_data_dir", lambda: platform_folder)
    monkeypatch.chdir(tmp_path)
    settings = ServerSettings.from_env({})
    assert settings.data_dir == platform_folder
    assert settings.database_url == f"sqlite:///{platform_folder / 'studio.db'}"
    assert not (tmp_path / "studio-data").exists()
    assert ServerSettings.from_env({"AMETHYST_TOKEN_LIFETIME_DAYS": "2"}).token_lifetime == 2 * 86400
