"""`hasim new`: a fresh working directory, or a copy of a scenario."""

from __future__ import annotations

from pathlib import Path

from hasim.errors import InputError
from hasim.workdir.files import dump_json, read_regular, write_files
from hasim.workdir.lock import DirLock
from hasim.workdir.saved import SAVED_NAME
from hasim.workdir.scenario import DEFAULT_NODE, load_scenario

DEFAULT_SERVICES_PER_NODE = 2
MAX_NODES = 32


def new_workdir(path: Path, nodes: int = 3, template: Path | None = None) -> None:
    """Create a working directory: a copy of `template`, or a fresh cluster of
    `nodes` nodes named node1.. with two VMs per node (vm:101.., as the real
    simulator lays out its default three-node cluster)."""
    path = Path(path)
    if template is not None:
        load_scenario(template)  # validates
        contents = {
            p.name: read_regular(p)
            for p in sorted(Path(template).iterdir())
            # a saved session belongs to the directory it was saved in: a new one starts at the start
            if p.is_file() and p.name not in ("log.expect", SAVED_NAME) and not p.name.startswith(".")
        }
    elif not 1 <= nodes <= MAX_NODES:
        raise InputError("--nodes", f"must be between 1 and {MAX_NODES} (the real stack's supported maximum)")
    else:
        hw = {f"node{i}": dict(DEFAULT_NODE) for i in range(1, nodes + 1)}
        count = DEFAULT_SERVICES_PER_NODE * nodes
        sc = {f"vm:{101 + i}": {"node": f"node{i % nodes + 1}", "state": "started"} for i in range(count)}
        contents = {"hardware_status": dump_json(hw), "service_config": dump_json(sc),
                    "manager_status": "{}\n", "cmdlist": "[]\n"}  # fmt: skip
    if path.exists() and not path.is_dir():
        raise InputError(str(path), "exists and is not a directory")
    path.mkdir(parents=True, exist_ok=True)
    with DirLock(path):  # nobody else writes it meanwhile
        if not is_empty_dir(path):
            raise InputError(str(path), "exists and is not empty")
        write_files(path, contents)  # all files or none


def is_empty_dir(path: Path) -> bool:
    """A directory with nothing of the user's in it (the lock's pid file does not count)."""
    return Path(path).is_dir() and not any(p.name != DirLock.NAME for p in Path(path).iterdir())


def _default_dir() -> Path:
    from hasim.workdir.shipped import shipped_dirs

    match = next((d for d in shipped_dirs() if d.name == "default"), None)
    if match is None:
        raise FileNotFoundError("the default cluster is not installed (working-dirs/default)")
    return match.path


def default_cluster_files() -> dict[str, bytes]:
    """The shipped default cluster's files (inputs and README), as bytes."""
    return {p.name: read_regular(p) for p in sorted(_default_dir().iterdir())
            if p.is_file() and not p.name.startswith(".") and p.name != "log.expect"}  # fmt: skip


def fill_with_default(path: Path) -> None:
    """Give an empty working directory the default cluster, as the README
    promises for a new or empty directory opened in the window; the caller
    holds the directory's lock.  All files or none."""
    write_files(Path(path), default_cluster_files())


def scenario_of_default():
    """The default cluster as a Scenario, read from where it is installed (nothing written)."""
    return load_scenario(_default_dir())
