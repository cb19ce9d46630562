"""Re-running a recorded session: the same entries at the same times give the
identical log."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from hasim.admin.requests import HaManagerRequest, split_args
from hasim.commands import Command, ReplaceConfig
from hasim.engine.harness import Scheduled, Submission
from hasim.errors import InputError
from hasim.workdir.session_file import SESSION_DIR, Entry, end_entry, read_session


def recorded_command(entry: Entry) -> Command | None:
    """The value a recorded edit is applied as (None: a command line, run as written)."""
    if entry.source == "config":
        name, _, payload = entry.text.partition(" ")
        return ReplaceConfig(name, json.loads(payload))
    if entry.source == "ha-manager":
        return HaManagerRequest(split_args(entry.text))
    return None


def scheduled(entry: Entry, command: Command | None = None) -> Scheduled:
    """A recorded entry as the harness applies it again at its time."""
    return Scheduled(entry.time, Submission(entry.text, entry.source, command))


def schedule_of(entries: list[Entry], wrap: Callable[[Entry, Command], Command] | None = None) -> list[Scheduled]:
    """The recorded entries (but the end) as a replay schedule; `wrap` may
    stand in for each recorded edit (the exporter watches them apply)."""
    schedule = []
    for e in entries:
        if e.source == "end":
            continue
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
    schedule = schedule_of(entries, wrap)
    end = end_entry(entries)
    done = end is not None and end.text == "done"
    sim.follow(schedule, end_at=end.time if done else None)
    if done:
        sim.run()
    elif end is not None and end.text.startswith("closed steps="):
        steps = int(end.text.split("=", 1)[1])
        while sim.steps < steps and not sim.finished:
            sim.step_node()
    else:
        last = schedule[-1].time if schedule else 0
        while not sim.finished and sim.time <= last:
            sim.step_node()
        if not sim.finished:
            sim.step_loop()
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
