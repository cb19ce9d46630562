"""A failing schedule saved as a scenario directory `hasim run` replays."""

from __future__ import annotations

import json
from pathlib import Path

from hasim.analysis.explore.cluster import Cluster
from hasim.analysis.invariants import INVARIANTS, Violation
from hasim.workdir import atomic_write, dump_json


def save_scenario(path: Path, cluster: Cluster, cmdlist: list[list[str]], violation: Violation, note: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    atomic_write(path / "hardware_status", dump_json(cluster.hardware))
    atomic_write(path / "service_config", dump_json(cluster.services))
    atomic_write(path / "manager_status", "{}\n")
    atomic_write(path / "cmdlist", _format_cmdlist(cmdlist))
    for name, value in (("datacenter.cfg", cluster.datacenter), ("rules_config", cluster.rules)):
        target = path / name
        if value is None:
            if target.exists():
                target.unlink()
        else:
            atomic_write(target, value if isinstance(value, str) else dump_json(value))
    inv = INVARIANTS[violation.name]
    text = (
        f"Invariant violated: {violation.name} - {inv.title}\n\n"
        f"At {violation.time} s: {violation.detail}\n\n"
        f"{_wrap(inv.explanation)}\n\n"
        f"{note}\n\n"
        f"Replay: hasim run {path}\n"
    )
    atomic_write(path / "README", text)


def _format_cmdlist(cmdlist: list[list[str]]) -> str:
    lines = ["[" if cmdlist else "[]"]
    for i, batch in enumerate(cmdlist):
        sep = "," if i < len(cmdlist) - 1 else ""
        lines.append("    " + json.dumps(batch) + sep)
    if cmdlist:
        lines.append("]")
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int = 78) -> str:
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        out.append(line)
    return "\n".join(out)
