"""The report's words and tables, written once for every renderer.

The terminal, Markdown and HTML renderers lay out the same content: the
summary lines and three tables (services, nodes, safety).  Here each is
computed as plain strings — a `Table` of rows whose cells may hold several
lines — so the renderers only differ in layout, and a reader sees the same
phrases wherever the report is shown.
"""

from __future__ import annotations

import attrs

from hasim.analysis.capacity import NodeLoad
from hasim.analysis.report import Interval, NodeOutcome, Report, ServiceOutcome

#: with more services than this, the table lists only those something happened to
FULL_SERVICE_LIST = 30
GIB = 1024**3


def duration(seconds: int) -> str:
    """'45 s', '2m03s', '1h02m05s'."""
    if seconds < 100:
        return f"{seconds} s"
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


def when(report: Report, time: int) -> str:
    """A moment on the readers' clock: '+121' after a what-if's fault, else '121'."""
    shown = report.shown_time(time)
    return f"{shown:+d}" if report.origin is not None else str(shown)


def span(report: Report, interval: Interval) -> str:
    end = when(report, interval.end) if interval.end is not None else "end"
    return f"{when(report, interval.start)}..{end}"


def load(value: NodeLoad | None) -> str:
    if value is None:
        return ""
    return (
        f"cpu {value.cpu:g}/{value.maxcpu:g} ({value.cpu_share:.0%}), "
        f"mem {value.mem / GIB:.1f}/{value.maxmem / GIB:.1f} GiB ({value.mem_share:.0%})"
    )


def over(value: NodeLoad) -> str:
    """'pve3: mem 112% (35.2/31.3 GiB)' — only the resources that are over."""
    parts = []
    if value.over_cpu:
        parts.append(f"cpu {value.cpu_share:.0%} ({value.cpu:g}/{value.maxcpu:g})")
    if value.over_mem:
        parts.append(f"mem {value.mem_share:.0%} ({value.mem / GIB:.1f}/{value.maxmem / GIB:.1f} GiB)")
    return f"{value.node}: " + ", ".join(parts)


@attrs.frozen
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[tuple[str, ...], ...], ...]  # row -> cell -> lines
    marked: tuple[bool, ...] = ()  # per row: worth the reader's eye (outage still open, error, over capacity)
    note: str = ""  # said under the table (rows left out)


def header_lines(report: Report) -> list[str]:
    run = f"run {report.start}..{report.end} s of virtual time ({duration(report.end - report.start)})"
    lines = [run]
    if report.origin is not None:
        lines.append(f"times are seconds after the fault at t={report.origin}")
    lines.extend(report.notes)
    return lines


def summary_lines(report: Report) -> list[str]:
    """The cluster in a few lines: outages, errors, quorum, fencing, safety."""
    c = report.cluster
    down = [s for s in report.services if s.outages]
    lines = []
    longest = report.longest_outage
    if longest is None:
        lines.append(f"services: {len(report.services)}, none was down")
    else:
        sid, outage = longest
        still = " (still down)" if outage.open else ""
        lines.append(
            f"services: {len(report.services)}, {len(down)} down at some point; "
            f"longest outage {duration(outage.seconds(report.end))} ({sid}){still}"
        )
    left = report.left_down
    if left:
        shown = ", ".join(f"{s.sid} ({'error' if s.error else s.state or 'not running'})" for s in left[:10])
        more = f" and {len(left) - 10} more" if len(left) > 10 else ""
        lines.append(f"not running at the end: {shown}{more}")
    fenced = [f"{n.node} at {', '.join(when(report, t) for t in n.fenced)}" for n in report.nodes if n.fenced]
    lines.append("fenced: " + ("; ".join(fenced) if fenced else "no node"))
    if c.no_quorum:
        spans = ", ".join(span(report, i) for i in c.no_quorum)
        lines.append(f"quorum: lacking for {duration(c.no_quorum_seconds)} ({spans})")
    else:
        lines.append("quorum: never lost while a node was on")
    if c.masters:
        lines.append("master: " + ", ".join(f"{node} (from {when(report, t)})" for t, node in c.masters))
    over_nodes = report.over_capacity
    if over_nodes:
        lines.append("over capacity at the end: " + "; ".join(over(n) for n in over_nodes))
    if c.violations:
        lines.append(f"safety: {len(c.violations)} violation(s) of the HA guarantees (see below)")
    else:
        lines.append("safety: no violation of the HA guarantees")
    if c.notices:
        lines.append(f"notices: {len(c.notices)} known gap(s) of the real stack (see below)")
    if c.error:
        lines.append(f"the run ended in an error exit: {c.error.strip()}")
    return lines


def _outage_cell(report: Report, s: ServiceOutcome) -> tuple[str, ...]:
    return tuple(
        f"{span(report, o)} {duration(o.seconds(report.end))}{' still down' if o.open else ''}: {o.cause}"
        for o in s.outages
    )


def ended(s: ServiceOutcome) -> str:
    state = s.state or "unmanaged"
    if s.running_on:
        where = ",".join(s.running_on)
        return where if state == "started" else f"{where}, {state}"
    return f"{s.node} (not running), {state}" if s.not_running else f"{s.node}, {state}"


def service_table(report: Report, only_eventful: bool | None = None) -> Table:
    """`only_eventful`: list only the services something happened to (None:
    only when there are more than FULL_SERVICE_LIST)."""
    chosen = list(report.services)
    note = ""
    if only_eventful is None:
        only_eventful = len(chosen) > FULL_SERVICE_LIST
    if only_eventful:
        chosen = [s for s in chosen if s.eventful]
        quiet = len(report.services) - len(chosen)
        if quiet:
            note = f"{quiet} more services ran throughout, did not move and ended where they started"
    rows = []
    marked = []
    for s in chosen:
        rows.append((
            (s.sid,),
            (duration(s.downtime) if s.outages else "-",),
            _outage_cell(report, s) or ("-",),
            tuple(f"{when(report, m.time)} {m.render()}" for m in s.moves) or ("-",),
            (ended(s),),
        ))
        marked.append(s.still_down or s.error or s.not_running)
    headers = ("service", "down", "outages", "moves", "ended on")
    return Table(headers, tuple(rows), tuple(marked), note)


def _node_events(report: Report, n: NodeOutcome) -> tuple[str, ...]:
    return tuple(f"{when(report, e.time)} {e.what}" for e in n.events) or ("-",)


def node_table(report: Report) -> Table:
    rows = []
    marked = []
    for n in report.nodes:
        after = n.load_after
        rows.append((
            (n.node,),
            _node_events(report, n),
            (", ".join(when(report, t) for t in n.fenced) or "-",),
            (", ".join(when(report, t) for t in n.rejoined) or "-",),
            (f"{n.state or '-'} (power {n.power}, network {n.network})",),
            (load(after),) if after is not None else ("",),
        ))
        marked.append(bool(n.fenced) or (after is not None and after.over))
    headers = ("node", "what happened", "fenced", "rejoined", "ended", "load at the end")
    return Table(headers, tuple(rows), tuple(marked))


def safety_table(report: Report) -> Table | None:
    c = report.cluster
    found = [("violation", v) for v in c.violations] + [("notice", v) for v in c.notices]
    if not found:
        return None
    rows = tuple(((when(report, v.time),), (kind,), (v.name,), (v.detail,)) for kind, v in found)
    return Table(("time", "kind", "check", "what happened"), rows, tuple(kind == "violation" for kind, _ in found))


def text_table(table: Table, indent: str = "  ") -> list[str]:
    """A table as aligned plain-text lines; a cell's lines stack under each other."""
    widths = [len(h) for h in table.headers]
    for row in table.rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], *(len(line) for line in cell))
    out = [indent + "  ".join(h.ljust(w) for h, w in zip(table.headers, widths)).rstrip()]
    out.append(indent + "  ".join("-" * w for w in widths))
    for index, row in enumerate(table.rows):
        mark = "!" if table.marked and table.marked[index] else " "
        height = max(len(cell) for cell in row)
        for k in range(height):
            cells = [(cell[k] if k < len(cell) else "").ljust(w) for cell, w in zip(row, widths)]
            out.append((indent[:-1] + mark if k == 0 and indent else indent) + "  ".join(cells).rstrip())
    if table.note:
        out.append(indent + f"({table.note})")
    return out


def sections(report: Report) -> list[tuple[str, Table]]:
    """The report's tables under their titles, in the order every renderer shows them."""
    out = [("Services", service_table(report)), ("Nodes", node_table(report))]
    safety = safety_table(report)
    if safety is not None:
        out.append(("Safety", safety))
    return out
