"""Helpers for the JSON-shaped data the cluster files hold.

The real daemons read every cluster file afresh and mutate what they read,
so every read must be an independent copy (spec 01 §4.2).  `jcopy` is a
fast deep copy for JSON-shaped values (dicts, lists, scalars), several times
cheaper than `copy.deepcopy`.
"""

from __future__ import annotations

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any



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
