"""Putting an import on disk: all of DIR or nothing of it.

Each file is written atomically (`hasim.workdir.atomic_write`: temporary
file, then rename), and whatever this import created - files and the
directories it had to make - is removed again if anything fails before the
end, including the final `load_scenario` check: DIR is never left
half-made.  SRC is only ever read.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from hasim.errors import InputError
from hasim.importer.build import plan_import
from hasim.importer.diagnostics import NO_FILE, Diagnostic, printable
from hasim.importer.options import ImportOptions
from hasim.importer.result import ImportResult
from hasim.workdir import atomic_write, load_scenario


def _missing_dirs(path: Path) -> list[Path]:
    """`path` and its missing ancestors, deepest first."""
    missing = []
    while not path.exists() and not path.is_symlink() and path != path.parent:
        missing.append(path)
        path = path.parent
    return missing


def write_workdir(dst: Path, files: dict[str, str]) -> None:
    """Write `files` into `dst` (absent or empty) and load it back; on any
    failure undo what was created and raise (OSError or InputError)."""
    created_dirs = _missing_dirs(dst)
    written: list[Path] = []
    try:
        dst.mkdir(parents=True, exist_ok=True)
        for name in sorted(files):
            atomic_write(dst / name, files[name])
            written.append(dst / name)
        load_scenario(dst)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        for directory in created_dirs:
            try:
                directory.rmdir()
            except OSError:
                break
        raise


def import_cluster(src: Path, dst: Path, options: ImportOptions | None = None) -> ImportResult:
    """`hasim import SRC DIR`: read, check, write, verify.

    Returns the result with `written` true, or the diagnostics and nothing
    on disk.  A failure to write DIR (or, which would be a bug, a DIR that
    does not load) is reported as an E11 diagnostic after the cleanup.
    """
    dst = Path(dst)
    result = plan_import(Path(src), options or ImportOptions(), dst)
    if not result.ok:
        return result
    try:
        write_workdir(dst, dict(result.files))
    except OSError as err:
        problem = f"{printable(str(dst))}: cannot write: {err.strerror or err}; nothing kept"
    except InputError as err:
        problem = f"{printable(str(dst))}: internal error, the written directory does not load ({err}); nothing kept"
    else:
        return attrs.evolve(result, written=True)
    failure = Diagnostic("E11", NO_FILE, None, problem)
    return attrs.evolve(result, diagnostics=tuple(sorted((*result.diagnostics, failure), key=Diagnostic.sort_key)),
                        files={})
