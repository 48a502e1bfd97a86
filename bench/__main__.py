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


def run(name: str, args: list[str] | None = None) -> dict:
    module = import_module(f"bench.{name}")
    result = module.main(args) if args else module.main()
    if "calibration_ms" not in result:  # figures from machines that differ 2x are only comparable with it
        raise RuntimeError(f"bench {name} reports no calibration_ms (add bench._calibration.calibration_ms())")
    return result


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    names = available()
    if not argv or (argv[0] != "all" and argv[0] not in names) or (argv[0] == "all" and len(argv) > 1):
        print(f"usage: python -m bench {{all,{','.join(names)}}} [options of that benchmark]", file=sys.stderr)
        return 2
    if argv[0] != "all":  # e.g. python -m bench api --inflight 1000
        print(json.dumps(run(argv[0], argv[1:])), flush=True)
        return 0
    for name in names:
        print(json.dumps(run(name)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
