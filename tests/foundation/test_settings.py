import json
from pathlib import Path

import pytest

from app.config import REGISTRY, Setting, Settings, registry_by_key


def test_defaults_when_no_file(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "settings.json", environ={})
    for setting in REGISTRY:
        assert settings.get(setting.key) == setting.default
    assert settings.notices == []


def test_round_trip_through_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings.load(path, environ={})
    settings.set("connection.kind", "cloud")
    settings.set("connection.cloud_url", "https://example.test")
    settings.set("general.close_to_tray", False)
    again = Settings.load(path, environ={})
    assert again.get("connection.kind") == "cloud"
    assert again.get("connection.cloud_url") == "https://example.test"
    assert again.get("general.close_to_tray") is False
    assert json.loads(path.read_text())["connection.kind"] == "cloud"


def test_set_rejects_wrong_type_and_unknown_choice(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "settings.json", environ={})
    with pytest.raises(ValueError, match=r"connection\.kind"):
        settings.set("connection.kind", "satellite")
    with pytest.raises(ValueError, match="true or false"):
        settings.set("general.close_to_tray", "maybe")
    assert settings.get("connection.kind") == "local"


def test_precedence_defaults_file_environment_arguments(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"connection.cloud_url": "https://file.test", "general.close_to_tray": False}))
    settings = Settings.load(
        path,
        environ={"AMETHYST_CONNECTION_CLOUD_URL": "https://env.test", "AMETHYST_GENERAL_CLOSE_TO_TRAY": "yes"},
        arguments={"connection.cloud_url": "https://args.test"},
    )
    assert settings.get("connection.cloud_url") == "https://args.test"
    assert settings.get("general.close_to_tray") is True
    assert settings.is_overridden("connection.cloud_url")
    settings.set("connection.cloud_url", "https://saved.test")  # persisted, but the override still wins this run
    assert json.loads(path.read_text())["connection.cloud_url"] == "https://saved.test"
    assert settings.get("connection.cloud_url") == "https://args.test"


def test_bad_override_is_a_notice_not_a_crash(tmp_path: Path) -> None:
    settings = Settings.load(
        tmp_path / "s.json", environ={"AMETHYST_CONNECTION_KIND": "moon"}, arguments={"no.such": "1"}
    )
    assert settings.get("connection.kind") == "local"
    assert any("AMETHYST_CONNECTION_KIND" in notice for notice in settings.notices)
    assert any("no.such" in notice for notice in settings.notices)


def test_wrongly_typed_value_in_file_is_dropped_with_notice(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"general.close_to_tray": "often", "future.setting": 3}))
    settings = Settings.load(path, environ={})
    assert settings.get("general.close_to_tray") is True
    assert any("general.close_to_tray" in notice for notice in settings.notices)
    settings.set("connection.kind", "cloud")
    assert json.loads(path.read_text())["future.setting"] == 3  # kept for a newer version of the app


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "\xff\xfe"])
def test_broken_file_is_backed_up_and_replaced_by_defaults(tmp_path: Path, content: str) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content.encode("latin-1"))
    settings = Settings.load(path, environ={})
    assert settings.get("connection.kind") == "local"
    backups = list(tmp_path.glob("settings.broken-*.json"))
    assert len(backups) == 1
    assert backups[0].read_bytes() == content.encode("latin-1")
    assert json.loads(path.read_text()) == {}
    assert settings.notices and backups[0].name in settings.notices[0]


def test_registry_entries_are_well_formed() -> None:
    for setting in REGISTRY:
        assert setting.coerce(setting.default) == setting.default
        assert setting.label and setting.group
    assert len(registry_by_key()) == len(REGISTRY)


def test_int_and_float_settings_coerce() -> None:
    whole = Setting("a.b", int, 1, "A", "G")
    assert whole.coerce("42") == 42
    with pytest.raises(ValueError):
        whole.coerce(True)
    number = Setting("a.c", float, 0.5, "C", "G")
    assert number.coerce("0.25") == 0.25
    with pytest.raises(ValueError):
        number.coerce("lots")


def test_typed_accessors_read_and_write_through_the_same_values(tmp_path: Path) -> None:
    from app.config import CATALOG_REFRESH_TIMEOUT, CONNECTION_CLOUD_URL, CONNECTION_KIND, GENERAL_CLOSE_TO_TRAY

    path = tmp_path / "settings.json"
    settings = Settings.load(path, environ={"AMETHYST_CATALOG_REFRESH_TIMEOUT": "2.5"})
    seen: list[tuple[str, object]] = []
    settings.on_change(lambda key, value: seen.append((key, value)))
    settings.put(CONNECTION_KIND, "cloud")
    settings.put(GENERAL_CLOSE_TO_TRAY, False)
    assert settings.value(CONNECTION_KIND) == settings.get("connection.kind") == "cloud"
    assert settings.value(GENERAL_CLOSE_TO_TRAY) is False
    assert settings.value(CATALOG_REFRESH_TIMEOUT) == 2.5 and settings.is_overridden(CATALOG_REFRESH_TIMEOUT)
    assert settings.value(CONNECTION_CLOUD_URL) == ""
    assert seen == [("connection.kind", "cloud"), ("general.close_to_tray", False)]
    with pytest.raises(ValueError, match="satellite"):
        settings.put(CONNECTION_KIND, "satellite")
    assert Settings.load(path, environ={}).value(CONNECTION_KIND) == "cloud"


def test_every_registered_setting_is_a_typed_constant_of_its_module() -> None:
    import app.config as config

    constants = {name: value for name, value in vars(config).items() if isinstance(value, Setting)}
    assert sorted(constants.values(), key=lambda s: s.key) == sorted(REGISTRY, key=lambda s: s.key)
    for name, setting in constants.items():
        assert name == setting.key.upper().replace(".", "_")
        assert isinstance(setting.default, setting.type)
