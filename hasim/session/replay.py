"""Re-running a recorded session: the same entries at the same times give the
identical log."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from hasim.admin.requests import HaManagerRequest, split_args
from hasim.commands import Command, ReplaceConfig
from hasim.engine.harness import Scheduled, Submission
from hasim.errors import InputError, one_line
from hasim.formats import inputs
from hasim.jsondata import JSONError, loads_strict
from hasim.workdir.session_file import SESSION_DIR, Entry, end_entry, read_session

_NAME = f"{SESSION_DIR}/commands"
SOURCES = ("cmdlist", "command", "ha-manager", "config")
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
    where = f"entry at {entry.time} s"
    if entry.source not in SOURCES:
        raise InputError(_NAME, f"unknown source {one_line(entry.source[:40])!r}", where)
    if entry.source in ("cmdlist", "command") and not entry.text.isprintable():
        raise InputError(_NAME, "a command must be one line of printable text", where)
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
            HaManagerRequest(split_args(entry.text)).parsed
        except Exception as err:  # noqa: BLE001 - whatever the parser says, it is a damaged line
            raise InputError(_NAME, f"ha-manager request: {one_line(str(err))}", where) from None


def _config_of(entry: Entry):
    name, _, payload = entry.text.partition(" ")
    try:
        return name, loads_strict(payload)
    except JSONError as err:
        raise InputError(_NAME, f"{name}: {err.reason}", f"entry at {entry.time} s") from None


def recorded_command(entry: Entry) -> Command | None:
    """The value a recorded edit is applied as (None: a command line, run as written)."""
    if entry.source == "config":
        return ReplaceConfig(*_config_of(entry))
    if entry.source == "ha-manager":
        return HaManagerRequest(split_args(entry.text))
    return None


def scheduled(entry: Entry, command: Command | None = None) -> Scheduled:
    """A recorded entry as the harness applies it again at its time; an edit
    that no longer applies (a damaged file) is refused, never fatal."""
    return Scheduled(entry.time, Submission(entry.text, entry.source, command, checked=command is not None))


def schedule_of(entries: list[Entry], wrap: Callable[[Entry, Command], Command] | None = None,
                nodes: list[str] | None = None) -> list[Scheduled]:  # fmt: skip
    """The recorded entries (but the end) as a replay schedule; `wrap` may
    stand in for each recorded edit (the exporter watches them apply)."""
    schedule = []
    for e in entries:
        if e.source == "end":
            continue
        if nodes is not None:
            check_entry(e, nodes)
        try:
            command = recorded_command(e)
        except ValueError as err:
            raise InputError(f"{SESSION_DIR}/commands", f"entry at {e.time} cannot be read: {err}") from None
        if command is not None and wrap is not None:
            command = wrap(e, command)
        schedule.append(scheduled(e, command))
    return schedule


def replay(status_dir: Path, *, wrap: Callable[[Entry, Command], Command] | None = None,
           watch: Callable[[object], None] | None = None):  # fmt: skip
    """Re-run a recorded session in memory; returns the Simulation.

    `watch(sim)` is called before the first step (to observe the run)."""
    from hasim.simulation import Simulation
    from hasim.workdir import load_scenario

    start, entries = read_session(status_dir)
    scenario = load_scenario(start)
    sim = Simulation(scenario, interactive=True)
    if watch is not None:
        watch(sim)
    schedule = schedule_of(entries, wrap, scenario.nodes)
    refused: list = []  # recorded edits no longer apply: the file was changed by hand
    sim.on_outcome(lambda outcome: refused.append(outcome) if not outcome.applied else None)
    end = end_entry(entries)
    done = end is not None and end.text == "done"
    sim.follow(schedule, end_at=end.time if done else None)
    if done:
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
    if refused:
        first = refused[0]
        raise InputError(_NAME, f"a recorded change no longer applies: {one_line(first.reason or '')}",
                         f"entry at {first.time} s")  # fmt: skip
    return sim


def session_until(status_dir: Path, until: int, watch: Callable[[object], None] | None = None):
    """The recorded session re-run to the loop end at `until`, however it
    ended (the window could have stayed open that long); returns the Simulation."""
    from hasim.simulation import Simulation
    from hasim.workdir import load_scenario

    start, entries = read_session(status_dir)
    sim = Simulation(load_scenario(start), interactive=True)
    if watch is not None:
        watch(sim)
    sim.follow(schedule_of(entries))
    while not sim.finished and sim.loop_position[1] < until:
        sim.step_node()
    return sim
