"""What the report view shows, as plain rows (no Qt): one report, or two side by side.

A `Cell` is its text plus a `tone` the view turns into a colour: `bad` (still
down, in error, over capacity), `warn` (an outage, a fencing), `diff` (the two
compared reports differ here), or nothing.  The single view reuses the
report's own tables (`hasim.analysis.report_format`), so the window says
what the terminal says; the comparison lines up services and nodes of two
runs — two what-ifs, or a run before and after a change — and marks every
cell whose two sides differ.
"""

from __future__ import annotations

import attrs

from hasim.analysis.report import NodeOutcome, Report, ServiceOutcome
from hasim.analysis.report_format import (
    Table,
    duration,
    ended,
    load,
    node_table,
    service_table,
    when,
)

BAD, WARN, DIFF = "bad", "warn", "diff"


@attrs.frozen
class Cell:
    text: str
    tone: str | None = None


@attrs.frozen
class Rows:
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""


def _from_table(table: Table, tones) -> Rows:
    rows = []
    for index, row in enumerate(table.rows):
        marked = bool(table.marked and table.marked[index])
        rows.append(tuple(Cell("\n".join(cell), tones(index, col, cell, marked)) for col, cell in enumerate(row)))
    return Rows(table.headers, tuple(rows), table.note)


def service_rows(report: Report, only_eventful: bool | None = None) -> Rows:
    """Services: an outage is `warn`, a service left down or in error `bad`."""

    def tone(index, col, cell, marked):
        if col in (0, 4) and marked:
            return BAD
        if col in (1, 2) and cell != ("-",):
            return BAD if marked else WARN
        return None

    return _from_table(service_table(report, only_eventful), tone)


def node_rows(report: Report) -> Rows:
    """Nodes: fenced is `warn`, over capacity at the end `bad`."""
    loads = [n.load_after for n in report.nodes]

    def tone(index, col, cell, marked):
        if col == 2 and cell != ("-",):
            return WARN
        if col == 5 and loads[index] is not None and loads[index].over:
            return BAD
        return None

    return _from_table(node_table(report), tone)


# -- two reports side by side ------------------------------------------------------------------------


def _service_cells(report: Report, s: ServiceOutcome | None) -> tuple[str, str, str]:
    if s is None:
        return ("(absent)", "", "")
    moves = ", ".join(f"{m.kind} {m.source}->{m.target}" for m in s.moves) or "-"
    return (duration(s.downtime) if s.outages else "-", ended(s), moves)


def _node_cells(report: Report, n: NodeOutcome | None) -> tuple[str, str, str]:
    if n is None:
        return ("(absent)", "", "")
    fenced = ", ".join(when(report, t) for t in n.fenced) or "-"
    return (fenced, n.state or "-", load(n.load_after))


def _paired(a: Report, b: Report, keys, cells, headers, bad) -> Rows:
    rows = []
    for key in keys:
        left, right = cells(a, key), cells(b, key)
        row = [Cell(key, DIFF if left != right else None)]
        for x, y in zip(left, right):
            tone = DIFF if x != y else None
            row.append(Cell(x, tone or bad(x)))
            row.append(Cell(y, tone or bad(y)))
        rows.append(tuple(row))
    paired = tuple(h for name in headers for h in (f"{name} (A)", f"{name} (B)"))
    return Rows(("",) + paired, tuple(rows))


def compare_services(a: Report, b: Report, only_changed: bool = False) -> Rows:
    sa, sb = {s.sid: s for s in a.services}, {s.sid: s for s in b.services}
    keys = sorted(set(sa) | set(sb))
    if only_changed:
        keys = [k for k in keys if (k in sa and sa[k].eventful) or (k in sb and sb[k].eventful)]

    def cells(report, sid):
        return _service_cells(report, (sa if report is a else sb).get(sid))

    def bad(text):
        return BAD if "not running" in text or text.endswith(", error") else None

    rows = _paired(a, b, keys, cells, ("down", "ended on", "moves"), bad)
    return attrs.evolve(rows, headers=("service",) + rows.headers[1:])


def compare_nodes(a: Report, b: Report) -> Rows:
    na, nb = {n.node: n for n in a.nodes}, {n.node: n for n in b.nodes}

    def cells(report, node):
        return _node_cells(report, (na if report is a else nb).get(node))

    rows = _paired(a, b, sorted(set(na) | set(nb)), cells, ("fenced", "ended", "load at the end"), lambda text: None)
    return attrs.evolve(rows, headers=("node",) + rows.headers[1:])
