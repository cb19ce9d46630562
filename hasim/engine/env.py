"""The environment through which a daemon touches the simulated world.

One env per (node, daemon kind), as in the real tester (src/PVE/HA/Sim/Env.pm
and TestEnv.pm, spec 01 §10).  It owns the daemon's own clock, which can lag
the hardware clock inside a loop (01 §6.1), and the guard that makes cluster
filesystem operations fail while the node's cfs is in `rw fail` state
(01 §9.4).  Sleeping never moves a clock; it only accumulates a delay budget.
"""

from __future__ import annotations


from hasim.errors import SimError
from hasim.events import Event, LockAcquired
from hasim.jsondata import jcopy
from hasim.log import LogLine, env_level, strip_one_newline

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any
    from hasim.log import LogSink
    from hasim.engine.world.cluster import World

CFS_ERROR = "cfs connection refused - not mounted?"


class Env:
    def __init__(self, world: World, sink: LogSink, node: str, kind: str) -> None:
        self.world = world
        self.sink = sink
        self.node = node
        self.kind = kind  # "crm" | "lrm"
        self.source = f"{node}/{kind}"
        self.clock = 0
        self.loop_delay = 0

    # -- time --------------------------------------------------------------------
    def get_time(self) -> int:
        return self.clock

    def sleep(self, delay: int) -> None:
        self.loop_delay += delay

    def sleep_until(self, end: int) -> None:
        if self.clock + self.loop_delay < end:
            self.loop_delay = end - self.clock

    def loop_start_hook(self) -> None:
        self.loop_delay = 0
        self.clock = self.world.time

    def loop_end_hook(self) -> None:
        delay = self.loop_delay
        self.loop_delay = 0
        if delay > 300:
            raise SimError(f"loop took too long ({delay} seconds)")
        self.clock += 1

    # -- logging -----------------------------------------------------------------
    def log(self, level: str, msg: str) -> None:
        lvl = env_level(level)
        if lvl is None:
            return
        self.sink.emit(LogLine(lvl, self.clock, self.source, strip_one_newline(msg)))

    def emit(self, event: Event) -> None:
        """Log a typed event (its message is its line's text)."""
        lvl = env_level(event.level)
        if lvl is not None:
            self.sink.emit(LogLine(lvl, self.clock, self.source, event.message, event))

    def send_notification(self, prefix: str, status: str) -> None:
        self.log("email", f"{prefix}: {status}")

    # -- membership ----------------------------------------------------------------
    def quorate(self) -> bool:
        return self.world.node_online(self.node)

    def get_node_info(self) -> tuple[dict, bool]:
        info, quorate = self.world.node_info()
        return jcopy(info), quorate

    def _cfs(self, flag: str) -> bool:
        cfs = (self.world.hw.get(self.node) or {}).get("cfs") or {}
        value = cfs.get(flag)
        return True if value is None else bool(value)

    def cluster_state_update(self) -> bool:
        return self._cfs("update")

    def _assert_cfs_rw(self) -> None:
        if not self._cfs("rw"):
            raise SimError(CFS_ERROR)

    # -- locks ---------------------------------------------------------------------
    def _get_lock(self, name: str) -> bool:
        if not self.quorate():
            return False
        ok, fresh = self.world.get_lock(name, self.node, self.clock)
        if fresh:
            self.emit(LockAcquired(name))
        return ok

    def _release_lock(self, name: str) -> bool:
        if not self.quorate():
            return False
        return self.world.release_lock(name, self.node, self.clock)

    def get_ha_manager_lock(self) -> bool:
        self.sleep(1)
        return self._get_lock("ha_manager_lock")

    def release_ha_manager_lock(self) -> bool:
        return self._release_lock("ha_manager_lock")

    def get_ha_agent_lock(self, node: str | None = None) -> bool:
        self.sleep(1)
        return self._get_lock(f"ha_agent_{node or self.node}_lock")

    def release_ha_agent_lock(self) -> bool:
        return self._release_lock(f"ha_agent_{self.node}_lock")

    # -- watchdog ------------------------------------------------------------------
    def watchdog_open(self) -> str:
        return self.world.watchdog_open(self.node)

    def watchdog_update(self, handle: str) -> None:
        self.world.watchdog_update(handle)

    def watchdog_close(self, handle: str) -> None:
        self.world.watchdog_close(handle)

    # -- cluster files (cfs guarded) ---------------------------------------------------
    def read_manager_status(self, copy: bool = True) -> dict:
        """copy=False returns the shared object: only for readers that never mutate."""
        self._assert_cfs_rw()
        if not copy:
            return self.world.peek("manager_status") or {}
        return self.world.read("manager_status", {})

    def write_manager_status(self, status: dict) -> None:
        self._assert_cfs_rw()
        self.world.write("manager_status", status)

    def read_lrm_status(self, node: str | None = None, copy: bool = True) -> dict:
        """copy=False returns the shared object: only for readers that never mutate."""
        self._assert_cfs_rw()
        name = f"lrm_status_{node or self.node}"
        if not copy:
            return self.world.peek(name) or {}
        return self.world.read(name, {})

    def write_lrm_status(self, status: dict) -> None:
        self._assert_cfs_rw()
        self.world.write(f"lrm_status_{self.node}", status)

    def read_service_config(self, copy: bool = True) -> dict:
        """copy=False returns the shared normalised config: only for readers."""
        self._assert_cfs_rw()
        if not copy:
            return self.world.service_config_view()
        return self.world.read_service_config()

    def write_service_config(self, conf: dict) -> None:
        self._assert_cfs_rw()
        self.world.write_service_config(conf)

    def update_service_config(self, changes: dict) -> None:
        """Per-sid set/delete, not cfs guarded (01 §10); the other keys stay as stored."""
        conf = self.world.stored_service_config()
        for sid in sorted(changes):
            if sid not in conf:
                raise SimError(f"no such resource '{sid}'")
            change = changes[sid]
            for key, value in (change.get("param") or {}).items():
                conf[sid][key] = value
            for key in filter(None, (change.get("delete") or "").split(",")):
                conf[sid].pop(key, None)
        self.world.write_service_config(conf)

    def steal_service(self, sid: str, current: str, new: str) -> None:
        self._assert_cfs_rw()
        self.world.change_service_location(sid, current, new)

    def read_rules_config(self) -> str:
        self._assert_cfs_rw()
        return self.world.peek("rules_config", "") or ""

    def write_rules_config(self, text: str) -> None:
        self._assert_cfs_rw()
        self.world.write("rules_config", text)

    def read_group_config(self) -> str:
        self._assert_cfs_rw()
        return self.world.peek("groups", "") or ""

    def delete_group_config(self) -> None:
        self._assert_cfs_rw()
        if not self.world.exists("groups"):
            raise SimError("failed to remove group config: No such file or directory")
        self.world.delete("groups")

    def queue_crm_commands(self, cmd: str) -> None:
        self._assert_cfs_rw()
        self.world.queue_crm_command(cmd)

    def any_pending_crm_command(self) -> bool:
        self._assert_cfs_rw()
        return self.world.any_pending_crm_command()

    def read_crm_commands(self) -> str:
        self._assert_cfs_rw()
        return self.world.read_crm_commands()

    # -- node facts ----------------------------------------------------------------
    def is_node_shutdown(self) -> tuple[bool, bool]:
        rec = self.world.hw.get(self.node)
        if rec is None:
            raise SimError(f"undefined node status for node '{self.node}'")
        target = rec.get("shutdown")
        if not target:
            return False, False
        if target == "shutdown":
            return True, False
        if target == "reboot":
            return True, True
        raise SimError(f"unknown shutdown target '{target}'")

    def get_datacenter_settings(self) -> dict[str, Any]:
        return self.world.datacenter_settings()

    def get_node_version(self, node: str) -> str:
        return self.world.node_version(node)
