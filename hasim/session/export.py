"""A recorded session as a scenario directory for the real tester.

The session is replayed in memory; every entry becomes the tester's
commands where its grammar has them (`hasim.session.translate`: scenario
lines and window commands as they are, `ha-manager` CRM commands, node
maintenance, disarm/arm, service add/delete/state changes) and the export
is refused, naming every entry, where it has not.  The commands go into
cmdlist batches at the nearest times the tester can express (`plan_batches`);
then the exported scenario is run and its outcome compared with the
session's at the same moment (`hasim.session.outcome`), so a command that
had to move and changed what happens is reported, not hidden.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import attrs

from hasim.errors import InputError
from hasim.session.outcome import OutcomeWatch, RunOutcome, differences
from hasim.workdir.session_file import SESSION_DIR, Entry, read_session
from hasim.session.replay import replay, session_until
from hasim.session.translate import NotExpressible, for_command, translating
from hasim.vocab import MAX_SIM_TIME, MAX_TESTER_NODES, loop_length
from hasim.workdir import atomic_write

COMMAND_SOURCES = ("cmdlist", "command")


@attrs.frozen
class Moved:
    command: str
    recorded: int
    exported: int


@attrs.frozen
class ExportReport:
    moved: tuple[Moved, ...]
    session: RunOutcome  # the session's outcome at the export's end
    export: RunOutcome
    differences: tuple[str, ...]  # empty: the export does what the session did


def plan_batches(entries: list[Entry], loop: int = 20) -> tuple[list[list[str]], list[Moved]]:
    """Place timed commands into cmdlist batches the real tester can express.

    The first batch runs at `loop` s; a batch follows the previous one after
    5 loops, or later with a `delay` in the previous batch: after a batch at T
    with `delay d`, the next one runs at T + loop·max(1, ⌈d/loop⌉) + 4·loop.
    A command is placed in the first batch at or after its recorded time; it
    moves when that time cannot be expressed (returned in the second value).
    """
    batches: list[list[str]] = []
    times: list[int] = []
    moved: list[Moved] = []
    for e in entries:
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


def _refuse(what: str) -> InputError:
    return InputError(f"{SESSION_DIR}/commands", what)


def scenario_commands(status_dir: Path) -> list[Entry]:
    """Every recorded entry as timed scenario lines (source `cmdlist`), in
    the order they applied; InputError naming every entry that has no form."""
    _, entries = read_session(status_dir)
    translated: dict[Entry, list[list[str] | NotExpressible]] = {}  # equal entries: in the order they applied

    def report(entry: Entry, result) -> None:
        translated.setdefault(entry, []).append(result)

    replay(status_dir, wrap=translating(report))
    problems = []
    timed: list[Entry] = []
    for e in entries:
        if e.source == "end":
            continue
        if e.source in COMMAND_SOURCES:
            try:
                result: list[str] | NotExpressible = for_command(e.text)
            except NotExpressible as err:
                result = err
        else:
            results = translated.get(e) or [NotExpressible("it did not apply when the session was replayed")]
            result = results.pop(0)
        if isinstance(result, NotExpressible):
            problems.append(f"{e.time} {e.source} {e.text[:60]}: {result}")
            continue
        timed += [Entry(e.time, "cmdlist", line) for line in result]
    if problems:
        raise _refuse("no cmdlist form for " + "; ".join(problems))
    late = [e for e in timed if e.time > MAX_SIM_TIME]
    if late:
        raise _refuse(
            f"the real tester ends every run at {MAX_SIM_TIME} s (the window has no such limit); "
            f"first command after it at {late[0].time}: {late[0].text[:60]}"
        )
    return timed


def export(status_dir: Path, out: Path) -> ExportReport:
    """Write a scenario directory (inputs, cmdlist, log.expect) for a session
    and compare the exported scenario's outcome with the session's."""
    from hasim.simulation import Simulation
    from hasim.workdir import load_scenario

    start, _ = read_session(status_dir)
    nodes = len(load_scenario(start).nodes)
    if nodes > MAX_TESTER_NODES:
        raise _refuse(f"the real tester simulates at most {MAX_TESTER_NODES} nodes, this cluster has {nodes}")
    batches, moved = plan_batches(scenario_commands(status_dir), loop_length(nodes))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for p in start.iterdir():
        if p.is_file():
            shutil.copy(p, out / p.name)
    atomic_write(out / "cmdlist", json.dumps(batches, indent=4) + "\n")
    exported = Simulation(load_scenario(out))
    export_watch = OutcomeWatch(exported)
    exported.run()
    atomic_write(out / "log.expect", exported.log_text())

    watches: list[OutcomeWatch] = []
    session_until(status_dir, exported.loop_position[1], lambda sim: watches.append(OutcomeWatch(sim)))
    a, b = watches[0].outcome(), export_watch.outcome()
    return ExportReport(tuple(moved), a, b, tuple(differences(a, b)))
