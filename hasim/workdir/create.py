"""`hasim new`: a fresh working directory, or a copy of a scenario."""

from __future__ import annotations

import shutil
from pathlib import Path

from hasim.errors import InputError
from hasim.workdir.files import atomic_write, dump_json
from hasim.workdir.lock import DirLock
from hasim.workdir.scenario import DEFAULT_NODE, load_scenario


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
        load_scenario(template)  # refuses a broken template before anything is created
        path.mkdir(parents=True, exist_ok=True)
        for p in Path(template).iterdir():
            if p.is_file() and p.name not in ("log.expect",) and not p.name.startswith("."):
                shutil.copy(p, path / p.name)
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
