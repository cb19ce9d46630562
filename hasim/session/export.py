"""A recorded session as a scenario directory for the real tester."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import attrs

from hasim.errors import InputError
from hasim.workdir.session_file import SESSION_DIR, Entry, read_session
from hasim.vocab import MAX_SIM_TIME, loop_length
from hasim.workdir import atomic_write



@attrs.frozen
class Moved:
    command: str
    recorded: int
    exported: int


def plan_batches(entries: list[Entry], loop: int = 20) -> tuple[list[list[str]], list[Moved]]:
    """Place timed commands into cmdlist batches the real tester can express.

    The first batch runs at `loop` s; a batch follows the previous one after
    5 loops, or later with a `delay` in the previous batch: after a batch at T
    with `delay d`, the next one runs at T + loop·max(1, ⌈d/loop⌉) + 4·loop.
    A command is placed in the first batch at or after its recorded time; it
    moves when that time cannot be expressed (returned in the second value).
    """
    cmds = [e for e in entries if e.source in ("cmdlist", "command", "ha-manager-cmd")]
    batches: list[list[str]] = []
    times: list[int] = []
    moved: list[Moved] = []
    for e in cmds:
        if e.text.startswith("delay ") or e.text.startswith("skip-round"):
            if e.text.startswith("delay "):
                continue  # delays are recomputed from the recorded times
        if not times:
            if e.time <= loop:
                times.append(loop)
                batches.append([])
            else:
                gap = e.time - loop
                # first batch at `loop` with a delay that lands the next batch at e.time (or later)
                k = max(1, -(-(gap - 4 * loop) // loop))
                times.append(loop)
                batches.append([f"delay {k * loop}"] if gap > 5 * loop else [])
                nxt = loop + k * loop + 4 * loop if gap > 5 * loop else loop + 5 * loop
                times.append(nxt)
                batches.append([])
        elif e.time > times[-1]:
            gap = e.time - times[-1]
            if gap <= 5 * loop:
                nxt = times[-1] + 5 * loop
            else:
                k = -(-(gap - 4 * loop) // loop)
                batches[-1].append(f"delay {k * loop}")
                nxt = times[-1] + k * loop + 4 * loop
            times.append(nxt)
            batches.append([])
        batches[-1].append(e.text)
        if times[-1] != e.time:
            moved.append(Moved(e.text, e.time, times[-1]))
    return batches, moved


def export(status_dir: Path, out: Path) -> list[Moved]:
    """Write a scenario directory (inputs, cmdlist, log.expect) for a session."""
    from hasim.simulation import Simulation
    from hasim.workdir import load_scenario

    start, entries = read_session(status_dir)
    configs = [e for e in entries if e.source in ("config", "ha-manager")]
    if configs:
        raise InputError(
            f"{SESSION_DIR}/commands",
            "configuration edits (window dialogs, ha-manager) have no cmdlist form; "
            f"first at {configs[0].time}: {configs[0].source} {configs[0].text[:60]}",
        )
    late = [e for e in entries if e.source in ("cmdlist", "command", "ha-manager-cmd") and e.time > MAX_SIM_TIME]
    if late:
        raise InputError(
            f"{SESSION_DIR}/commands",
            f"the real tester ends every run at {MAX_SIM_TIME} s (the window has no such limit); "
            f"first command after it at {late[0].time}: {late[0].text[:60]}",
        )
    loop = loop_length(len(load_scenario(start).nodes))
    batches, moved = plan_batches(entries, loop)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for p in start.iterdir():
        if p.is_file():
            shutil.copy(p, out / p.name)
    atomic_write(out / "cmdlist", json.dumps(batches, indent=4) + "\n")
    sim = Simulation(load_scenario(out))
    sim.run()
    atomic_write(out / "log.expect", sim.log_text())
    return moved
