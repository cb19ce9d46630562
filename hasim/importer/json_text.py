"""Strict, bounded JSON for the copied files (resources.json, manager_status),
as the importer reports it: a message and the line it is on.

The strictness itself is `hasim.jsondata.loads_strict` (no NaN or Infinity,
no duplicate keys, bounded nesting and numbers), the same as for every input
hasim reads."""

from __future__ import annotations

from typing import Any

from hasim.jsondata import JSONError, loads_strict


class JsonProblem(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def parse_json(text: str) -> Any:
    try:
        return loads_strict(text)
    except JSONError as err:
        if err.place is None:
            raise JsonProblem(err.reason) from None
        _, line, _, column = err.place.split()  # "line L column C"
        raise JsonProblem(f"{err.reason} (column {column})", int(line)) from None
