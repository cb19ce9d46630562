"""What an import hands back to its caller (the CLI, later the window).

The import itself never prints: the result carries the diagnostics in the
spec's order, the counts of the summary line and the generated files, so a
caller can show, preview or write them as it likes.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from hasim.importer.diagnostics import Diagnostic


def _frozen_files(value: Mapping[str, str]) -> dict[str, str]:
    return dict(sorted(value.items()))


@attrs.frozen
class ImportResult:
    """`files` is empty when an error stopped the import; `written` says
    whether they are on disk (only `import_cluster` writes)."""

    diagnostics: tuple[Diagnostic, ...]
    files: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_files)
    nodes: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    non_ha_guests: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if not d.is_error)

    def summary(self) -> str:
        return (
            f"imported {len(self.nodes)} nodes, {len(self.services)} HA services, "
            f"{self.non_ha_guests} non-HA guests, {len(self.warnings)} warnings"
        )
