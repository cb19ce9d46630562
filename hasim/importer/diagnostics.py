"""Diagnostics of an import: one coded line per oddity or error (spec 04 §13).

An import never stops at the first problem: every reader adds what it finds
to one `Diagnostics` collection, so that the admin sees all that is wrong
with a copy in one go.  Whether the import goes ahead depends only on the
codes: any ``E..`` code stops it, ``W..`` codes are reported and written
into the working directory's README.  The rendered form and the sort order
(file, line, code) are fixed by the spec, which makes the output comparable
between runs and machines.
"""

from __future__ import annotations

import attrs

NO_FILE = "-"
_SHOWN_MAX = 80


def printable(text: str) -> str:
    """`text` safe for a terminal: file names read from a copy may carry
    undecodable bytes (surrogate escapes) that `print` would choke on."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def shown(value: str) -> str:
    """A value taken from a copied file, quoted for a message: control
    characters escaped (a hostile file must not drive the terminal), long
    values cut."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)
    if len(text) > _SHOWN_MAX:
        text = text[: _SHOWN_MAX - 1] + "…"
    return f"'{text}'"


@attrs.frozen(order=False)
class Diagnostic:
    """One finding: `code` (``E01``..``E11``, ``W01``..``W23``), the file it
    concerns relative to SRC (``-`` when none applies), the 1-based line or
    None, and a message naming the sid, vmid, node, rule or key."""

    code: str
    file: str
    line: int | None
    message: str

    @property
    def is_error(self) -> bool:
        return self.code.startswith("E")

    @property
    def level(self) -> str:
        return "error" if self.is_error else "warning"

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file, self.line or 0, self.code, self.message)

    def render(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return printable(f"{self.level}[{self.code}] {where}: {self.message}")


class Diagnostics:
    """The findings of one import, in the order they were found.

    Readers call `add`; `sorted()` gives the spec's order.  Every finding
    records the file it concerns, so a reader that handles one file can be
    given a `for_file` view that fills the file in.
    """

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []

    def add(self, code: str, file: str, line: int | None, message: str) -> None:
        self._items.append(Diagnostic(code, file or NO_FILE, line, message))

    def for_file(self, file: str) -> FileDiagnostics:
        return FileDiagnostics(self, file)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self._items)

    def sorted(self) -> tuple[Diagnostic, ...]:
        return tuple(sorted(self._items, key=Diagnostic.sort_key))


@attrs.frozen
class FileDiagnostics:
    """`Diagnostics` bound to one file: readers of a single file call
    ``diag.add(code, line, message)`` without repeating its name."""

    sink: Diagnostics
    file: str

    def add(self, code: str, line: int | None, message: str) -> None:
        self.sink.add(code, self.file, line, message)
