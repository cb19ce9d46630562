"""Log records and their exact rendering in the real tester's format.

Every line the simulation produces is a `LogLine`.  The batch tester prints
`"%-5s %5d %12s: %s\\n"` (spec 01 §5.1); environment lines have their level cut
to four characters, hardware lines do not (01 §5.2).  Keeping the record
structured (level, time, source, message, and the typed `event` the message
was rendered from, `hasim.events`) lets the window filter and colour lines
and every reader act on values, while batch mode writes the identical bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from hasim.values import Value

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar
    from hasim.events import Event


class LogLine(Value):
    level: str  # as printed (already cut for env lines)
    time: int
    source: str  # "hardware", "cmdlist", "node1/crm", ...
    message: str  # without the final newline
    event: Event | None = None  # what the line says, as a value (None: plain text)

    _not_compared: ClassVar[tuple[str, ...]] = ("event",)

    @classmethod
    def of(cls, time: int, source: str, event: Event) -> LogLine:
        """The line an event makes (its own level, uncut)."""
        return cls(event.level, time, source, event.message, event)

    def render(self) -> str:
        return "%-5s %5d %12s: %s\n" % (self.level, self.time, self.source, self.message)

    @property
    def node(self) -> str | None:
        """The node a daemon line belongs to (None for harness lines)."""
        head, sep, _ = self.source.partition("/")
        return head if sep else None

    @property
    def daemon(self) -> str:
        """'crm', 'lrm' or the harness source id."""
        _, sep, tail = self.source.partition("/")
        return tail if sep else self.source


def strip_one_newline(msg: str) -> str:
    return msg[:-1] if msg.endswith("\n") else msg


def env_level(level: str) -> str | None:
    """Level as printed for a line logged through a daemon env; None = dropped."""
    if level == "debug":
        return None
    return level[:4]


class LogSink:
    """Collects log lines in order and forwards them to listeners.

    Listeners are plain callables (batch mode writes to stdout and the status
    log file; the window appends to its view).  Lines are never reordered:
    the real log is in call order, not time order (01 §5.3).
    """

    def __init__(self) -> None:
        self.lines: list[LogLine] = []
        self._listeners: list[Callable[[LogLine], None]] = []

    def subscribe(self, listener: Callable[[LogLine], None]) -> None:
        self._listeners.append(listener)

    def emit(self, line: LogLine) -> None:
        self.lines.append(line)
        for listener in self._listeners:
            listener(line)

    def text(self) -> str:
        return "".join(line.render() for line in self.lines)
