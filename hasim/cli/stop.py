"""Ending a run cleanly when the user (or the system) asks it to stop.

SIGINT (Ctrl-C), SIGTERM (`kill`) and SIGHUP (the terminal or the ssh
session went away) all mean "stop now": the owner of a working directory
must still write its session's end line and release the directory lock.
Raising an exception from the handler could interrupt a write halfway, so
the handler only notes the signal; the run loop (batch or paced) and the
window's timer look at `requested` between two engine steps and end
normally.
"""

from __future__ import annotations

import signal

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StopSignals:
    """Notes the first stop signal; `exit_status` is the shell's 128 + n."""

    def __init__(self) -> None:
        self.received: int | None = None
        self._previous: dict[int, object] = {}

    def install(self) -> StopSignals:
        for sig in STOP_SIGNALS:
            self._previous[sig] = signal.signal(sig, self._note)
        return self

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _note(self, signum, frame) -> None:
        if self.received is None:
            self.received = signum

    @property
    def requested(self) -> bool:
        return self.received is not None

    @property
    def exit_status(self) -> int:
        return 128 + self.received if self.received is not None else 0
