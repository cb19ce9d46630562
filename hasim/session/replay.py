"""Re-running a recorded session: the same entries at the same times give the
identical log."""

from __future__ import annotations

import json
from pathlib import Path

from hasim.session.recorder import Entry, end_entry, read_session


def replay(status_dir: Path):
    """Re-run a recorded session in memory; returns the Simulation."""
    from hasim.simulation import Simulation
    from hasim.workdir import load_scenario

    start, entries = read_session(status_dir)
    scenario = load_scenario(start)
    sim = Simulation(scenario, write_status=False, interactive=True)
    schedule = [e for e in entries if e.source != "end"]
    sim.harness.schedule = schedule
    end = end_entry(entries)
    if end is not None and end.text == "done":
        sim.harness.end_at = end.time
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


def apply_entry(harness, entry: Entry) -> None:
    """Apply one recorded entry to a simulation's harness (at a loop end)."""
    if entry.source == "config":
        name, _, payload = entry.text.partition(" ")
        harness.apply_config(name, json.loads(payload))
    elif entry.source == "ha-manager":
        from hasim.admin.requests import apply_request

        apply_request(harness, entry.text.split())
        harness._record("ha-manager", entry.text)
    else:
        harness.scenario_command(entry.text, entry.source)


# -- export to the real tester's format ------------------------------------------------------
