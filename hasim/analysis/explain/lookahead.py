"""What happens next if nobody acts: a copy of the engine runs ahead.

The copy (`Harness.fork`) never touches the real simulation; its lines are
cached per state of the real one, so a window that asks every tick pays once
per change.
"""

from __future__ import annotations

import weakref

from hasim.analysis.explain.phrases import describe, within
from hasim.log import LogLine, LogSink

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from hasim.engine.harness import Harness

LOOKAHEAD = 360  # seconds of virtual time the look-ahead runs


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _state_key(h: Harness) -> tuple:
    return (
        h.world.time,
        h.node_cursor,
        h.loop_count,
        len(h.sink.lines),
        len(getattr(h, "pending", ()) or ()),
        h.batch_index,
        h.finished,
    )


def lookahead(h: Harness, horizon: int = LOOKAHEAD) -> list[LogLine] | None:
    """Log lines a copy of the engine produces in the next `horizon` seconds
    if nobody acts (the scenario's remaining batches are left out)."""
    if h.finished:
        return []
    key = _state_key(h)
    cached = _CACHE.get(h)
    if cached is not None and cached[0] == key:
        return cached[1]
    sink = LogSink()
    try:
        h.fork(sink).advance(h.world.time + horizon)
    except Exception:  # the explainer must never break the caller
        return None
    lines = list(sink.lines)
    try:
        _CACHE[h] = (key, lines)
    except TypeError:
        pass
    return lines


def next_events(future: Sequence[LogLine], now: int, ids: set[str], limit: int = 8) -> list[str]:
    """The first `limit` future events concerning `ids`, as 'at T (in N s): …'."""
    out: list[str] = []
    seen: set[str] = set()
    for line in future:
        described = describe(line)
        if described is None:
            continue
        text, concerns = described
        if not (concerns & ids):
            continue
        if text in seen:
            continue
        seen.add(text)
        out.append(f"at {line.time} ({within(now, line.time)}): {text}")
        if len(out) >= limit:
            break
    return out
