"""Working directories: the user's data on disk.

A working directory has the real regression tester's layout (spec 01 §3,
§4): input files at the top, the live cluster state, the log and the
recorded session in `status/`.  This package reads and validates the inputs
(`scenario`), writes files whole or not at all (`files`), keeps one owner per
directory (`lock`), lays out `status/` (`status`), takes requests from other
processes (`inbox`), creates directories (`create`) and finds the shipped
ones (`shipped`).
"""

from hasim.workdir.files import atomic_write, dump_json
from hasim.workdir.lock import DirectoryBusy, DirLock
from hasim.workdir.scenario import JSON_INPUTS, TEXT_INPUTS, Scenario, load_scenario
from hasim.workdir.status import StatusDir

__all__ = [
    "JSON_INPUTS", "TEXT_INPUTS", "DirLock", "DirectoryBusy", "Scenario", "StatusDir",
    "atomic_write", "dump_json", "load_scenario",
]
