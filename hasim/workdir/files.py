"""Writing a working directory's files whole or not at all."""

from __future__ import annotations

import json
import os
from pathlib import Path

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write via a hidden temporary file in the same directory, then rename.

    The temporary name is unique per process, so concurrent writers (the
    owner and a CLI) never share one; a crash can leave only a hidden
    `.<name>.<pid>.tmp`, which no reader opens.
    """
    path = Path(path)
    raw = data.encode() if isinstance(data, str) else data
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        try:
            os.write(fd, raw)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def dump_json(value: Any) -> str:
    return json.dumps(value, indent=4, sort_keys=True) + "\n"
