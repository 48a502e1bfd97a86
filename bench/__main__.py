"""``python -m bench NAME`` runs ``bench/NAME.py``'s ``main()`` and prints its result as one JSON line.

``python -m bench all`` runs every benchmark in turn. Budgets are in DESIGN.md; benchmarks report, tests
never time anything.
"""

from __future__ import annotations

import json
import os
import pkgutil
import sys
from importlib import import_module
from pathlib import Path


def available() -> list[str]:
    folder = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if not m.name.startswith("_"))


def run(name: str) -> dict:
    module = import_module(f"bench.{name}")
    result = module.main()
    if "calibration_ms" not in result:  # figures from machines that differ 2x are only comparable with it
        raise RuntimeError(f"bench {name} reports no calibration_ms (add bench._calibration.calibration_ms())")
    return result


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    names = available()
    if len(argv) != 1 or (argv[0] != "all" and argv[0] not in names):
        print(f"usage: python -m bench {{all,{','.join(names)}}}", file=sys.stderr)
        return 2
    for name in names if argv[0] == "all" else argv:
        print(json.dumps(run(name)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
