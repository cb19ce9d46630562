"""Helpers for the JSON-shaped data the cluster files hold.

The real daemons read every cluster file afresh and mutate what they read,
so every read must be an independent copy (spec 01 §4.2).  `jcopy` is a
fast deep copy for JSON-shaped values (dicts, lists, scalars), several times
cheaper than `copy.deepcopy`.

`loads_strict` reads JSON a user wrote: only what JSON allows and what the
engine can hold.  Python's `json` accepts NaN and Infinity, keeps the last
of two equal keys without a word, raises RecursionError on deep nesting and
a bare ValueError on an integer past Python's int-string limit; each of
those becomes a `JSONError` with a one-line reason instead.
"""

from __future__ import annotations

import json
import math

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_DEPTH = 32  # the deepest real file (manager_status) nests 4 levels
MAX_INT_DIGITS = 30  # the largest real number (maxmem in bytes) has 13 digits


class JSONError(ValueError):
    """Text that is not JSON hasim can use; str() is the reason, `place`
    ("line L column C") where the parser knows it."""

    def __init__(self, reason: str, place: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.place = place


def _no_constant(name: str) -> Any:
    raise JSONError(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JSONError(f"duplicate key {key!r} (JSON keys must be unique)")
        out[key] = value
    return out


def _bounded_int(text: str) -> int:
    if len(text) - text.startswith("-") > MAX_INT_DIGITS:
        raise JSONError(f"number with {len(text)} digits is too large (at most {MAX_INT_DIGITS})")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONError(f"number {text[:20]} is too large")
    return value


def loads_strict(text: str) -> Any:
    """Parse JSON text; JSONError (a ValueError) for anything else."""
    try:
        value = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constant,
            parse_int=_bounded_int,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as err:
        raise JSONError(f"invalid JSON: {err.msg}", f"line {err.lineno} column {err.colno}") from None
    except RecursionError:
        raise JSONError(f"nested too deeply (at most {MAX_DEPTH} levels)") from None
    _check_depth(value)
    return value


def _check_depth(value: Any) -> None:
    level = [value]
    for _ in range(MAX_DEPTH + 1):
        level = [v for item in level if isinstance(item, (dict, list))
                 for v in (item.values() if isinstance(item, dict) else item)]  # fmt: skip
        if not level:
            return
    raise JSONError(f"nested too deeply (at most {MAX_DEPTH} levels)")


def jcopy(value: Any) -> Any:
    if type(value) is dict:
        return {k: jcopy(v) for k, v in value.items()}
    if type(value) is list:
        return [jcopy(v) for v in value]
    return value


def truthy(value: Any) -> bool:
    """Perl truthiness of a JSON value: absent, null, 0, "" and "0" are false."""
    if value is None or value is False:
        return False
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value not in ("", "0")
    return True


def num(value: Any, default: float = 0) -> float:
    """Numeric value of a JSON number or numeric string (Perl semantics, lenient)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        s = value.strip()
        # Perl numifies the leading numeric part of a string
        import re

        m = re.match(r"[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)", s)
        if not m:
            return 0
        text = m.group(0)
        try:
            f = float(text)
        except ValueError:
            return 0
        return int(f) if f.is_integer() and "." not in text and "e" not in text.lower() else f
    return default
