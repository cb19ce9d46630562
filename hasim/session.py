"""Sessions: what a user did, recorded so that it can be replayed and exported.

Every command applied to a simulation — from a scenario's cmdlist, from the
window, from `hasim ha-manager` — and every configuration edit is appended,
with its virtual time, to `DIR/status/session/commands`; the input files the
simulation started from are copied to `DIR/status/session/start/`.  The
format is plain text, one entry per line, made to be read and diffed:

    # hasim session 1
    20 cmdlist power node1 on
    120 command network node3 off
    140 config datacenter.cfg {"crs": {"ha": "static"}}
    160 ha-manager add vm:107 --node node2
    720 end done

`<time> <source> <rest>`: the source says who applied it (`cmdlist`,
`command` for the window, `ha-manager`, `config` for a file replacement whose
new content follows as JSON).  The last line, `end`, says how the session
stopped: `done` (the scenario ran to its end), `error` or `closed steps=<n>`
(the window was closed after n engine steps).  All entries are applied at
loop ends, the only points where the real tester applies commands, so a
replay that applies them at the same times yields the identical log.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import attrs

from hasim.errors import InputError
from hasim.engine.harness import MAX_SIM_TIME
from hasim.workdir import JSON_INPUTS, TEXT_INPUTS, atomic_write, dump_json

HEADER = "# hasim session 1\n"
SESSION_DIR = "session"


@attrs.frozen
class Entry:
    time: int
    source: str  # cmdlist, command, ha-manager, config, end
    text: str  # the command, "<file> <json>" for config, the reason for end

    def line(self) -> str:
        return f"{self.time} {self.source} {self.text}\n"


class SessionRecorder:
    """Appends entries as they are applied; one line per write, flushed."""

    def __init__(self, status_dir: Path, start_files: dict[str, Any]) -> None:
        self.dir = Path(status_dir) / SESSION_DIR
        start = self.dir / "start"
        start.mkdir(parents=True, exist_ok=True)
        for name, value in sorted(start_files.items()):
            if name.startswith("service_status_") or name in JSON_INPUTS or name in TEXT_INPUTS:
                atomic_write(start / name, value if isinstance(value, str) else dump_json(value))
        atomic_write(start / "cmdlist", "[]\n")
        self._fd = os.open(self.dir / "commands", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
        os.write(self._fd, HEADER.encode())
        self.closed = False

    def record(self, time: int, source: str, text: str) -> None:
        """One write(2) per entry: a crash never leaves half a line."""
        if self.closed:
            return
        os.write(self._fd, Entry(time, source, text).line().encode())

    def record_config(self, time: int, name: str, value: Any) -> None:
        self.record(time, "config", f"{name} {json.dumps(value, sort_keys=True)}")

    def close(self, time: int, reason: str) -> None:
        if self.closed:
            return
        self.record(time, "end", reason)
        self.closed = True
        os.close(self._fd)


def read_session(status_dir: Path) -> tuple[Path, list[Entry]]:
    """Parse a recorded session; a truncated last line (crash) is ignored."""
    sdir = Path(status_dir) / SESSION_DIR
    path = sdir / "commands"
    if not path.exists():
        raise InputError(f"{SESSION_DIR}/commands", "no recorded session (run or open the directory first)")
    entries = []
    text = path.read_text()
    lines = text.split("\n")
    complete = lines[:-1] if not text.endswith("\n") else lines
    for lineno, line in enumerate(complete, 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split(" ", 2)
        if len(parts) < 3 or not parts[0].isdigit():
            raise InputError(f"{SESSION_DIR}/commands", f"cannot parse '{line}'", f"line {lineno}")
        entries.append(Entry(int(parts[0]), parts[1], parts[2]))
    return sdir / "start", entries


def end_entry(entries: list[Entry]) -> Entry | None:
    return next((e for e in reversed(entries) if e.source == "end"), None)


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
        from hasim.ha_manager import apply_request

        apply_request(harness, entry.text.split())
        harness._record("ha-manager", entry.text)
    else:
        harness.scenario_command(entry.text, entry.source)


# -- export to the real tester's format ------------------------------------------------------


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
    loop = max(20, 2 * len(load_scenario(start).nodes))
    batches, moved = plan_batches(entries, loop)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for p in start.iterdir():
        if p.is_file():
            shutil.copy(p, out / p.name)
    atomic_write(out / "cmdlist", json.dumps(batches, indent=4) + "\n")
    sim = Simulation(load_scenario(out), write_status=False)
    sim.run()
    atomic_write(out / "log.expect", sim.log_text())
    return moved
