"""The live `status/` directory of a running simulation."""

from __future__ import annotations

import json
from pathlib import Path

from hasim.engine.world.cluster import TEXT_FILES
from hasim.workdir.files import atomic_write, remove_tree

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class StatusDir:
    """The `status/` directory: recreated at start, rewritten where changed.

    Status files are written as compact JSON (the C encoder: a thousand
    services cost a millisecond) and only when their bytes changed.  With
    `background=True` (the window) the encoding happens at once but the file
    writes go to one writer thread, so a flush never stalls a repaint; every
    write is still atomic and `wait()` drains the queue.
    """

    def __init__(self, path: Path, background: bool = False) -> None:
        self.path = Path(path)
        self.background = background
        self._written: dict[str, bytes] = {}
        self._queue = None
        self._thread = None
        self._failed: list[tuple[str, OSError]] = []  # writes the writer thread could not make

    def recreate(self) -> None:
        if self.path.exists() or self.path.is_symlink():
            remove_tree(self.path)  # a link in its place is removed, its target left alone
        self.path.mkdir(parents=True)

    def flush(self, files: dict[str, Any], dirty: set[str]) -> None:
        """Write the changed files; raises the OSError of a write that failed
        (here, or in the writer thread since the last flush)."""
        if self._failed:
            failed, self._failed = self._failed, []
            for name, _ in failed:
                self._written.pop(name, None)  # not on disk: written again below
                dirty.add(name)
            self.flush(files, dirty)
            raise failed[0][1]
        jobs: list[tuple[Path, bytes | None]] = []
        for name in sorted(dirty):
            target = self.path / name
            if name not in files:
                self._written.pop(name, None)
                jobs.append((target, None))
                continue
            value = files[name]
            if name in TEXT_FILES or isinstance(value, str):
                data = value.encode()
            else:
                data = (json.dumps(value, sort_keys=True, separators=(",", ":")) + "\n").encode()
            if self._written.get(name) == data:
                continue
            self._written[name] = data
            jobs.append((target, data))
        dirty.clear()
        if not jobs:
            return
        if self.background:
            self._submit(jobs)
        else:
            try:
                _write_jobs(jobs)
            except OSError:
                for target, _ in jobs:
                    self._written.pop(target.name, None)
                raise

    def _submit(self, jobs: list) -> None:
        import queue
        import threading

        if self._thread is None:
            self._queue = queue.Queue()
            self._thread = threading.Thread(target=self._worker, name="hasim-status-writer", daemon=True)
            self._thread.start()
        self._queue.put(jobs)

    def _worker(self) -> None:
        while True:
            jobs = self._queue.get()
            try:
                if jobs is None:
                    return
                _write_jobs(jobs)
            except OSError as err:
                self._failed.extend((target.name, err) for target, _ in jobs)  # the next flush says so
            finally:
                self._queue.task_done()

    def wait(self) -> None:
        """Block until every queued write is on disk."""
        if self._queue is not None:
            self._queue.join()

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
            self._queue = None


def _write_jobs(jobs: list[tuple[Path, bytes | None]]) -> None:
    for target, data in jobs:
        if data is None:
            try:
                target.unlink()
            except FileNotFoundError:
                pass
        else:
            atomic_write(target, data, durable=False)  # status/ is recreated at every start
