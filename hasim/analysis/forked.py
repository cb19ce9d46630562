"""Run a function over items, each call in a child process forked for it.

Why not `multiprocessing.Pool`: a pool keeps helper threads in the parent
and, with one task per worker (the point here: each child starts from the
parent's untouched state, a copy-on-write copy that needs no deep copy),
re-forks workers from those threads; under pytest that ended in a worker
that never exited and a `terminate()` that waited for it forever.  This
does the one thing needed, with no thread: fork at most `jobs` children,
each computes `func(item)` and writes the pickled result to a pipe, then
leaves with `os._exit` (no atexit handlers, no stdio flushed twice); the
parent reads the pipes as they fill and reaps the children.  Results come
back in the items' order.  POSIX only (the caller falls back to one
process elsewhere).
"""

from __future__ import annotations

import os
import pickle
import select
import signal
from collections.abc import Callable, Sequence


class WorkerError(Exception):
    """A child failed: its exception, as text."""


def can_fork() -> bool:
    return hasattr(os, "fork")


def _child(func: Callable, item, fd: int) -> None:
    status = 0
    try:
        payload = pickle.dumps((True, func(item)))
    except BaseException as err:  # noqa: BLE001 - reported to the parent, whatever it is
        payload = pickle.dumps((False, f"{type(err).__name__}: {err}"))
        status = 1
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os._exit(status)


def map_forked(
    func: Callable, items: Sequence, jobs: int, on_done: Callable[[int, int], None] | None = None
) -> list:
    """[func(item) for item in items], `jobs` children at a time; `on_done(done,
    index)` after each result arrives (in the order they finish)."""
    results: list = [None] * len(items)
    waiting = list(range(len(items)))[::-1]
    running: dict[int, tuple[int, int, list[bytes]]] = {}  # pipe fd -> (pid, index, data so far)
    done = 0
    try:
        while waiting or running:
            while waiting and len(running) < max(1, jobs):
                index = waiting.pop()
                read_fd, write_fd = os.pipe()
                pid = os.fork()
                if pid == 0:
                    os.close(read_fd)
                    _child(func, items[index], write_fd)
                os.close(write_fd)
                running[read_fd] = (pid, index, [])
            ready, _, _ = select.select(list(running), [], [])
            for fd in ready:
                pid, index, chunks = running[fd]
                chunk = os.read(fd, 1 << 16)
                if chunk:
                    chunks.append(chunk)
                    continue
                os.close(fd)
                del running[fd]
                os.waitpid(pid, 0)
                ok, value = pickle.loads(b"".join(chunks)) if chunks else (False, "the worker died without an answer")
                if not ok:
                    raise WorkerError(value)
                results[index] = value
                done += 1
                if on_done is not None:
                    on_done(done, index)
    finally:
        for fd, (pid, _, _) in running.items():
            os.kill(pid, signal.SIGKILL)
            os.close(fd)
            os.waitpid(pid, 0)
    return results
