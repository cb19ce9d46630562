"""The cluster as `ha-manager` sees it: hasim's files read as /etc/pve (spec 05 §1).

The real command reads `ha/resources.cfg`, `ha/groups.cfg`, `ha/rules.cfg`,
`ha/manager_status`, every node's `lrm_status` and the membership.  hasim
keeps the same content in its own files (`service_config` with the
simulator's extra keys, `groups`, `rules_config`, `manager_status`,
`lrm_status_<node>`, `hardware_status`); `Cluster` is the translation, one
value that the refusals, the edits and the views all read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from hasim.engine.ha import groups as groups_mod
from hasim.engine.ha import rules as rules_mod

#: service_config keys that are the simulator's, not resources.cfg's
SIMULATOR_KEYS = ("node", "lock", "type", "name")


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


@attrs.frozen
class Cluster:
    """hasim's cluster files (name -> JSON value or text) and its nodes."""

    files: Mapping[str, Any]
    nodes: tuple[str, ...] = attrs.field(converter=tuple)

    # -- configuration ---------------------------------------------------------------------------
    @property
    def service_config(self) -> dict[str, dict]:
        return {sid: rec for sid, rec in _dict(self.files.get("service_config")).items() if isinstance(rec, dict)}

    def resource(self, sid: str) -> dict[str, Any] | None:
        """The resources.cfg entry of `sid` (None: not configured)."""
        rec = self.service_config.get(sid)
        if rec is None:
            return None
        return {k: v for k, v in rec.items() if k not in SIMULATOR_KEYS}

    def guest_sid(self, text: str) -> str | None:
        """A sid as the real CLI reads it: digits name the guest with that
        VMID — in hasim the configured vm:N, else ct:N (None: no such guest)."""
        if not (text.isascii() and text.isdigit()):
            return text
        return next((f"{kind}:{text}" for kind in ("vm", "ct") if f"{kind}:{text}" in self.service_config), None)

    def requested_state(self, sid: str) -> str:
        """The configured state as the CRM reads it (missing: disabled; enabled: started)."""
        state = self.service_config.get(sid, {}).get("state")
        if not state:
            return "disabled"
        return "started" if state == "enabled" else str(state)

    @property
    def groups_text(self) -> str:
        text = self.files.get("groups")
        return text if isinstance(text, str) else ""

    @property
    def rules_text(self) -> str:
        text = self.files.get("rules_config")
        return text if isinstance(text, str) else ""

    @property
    def groups(self) -> dict[str, groups_mod.Group]:
        return groups_mod.parse_groups(self.groups_text)

    @property
    def crs_mode(self) -> str | None:
        return _dict(_dict(self.files.get("datacenter.cfg")).get("crs")).get("ha")

    # -- state -----------------------------------------------------------------------------------
    @property
    def manager_status(self) -> dict:
        return _dict(self.files.get("manager_status"))

    @property
    def service_status(self) -> dict[str, dict]:
        return {sid: sd for sid, sd in _dict(self.manager_status.get("service_status")).items() if isinstance(sd, dict)}

    @property
    def node_status(self) -> dict[str, str]:
        return _dict(self.manager_status.get("node_status"))

    @property
    def disarm(self) -> dict | None:
        disarm = self.manager_status.get("disarm")
        return disarm if isinstance(disarm, dict) else None

    def lrm_status(self, node: str) -> dict | None:
        """The node's LRM status as written (None: no such file)."""
        value = self.files.get(f"lrm_status_{node}")
        return None if value is None else _dict(value)

    def online(self, node: str) -> bool:
        rec = _dict(_dict(self.files.get("hardware_status")).get(node))
        return rec.get("power") == "on" and rec.get("network") == "on"

    def powered(self, node: str) -> bool:
        return _dict(_dict(self.files.get("hardware_status")).get(node)).get("power") == "on"

    @property
    def cluster_quorate(self) -> bool:
        return sum(self.online(n) for n in self.nodes) > len(self.nodes) // 2

    def quorate(self, node: str) -> bool:
        """Whether `node` has quorum: online in a quorate cluster (01 §9.2)."""
        return self.online(node) and self.cluster_quorate

    @property
    def rule_nodes(self) -> list[str]:
        """The nodes the rule checks run against: the manager's node list
        (its node_status), or the cluster's nodes before any manager ran."""
        return sorted(self.node_status) or list(self.nodes)

    def timestamps(self) -> list[int]:
        """Every timestamp in the manager and LRM status files."""
        found = [self.manager_status.get("timestamp")]
        found += [(self.lrm_status(n) or {}).get("timestamp") for n in self.nodes]
        return [int(t) for t in found if isinstance(t, (int, float)) and not isinstance(t, bool)]

    # -- rules as the CRM and the rules API see them -------------------------------------------------
    def rules_with_groups(self) -> list[rules_mod.Rule]:
        """The file's rules, then an `ha-group-<g>` rule for every group a
        resource uses (02 §12.2), in rule order."""
        rules = rules_mod.parse_rules(self.rules_text)
        first = max((r.order for r in rules), default=0)
        generated = groups_mod.groups_to_rules(self.groups, self.service_config)
        return rules + [r.replace(order=first + i) for i, r in enumerate(generated, 1)]

    def compiled_rules(self) -> rules_mod.CompiledRules:
        """The rules the CRM compiles from these files (02 §11.4-§11.7)."""
        nodes = self.rule_nodes
        kept, _messages = rules_mod.check_and_transform(self.rules_with_groups(), nodes)
        return rules_mod.compile_rules(kept, nodes)


def default_node(cluster: Cluster) -> str:
    """The node the command is typed on when none is named (spec 05 §1):
    the master if it is powered on, else the first powered-on node, else the first."""
    master = cluster.manager_status.get("master_node")
    if master in cluster.nodes and cluster.powered(master):
        return master
    return next((n for n in cluster.nodes if cluster.powered(n)), cluster.nodes[0])
