"""Simulated resource agents: `vm:`, `ct:` and the failure-injecting `fa:`.

They mirror src/PVE/HA/Sim/Resources/*.pm (spec 01 §11, 03 §13).  An agent
acts on the calling daemon's node and on the node's `service_status_<node>`
map; durations only add to the daemon's sleep budget, never to timestamps.
The `fa:` attempt counters live on the World because the real tester keeps
them in module globals shared by every node and LRM instance.
"""

from __future__ import annotations

import re

from hasim import events as E
from hasim.errors import SimError

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from hasim.engine.env import Env

FA_DIGITS = re.compile(r"^\d(\d)(\d)(\d)?(\d)?(\d)?")


class VirtVM:
    type = "vm"

    def check_running(self, env: Env, sid: str) -> bool:
        return env.world.service_running(env.node, sid)

    def start(self, env: Env, sid: str) -> None:
        self._switch(env, sid, 1, "start")

    def shutdown(self, env: Env, sid: str) -> None:
        self._switch(env, sid, 0, "shutdown")

    def _switch(self, env: Env, sid: str, running: int, verb: str) -> None:
        """Start (1) or stop (0) the service on this node: refused while it is
        locked, else 2 s of work and the node's running map updated."""
        world = env.world
        ss = world.service_status(env.node)
        lock = world.service_lock(sid)
        if lock:
            env.log("err", f"service '{sid}' locked ({lock}), unable to {verb}!")
            return
        env.sleep(2)
        ss[sid] = running
        world.write_service_status(env.node, ss)

    def migrate(self, env: Env, sid: str, target: str, online: bool) -> bool:
        world = env.world
        ss = world.service_status(env.node)
        cmd = "migrate" if online else "relocate"
        env.emit(E.ServiceMove(sid, cmd, target, "start"))
        lock = world.service_lock(sid)
        if lock:
            env.log("err", f"service '{sid}' locked ({lock}), unable to {cmd}!")
            return False
        if not online and self.check_running(env, sid):
            env.emit(E.ServiceStopping(sid, "relocate"))
            self.shutdown(env, sid)
            env.emit(E.ServiceStatus(sid, "stopped"))
        else:
            env.sleep(2)
        world.change_service_location(sid, env.node, target)
        env.emit(E.ServiceMove(sid, cmd, target, "end"))
        ss.pop(sid, None)
        world.write_service_status(env.node, ss)
        return True

    def remove_locks(self, env: Env, sid: str, locks: list[str]) -> str | None:
        world = env.world
        current = (world.peek("service_config") or {}).get(sid)
        if isinstance(current, dict) and current.get("lock") not in locks:
            return None  # nothing removable: no need to read and rewrite the config
        for lock in locks:
            conf = world.read("service_config", {})
            cfg = conf.get(sid)
            if cfg is None:
                raise SimError(f"no such service '{sid}'")
            current = cfg.get("lock")
            if current and current == lock:
                del cfg["lock"]
                world.write_service_config(conf)
                return lock
        return None


class VirtCT(VirtVM):
    type = "ct"

    def migrate(self, env: Env, sid: str, target: str, online: bool) -> bool:
        if online and self.check_running(env, sid):
            env.log("warn", "unable to live migrate running container, fallback to relocate")
            online = False
        return super().migrate(env, sid, target, online)


class VirtFail(VirtVM):
    """`fa:abcdef`: b start failures, c migrate failures, d != 0 never stops,
    f restricts the injected failures to node `node<f>` (01 §11.3)."""

    type = "fa"

    @staticmethod
    def _decode(sid: str) -> tuple[int, int, int, int]:
        name = sid.split(":", 1)[1]
        m = FA_DIGITS.match(name)
        if not m:
            return 0, 0, 0, 0
        start, migrate, stop, _exists, node = m.groups()
        return int(start), int(migrate), int(stop or 0), int(node or 0)

    def _fails_here(self, env: Env, node_digit: int) -> bool:
        return not node_digit or env.node == f"node{node_digit}"

    def start(self, env: Env, sid: str) -> None:
        start_failures, _, _, node_digit = self._decode(sid)
        name = sid.split(":", 1)[1]
        counts = env.world.fa_start_counts
        if self._fails_here(env, node_digit):
            counts[name] = counts.get(name, 0) + 1
            if start_failures >= counts[name]:
                return
        counts[name] = 0
        super().start(env, sid)

    def shutdown(self, env: Env, sid: str) -> None:
        _, _, cannot_stop, _ = self._decode(sid)
        if cannot_stop:
            return
        super().shutdown(env, sid)

    def migrate(self, env: Env, sid: str, target: str, online: bool) -> bool:
        _, migrate_failures, _, node_digit = self._decode(sid)
        name = sid.split(":", 1)[1]
        counts = env.world.fa_migrate_counts
        if self._fails_here(env, node_digit):
            counts[name] = counts.get(name, 0) + 1
            if migrate_failures >= counts[name]:
                return False
        counts[name] = 0
        return super().migrate(env, sid, target, online)


AGENTS = {"vm": VirtVM(), "ct": VirtCT(), "fa": VirtFail()}


def lookup(sid_type: str) -> VirtVM | None:
    return AGENTS.get(sid_type)
