"""Strict, bounded JSON for the copied files (resources.json, manager_status).

`json.loads` alone accepts ``NaN`` and ``Infinity``, turns ``1e999`` into
infinity and fails with RecursionError or a bare ValueError on deep nesting
or giant integers; every one of those must become a message naming the
file, never a traceback or a number hasim cannot use.
"""

from __future__ import annotations

import json
from typing import Any


class JsonProblem(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise JsonProblem(f"invalid JSON: {err.msg} (column {err.colno})", err.lineno) from None
    except (ValueError, RecursionError) as err:
        raise JsonProblem(f"invalid JSON: {err}") from None
