"""What a simulation starts from: the cluster files, the nodes and the
scenario's command batches, already validated.

A value, not a place: the working directory reads one from disk
(`hasim.workdir.load_scenario`), the explorer and the tests build them in
memory, and the facade (`hasim.simulation`) runs one without knowing where it
came from.
"""

from __future__ import annotations

from pathlib import Path

from hasim.values import Value

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Scenario(Value):
    files: dict[str, Any]  # status-directory files, initial content
    nodes: list[str]
    cmdlist: list[list[str]]
    path: Path | None = None  # the working directory it was read from, if any
