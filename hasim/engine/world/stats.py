"""Usage statistics the simulated environment hands to the scheduler.

Mirrors the `get_*_stats` calls of the real tester's environment (spec 01
§9.8): service records come from the current service configuration, node
records from `hardware_status`, measured (dynamic) node load from the
services the resource agents mark as running.
"""

from __future__ import annotations

from collections.abc import Callable

from hasim.errors import SimError
from hasim.jsondata import jcopy, truthy

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from hasim.engine.world.cluster import World

DEFAULT_MAXCPU = 24
DEFAULT_MAXMEM = 137438953472


class WorldStats:
    """Implements hasim.engine.ha.scheduler.usage.StatsSource over the World."""

    def __init__(self, world: World, hardware_log: Callable[[str, str], None] | None = None) -> None:
        self.world = world
        self.hardware_log = hardware_log or (lambda level, msg: None)
        self._basic: tuple[dict, dict] | None = None

    def _base(self) -> dict[str, dict]:
        conf = self.world.service_config_view()  # only read here
        return {
            sid: {"node": d.get("node"), "state": d.get("state"), "running": d.get("state") == "started"}
            for sid, d in conf.items()
        }

    def basic_service_stats(self) -> dict[str, dict]:
        """Shared between rounds while the service config is the same object
        (the accounting only reads it): every manager round asks for it, and
        rebuilding a thousand records each time was half of a quiet round."""
        conf = self.world.service_config_view()
        cached = self._basic
        if cached is not None and cached[0] is conf:
            return cached[1]
        base = self._base()
        for rec in base.values():
            rec["usage"] = {}
        self._basic = (conf, base)
        return base

    def static_service_stats(self) -> dict[str, dict]:
        base = self._base()
        static = self.world.peek("static_service_stats") or {}
        for sid, rec in base.items():
            entry = static.get(sid)
            rec["usage"] = jcopy(entry) if isinstance(entry, dict) else {}
        return base

    def dynamic_service_stats(self) -> dict[str, dict]:
        base = self._base()
        static = self.world.peek("static_service_stats") or {}
        dynamic = self.world.peek("dynamic_service_stats") or {}
        for sid, rec in base.items():
            s, d = static.get(sid), dynamic.get(sid)
            if not isinstance(s, dict) or not isinstance(d, dict):
                raise SimError(f"missing usage statistics for '{sid}'")
            usage = dict(s)
            usage.update(d)
            rec["usage"] = usage
            if "cpu" in usage and "maxcpu" in usage and _f(usage["cpu"]) > _f(usage["maxcpu"]):
                self.hardware_log("warning", f"overcommitted cpu on '{sid}'")
            if "mem" in usage and "maxmem" in usage and _f(usage["mem"]) > _f(usage["maxmem"]):
                self.hardware_log("warning", f"overcommitted mem on '{sid}'")
        return base

    def static_node_stats(self) -> dict[str, dict]:
        hw = self.world.hw
        return {n: {"maxcpu": hw[n].get("maxcpu"), "maxmem": hw[n].get("maxmem")} for n in self.world.nodes}

    def dynamic_node_stats(self) -> dict[str, dict]:
        hw = self.world.hw
        stats = {}
        for n in self.world.nodes:
            rec = hw[n]
            stats[n] = {
                "maxcpu": rec.get("maxcpu") if rec.get("maxcpu") is not None else DEFAULT_MAXCPU,
                "maxmem": rec.get("maxmem") if rec.get("maxmem") is not None else DEFAULT_MAXMEM,
                "cpu": 0,
                "mem": 0,
            }
        conf = self.world.service_config_view()  # only read here
        dynamic = self.world.peek("dynamic_service_stats") or {}
        for sid in sorted(conf):
            node = conf[sid].get("node")
            running_map = self.world.peek(f"service_status_{node}") or {}
            if not truthy(running_map.get(sid)) or node not in stats:
                continue
            d = dynamic.get(sid) or {}
            if d.get("cpu") is None:
                raise SimError(f"unknown cpu load for '{sid}'")
            if d.get("mem") is None:
                raise SimError(f"unknown memory usage for '{sid}'")
            stats[node]["cpu"] += _f(d["cpu"])
            stats[node]["mem"] += _f(d["mem"])
        for n in self.world.nodes:
            s = stats[n]
            if s["cpu"] > _f(s["maxcpu"]):
                self.hardware_log("warning", f"overcommitted cpu on '{n}'")
            if s["mem"] > _f(s["maxmem"]):
                self.hardware_log("warning", f"overcommitted mem on '{n}'")
        return stats


def _f(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
