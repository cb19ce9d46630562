"""The cluster's node list: from corosync.conf, or the standalone host's one
node directory (spec 04 §4).

Everything else in the import refers to this list: guests in other node
directories, group and rule nodes, resources.json entries.  When it cannot
be built (E02, E03) the import still runs the checks that do not need it,
so the admin sees every problem at once.
"""

from __future__ import annotations

from hasim.importer.corosync import (
    HOST_LABEL,
    CorosyncSyntaxError,
    check_quorum,
    parse_corosync,
    read_nodes,
)
from hasim.importer.diagnostics import Diagnostics, shown
from hasim.importer.source import Kind, SourceTree


def node_directories(tree: SourceTree) -> list[str]:
    """Names of the directories under etc/pve/nodes/ that are host labels."""
    base = tree.under_root("nodes")
    return [
        name
        for name in tree.children(base)
        if HOST_LABEL.match(name) and tree.kind(f"{base}/{name}") == Kind.DIR
    ]


def read_node_list(tree: SourceTree, diags: Diagnostics) -> list[str] | None:
    """Sorted node names, or None after an error (reported)."""
    path = tree.under_root("corosync.conf")
    if tree.kind(path) is None:
        return _standalone(tree, diags)
    text = tree.read_text(path, diags, content_code="E02")
    if text is None:
        return None
    diag = diags.for_file(path)
    try:
        conf = parse_corosync(text)
    except CorosyncSyntaxError as err:
        diag.add("E02", err.line, err.message)
        return None
    nodes = read_nodes(conf, diag)
    if nodes is None:
        return None
    check_quorum(conf, nodes, diag)
    return [node.name for node in nodes]


def _standalone(tree: SourceTree, diags: Diagnostics) -> list[str] | None:
    base = tree.under_root("nodes")
    found = node_directories(tree)
    if len(found) != 1:
        listed = ", ".join(shown(n) for n in found) or "none"
        diags.add("E03", base, None, f"no corosync.conf and not exactly one node directory (found: {listed})")
        return None
    diags.add("W15", tree.under_root("corosync.conf"), None,
              f"no corosync.conf: standalone host {found[0]}, imported as a one-node cluster")
    return found
