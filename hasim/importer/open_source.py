"""Open SRC, whatever its shape, and find the etc/pve root in it (E01).

SRC is a directory holding ``etc/pve/`` (the extracted archive of the
collect recipe), a directory that is itself the etc/pve root, or the
archive itself (spec 04 §1).  SRC is looked at with `stat`, so a FIFO named
on the command line is refused instead of blocking the import.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hasim.importer.diagnostics import NO_FILE, Diagnostics, printable, shown
from hasim.importer.source import ROOT_MARKERS, SourceTree
from hasim.importer.source_dir import index_directory
from hasim.importer.source_tar import BadArchive, index_archive

_SKIPPED_SHOWN = 5


def open_source(src: Path, diags: Diagnostics) -> SourceTree | None:
    """The indexed copy with its root located, or None after an E01."""
    name = printable(str(src))
    try:
        mode = os.stat(src).st_mode
        if stat.S_ISDIR(mode):
            tree = index_directory(src)
        elif stat.S_ISREG(mode):
            tree = index_archive(src)
        else:
            diags.add("E01", NO_FILE, None, f"{name}: neither a directory nor a tar archive")
            return None
    except BadArchive as err:
        diags.add("E01", NO_FILE, None, f"{name}: {err}")
        return None
    except OSError as err:
        diags.add("E01", NO_FILE, None, f"{name}: cannot read: {err.strerror or err}")
        return None
    if tree.find_root() is None:
        markers = ", ".join(f"{m}" for m in ROOT_MARKERS)
        message = f"{name}: no etc/pve root (neither etc/pve/ nor {markers} inside)"
        if tree.kind("etc/pve") is not None:
            message += "; etc/pve is not a directory (links are not followed)"
        if tree.skipped:
            listed = ", ".join(shown(s) for s in tree.skipped[:_SKIPPED_SHOWN])
            more = len(tree.skipped) - _SKIPPED_SHOWN
            message += f"; archive members outside the archive skipped: {listed}"
            message += f" and {more} more" if more > 0 else ""
        diags.add("E01", NO_FILE, None, message)
        return None
    for path, problem in tree.unlisted:
        diags.add("E01", path, None, problem)
    return tree
