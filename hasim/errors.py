"""Exceptions shared by the engine.

`SimError` is an error the real simulator raises with `die`: it aborts the
whole run (the final `exit simulation - <msg>` line, spec 01 §5.6) unless a
daemon catches it first (`got unexpected error - ...`).  `InputError` is bad
user input found before the run starts; it names the file and the place.
"""

from __future__ import annotations


class SimError(Exception):
    """A fatal simulation error; str() is the real stack's message text."""


class InputError(Exception):
    """Malformed working-directory input: one line naming file, place, problem."""

    def __init__(self, file: str, problem: str, place: str | None = None) -> None:
        self.file = file
        self.place = one_line(place) if place is not None else None
        self.problem = problem
        where = f"{file}:{self.place}" if place else file
        super().__init__(f"{where}: {problem}")


def one_line(text: str) -> str:
    """`text` as it can stand in a one-line message: an id with a line feed or
    another control character is shown quoted, so the message stays one line
    and says exactly what the file holds."""
    return text if text.isprintable() else repr(text)
