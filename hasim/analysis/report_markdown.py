"""The outcome report as Markdown, for a handout.

The timeline picture is an SVG: written beside the Markdown file and linked
when the caller saves one (`svg_link`), else embedded as a data URI so the
single text still carries it.  Table cells with several lines use `<br>`,
which the common Markdown renderers (and pandoc) accept.
"""

from __future__ import annotations

import base64

from hasim.analysis.report import Report
from hasim.analysis.report_format import Table, header_lines, sections, summary_lines
from hasim.analysis.report_svg import render_svg


def _cell(lines: tuple[str, ...]) -> str:
    return "<br>".join(line.replace("|", "\\|") for line in lines)


def markdown_table(table: Table) -> list[str]:
    out = ["| " + " | ".join(table.headers) + " |", "|" + "---|" * len(table.headers)]
    for index, row in enumerate(table.rows):
        cells = [_cell(cell) for cell in row]
        if table.marked and table.marked[index]:
            cells[0] = f"**{cells[0]}** ⚠"
        out.append("| " + " | ".join(cells) + " |")
    if table.note:
        out.extend(["", f"*{table.note}*"])
    return out


def render_markdown(report: Report, svg_link: str | None = None) -> str:
    out = [f"# Outcome: {report.title}" if report.title else "# Outcome", ""]
    out.extend(f"*{line}*  " for line in header_lines(report))
    out.append("")
    out.extend(f"- {line}" for line in summary_lines(report))
    out.append("")
    if svg_link is not None:
        out.append(f"![Timeline]({svg_link})")
    else:
        data = base64.b64encode(render_svg(report).encode()).decode()
        out.append(f"![Timeline](data:image/svg+xml;base64,{data})")
    for title, table in sections(report):
        out.extend(["", f"## {title}", "", *markdown_table(table)])
    return "\n".join(out) + "\n"
