"""Resuming a saved session (hasim.workdir.saved): the saved start run again,
with the same commands and edits at the same times, to the same engine step.

The scenario's own batches are not replayed from the record: the start
keeps its `cmdlist`, so they apply at their slots as they did, and the ones
still to come after the saved moment come on time (a saved session never
plays its scenario twice).  Everything else recorded — window commands,
configuration edits, `ha-manager` requests — applies from the record.

    sim = resumable(saved)
    while more(sim, saved):
        sim.step_node()          # the window steps through its own loop
    problem = mismatch(saved, recorded, sim)
"""

from __future__ import annotations

from hasim.session.replay import schedule_of
from hasim.simulation import Simulation
from hasim.workdir.saved import SavedSession
from hasim.workdir.session_file import Entry


def resumable(saved: SavedSession) -> Simulation:
    """A simulation at the saved start, with the recorded entries scheduled
    (InputError: the saved session cannot be run again)."""
    scenario = saved.scenario()
    sim = Simulation(scenario, interactive=True)
    recorded = [e for e in saved.entries if e.source != "cmdlist"]  # the cmdlist plays itself
    sim.follow(schedule_of(recorded, nodes=scenario.nodes))
    return sim


def more(sim: Simulation, saved: SavedSession) -> bool:
    """Whether the saved moment is still ahead."""
    return not sim.finished and sim.steps < saved.steps


def resume(saved: SavedSession) -> Simulation:
    """The saved session run to its moment, in memory."""
    sim = resumable(saved)
    sim.start()
    while more(sim, saved):
        sim.step_node()
    return sim


def mismatch(saved: SavedSession, recorded: list[Entry], sim: Simulation) -> str | None:
    """Why the run that resumed does not match the one saved (None: it
    does): another moment, or other entries applied on the way."""
    if sim.steps != saved.steps or sim.time != saved.time:
        return f"it reached {sim.time} s after {sim.steps} steps, not {saved.time} s after {saved.steps}"
    for i, (got, want) in enumerate(zip(recorded, saved.entries)):
        if got != want:
            return f"entry {i + 1}: {got.line().strip()!r} where the save has {want.line().strip()!r}"
    if len(recorded) != len(saved.entries):
        return f"{len(recorded)} entries applied where the save has {len(saved.entries)}"
    return None
