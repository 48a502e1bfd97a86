"""Start-up costs cut without changing behaviour: PySide's check of every import after it (does the module use
PySide?) reads file bytes, not tokenized source, from the app's start on and gives PySide's own answers; and no
collector pass runs while the start-up loads, with collection back on after it. Each check runs in a fresh
interpreter: both are process-wide."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

COMPARE = """
import json, linecache, sys
from app.pyside_imports import MARKER, install
first, second = install(), install()
# PySide checks the module each import statement hands back: ``from a.b import c`` checks ``a.b``
from csv import reader                                  # plain, extension and package modules, no Qt
import _csv, tomllib
from app.views.qt_enums import set_enum_property        # modules that import PySide6
from app.services.navigation import Navigator
from sqlalchemy.sql import operators                    # a large library package
feature = sys.modules["shibokensupport.feature"]
check = feature._mod_uses_pyside
original = check.__closure__[0].cell_contents           # PySide's own check, kept by byte_check
names = [n for n, v in feature.pyside_feature_dict.items() if v in (0, -1) and n in sys.modules]
mismatched = [n for n in names if (feature.pyside_feature_dict[n] == 0) != original(sys.modules[n])]
print(json.dumps({
    "installed": [first, second], "marked": getattr(check, MARKER, False), "checked": len(names),
    "mismatched": mismatched, "verdicts": {n: feature.pyside_feature_dict.get(n) for n in
        ("csv", "_csv", "tomllib", "app.views.qt_enums", "app.services.navigation", "sqlalchemy.sql")},
}))
"""


def python(*arguments: str) -> subprocess.CompletedProcess[str]:
    environment = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    return subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, env=environment, cwd=ROOT, timeout=120
    )


def test_the_byte_check_gives_pysides_answers_for_every_module_imported_after_it() -> None:
    result = python("-c", COMPARE)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["installed"] == [True, False]  # once; a second call changes nothing
    assert report["marked"] is True
    assert report["checked"] > 20  # every module imported since, the libraries' own imports included
    assert report["mismatched"] == []
    assert report["verdicts"] == {
        "csv": -1,
        "_csv": -1,
        "tomllib": -1,
        "app.views.qt_enums": 0,
        "app.services.navigation": 0,
        "sqlalchemy.sql": -1,
    }


def test_the_app_installs_the_byte_check_before_anything_imports_qt(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from app.__main__ import main\n"
        "assert 'shiboken6' not in sys.modules\n"
        f"code = main(['--data-dir', {str(tmp_path / 'data')!r}, '--first-paint-exit'])\n"
        "from app.pyside_imports import MARKER\n"
        "check = sys.modules['shibokensupport.feature']._mod_uses_pyside\n"
        "print('BYTE_CHECK', code, getattr(check, MARKER, False))\n"
    )
    result = python("-c", script)
    assert result.returncode == 0, result.stderr
    assert "BYTE_CHECK 0 True" in result.stdout.splitlines()


def test_no_collector_pass_while_the_start_up_loads_and_collection_is_back_after(tmp_path: Path) -> None:
    script = (
        "import gc, sys\n"
        "from app.__main__ import main\n"
        "import app.views.main_window as main_window\n"
        "seen = []\n"
        "build = main_window.MainWindow.__init__\n"
        "def recording(self, *args, **kwargs):\n"
        "    seen.append(gc.isenabled())\n"
        "    build(self, *args, **kwargs)\n"
        "main_window.MainWindow.__init__ = recording\n"
        f"code = main(['--data-dir', {str(tmp_path / 'data')!r}, '--first-paint-exit'])\n"
        "print('COLLECTOR', code, seen, gc.isenabled())\n"
    )
    result = python("-c", script)
    assert result.returncode == 0, result.stderr
    assert "COLLECTOR 0 [False] True" in result.stdout.splitlines()
