"""How every `hasim` subcommand talks to its user: one line on stderr, named
after the command, and the exit status that goes with it."""

from __future__ import annotations

import sys

BAD_INPUT = 2  # a malformed file, an unknown argument, a busy directory: named on stderr, nothing changed


def error(message: str, command: str = "hasim") -> int:
    """Print `<command>: <message>` on stderr; returns BAD_INPUT for `return error(...)`."""
    print(f"{command}: {message}", file=sys.stderr)
    return BAD_INPUT


def one_line_errors(parser, command: str | None = None):
    """Make `parser` (a subcommand's) report its own errors — a bad choice, a
    missing value — as one line like every other error, not usage + error."""

    def fail(message: str):
        raise SystemExit(error(message, command or parser.prog))

    parser.error = fail
    return parser
