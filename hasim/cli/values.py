"""Command-line values with bounds: a bad value is an argparse error (exit 2,
one message), never a traceback or a run that cannot end.

Python's `float` accepts "nan", "inf" and "-1" and `int` accepts a number of
any size; each of those once reached the engine (`int(nan)` raised, a
negative speed never advanced, `--runs 10**18` tried to allocate a list of
that many runs).
"""

from __future__ import annotations

import argparse
import math

MAX_SPEED = 1_000_000.0  # virtual seconds per wall second: far beyond what any cluster reaches
MAX_ADVANCE = 100_000  # virtual seconds the window runs before showing (about 28 hours)
MAX_RUNS = 100_000  # explore runs in one call


def _number(text: str, kind, what: str):
    try:
        value = kind(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"{what} must be a number, not '{text[:40]}'") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{what} must be a finite number, not '{text[:40]}'")
    return value


def bounded(kind, low, high, what: str):
    """An argparse `type`: a `kind` number between `low` and `high`."""

    def parse(text: str):
        value = _number(text, kind, what)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be between {low:g} and {high:g}, not {text[:40]}")
        return value

    parse.__name__ = what  # argparse names the type in some messages
    return parse


run_speed = bounded(float, 1e-3, MAX_SPEED, "speed")
window_speed = bounded(float, 0.0, MAX_SPEED, "speed")
advance_seconds = bounded(int, 0, MAX_ADVANCE, "advance")
