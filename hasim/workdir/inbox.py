"""The request inbox of a running simulation.

One simulation owns a working directory at a time.  Other processes (the
`hasim ha-manager` CLI) never write the owner's state; they drop a request
file into `DIR/status/inbox/` (atomically), and the owner applies it at its
next loop end — the way `ha-manager` on a real node writes the cluster
configuration and the CRM command queue, which the CRM reads at its next round.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

from hasim.jsondata import loads_strict
from hasim.workdir.files import atomic_write, read_text


class Inbox:
    def __init__(self, status_dir: Path) -> None:
        self.path = Path(status_dir) / "inbox"

    def create(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def put(self, argv: list[str]) -> Path:
        name = f"{os.getpid()}-{uuid.uuid4().hex}.json"
        target = self.path / name
        atomic_write(target, json.dumps({"argv": argv}) + "\n")
        return target

    def take(self) -> list[list[str]]:
        """Requests in arrival order; each is removed once read."""
        try:
            entries = [p for p in self.path.iterdir() if p.suffix == ".json" and not p.name.startswith(".")]
        except FileNotFoundError:
            return []
        keyed = []
        for p in entries:
            try:
                keyed.append((p.stat().st_mtime_ns, p.name, p))
            except FileNotFoundError:
                continue
        out = []
        for _, _, p in sorted(keyed):
            try:
                data = loads_strict(read_text(p))  # only a regular file: a FIFO here must not stall the owner
                argv = data.get("argv")
                if isinstance(argv, list) and all(isinstance(a, str) for a in argv):
                    out.append(argv)
            except (OSError, ValueError, AttributeError):
                pass
            try:
                p.unlink()
            except FileNotFoundError:
                pass
        return out
