"""The input files of one explored run, drawn from its random generator."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import attrs

from hasim.scenario import Scenario


@attrs.frozen
class Cluster:
    """The input files of one run, as the scenario directory holds them."""

    nodes: tuple[str, ...]
    hardware: dict
    services: dict
    datacenter: dict | None = None
    rules: str | None = None

    def files(self) -> dict[str, Any]:
        """The initial status files, exactly as `load_scenario` builds them
        from the saved directory (the tests check the two agree)."""
        services = json.loads(json.dumps(self.services))
        files: dict[str, Any] = {
            "hardware_status": json.loads(json.dumps(self.hardware)),
            "service_config": services,
            "manager_status": {},
        }
        if self.datacenter is not None:
            files["datacenter.cfg"] = json.loads(json.dumps(self.datacenter))
        if self.rules is not None:
            files["rules_config"] = self.rules
        static = {sid: {"maxcpu": 4.0, "maxmem": 4294967296} for sid in sorted(services)}
        files["static_service_stats"] = static
        files["dynamic_service_stats"] = {sid: {"cpu": 2.0, "mem": 2147483648} for sid in sorted(static)}
        for node in self.nodes:
            files[f"service_status_{node}"] = {}
        return files

    def scenario(self, cmdlist: list[list[str]]) -> Scenario:
        return Scenario(path=Path("."), files=self.files(), nodes=list(self.nodes), cmdlist=cmdlist)

    def without_service(self, sid: str) -> Cluster:
        services = {s: v for s, v in self.services.items() if s != sid}
        rules = self.rules
        if rules is not None:
            rules = _rules_without(rules, sid)
        return attrs.evolve(self, services=services, rules=rules)


def _rules_without(text: str, sid: str) -> str | None:
    out = []
    for block in text.strip("\n").split("\n\n"):
        lines = block.split("\n")
        kept = []
        empty = False
        for line in lines:
            if line.startswith("\tresources "):
                members = [s for s in line.split(None, 1)[1].split(",") if s != sid]
                empty = not members
                line = "\tresources " + ",".join(members)
            kept.append(line)
        if not empty:
            out.append("\n".join(kept))
    return "\n\n".join(out) + "\n" if out else None


def make_cluster(rng: random.Random, nodes: int | None, services: int | None) -> Cluster:
    k = nodes if nodes is not None else rng.randint(3, 5)
    names = tuple(f"node{i}" for i in range(1, k + 1))
    crs = rng.choices(["basic", "static", "dynamic"], weights=[6, 3, 2])[0]
    hardware = {}
    for n in names:
        rec: dict[str, Any] = {"power": "off", "network": "off"}
        if crs != "basic":
            rec["maxcpu"] = rng.choice([4, 8, 16, 24])
            rec["maxmem"] = rng.choice([16, 32, 64, 128]) * 1073741824
        hardware[n] = rec
    m = services if services is not None else rng.randint(3, 8)
    conf: dict[str, dict] = {}
    fa_prefixes = list(range(1, 10))
    rng.shuffle(fa_prefixes)
    for i in range(m):
        kind = rng.choices(["vm", "ct", "fa"], weights=[6, 2, 2])[0]
        if kind == "fa" and fa_prefixes:
            digits = f"{fa_prefixes.pop()}{rng.choice('0011112')}{rng.choice('0011112')}"
            if rng.random() < 0.15:
                digits += "1"  # cannot be stopped
            sid = f"fa:{digits}"
        else:
            sid = f"{'ct' if kind == 'ct' else 'vm'}:{100 + i + 1}"
        if sid in conf:
            sid = f"vm:{100 + i + 1}"
        rec = {"node": rng.choice(names), "state": rng.choices(["started", "stopped", "disabled"], weights=[8, 1, 1])[0]}
        if rng.random() < 0.2:
            rec["max_restart"] = rng.randint(0, 2)
        if rng.random() < 0.2:
            rec["max_relocate"] = rng.randint(0, 2)
        conf[sid] = rec
    datacenter: dict[str, Any] | None = None
    policy = rng.choices([None, "conditional", "freeze", "failover", "migrate"], weights=[3, 1, 2, 2, 2])[0]
    if policy is not None or crs != "basic":
        datacenter = {}
        if policy is not None:
            datacenter["ha"] = {"shutdown_policy": policy}
        if crs != "basic":
            dc_crs: dict[str, Any] = {"ha": crs}
            if rng.random() < 0.3:
                dc_crs["ha-rebalance-on-start"] = 1
            if rng.random() < 0.3:
                dc_crs["ha-auto-rebalance"] = 1
            datacenter["crs"] = dc_crs
    rules = None
    if rng.random() < 0.25 and conf and len(names) >= 2:
        blocks = []
        for r in range(rng.randint(1, 2)):
            members = sorted(rng.sample(sorted(conf), rng.randint(1, min(2, len(conf)))))
            allowed = sorted(rng.sample(names, rng.randint(1, len(names) - 1)))
            prios = [f"{n}:{rng.randint(1, 2)}" if rng.random() < 0.3 else n for n in allowed]
            blocks.append(
                f"node-affinity: rule{r + 1}\n\tnodes {','.join(prios)}\n\tresources {','.join(members)}\n"
                f"\tstrict {rng.randint(0, 1)}\n"
            )
        rules = "\n".join(blocks)
    return Cluster(nodes=names, hardware=hardware, services=conf, datacenter=datacenter, rules=rules)


# -- choosing the faults ----------------------------------------------------------------------------
