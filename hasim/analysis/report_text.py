"""The outcome report as plain text, for a terminal (`hasim report`, `hasim whatif`).

Rows marked `!` at the left edge deserve a look: a service still down or in
error, a node that was fenced or ends over its capacity.
"""

from __future__ import annotations

from hasim.analysis.report import Report
from hasim.analysis.report_format import (
    header_lines,
    sections,
    summary_lines,
    text_table,
)


def render_text(report: Report) -> str:
    out = [f"Outcome: {report.title}" if report.title else "Outcome"]
    out.extend(f"  {line}" for line in header_lines(report))
    out.append("")
    out.extend(f"  {line}" for line in summary_lines(report))
    for title, table in sections(report):
        out.extend(["", title, *text_table(table)])
    return "\n".join(out) + "\n"
