"""The imported directory's README: where it came from and what was odd.

hasim ignores the file (spec 01 §3); it is for the admin who opens the
directory weeks later and wonders which copy, which options and which
warnings it was made from.  It holds no clock reading, so importing the
same copy twice gives the same bytes.
"""

from __future__ import annotations

from hasim.importer.diagnostics import printable
from hasim.importer.options import ImportOptions
from hasim.importer.result import ImportResult


def _option_words(options: ImportOptions) -> list[str]:
    words = []
    if options.resources is not None:
        words.append(f"--resources {options.resources}")
    if options.node_maxcpu is not None:
        words.append(f"--node-maxcpu {options.node_maxcpu} --node-maxmem-gib {options.node_maxmem_gib}")
    for flag, on in (("--no-manager-status", not options.manager_status), ("--drop-locks", options.drop_locks),
                     ("--drop-orphans", options.drop_orphans)):  # fmt: skip
        if on:
            words.append(flag)
    if options.pve_manager_version is not None:
        words.append(f"--pve-manager-version {options.pve_manager_version}")
    words.append(f"--rebalance-scale {options.rebalance_scale}")
    return words


def render_readme(
    source: str, options: ImportOptions, result: ImportResult, online: tuple[str, ...], skipped: tuple[str, ...]
) -> str:
    lines = [
        "Imported by `hasim import` (spec 04) from a copy of a Proxmox VE cluster.",
        "",
        f"Source: {source}",
        f"Options: {' '.join(_option_words(options))}",
        f"Nodes: {' '.join(result.nodes)} (batch 1 of cmdlist powers on: {' '.join(online) or 'none'})",
        f"HA services: {' '.join(result.services) or 'none'}",
        f"Non-HA guests (not modelled): {result.non_ha_guests}",
        "",
        "Add the what-if as later batches of cmdlist, e.g. [\"network <node> off\"], then `hasim run` this directory.",
    ]
    if skipped:
        lines += ["", f"Archive members outside the archive, skipped: {len(skipped)}"]
    lines += ["", f"Diagnostics ({len(result.diagnostics)}):"]
    lines += [f"  {d.render()}" for d in result.diagnostics] or ["  none"]
    return printable("\n".join(lines) + "\n")


