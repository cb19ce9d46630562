"""The outcome report as one standalone HTML page (styles and the timeline
picture inline), to open in a browser, print or hand out."""

from __future__ import annotations

from html import escape

from hasim.analysis.report import Report
from hasim.analysis.report_format import Table, header_lines, sections, summary_lines
from hasim.analysis.report_svg import render_svg

STYLE = """
body { font-family: sans-serif; margin: 2em; color: #212529; max-width: 1100px; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
.meta { color: #495057; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #dee2e6; padding: 3px 8px; text-align: left; vertical-align: top; font-size: 0.9em; }
th { background: #f1f3f5; }
tr.marked td { background: #fff0f0; }
.note { color: #495057; font-style: italic; }
svg { max-width: 100%; height: auto; }
"""


def html_table(table: Table) -> str:
    out = ["<table>", "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in table.headers) + "</tr>"]
    for index, row in enumerate(table.rows):
        cls = ' class="marked"' if table.marked and table.marked[index] else ""
        cells = "".join("<td>" + "<br>".join(escape(line) for line in cell) + "</td>" for cell in row)
        out.append(f"<tr{cls}>{cells}</tr>")
    out.append("</table>")
    if table.note:
        out.append(f'<p class="note">{escape(table.note)}</p>')
    return "\n".join(out)


def render_html(report: Report) -> str:
    title = f"Outcome: {report.title}" if report.title else "Outcome"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        *(f'<p class="meta">{escape(line)}</p>' for line in header_lines(report)),
        "<ul>",
        *(f"<li>{escape(line)}</li>" for line in summary_lines(report)),
        "</ul>",
        render_svg(report),
    ]
    for heading, table in sections(report):
        parts.extend([f"<h2>{escape(heading)}</h2>", html_table(table)])
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
