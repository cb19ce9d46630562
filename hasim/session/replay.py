"""Re-running a recorded session: the same entries at the same times give the
identical log."""

from __future__ import annotations

import json
from pathlib import Path

from hasim.admin.requests import HaManagerRequest, split_args
from hasim.commands import ReplaceConfig
from hasim.engine.harness import Scheduled, Submission
from hasim.errors import InputError
from hasim.workdir.session_file import SESSION_DIR, Entry, end_entry, read_session


def scheduled(entry: Entry) -> Scheduled:
    """A recorded entry as the harness applies it again at its time."""
    if entry.source == "config":
        name, _, payload = entry.text.partition(" ")
        command = ReplaceConfig(name, json.loads(payload))
    elif entry.source == "ha-manager":
        command = HaManagerRequest(split_args(entry.text))
    else:
        command = None  # a command line, run exactly as it ran
    return Scheduled(entry.time, Submission(entry.text, entry.source, command))


def replay(status_dir: Path):
    """Re-run a recorded session in memory; returns the Simulation."""
    from hasim.simulation import Simulation
    from hasim.workdir import load_scenario

    start, entries = read_session(status_dir)
    scenario = load_scenario(start)
    sim = Simulation(scenario, interactive=True)
    schedule = []
    for e in entries:
        if e.source == "end":
            continue
        try:
            schedule.append(scheduled(e))
        except ValueError as err:
            raise InputError(f"{SESSION_DIR}/commands", f"entry at {e.time} cannot be read: {err}") from None
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
