"""Cold start to the main window's first paint (offscreen), next to a bare PySide6 QMainWindow; and, in the
same run, cold start on a fresh data folder until the embedded Studio API answers (``connected_ms``: the
header leaves "Connecting…"), with the CPU time the app used until then (``connected_cpu_ms``: user +
system, which the machine's load does not inflate the way it does wall-clock time).

When a PyInstaller bundle exists in dist/amethyst (``make package``), the bundled app is measured in the
same interleaved runs: ``bundle_ms`` and ``bundle_ratio`` (against the same bare window).

The app starts from byte-compiled modules, as an installed copy does (pip and PyInstaller ship ``.pyc``
files): the sources are compiled once into a temporary ``PYTHONPYCACHEPREFIX`` before the timed runs, even
when ``PYTHONDONTWRITEBYTECODE`` is set (it is on the dev machines, where every start otherwise compiled
the app's modules from source: ~10 ms of CPU before the first paint and ~80 ms more before ``connected_ms``,
which the bare window, all in site-packages with its ``.pyc`` files, never paid). ``--from-source`` measures the
old way (``"bytecode": "source"`` in the JSON).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._calibration import calibration_ms

RUNS = 7
ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "amethyst" / ("amethyst.exe" if sys.platform == "win32" else "amethyst")

BARE = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 820)
class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            print(f"FIRST_PAINT {time.time():.6f}", flush=True)
            watched.removeEventFilter(self)
            QTimer.singleShot(0, app.quit)
        return False
hook = FirstPaint()
window.installEventFilter(hook)
window.show()
app.exec()
"""


def first_paint_ms(command: list[str], environment: dict[str, str]) -> float:
    started = time.time()
    result = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=ROOT, timeout=120)
    for line in result.stdout.splitlines():
        if line.startswith("FIRST_PAINT "):
            return (float(line.split()[1]) - started) * 1000
    raise RuntimeError(f"no first paint reported by {command}: {result.stderr[-2000:]}")


def connected_ms(command: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """(wall ms from launch to ``CONNECTED``, CPU ms of the app process until it exited right after)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    result = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=ROOT, timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_ms = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    for line in result.stdout.splitlines():
        if line.startswith("CONNECTED "):
            _, stamp, state = line.split()
            if state != "state=connected":
                raise RuntimeError(f"the Studio API did not connect ({state}): {result.stderr[-2000:]}")
            return (float(stamp) - started) * 1000, cpu_ms
    raise RuntimeError(f"no connection reported by {command}: {result.stderr[-2000:]}")


def main(args: list[str] | None = None) -> dict:
    from_source = "--from-source" in (args or [])
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH", "")]))
    with (
        tempfile.TemporaryDirectory() as data_dir,
        tempfile.TemporaryDirectory() as bundle_dir,
        tempfile.TemporaryDirectory() as bytecode_dir,
    ):
        if not from_source:
            environment.pop("PYTHONDONTWRITEBYTECODE", None)
            environment["PYTHONPYCACHEPREFIX"] = bytecode_dir  # nothing is written into the checkout
            compile_all = [sys.executable, "-m", "compileall", "-q", "-j", "0", "app", "modal_app"]
            subprocess.run(compile_all, env=environment, cwd=ROOT, check=True, capture_output=True, timeout=300)
        app = [sys.executable, "-m", "app", "--data-dir", data_dir, "--first-paint-exit"]
        bare = [sys.executable, "-c", BARE]
        bundle = [str(BUNDLE), "--data-dir", bundle_dir, "--first-paint-exit"] if BUNDLE.exists() else None
        first_paint_ms(app, environment)  # the first start creates and migrates the database
        first_paint_ms(bare, environment)
        with tempfile.TemporaryDirectory() as fresh:  # caches the bytecode of the libraries the server imports
            connected_ms([sys.executable, "-m", "app", "--data-dir", fresh, "--connected-exit"], environment)
        if bundle:
            first_paint_ms(bundle, environment)
        app_times, bare_times, bundle_times, connected, connected_cpu = [], [], [], [], []
        for _ in range(RUNS):  # interleaved, so all see the same machine load
            bare_times.append(first_paint_ms(bare, environment))
            app_times.append(first_paint_ms(app, environment))
            if bundle:
                bundle_times.append(first_paint_ms(bundle, environment))
            with tempfile.TemporaryDirectory() as fresh:  # a fresh data folder: both databases are created
                wall, cpu = connected_ms(
                    [sys.executable, "-m", "app", "--data-dir", fresh, "--connected-exit"], environment
                )
            connected.append(wall)
            connected_cpu.append(cpu)
    app_ms = statistics.median(app_times)
    bare_ms = statistics.median(bare_times)
    bundle_result: dict[str, float] = {}
    if bundle_times:
        bundle_ms = statistics.median(bundle_times)
        bundle_result = {"bundle_ms": round(bundle_ms, 1), "bundle_ratio": round(bundle_ms / bare_ms, 3)}
    return {
        "name": "startup",
        "runs": RUNS,
        "app_ms": round(app_ms, 1),
        "bare_ms": round(bare_ms, 1),
        "ratio": round(app_ms / bare_ms, 3),
        "connected_ms": round(statistics.median(connected), 1),
        "connected_cpu_ms": round(statistics.median(connected_cpu), 1),
        "bytecode": "source" if from_source else "compiled",
        **bundle_result,
        "calibration_ms": calibration_ms(),
    }
