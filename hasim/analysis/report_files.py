"""A report as files for a handout: what `hasim report -o FILE` and the
window's Export write, in one place.

Markdown gets its timeline picture beside it (FILE's name + `-timeline.svg`,
linked from the text); HTML carries the picture inline; text is the
terminal's report.  The files are written together, all or none
(`hasim.workdir.files.write_files`).
"""

from __future__ import annotations

from pathlib import Path

# `hasim report --help` and the window's start read FORMATS: the renderers
# (and attrs) come in when a report is written
TYPE_CHECKING = False
if TYPE_CHECKING:
    from hasim.analysis.report import Report

FORMATS = ("text", "markdown", "html")
SUFFIXES = {"text": ".txt", "markdown": ".md", "html": ".html"}


def render(report: Report, fmt: str, svg_link: str | None = None) -> str:
    """The report as one document of format `fmt` (one of FORMATS)."""
    if fmt == "markdown":
        from hasim.analysis.report_markdown import render_markdown

        return render_markdown(report, svg_link)
    if fmt == "html":
        from hasim.analysis.report_html import render_html

        return render_html(report)
    from hasim.analysis.report_text import render_text

    return render_text(report)


def picture_path(target: Path) -> Path:
    """Where the Markdown report `target` keeps its timeline picture."""
    return target.with_name(target.stem + "-timeline.svg")


def write_report(report: Report, target: Path, fmt: str) -> list[Path]:
    """Write the report to `target` (with its picture beside it for
    Markdown), all or none; returns the files written, `target` first.
    OSError (WriteError names the file) when it cannot be written."""
    from hasim.workdir.files import write_files

    target = Path(target)
    contents: dict[str, str] = {}
    link = None
    if fmt == "markdown":
        from hasim.analysis.report_svg import render_svg

        picture = picture_path(target)
        link = picture.name
        contents[picture.name] = render_svg(report)
    contents = {target.name: render(report, fmt, link), **contents}
    write_files(target.parent, contents)
    return [target.parent / name for name in contents]
