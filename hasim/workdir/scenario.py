"""Reading and validating a working directory's inputs (spec 01 §3, §4).

Inputs are validated completely before anything is written, so a malformed
file is reported (file, place, problem) and the user's directory is left
untouched.
"""

from __future__ import annotations

import re
from pathlib import Path

from hasim.errors import InputError
from hasim.jsondata import JSONError, loads_strict
from hasim.scenario import Scenario
from hasim.workdir.files import ReadError, read_text

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


def read_input(path: Path, name: str) -> str | None:
    """The text of an input file, None when it does not exist.

    Only a regular UTF-8 file is read (`read_text`): a FIFO, a device, a
    directory, a symbolic link or an unreadable file is an InputError naming
    `name`, found without reading it."""
    try:
        return read_text(path)
    except FileNotFoundError:
        return None
    except ReadError as err:
        raise InputError(name, err.problem) from None


def parse_json(text: str, name: str) -> Any:
    """Strict JSON (`loads_strict`) or an InputError naming the file and place."""
    try:
        return loads_strict(text)
    except JSONError as err:
        raise InputError(name, err.reason, err.place) from None


_MISSING = object()  # a file that does not exist (a file may hold `null`)


def _load_json(path: Path, name: str) -> Any:
    text = read_input(path, name)
    return _MISSING if text is None else parse_json(text, name)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a working directory's inputs (no writes)."""
    path = Path(path)
    try:
        if not path.is_dir():
            raise InputError(str(path), "not a directory")
    except OSError as err:
        raise InputError(str(path), f"cannot read: {err.strerror or err}") from None
    files: dict[str, Any] = {}

    cmdlist = _load_json(path / "cmdlist", "cmdlist")
    if cmdlist is _MISSING:
        raise InputError("cmdlist", "missing (a scenario needs a JSON list of command batches)")

    for name in JSON_INPUTS:
        value = _load_json(path / name, name)
        if value is not _MISSING:
            files[name] = value
    for name in TEXT_INPUTS:
        text = read_input(path / name, name)
        if text is not None:
            files[name] = text
    return scenario_of(files, cmdlist, path, lambda name: _load_json(path / name, name))


def scenario_of(files: dict[str, Any], cmdlist: Any, path: Path | None,
                service_status: Any = None) -> Scenario:  # fmt: skip
    """Validate inputs already read (parsed JSON files, text files as text)
    and fill in the defaults, as for a working directory's files; a node's
    `service_status_<node>` comes from `service_status(name)` (missing:
    taken from `files`)."""
    from hasim.formats import inputs as check

    check.check_cmdlist(cmdlist)
    files = dict(files)
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
        value = service_status(name) if service_status is not None else files.get(name, _MISSING)
        value = {} if value is _MISSING else value
        check.check_service_status(value, name)
        files[name] = value
    return Scenario(files=files, nodes=nodes, cmdlist=cmdlist, path=path)


def skipped_sections(files: dict[str, Any]) -> list[str]:
    """The sections of `rules_config` and `groups` that the HA stack skips,
    one line each naming the section, its line and why.

    The simulation behaves as the real stack does (it skips them silently;
    its log must stay the real one); this tells the user, before the run or
    when the window opens, what the README promises to tell.
    """
    from hasim.engine.ha.groups import validate_group_text
    from hasim.engine.ha.rules import validate_rule_text

    out = []
    for problems in (validate_rule_text(files.get("rules_config") or ""), validate_group_text(files.get("groups") or "")):
        problems = sorted(problems, key=_line_of)  # file order
        out += [f"{problem}: skipped, as the real stack does" for problem in problems]
    return out


def _line_of(problem: str) -> int:
    found = re.search(r"\(line ([0-9]+)\)$", problem)
    return int(found.group(1)) if found else 0
