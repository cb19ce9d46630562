"""`ha-manager`, the real stack's admin CLI, as requests to a cluster.

Trainees practise the real commands.  A request is its argument list, read
as the real command reads it (`hasim.admin.parameters`), refused where the
real command refuses (`hasim.admin.refusals`), and turned into the change the
real command makes (`hasim.admin.edits`): configuration files the CRM reads
at its next round, or a line in the CRM command queue the master consumes
at its next round — the two ways the real `ha-manager` reaches the HA stack.

`HaManagerRequest` is that request as an `Edit` value: against a running
simulation it travels through the inbox and applies at the next loop end
(checked again then: the cluster may have changed); against an idle
directory the CLI applies the same change to the input files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar


from hasim.admin.cluster import Cluster
from hasim.admin.edits import change
from hasim.admin.parameters import ParameterError, Parsed, parse
from hasim.admin.refusals import is_writer, refusal
from hasim.commands import Change, Edit


def read_request(argv: Sequence[str]) -> Parsed:
    """The request as the real CLI reads it; ParameterError as it refuses it."""
    return parse(list(argv))


class HaManagerRequest(Edit):
    """An `ha-manager` request as a value: its arguments, parsed when needed.

    It changes the cluster the way the real command does, computed against
    the files as they are when it applies (no log line of its own: the CRM's
    lines show the effect).  `render()` is the command line, quoted so that
    it reads back to the same arguments (`split_args`).
    """

    source: ClassVar[str] = "ha-manager"
    argv: tuple[str, ...]

    def __init__(self, argv: Sequence[str]) -> None:
        super().__init__(tuple(argv))

    @property
    def parsed(self) -> Parsed:
        return read_request(self.argv)

    def problem(self, files: Mapping[str, Any], nodes: list[str]) -> str | None:
        """The real CLI's refusal of this request against these files (None:
        it applies).  Quorum is the typing node's, checked by the CLI before
        the request is queued, not here."""
        try:
            parsed = self.parsed
        except ParameterError as err:
            return err.text.rstrip("\n")
        if not is_writer(parsed):
            return f"'ha-manager {self.render()}' changes nothing"
        cluster = Cluster(files, nodes)
        text = refusal(parsed, cluster)
        if text is not None:
            return text
        try:
            change(parsed, cluster)
        except ValueError as err:  # what passed the checks must also be writable
            return str(err)
        return None

    def change(self, files: Mapping[str, Any], nodes: list[str]) -> Change:
        return change(self.parsed, Cluster(files, nodes))

    def render(self) -> str:
        return join_args(self.argv)

    def recorded(self, change: Change) -> list[tuple[str, str]]:
        return [(self.source, self.render())]


# -- command lines that read back exactly -------------------------------------------------------------------

_BARE = re.compile(r"[A-Za-z0-9_@%+=:,./-]+", re.ASCII)


def join_args(argv: Sequence[str]) -> str:
    """Arguments as one readable line: plain words as they are, anything else
    (spaces, quotes, line feeds, non-ASCII, the empty string) as a JSON string."""
    return " ".join(a if _BARE.fullmatch(a) else json.dumps(a, ensure_ascii=False) for a in argv)


def split_args(text: str) -> list[str]:
    """The inverse of `join_args`; ValueError for a line it did not write."""
    out: list[str] = []
    decoder = json.JSONDecoder()
    i, n = 0, len(text)
    while i < n:
        if text[i] == " ":
            i += 1
            continue
        if text[i] == '"':
            value, i = decoder.raw_decode(text, i)
            if not isinstance(value, str):
                raise ValueError("not a string")
            out.append(value)
        else:
            m = _BARE.match(text, i)
            if m is None:
                raise ValueError(f"unexpected {text[i]!r} at {i}")
            out.append(m.group(0))
            i = m.end()
        if i < n and text[i] != " ":
            raise ValueError(f"expected a space at {i}")
    return out
