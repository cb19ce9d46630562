"""Re-running a recorded session: the same entries at the same times give the
identical log."""

from __future__ import annotations

import re
from pathlib import Path

from hasim.errors import InputError, one_line
from hasim.formats import inputs
from hasim.jsondata import JSONError, loads_strict
from hasim.session.recorder import SESSION_DIR, Entry, end_entry, read_session


def replay(status_dir: Path):
    """Re-run a recorded session in memory; returns the Simulation."""
    from hasim.simulation import Simulation
    from hasim.workdir import load_scenario

    start, entries = read_session(status_dir)
    scenario = load_scenario(start)
    sim = Simulation(scenario, write_status=False, interactive=True)
    schedule = [e for e in entries if e.source != "end"]
    for entry in schedule:
        check_entry(entry, scenario.nodes)
    sim.harness.schedule = schedule
    end = end_entry(entries)
    if end is not None and end.text == "done":
        sim.harness.end_at = end.time
        sim.run()
    elif end is not None and end.text.startswith("closed steps="):
        steps = end.text.split("=", 1)[1]
        if not re.fullmatch(r"[0-9]{1,12}", steps):
            raise InputError(_NAME, f"cannot parse the end line {one_line(end.text[:60])!r}")
        # the steps were taken by the end line's time: a damaged count cannot run past it
        while sim.steps < int(steps) and not sim.finished and sim.time <= end.time:
            sim.step_node()
    else:
        last = schedule[-1].time if schedule else 0
        while not sim.finished and sim.time <= last:
            sim.step_node()
        if not sim.finished:
            sim.step_loop()
    return sim


_NAME = f"{SESSION_DIR}/commands"
SOURCES = ("cmdlist", "command", "ha-manager", "ha-manager-cmd", "config")
_CONFIG_CHECKS = {
    "service_config": lambda value, nodes: inputs.check_service_config(value, nodes),
    "datacenter.cfg": lambda value, nodes: inputs.check_datacenter(value),
    "static_service_stats": lambda value, nodes: inputs.check_stats(value, "static_service_stats"),
    "dynamic_service_stats": lambda value, nodes: inputs.check_stats(value, "dynamic_service_stats"),
}
_TEXT_CONFIGS = ("rules_config", "groups", "fence.cfg")


def check_entry(entry: Entry, nodes: list[str]) -> None:
    """Refuse an entry the recorder cannot have written (a damaged file):
    an unknown source, a command that is not one line, a configuration that
    is not the file's kind, an ha-manager request that does not parse."""
    from hasim.admin.requests import RequestError, parse_request

    where = f"entry at {entry.time} s"
    if entry.source not in SOURCES:
        raise InputError(_NAME, f"unknown source {one_line(entry.source[:40])!r}", where)
    if not entry.text.isprintable():
        raise InputError(_NAME, "an entry must be one line of printable text", where)
    if entry.source == "config":
        name, value = _config_of(entry)
        if name in _TEXT_CONFIGS:
            if value is not None and not isinstance(value, str):
                raise InputError(_NAME, f"{name} must be text", where)
        elif name in _CONFIG_CHECKS:
            try:
                _CONFIG_CHECKS[name](value, nodes)
            except InputError as err:
                raise InputError(_NAME, f"{err}", where) from None
        else:
            raise InputError(_NAME, f"unknown configuration file {one_line(name[:40])!r}", where)
    elif entry.source == "ha-manager":
        try:
            parse_request(entry.text.split())
        except RequestError as err:
            raise InputError(_NAME, f"ha-manager request: {err}", where) from None


def _config_of(entry: Entry):
    name, _, payload = entry.text.partition(" ")
    try:
        return name, loads_strict(payload)
    except JSONError as err:
        raise InputError(_NAME, f"{name}: {err.reason}", f"entry at {entry.time} s") from None


def apply_entry(harness, entry: Entry) -> None:
    """Apply one recorded entry to a simulation's harness (at a loop end)."""
    if entry.source == "config":
        harness.apply_config(*_config_of(entry))
    elif entry.source == "ha-manager":
        from hasim.admin.requests import RequestError, apply_request, parse_request, validate

        try:  # the state it was checked against live is the state now, unless the file is damaged
            validate(parse_request(entry.text.split()), harness.world.files, harness.world.nodes)
        except RequestError as err:
            raise InputError(_NAME, f"ha-manager request: {err}", f"entry at {entry.time} s") from None
        apply_request(harness, entry.text.split())
        harness._record("ha-manager", entry.text)
    else:
        harness.scenario_command(entry.text, entry.source)


# -- export to the real tester's format ------------------------------------------------------
