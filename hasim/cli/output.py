"""How every `hasim` subcommand talks to its user: one line on stderr, named
after the command, and the exit status that goes with it."""

from __future__ import annotations

import sys

BAD_INPUT = 2  # a malformed file, an unknown argument, a busy directory: named on stderr, nothing changed


def error(message: str, command: str = "hasim") -> int:
    """Print `<command>: <message>` on stderr; returns BAD_INPUT for `return error(...)`."""
    print(f"{command}: {message}", file=sys.stderr)
    return BAD_INPUT
