"""The simulated cluster world: hardware status, cluster files, quorum.

Upstream keeps all of this as files in the status directory and re-reads
them on every call (src/PVE/HA/Sim/Hardware.pm).  hasim keeps the same files
in memory — every read is an independent copy of the last write, exactly the
semantics the daemons rely on — and marks written files dirty so that the
working directory is rewritten only where content changed.
"""

from __future__ import annotations


from hasim.errors import SimError
from hasim.jsondata import jcopy, truthy
from hasim.vocab import LOCK_TIMEOUT, SID_RE, WATCHDOG_TIMEOUT

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DEFAULT_VERSION = "9.0.0~2"

# files whose content is text, not JSON
TEXT_FILES = frozenset({"rules_config", "groups", "crm_commands", "fence.cfg"})


def normalise_service_config(conf: dict) -> dict:
    """Apply the defaults every service-config read applies (spec 01 §4.4)."""
    for sid in sorted(conf):
        d = conf[sid]
        if not isinstance(d, dict):
            raise SimError(f"service '{sid}' without assigned node!")
        if not truthy(d.get("node")):
            raise SimError(f"service '{sid}' without assigned node!")
        m = SID_RE.fullmatch(sid)
        if not m:
            raise SimError("implement me")
        d["type"] = m.group(1)
        d["name"] = m.group(2)
        if not truthy(d.get("state")):
            d["state"] = "disabled"
        if d["state"] == "enabled":
            d["state"] = "started"
        if d.get("failback") is None:
            d["failback"] = 1
        if d.get("max_restart") is None:
            d["max_restart"] = 1
        if d.get("max_relocate") is None:
            d["max_relocate"] = 1
    return conf


def _copy_record(rec: dict) -> dict:
    return {k: (jcopy(v) if type(v) in (dict, list) else v) for k, v in rec.items()}


class World:
    """Cluster files, locks, watchdogs and the hardware clock."""

    lock_timeout = LOCK_TIMEOUT
    watchdog_timeout = WATCHDOG_TIMEOUT

    def __init__(self, files: dict[str, Any], nodes: list[str]) -> None:
        self.files = files  # name -> JSON value or text
        self.nodes = nodes  # sorted
        self.time = 0  # hardware clock
        self.dirty: set[str] = set(files)
        self.watchdog_counter = 0
        # process-global state of the real tester (spec 01 §12)
        self.fa_start_counts: dict[str, int] = {}
        self.fa_migrate_counts: dict[str, int] = {}
        self.lrm_startup_written = False
        self._quorum_cache: tuple[int, dict, bool] | None = None
        self._sc_cache: dict | None = None  # normalised service config of the current content
        self.uid_counter = 0

    # -- generic file access -------------------------------------------------
    def read(self, name: str, default: Any = None) -> Any:
        if name in self.files:
            return jcopy(self.files[name])
        return jcopy(default)

    def peek(self, name: str, default: Any = None) -> Any:
        """Read without copying — only for callers that never mutate."""
        return self.files.get(name, default)

    def write(self, name: str, value: Any) -> None:
        self.files[name] = value
        self.dirty.add(name)
        if name == "hardware_status":
            self._quorum_cache = None
        elif name == "service_config":
            self._sc_cache = None

    def exists(self, name: str) -> bool:
        return name in self.files

    def delete(self, name: str) -> None:
        if name in self.files:
            del self.files[name]
            self.dirty.add(name)
        if name == "service_config":
            self._sc_cache = None

    # -- hardware status -----------------------------------------------------
    @property
    def hw(self) -> dict:
        """The live hardware status (mutate only through `update_hw`)."""
        return self.files["hardware_status"]

    def update_hw(self) -> None:
        self.dirty.add("hardware_status")
        self._quorum_cache = None

    def node_info(self) -> tuple[dict[str, dict], bool]:
        """Membership and quorum as `get_node_info` reports them (01 §9.2)."""
        cache = self._quorum_cache
        if cache is not None:
            return cache[1], cache[2]
        hw = self.hw
        online = {n: bool(hw[n].get("power") == "on" and hw[n].get("network") == "on") for n in self.nodes}
        count = sum(online.values())
        quorate = count > len(self.nodes) // 2
        info = {n: {"online": 1 if (quorate and online[n]) else 0} for n in self.nodes}
        self._quorum_cache = (0, info, quorate)
        return info, quorate

    def node_online(self, node: str) -> bool:
        info, _ = self.node_info()
        return bool(info.get(node, {}).get("online"))

    # -- services ------------------------------------------------------------
    def read_service_config(self) -> dict:
        """An independent, normalised copy (callers may mutate it)."""
        return {sid: _copy_record(rec) for sid, rec in self.service_config_view().items()}

    def stored_service_config(self) -> dict:
        """An independent copy of the service config as stored, checked as
        every read checks it.  Writers that change a few keys start from it,
        so the file keeps only what was stored, as a real resources.cfg does
        (the read defaults are not written back)."""
        self.service_config_view()
        return self.read("service_config", {})

    def service_config_view(self) -> dict:
        """The normalised service config, shared: callers must not mutate it.

        Normalising 1000 services on every read is what made large clusters
        slow; the result only changes when the file is written.
        """
        if self._sc_cache is None:
            self._sc_cache = normalise_service_config(self.read("service_config", {}))
        return self._sc_cache

    def write_service_config(self, conf: dict) -> None:
        self.write("service_config", conf)

    def service_status(self, node: str) -> dict:
        name = f"service_status_{node}"
        if name not in self.files:
            raise SimError(f"unable to open file '{name}' - No such file or directory")
        return self.read(name)

    def write_service_status(self, node: str, data: dict) -> None:
        self.write(f"service_status_{node}", data)

    def service_running(self, node: str, sid: str) -> bool:
        data = self.peek(f"service_status_{node}")
        if data is None:
            raise SimError(f"unable to open file 'service_status_{node}' - No such file or directory")
        return truthy(data.get(sid))

    def service_lock(self, sid: str) -> str | None:
        conf = self.peek("service_config", {})
        d = conf.get(sid)
        if not isinstance(d, dict):
            return None
        lock = d.get("lock")
        return lock if truthy(lock) else None

    def change_service_location(self, sid: str, current: str, new: str) -> None:
        """Move one service's config entry to another node.

        Copy-on-write: a new top-level dict and a new record for `sid`, every
        other record shared.  Records already handed out (snapshots, views)
        are never mutated, and a failover moving 30 of 1000 services no longer
        deep-copies and re-normalises the whole file 30 times.
        """
        conf = self.files.get("service_config") or {}
        rec = conf.get(sid)
        if rec is None:
            raise SimError(f"no such service '{sid}'")
        if rec.get("node") != current:
            raise SimError(f"current_node for '{sid}' does not match ({current} != {rec.get('node')})")
        moved = dict(conf)
        moved[sid] = {**_copy_record(rec), "node": new}
        cache = self._sc_cache
        self.write_service_config(moved)
        if cache is not None:  # the normalised form differs only in the node
            cache = dict(cache)
            cache[sid] = {**cache[sid], "node": new}
            self._sc_cache = cache

    # -- CRM command queue (01 §9.9) -------------------------------------------
    def queue_crm_command(self, cmd: str) -> None:
        if cmd.endswith("\n"):
            cmd = cmd[:-1]
        self.write("crm_commands", self.files.get("crm_commands", "") + cmd + "\n")

    def any_pending_crm_command(self) -> bool:
        return bool(self.files.get("crm_commands", ""))

    def read_crm_commands(self) -> str:
        text = self.files.get("crm_commands", "")
        if text:
            self.write("crm_commands", "")
        return text

    # -- cluster locks (01 §9.5) ---------------------------------------------
    def get_lock(self, name: str, node: str, now: int) -> tuple[bool, bool]:
        """Acquire or renew; returns (success, freshly_acquired)."""
        locks = self.files.setdefault("cluster_locks", {})
        rec = locks.get(name)
        if rec is not None:
            if now - rec["time"] <= self.lock_timeout:
                if rec["node"] == node:
                    rec["time"] = now
                    self.dirty.add("cluster_locks")
                    return True, False
                return False, False
            rec["node"] = node
            rec["time"] = now
            self.dirty.add("cluster_locks")
            return True, True
        locks[name] = {"node": node, "time": now}
        self.dirty.add("cluster_locks")
        return True, True

    def release_lock(self, name: str, node: str, now: int) -> bool:
        locks = self.files.setdefault("cluster_locks", {})
        rec = locks.get(name)
        if rec is None:
            return False
        if now - rec["time"] > self.lock_timeout:
            return True
        if rec["node"] == node:
            del locks[name]
            self.dirty.add("cluster_locks")
            return True
        return False

    # -- watchdogs (01 §9.6) -----------------------------------------------------
    def watchdog_open(self, node: str) -> str:
        self.watchdog_counter += 1
        handle = f"WD:{node}:{self.watchdog_counter}"
        self.files.setdefault("watchdog_status", {})[handle] = {"node": node, "update_time": self.time}
        self.dirty.add("watchdog_status")
        return handle

    def _watchdog(self, handle: str) -> dict:
        wd = self.files.setdefault("watchdog_status", {}).get(handle)
        if wd is None:
            raise SimError(f"no such watchdog handle '{handle}'")
        if self.time - wd["update_time"] > self.watchdog_timeout:
            raise SimError("watchdog expired")
        return wd

    def watchdog_update(self, handle: str) -> None:
        self._watchdog(handle)["update_time"] = self.time
        self.dirty.add("watchdog_status")

    def watchdog_close(self, handle: str) -> None:
        self._watchdog(handle)
        del self.files["watchdog_status"][handle]
        self.dirty.add("watchdog_status")

    def any_watchdog_expired(self) -> bool:
        """Cheap pre-check before the per-node checks of the run loop."""
        wds = self.files.get("watchdog_status")
        if not wds:
            return False
        return self.time - min(wd["update_time"] for wd in wds.values()) > self.watchdog_timeout

    def watchdog_check(self, node: str) -> bool:
        """Remove expired watchdogs of `node`; False if any expired."""
        wds = self.files.setdefault("watchdog_status", {})
        expired = [h for h, wd in wds.items() if wd["node"] == node and self.time - wd["update_time"] > self.watchdog_timeout]
        for h in expired:
            del wds[h]
        if expired:
            self.dirty.add("watchdog_status")
        return not expired

    def watchdog_reset(self, node: str) -> None:
        wds = self.files.setdefault("watchdog_status", {})
        for h in [h for h, wd in wds.items() if wd["node"] == node]:
            del wds[h]
        self.dirty.add("watchdog_status")

    # -- misc ----------------------------------------------------------------
    def node_version(self, node: str) -> str:
        rec = self.hw.get(node) or {}
        version = rec.get("pve-manager-version")
        return version if version else DEFAULT_VERSION

    def datacenter_settings(self) -> dict:
        dc = self.peek("datacenter.cfg") or {}
        if not isinstance(dc, dict):
            dc = {}
        return {"ha": jcopy(dc.get("ha") or {}), "crs": jcopy(dc.get("crs") or {})}

    def next_uid(self) -> str:
        self.uid_counter += 1
        return f"uid{self.uid_counter}"
