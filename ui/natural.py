"""Natural order for names a person reads: node2 before node10.

The engine visits nodes in plain sorted order (node1, node10, node11, node2:
the real tester's loop order, which the log must keep); everything the window
*lists* for a person — cards, combos, filters, lanes — uses this order, as the
Proxmox VE GUI sorts its node tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_DIGITS = re.compile(r"([0-9]+)")


def natural_key(name: str) -> tuple:
    """'node10' -> (('node', 10, ''), 'node10'): digit runs compare as numbers
    (text and numbers alternate, so they never meet at one position)."""
    parts = _DIGITS.split(name)
    return tuple(int(p) if i % 2 else p.lower() for i, p in enumerate(parts)), name


def natural_sorted(names: Iterable[str]) -> list[str]:
    return sorted(names, key=natural_key)
