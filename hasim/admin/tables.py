"""The table the real CLI prints for list results (PVE::CLIFormatter, spec 05 §4).

`ha-manager rules list|config` print their rows through pve-common's text
formatter; the same bytes come out here:

* a column is as wide as its longest title or cell, cells left-aligned;
* with borders: a top rule, the header, a double rule, the rows separated by
  single rules, a bottom rule — box-drawing characters when the locale's
  character set is UTF-8, ``|``, ``+-…-+`` and ``+=…=+`` otherwise (the ASCII
  header rule of a one-column table lacks its last ``+``: upstream's quirk);
* ``--noborder``: no rules, cells joined by one space, the last one unpadded;
* ``--noheader``: no header and no double rule (titles still count for the
  widths); a multi-line cell spans lines.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import attrs

_UTF8 = {"top": "┌─┬┐", "head": "╞═╪╡", "row": "├─┼┤", "bottom": "└─┴┘", "bar": "│"}
_ASCII = {"top": "+-++", "head": "+=++", "row": "+-++", "bottom": "+-++", "bar": "|"}


@attrs.frozen
class TableStyle:
    border: bool = True
    header: bool = True
    utf8: bool = True


#: what Python itself puts into LC_CTYPE when it starts in the C locale (PEP 538)
_COERCED = ("C.UTF-8", "C.utf8", "UTF-8")


def locale_is_utf8(environ: dict[str, str] | None = None) -> bool:
    """Whether the locale's character set is UTF-8, as the first of LC_ALL,
    LC_CTYPE and LANG that is set says (unset: the C locale, ASCII).  An
    LC_CTYPE that Python's C-locale coercion set is not the user's."""
    env = os.environ if environ is None else environ
    coerced = not env.get("LC_ALL") and env.get("LANG", "C") in ("C", "POSIX") and env.get("LC_CTYPE") in _COERCED
    for name in ("LC_ALL", "LANG") if coerced else ("LC_ALL", "LC_CTYPE", "LANG"):
        value = env.get(name)
        if value:
            charset = value.partition(".")[2].partition("@")[0].lower().replace("-", "")
            return charset == "utf8"
    return False


def format_table(titles: Sequence[str], rows: Sequence[Sequence[str]], style: TableStyle = TableStyle()) -> str:
    """The table as text (every line ends with a line feed); "" without rows."""
    if not rows:
        return ""
    cells = [[str(c).split("\n") for c in row] for row in rows]
    widths = [len(t) for t in titles]
    for row in cells:
        for i, parts in enumerate(row):
            widths[i] = max(widths[i], *(len(p) for p in parts))
    out: list[str] = []
    if not style.border:
        if style.header:
            out.append(_plain_line(list(titles), widths))
        for row in cells:
            out.extend(_plain_line(parts, widths) for parts in _row_lines(row))
        return "".join(out)
    chars = _UTF8 if style.utf8 else _ASCII
    out.append(_rule(chars["top"], widths, style.utf8))
    if style.header:
        out.append(_boxed_line(list(titles), widths, chars["bar"]))
        out.append(_rule(chars["head"], widths, style.utf8))
    for index, row in enumerate(cells):
        if index:
            out.append(_rule(chars["row"], widths, style.utf8))
        out.extend(_boxed_line(parts, widths, chars["bar"]) for parts in _row_lines(row))
    out.append(_rule(chars["bottom"], widths, style.utf8))
    return "".join(out)


def _row_lines(row: list[list[str]]) -> list[list[str]]:
    height = max(len(parts) for parts in row)
    return [[parts[i] if i < len(parts) else "" for parts in row] for i in range(height)]


def _rule(chars: str, widths: list[int], utf8: bool) -> str:
    left, fill, cross, right = chars
    if not utf8 and fill == "=" and len(widths) == 1:
        right = ""  # upstream's one-column ASCII header rule
    return left + cross.join(fill * (w + 2) for w in widths) + right + "\n"


def _boxed_line(cells: list[str], widths: list[int], bar: str) -> str:
    return f"{bar} " + f" {bar} ".join(c.ljust(w) for c, w in zip(cells, widths)) + f" {bar}\n"


def _plain_line(cells: list[str], widths: list[int]) -> str:
    padded = [c.ljust(w) for c, w in zip(cells[:-1], widths)] + [cells[-1]]
    return " ".join(padded) + "\n"


def cut_to_width(text: str, width: int) -> str:
    """Each line cut to `width` characters, as on a terminal."""
    return "".join(line[:width] + "\n" for line in text.splitlines())
