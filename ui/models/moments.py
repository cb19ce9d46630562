"""The moments a session can go back to, as the Go back dialog lists them
(no Qt): the start, and just before each thing that was done — a command
from the window, a scenario batch, an `ha-manager` request, an edit — so
that from there something else can be done instead.

Each is a loop end (`hasim.session.branch.Moment`): commands apply at loop
ends, so going back to the loop end before one undoes it and everything
after, and what is given next applies at the same time it did.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from hasim.session.branch import LoopEnds, Moment
from hasim.workdir.session_file import Entry
from ui.style import format_time


def what(entry: Entry) -> str:
    """An entry in a few words, as the list shows it."""
    if entry.source == "config":
        return f"edit {entry.text.split(' ', 1)[0]}"
    if entry.source == "ha-manager":
        return f"ha-manager {entry.text}"
    if entry.source == "cmdlist":
        return f"{entry.text} (scenario)"
    return entry.text


def when(moment: Moment | int) -> str:
    t = moment.time if isinstance(moment, Moment) else moment
    return f"{format_time(t)} ({t} s)"


def moment_rows(entries: Sequence[Entry], loop_ends: LoopEnds) -> list[tuple[Moment, str]]:
    """(moment, label) in time order: the start, then the loop end before
    each time something was applied (what was applied then, in the label;
    what the first loop end applied is undone by going back to the start)."""
    rows = [(loop_ends.at_or_before(0), f"{when(0)}  the start, before anything was done")]
    for time, group in groupby((e for e in entries if e.source != "end"), key=lambda e: e.time):
        moment = loop_ends.before(time)
        if moment == rows[-1][0]:
            continue  # at the first loop end: the start is the moment before it
        texts = "; ".join(what(e) for e in group)
        rows.append((moment, f"{when(moment)}  just before {time} s: {texts}"))
    return rows
