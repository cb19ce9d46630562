"""The request inbox of a running simulation, with an answer for every request.

One simulation owns a working directory at a time.  Other processes (the
`hasim ha-manager` CLI) never write the owner's state; they drop a request
file into `DIR/status/inbox/` (atomically), and the owner applies it at its
next loop end — the way `ha-manager` on a real node writes the cluster
configuration and the CRM command queue, which the CRM reads at its next round.

No request is lost silently: the owner answers each one in
`inbox/<id>.answer` (JSON) — `queued` when it takes it (with the time of the
loop end where it applies), then `applied` or `refused` (with the reason)
when it applies, or `ended` if the simulation closes first.  An owner that
sees a request between two loop ends (the window writes its files once a
second) answers `queued` at once and leaves the request where it is, so that
requests still apply at the loop end, after the owner's own commands.  Answers stay
after the owner closes, so a waiting sender can still read them; a request
nobody took is withdrawn by its sender.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hasim.jsondata import loads_strict
from hasim.values import Value
from hasim.workdir.files import atomic_write, read_text, remove_tree

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

QUEUED, APPLIED, REFUSED, ENDED = "queued", "applied", "refused", "ended"
FINAL = (APPLIED, REFUSED, ENDED)


class Answer(Value):
    state: str  # queued | applied | refused | ended
    time: int | None = None  # the simulation's time when it answered
    at: int | None = None  # queued: the loop end where it applies
    reason: str | None = None  # refused: the real CLI's message

    def to_json(self) -> str:
        return json.dumps({k: getattr(self, k) for k in self._fields if getattr(self, k) is not None}, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Answer | None:
        try:
            data = json.loads(text)
            return cls(**{k: data[k] for k in ("state", "time", "at", "reason") if k in data})
        except (ValueError, TypeError, KeyError):
            return None

    @property
    def final(self) -> bool:
        return self.state in FINAL


class Inbox:
    def __init__(self, status_dir: Path) -> None:
        self.path = Path(status_dir) / "inbox"

    def create(self) -> None:
        try:
            remove_tree(self.path)
        except FileNotFoundError:
            pass
        self.path.mkdir(parents=True, exist_ok=True)

    # -- the sender's side -------------------------------------------------------------------------
    def put(self, argv: list[str], stamp: int) -> str:
        """Drop a request sent at `stamp` (the sender's system clock in ns,
        hasim.clock.WaitClock.stamp); returns its id."""
        # the stamp first: ids sort in arrival order, also within one clock tick of the file system
        import uuid  # only the sender needs it; the running simulation does not pay for it

        request_id = f"{stamp:020d}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        atomic_write(self.path / f"{request_id}.json", json.dumps({"argv": argv}) + "\n")
        return request_id

    def read_answer(self, request_id: str) -> Answer | None:
        try:
            return Answer.from_json(read_text(self.path / f"{request_id}.answer"))
        except OSError:
            return None

    def withdraw(self, request_id: str) -> bool:
        """Take back a request nobody took (True: it was still waiting)."""
        try:
            os.unlink(self.path / f"{request_id}.json")
            return True
        except FileNotFoundError:
            return False

    def forget(self, request_id: str) -> None:
        """Remove a final answer once read."""
        try:
            os.unlink(self.path / f"{request_id}.answer")
        except FileNotFoundError:
            pass

    # -- the owner's side ----------------------------------------------------------------------------
    def _waiting(self, suffixes: tuple[str, ...]) -> list[Path]:
        try:
            return sorted(p for p in self.path.iterdir() if p.suffix in suffixes and not p.name.startswith("."))
        except FileNotFoundError:
            return []

    def acknowledge(self) -> list[str]:
        """Mark the newly arrived requests as seen (they stay for the next
        loop end, in order); returns their ids."""
        seen = []
        for p in self._waiting((".json",)):
            try:
                os.rename(p, p.with_suffix(".seen"))
            except FileNotFoundError:
                continue  # withdrawn meanwhile
            seen.append(p.stem)
        return seen

    def take(self) -> list[tuple[str, list[str] | None]]:
        """(id, argv) of every waiting request (seen or not) in arrival order,
        each removed once read; argv None for a file that is not a request."""
        out: list[tuple[str, list[str] | None]] = []
        for p in self._waiting((".json", ".seen")):
            argv: Any = None
            try:
                # only a regular file: a FIFO here must not stall the owner
                argv = loads_strict(read_text(p)).get("argv")
            except (OSError, ValueError, AttributeError):
                pass
            try:
                p.unlink()
            except FileNotFoundError:
                continue  # withdrawn meanwhile
            ok = isinstance(argv, list) and all(isinstance(a, str) for a in argv)
            out.append((p.stem, argv if ok else None))
        return out

    def answer(self, request_id: str, answer: Answer) -> None:
        try:
            atomic_write(self.path / f"{request_id}.answer", answer.to_json())
        except OSError:
            pass  # the sender then learns from the lock that the simulation is gone

    def close(self, time: int) -> None:
        """The simulation ends: every request still waiting is answered `ended`."""
        for request_id, _ in self.take():
            self.answer(request_id, Answer(ENDED, time))
