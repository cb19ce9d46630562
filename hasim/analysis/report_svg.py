"""The timeline picture of a report, as a self-contained SVG (no Qt).

One lane per node (up, isolated, off, maintenance; a cross where it was
fenced) and one per service (running — labelled with its node —, down,
error, stopped; a triangle where it moved).  With many services only those
something happened to are drawn, the longest outages first, so a handout
stays readable.  The colours are the window's (`ui/style.py`), repeated here
because the engine side does not import the window.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from hasim.analysis.report import (
    DOWN,
    ERROR,
    ISOLATED,
    MAINTENANCE,
    OFF,
    RUNNING,
    STOPPED,
    UP,
    Report,
    Span,
)

MAX_SERVICE_LANES = 40

COLORS = {
    RUNNING: "#2f9e44",
    UP: "#2f9e44",
    DOWN: "#e03131",
    ERROR: "#a61e4d",
    STOPPED: "#ced4da",
    ISOLATED: "#f0a202",
    OFF: "#868e96",
    MAINTENANCE: "#1c7ed6",
}
LEGEND = (
    (UP, "node up / service running"), (ISOLATED, "node without network"), (OFF, "node off"),
    (MAINTENANCE, "maintenance"), (DOWN, "service down"), (ERROR, "error"), (STOPPED, "stopped / not started"),
)  # fmt: skip

WIDTH = 960
LABEL = 110
LANE = 18
GAP = 4
TOP = 28


def _ticks(start: int, end: int) -> list[int]:
    length = max(1, end - start)
    step = next((s for s in (10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200) if length / s <= 12), 14400)
    first = (start + step - 1) // step * step
    return list(range(first, end + 1, step))


def chosen_services(report: Report):
    """The services that get a lane: all of a small cluster, else the eventful ones."""
    services = list(report.services)
    if len(services) <= MAX_SERVICE_LANES:
        return services, 0
    eventful = [s for s in services if s.eventful]
    eventful.sort(key=lambda s: (-s.downtime, s.sid))
    shown = sorted(eventful[:MAX_SERVICE_LANES], key=lambda s: s.sid)
    return shown, len(services) - len(shown)


def render_svg(report: Report) -> str:
    services, hidden = chosen_services(report)
    lanes = len(report.nodes) + len(services)
    start, end = report.start, max(report.end, report.start + 1)
    plot = WIDTH - LABEL - 10
    height = TOP + lanes * (LANE + GAP) + 70

    def x(t: int) -> float:
        return LABEL + (min(max(t, start), end) - start) * plot / (end - start)

    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">'
        ),
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
    ]
    bottom = TOP + lanes * (LANE + GAP)
    for t in _ticks(start, end):
        xt = x(t)
        out.append(f'<line x1="{xt:.1f}" y1="{TOP - 4}" x2="{xt:.1f}" y2="{bottom}" stroke="#e9ecef"/>')
        out.append(f'<text x="{xt:.1f}" y="{TOP - 8}" text-anchor="middle" fill="#495057">{report.shown_time(t)}</text>')
    if report.origin is not None:
        xo = x(report.origin)
        out.append(f'<line x1="{xo:.1f}" y1="{TOP - 4}" x2="{xo:.1f}" y2="{bottom}" stroke="#e03131" stroke-dasharray="4 3"/>')

    def lane(index: int, label: str, spans: tuple[Span, ...]) -> float:
        y = TOP + index * (LANE + GAP)
        out.append(f'<text x="{LABEL - 6}" y="{y + LANE - 5}" text-anchor="end">{escape(label)}</text>')
        for sp in spans:
            x0, x1 = x(sp.start), x(sp.end)
            color = COLORS.get(sp.status, "#dee2e6")
            title = f"{label}: {sp.status}{' on ' + sp.node if sp.node else ''} {report.shown_time(sp.start)}..{report.shown_time(sp.end)}"
            out.append(
                f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 0.5):.1f}" height="{LANE}" fill="{color}">'
                f"<title>{escape(title)}</title></rect>"
            )
            if sp.node and x1 - x0 > 7 * len(sp.node) + 6:
                out.append(f'<text x="{x0 + 4:.1f}" y="{y + LANE - 5}" fill="white">{escape(sp.node)}</text>')
        return y

    for i, n in enumerate(report.nodes):
        y = lane(i, n.node, n.spans)
        for t in n.fenced:
            xt, cy = x(t), y + LANE / 2
            out.append(
                f'<path d="M{xt - 5:.1f},{cy - 5:.1f} L{xt + 5:.1f},{cy + 5:.1f} M{xt - 5:.1f},{cy + 5:.1f} '
                f'L{xt + 5:.1f},{cy - 5:.1f}" stroke="black" stroke-width="2.5"><title>fenced at '
                f"{report.shown_time(t)}</title></path>"
            )
    for j, s in enumerate(services):
        y = lane(len(report.nodes) + j, s.sid, s.spans)
        for m in s.moves:
            xt = x(m.time)
            out.append(
                f'<path d="M{xt - 4:.1f},{y - 1} L{xt + 4:.1f},{y - 1} L{xt:.1f},{y + 6}" fill="black">'
                f"<title>{escape(m.render())} at {report.shown_time(m.time)}</title></path>"
            )
    ly = bottom + 22
    lx = LABEL
    for status, text in LEGEND:
        out.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{COLORS[status]}"/>')
        out.append(f'<text x="{lx + 16}" y="{ly}">{escape(text)}</text>')
        lx += 24 + 6 * len(text)
    parts = ["\u00d7 fenced", "\u25bc moved"]
    if report.origin is not None:
        parts.append("dashed line: the fault")
    if hidden:
        parts.append(f"{hidden} quieter services not drawn")
    note = " \u00b7 ".join(parts)
    out.append(f'<text x="{LABEL}" y="{ly + 22}" fill="#495057">{escape(note)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
