"""The outcome report as plain text, for a terminal (`hasim report`, `hasim whatif`).

Rows marked `!` at the left edge deserve a look: a service still down or in
error, a node that was fenced or ends over its capacity.
"""

from __future__ import annotations

from hasim.analysis.report import Report
from hasim.analysis.report_format import (
    header_lines,
    node_table,
    safety_table,
    service_table,
    summary_lines,
    text_table,
)


def render_text(report: Report) -> str:
    out = [f"Outcome: {report.title}" if report.title else "Outcome"]
    out.extend(f"  {line}" for line in header_lines(report))
    out.append("")
    out.extend(f"  {line}" for line in summary_lines(report))
    out.append("")
    out.append("Services")
    out.extend(text_table(service_table(report)))
    out.append("")
    out.append("Nodes")
    out.extend(text_table(node_table(report)))
    safety = safety_table(report)
    if safety is not None:
        out.append("")
        out.append("Safety")
        out.extend(text_table(safety))
    return "\n".join(out) + "\n"
