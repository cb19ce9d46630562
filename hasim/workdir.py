"""Working directories: reading the inputs, laying out `status/`, atomic writes.

A working directory has the real regression tester's layout (spec 01 §3,
§4): input files at the top, the live cluster state and the log in
`status/`.  Inputs are validated completely before anything is written, so a
malformed file is reported (file, place, problem) and the user's directory is
left untouched.  Every write goes through a temporary file and `os.replace`,
so a reader or a crash never sees half a file.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import attrs

from hasim.errors import InputError
from hasim.engine.world.cluster import TEXT_FILES

JSON_INPUTS = (
    "hardware_status",
    "service_config",
    "manager_status",
    "datacenter.cfg",
    "static_service_stats",
    "dynamic_service_stats",
)
TEXT_INPUTS = ("rules_config", "groups", "fence.cfg")

DEFAULT_NODE = {"power": "off", "network": "off", "maxcpu": 24, "maxmem": 137438953472}


@attrs.frozen
class Scenario:
    """Validated inputs of a working directory, ready to start a simulation."""

    path: Path
    files: dict[str, Any]  # status-directory files, initial content
    nodes: list[str]
    cmdlist: list[list[str]]


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write via a hidden temporary file in the same directory, then rename.

    The temporary name is unique per process, so concurrent writers (the
    owner and a CLI) never share one; a crash can leave only a hidden
    `.<name>.<pid>.tmp`, which no reader opens.
    """
    path = Path(path)
    raw = data.encode() if isinstance(data, str) else data
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        try:
            os.write(fd, raw)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def dump_json(value: Any) -> str:
    return json.dumps(value, indent=4, sort_keys=True) + "\n"


def _load_json(path: Path, name: str) -> Any:
    try:
        text = path.read_text()
    except OSError as err:
        raise InputError(name, f"cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise InputError(name, "not valid UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(name, f"invalid JSON: {err.msg}", f"line {err.lineno} column {err.colno}") from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a working directory's inputs (no writes)."""
    from hasim.formats import inputs as check

    path = Path(path)
    if not path.is_dir():
        raise InputError(str(path), "not a directory")
    files: dict[str, Any] = {}

    cmd_path = path / "cmdlist"
    if not cmd_path.exists():
        raise InputError("cmdlist", "missing (a scenario needs a JSON list of command batches)")
    cmdlist = _load_json(cmd_path, "cmdlist")
    check.check_cmdlist(cmdlist)

    for name in JSON_INPUTS:
        p = path / name
        if p.exists():
            files[name] = _load_json(p, name)
    for name in TEXT_INPUTS:
        p = path / name
        if p.exists():
            try:
                files[name] = p.read_text()
            except (OSError, UnicodeDecodeError) as err:
                raise InputError(name, f"cannot read: {err}") from None

    if "hardware_status" not in files:
        files["hardware_status"] = {n: dict(DEFAULT_NODE) for n in ("node1", "node2", "node3")}
    nodes = check.check_hardware_status(files["hardware_status"])
    if "service_config" not in files:
        files["service_config"] = {f"vm:{101 + i}": {"node": f"node{i % 3 + 1}"} for i in range(6)}
    check.check_service_config(files["service_config"], nodes)
    if "manager_status" in files:
        check.check_manager_status(files["manager_status"])
    if "datacenter.cfg" in files:
        check.check_datacenter(files["datacenter.cfg"])
    if "static_service_stats" not in files:
        files["static_service_stats"] = {sid: {"maxcpu": 4.0, "maxmem": 4294967296} for sid in sorted(files["service_config"])}
    check.check_stats(files["static_service_stats"], "static_service_stats")
    if "dynamic_service_stats" not in files:
        files["dynamic_service_stats"] = {sid: {"cpu": 2.0, "mem": 2147483648} for sid in sorted(files["static_service_stats"])}
    check.check_stats(files["dynamic_service_stats"], "dynamic_service_stats")

    for node in nodes:
        name = f"service_status_{node}"
        p = path / name
        value = _load_json(p, name) if p.exists() else {}
        check.check_service_status(value, name)
        files[name] = value
    return Scenario(path=path, files=files, nodes=nodes, cmdlist=cmdlist)


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

    def recreate(self) -> None:
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)

    def flush(self, files: dict[str, Any], dirty: set[str]) -> None:
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
            _write_jobs(jobs)

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
            except OSError:
                pass  # the next flush writes the file again
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
            atomic_write(target, data)


class DirectoryBusy(Exception):
    """Another live hasim process owns the working directory."""


class DirLock:
    """One simulation owns a working directory at a time.

    The lock is an advisory `flock` on `DIR/.hasim.lock`, which also records
    the owner's pid for the refusal message.  The kernel drops the lock when
    its process dies, so a lock left by a dead process is simply taken over.
    The file exists only while a simulation runs: the owner removes it when
    it is done (and re-checks after locking that the file it locked is still
    the one in the directory, so a concurrent removal cannot give two owners).
    """

    NAME = ".hasim.lock"

    def __init__(self, path: Path) -> None:
        self.path = Path(path) / self.NAME
        self._fd: int | None = None

    def owner(self) -> str | None:
        """The pid recorded by a live owner, or None if nobody holds the lock."""
        import fcntl

        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def acquire(self) -> None:
        import fcntl

        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise DirectoryBusy(
                    f"{self.path.parent}: in use by another hasim (pid {holder}); "
                    "close it first, or use `hasim ha-manager` to send it commands"
                ) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the previous owner removed it meanwhile: try again
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        import fcntl

        if self._fd is not None:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DirLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


DEFAULT_SERVICES_PER_NODE = 2
MAX_NODES = 32


def new_workdir(path: Path, nodes: int = 3, template: Path | None = None) -> None:
    """Create a working directory: a copy of `template`, or a fresh cluster of
    `nodes` nodes named node1.. with two VMs per node (vm:101.., as the real
    simulator lays out its default three-node cluster)."""
    path = Path(path)
    if path.exists() and any(p for p in path.iterdir() if p.name != DirLock.NAME):
        raise InputError(str(path), "exists and is not empty")
    if template is not None:
        scenario = load_scenario(template)  # validates
        path.mkdir(parents=True, exist_ok=True)
        for p in Path(template).iterdir():
            if p.is_file() and p.name not in ("log.expect",) and not p.name.startswith("."):
                shutil.copy(p, path / p.name)
        del scenario
        return
    if not 1 <= nodes <= MAX_NODES:
        raise InputError("--nodes", f"must be between 1 and {MAX_NODES} (the real stack's supported maximum)")
    path.mkdir(parents=True, exist_ok=True)
    hw = {f"node{i}": dict(DEFAULT_NODE) for i in range(1, nodes + 1)}
    count = DEFAULT_SERVICES_PER_NODE * nodes
    sc = {f"vm:{101 + i}": {"node": f"node{i % nodes + 1}", "state": "started"} for i in range(count)}
    atomic_write(path / "hardware_status", dump_json(hw))
    atomic_write(path / "service_config", dump_json(sc))
    atomic_write(path / "manager_status", "{}\n")
    atomic_write(path / "cmdlist", "[]\n")
