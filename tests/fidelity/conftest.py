"""Collect the fidelity figure and print it at the end of the run."""

from __future__ import annotations

RESULTS: dict[str, list[bool]] = {}


def record(kind: str, ok: bool) -> None:
    RESULTS.setdefault(kind, []).append(ok)


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    parts = [f"{kind}: {sum(v)}/{len(v)}" for kind, v in sorted(RESULTS.items())]
    terminalreporter.write_line("fidelity (log.expect reproduced byte for byte) - " + ", ".join(parts))
