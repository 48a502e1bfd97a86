"""Marketplace, Chat and Studio at 100, 150 and 200 % (issue 20): each run in its own process, since the
scale is read once at start. The window's pixels, the sidebar logo and the gallery thumbnails follow the
scale; the screenshots go to artifacts/screenshots/hidpi-<place>-<percent>.png for a person to look at."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# This module renders in a subprocess per scale:
# on a loaded machine that can outlast the suite's 60 s hang guard (pyproject); its own waits, which allow
# longer, are what bound it.
pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[2]
SCALES = (1.0, 1.5, 2.0)
SHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def facts() -> dict[float, dict[str, object]]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    runs = {}
    for scale in SCALES:  # started together: each is mostly waiting on its own start-up
        environ = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": str(scale)}
        runs[scale] = subprocess.Popen(
            [sys.executable, "-m", "tests.foundation.hidpi_screens", str(SHOTS)],
            cwd=ROOT,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    found = {}
    for scale, run in runs.items():
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err[-2000:]
        found[scale] = json.loads(out.strip().splitlines()[-1])
    return found


@pytest.mark.parametrize("scale", SCALES)
def test_places_logo_and_thumbnails_follow_the_scale(facts: dict[float, dict[str, object]], scale: float) -> None:
    seen = facts[scale]
    assert seen["window_ratio"] == scale
    for place in ("marketplace", "chat", "studio"):
        assert seen[f"{place}_pixels"] == [round(1280 * scale), round(800 * scale)]
        assert (SHOTS / f"hidpi-{place}-{round(scale * 100)}.png").exists()
    assert seen["logo_ratio"] == scale and seen["logo_pixels"] == [round(26 * scale)] * 2
    assert seen["thumbnail_ratio"] == scale
    assert seen["thumbnail_pixels"] == [[round(176 * scale), round(176 * scale)]]
