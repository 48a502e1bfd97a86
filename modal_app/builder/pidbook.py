"""``PidBook``: the processes a local build has running, written down in its folder, so that the next server
start can end those a crash left behind (the app or the embedded Studio API died while pip, train.py or the
served model ran).

Each command runs as the leader of its own session/process group (see ``processes.start``), so a record is
the leader's pid, its create time and the command's name. A pid is reused by the OS, so ``sweep`` ends a
process only when it still matches: the leader with the recorded create time, or — once the leader is gone —
members of its process group created no earlier than it (its children). The file is rewritten whole
(``os.replace``) on every change; a torn or missing file means nothing to sweep.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psutil

log = logging.getLogger(__name__)

FILE_NAME = "processes.json"
CREATE_TIME_SLACK_S = 0.05  # psutil's create times are rounded (jiffies on Linux)
KILL_WAIT_S = 3.0


@dataclass(frozen=True)
class Record:
    pid: int
    create_time: float  # seconds since the epoch, as psutil reports it
    name: str  # "pip install", "python train.py", …


class PidBook:
    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME
        self._records: dict[int, Record] = {}

    def add(self, pid: int, name: str) -> None:
        """Write down a started process (the leader of its group); a process already gone is not recorded."""
        import psutil  # here and in sweep: the embedded Studio API's start (no build running) never needs it

        try:
            created = psutil.Process(pid).create_time()
        except psutil.Error:
            return
        self._records[pid] = Record(pid, created, name)
        self._save()

    def remove(self, pid: int) -> None:
        """The process (and its group) was stopped or ended by this server."""
        if self._records.pop(pid, None) is not None:
            self._save()

    def _save(self) -> None:
        data = [vars(record) for record in self._records.values()]
        temp = self.path.with_suffix(".tmp")
        try:
            temp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(temp, self.path)
        except OSError as error:  # the folder was removed (discard): nothing left to record
            log.debug("cannot write %s: %s", self.path, error)

    def sweep(self) -> list[str]:
        """End what an earlier server process recorded and left running; one sentence per process ended.
        Clears the file. Blocking (psutil and waits up to ``KILL_WAIT_S``): run it off the event loop."""
        import psutil

        try:
            entries = json.loads(self.path.read_text(encoding="utf-8"))
            records = [Record(int(e["pid"]), float(e["create_time"]), str(e["name"])) for e in entries]
        except (OSError, ValueError, TypeError, KeyError):
            records = []
        ended: list[str] = []
        for record in records:
            victims = _matching(record)
            if not victims:
                continue
            for process in victims:
                with contextlib.suppress(psutil.Error):
                    process.kill()
            _gone, alive = psutil.wait_procs(victims, timeout=KILL_WAIT_S)
            for process in victims:
                if process not in alive:
                    ended.append(f"ended {record.name} (pid {process.pid}) left running by an earlier run of the app")
        self._records.clear()
        with contextlib.suppress(OSError):
            self.path.unlink()
        return ended


def _matching(record: Record) -> list[psutil.Process]:
    """The live processes that are this record's: its leader if the create time matches, and the members of
    its process group created since (POSIX; on Windows the leader's tree)."""
    import psutil

    leader: psutil.Process | None = None
    with contextlib.suppress(psutil.Error):
        candidate = psutil.Process(record.pid)
        if abs(candidate.create_time() - record.create_time) <= CREATE_TIME_SLACK_S:
            leader = candidate
    if sys.platform == "win32":
        if leader is None:
            return []
        with contextlib.suppress(psutil.Error):
            return [leader, *leader.children(recursive=True)]
        return [leader]
    found = [] if leader is None else [leader]
    for process in psutil.process_iter(["create_time"]):
        if process.pid == record.pid or process.pid == os.getpid():
            continue
        try:
            if os.getpgid(process.pid) != record.pid:
                continue
            if process.info["create_time"] + CREATE_TIME_SLACK_S < record.create_time:
                continue  # older than the leader: a pid reused for an unrelated group
            if process.status() == psutil.STATUS_ZOMBIE:
                continue
        except (psutil.Error, OSError):
            continue
        found.append(process)
    return found
