"""`hasim import`: a copy of a real Proxmox VE cluster's /etc/pve becomes a
hasim working directory (spec 04).

Entry points for callers (the CLI, the window):

* `import_cluster(src, dst, options)` reads, checks, writes and verifies;
* `plan_import(src, options)` does the reading and checking only and hands
  back the files it would write, for a preview.

Both return an `ImportResult` with the `Diagnostic` values in the spec's
order; neither prints.
"""

from hasim.importer.build import plan_import
from hasim.importer.diagnostics import Diagnostic
from hasim.importer.options import ImportOptions
from hasim.importer.result import ImportResult
from hasim.importer.write import import_cluster

__all__ = ["Diagnostic", "ImportOptions", "ImportResult", "import_cluster", "plan_import"]
