"""Reading and validating a working directory's inputs (spec 01 §3, §4).

Inputs are validated completely before anything is written, so a malformed
file is reported (file, place, problem) and the user's directory is left
untouched.
"""

from __future__ import annotations

import json
from pathlib import Path

from hasim.errors import InputError
from hasim.scenario import Scenario

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

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
    return Scenario(files=files, nodes=nodes, cmdlist=cmdlist, path=path)
