"""What `ha-manager migrate|relocate` says about affinity after queueing (spec 05 §5).

The real command queues `<cmd> <sid> <node>`, then asks the compiled
resource-affinity rules what the move implies: positive partners move along
(one `also …` line each on stdout), and negative partners already on an
online target block it (a `cannot …` block on stderr, exit status 255 —
though the command stays queued and the CRM decides, 02 §7).
"""

from __future__ import annotations

from hasim.admin.cluster import Cluster
from hasim.admin.config_views import View
from hasim.admin.parameters import Parsed


def motion_notes(request: Parsed, cluster: Cluster) -> View:
    """The lines a queued migrate/relocate prints; empty for other requests."""
    if request.command not in ("crm-command migrate", "crm-command relocate"):
        return View("")
    cmd, node = request.path[-1], request.get("node")
    sid = cluster.guest_sid(request.get("sid")) or request.get("sid")
    compiled = cluster.compiled_rules()
    status = cluster.service_status
    if cluster.node_status.get(node) == "online":
        blocking = [
            partner
            for partner in sorted(compiled.negative.get(sid, ()))
            if status.get(partner, {}).get("node") == node and status[partner].get("target", node) == node
        ]
        if blocking:
            lines = [f"cannot {cmd} resource '{sid}' to node '{node}':", ""]
            lines += [f"- resource '{p}' on target node '{node}' in negative affinity with resource '{sid}'"
                      for p in blocking]  # fmt: skip
            return View("", "".join(f"{line}\n" for line in lines))
    also = [
        f"also {cmd} resource '{partner}' in positive affinity with resource '{sid}' to target node '{node}'\n"
        for partner in sorted(compiled.positive.get(sid, ()))
        if partner in status
    ]
    return View("".join(also))
