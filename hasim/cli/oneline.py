"""One-line errors for subcommands: `hasim <cmd>: <what is wrong>`, exit 2.

argparse prints its usage before an error; for a command that admins script
against, one line naming the argument (or the file) is easier to read and to
grep, and it is the convention of every other hasim error.
"""

from __future__ import annotations

import argparse
import sys


def fail(prog: str, message: str) -> int:
    """Print `prog: message` on stderr; returns the exit status 2."""
    print(f"{prog}: {message}", file=sys.stderr)
    return 2


def one_line_errors(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Make `parser` report its own errors (bad choices, missing values) in one line."""

    def error(message: str):
        raise SystemExit(fail(parser.prog, message))

    parser.error = error  # type: ignore[method-assign]
    return parser
