"""`hasim new`: a fresh working directory, or a copy of a scenario."""

from __future__ import annotations

from pathlib import Path

from hasim.errors import InputError
from hasim.workdir.files import dump_json, read_regular, write_files
from hasim.workdir.lock import DirLock
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
            if p.is_file() and p.name not in ("log.expect",) and not p.name.startswith(".")
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
        if any(p for p in path.iterdir() if p.name != DirLock.NAME):
            raise InputError(str(path), "exists and is not empty")
        write_files(path, contents)  # all files or none
