"""Branches: go back to an earlier moment of a session, try something else
from there, and keep both.

A session replays to the identical log (`replay`), so any earlier moment of it
can be reached exactly: replay its entries up to that moment and stop.  A
*branch* is a session kept under a name in the working directory —
`DIR/branches/<name>/` holds `session/` (start inputs and entries, the format
of `hasim.workdir.session_file`) and the `log` it wrote — so it is saved
with the directory and `hasim replay DIR --branch NAME` replays it.

Going back keeps the session run so far as a branch, then starts a new
simulation that replays the session's entries to the chosen loop end; from
there it runs live, and its own recorder writes the replayed entries again
followed by whatever is done next — a complete session of its own.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from hasim.errors import InputError
from hasim.session.replay import schedule_of
from hasim.simulation import Simulation
from hasim.workdir import load_scenario
from hasim.workdir.session_file import SESSION_DIR, end_entry, read_session

BRANCHES = "branches"
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def branches_dir(workdir: Path) -> Path:
    return Path(workdir) / BRANCHES


def branch_path(workdir: Path, name: str) -> Path:
    """Where branch `name` lives; InputError for a name that is not one word."""
    if not NAME_RE.fullmatch(name):
        raise InputError(BRANCHES, f"a branch name is letters, digits, '.', '_' or '-', not {name!r}")
    return branches_dir(workdir) / name


def list_branches(workdir: Path) -> list[str]:
    """The names of the saved branches that hold a session, in name order."""
    root = branches_dir(workdir)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / SESSION_DIR / "commands").is_file())


def keep(status_dir: Path, workdir: Path, name: str) -> Path:
    """Copy a session (`status_dir`'s session/ and log) into branch `name`:
    written into a hidden folder first and renamed, so a branch is whole or
    absent.  The session must be closed (its end line written) or at least
    flushed.  Refuses to overwrite an existing branch."""
    target = branch_path(workdir, name)
    if target.exists():
        raise InputError(BRANCHES, f"a branch named '{name}' exists already")
    source = Path(status_dir)
    if not (source / SESSION_DIR / "commands").is_file():
        raise InputError(f"{source.name}/{SESSION_DIR}/commands", "no recorded session to keep")
    temp = target.with_name(f".{name}.partial")
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir(parents=True)
    try:
        shutil.copytree(source / SESSION_DIR, temp / SESSION_DIR)
        if (source / "log").is_file():
            shutil.copy2(source / "log", temp / "log")
        temp.rename(target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return target


def moments(status_dir: Path) -> tuple[int, int]:
    """(first, last) virtual time a session can be taken back to: its start,
    and the time of its end line (or its last entry while it is open)."""
    _, entries = read_session(status_dir)
    end = end_entry(entries)
    last = end.time if end is not None else (entries[-1].time if entries else 0)
    return 0, last


def resume(status_dir: Path, until: int, sim: Simulation | None = None) -> Simulation:
    """A simulation at the loop end at or after virtual time `until` of the
    session in `status_dir`, reached by replaying its entries (nothing after
    `until` is applied).  Pass `sim` (built from the session's start inputs,
    e.g. with a live directory attached) to have it stepped there; by default
    a fresh in-memory one."""
    start, entries = read_session(status_dir)
    if sim is None:
        sim = Simulation(load_scenario(start), interactive=True)
    kept = [e for e in entries if e.source != "end" and e.time <= until]
    sim.follow(schedule_of(kept, nodes=sim.nodes))
    sim.start()
    while not sim.finished and sim.loop_position[1] < until:
        sim.step_node()
    return sim


def start_inputs(status_dir: Path) -> Path:
    """The folder of inputs a session started from (a scenario directory)."""
    return Path(status_dir) / SESSION_DIR / "start"
