"""What a run came to, and how two runs' outcomes differ.

An exported scenario puts each command at the nearest time the tester can
express; a command that moves can change what happens (a later power-on
costs a node its quorum, a node is fenced that never was in the window).
The exporter therefore runs both — the session and its export — and compares
what matters to an admin: which nodes were fenced or reset by their
watchdog, and where each service ends and in which state.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from hasim.log import LogLine
from hasim.vocab import NOT_YET_MANAGED


@attrs.frozen
class RunOutcome:
    time: int
    fenced: tuple[str, ...]  # nodes the manager put into 'fence'
    watchdog_resets: tuple[str, ...]  # nodes their watchdog powered off
    services: Mapping[str, tuple[str | None, str]]  # sid -> (manager state, node)
    error: str | None = None


class OutcomeWatch:
    """Follows a simulation from its first step and tells its outcome."""

    def __init__(self, sim) -> None:
        self.sim = sim
        self._fenced: set[str] = set()
        self._resets: set[str] = set()
        sim.observe_steps(self._stepped)
        sim.subscribe(self._line)

    def _stepped(self, node: str | None) -> None:
        status = (self.sim.files.get("manager_status") or {}).get("node_status") or {}
        self._fenced.update(n for n, state in status.items() if state == "fence")

    def _line(self, line: LogLine) -> None:
        if line.source == "watchdog":  # the harness's own `execute power <node> off` when a watchdog fires
            self._resets.add(line.message.split()[2])

    def outcome(self) -> RunOutcome:
        snap = self.sim.snapshot()
        return RunOutcome(
            time=snap.time,
            fenced=tuple(sorted(self._fenced)),
            watchdog_resets=tuple(sorted(self._resets)),
            services={s.sid: (s.state, s.node) for s in snap.services},
            error=snap.error,
        )


def _nodes(names: tuple[str, ...]) -> str:
    return ", ".join(names)


def differences(session: RunOutcome, export: RunOutcome) -> list[str]:
    """How the export's outcome differs from the session's, in plain words (empty: the same)."""
    out = []
    for what, a, b in (("fenced", session.fenced, export.fenced),
                       ("reset by {} watchdog", session.watchdog_resets, export.watchdog_resets)):  # fmt: skip
        for names, here, there in ((tuple(n for n in b if n not in a), "export", "session"),
                                   (tuple(n for n in a if n not in b), "session", "export")):  # fmt: skip
            if names:
                one = len(names) == 1
                verb = what.format("its" if one else "their") + ("" if one or "{" not in what else "s")
                out.append(f"{_nodes(names)} {'is' if one else 'are'} {verb} in the {here}, not in the {there}")
    for sid in sorted(set(session.services) | set(export.services)):
        a, b = session.services.get(sid), export.services.get(sid)
        if a == b:
            continue
        if a is None or b is None:
            out.append(f"{sid} exists only in the {'export' if a is None else 'session'}")
            continue
        out.append(f"{sid} ends {_where(b)} in the export, {_where(a)} in the session")
    if session.error != export.error:
        out.append(f"the export ends {_ending(export.error)}, the session {_ending(session.error)}")
    return out


def _where(service: tuple[str | None, str]) -> str:
    state, node = service
    return f"'{state or NOT_YET_MANAGED}' on {node}"


def _ending(error: str | None) -> str:
    return "normally" if error is None else f"in an error ({error})"
