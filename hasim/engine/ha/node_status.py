"""The manager's view of the nodes (spec 02 §6, upstream NodeStatus.pm).

Theory of operation
-------------------
States: online, maintenance, unknown, fence, gone.  Each round `update`
makes two sweeps: nodes reported online move towards `online` (or
`maintenance` when their LRM says so); nodes not reported online move towards
`unknown`, and `unknown` nodes missing from the membership become `gone`,
which are forgotten after an hour.  `fence` is left only by fencing itself.

    sweep A (online):  unknown|gone -> online;  online -> maintenance (LRM mode);
                       maintenance -> online (LRM mode no longer maintenance)
    sweep B (offline): online -> unknown;  maintenance -> unknown (LRM mode not
                       maintenance);  unknown -> gone (not a member);  gone -> (deleted)
    fencing:           any -> fence;  fence -> unknown (agent lock acquired)

A node absent from the status reads as `unknown` (reading does not add it:
a migrate command to a non-member must not make it appear as `gone`).
The last-online timestamps drive the 60 s fence delay; they belong to one
manager instance, so a new master always waits a full delay.
"""

from __future__ import annotations


from hasim.events import GoneNodeDeleted, NodeFenced, NodeStateChanged
from hasim.vocab import FENCE_DELAY, GONE_DELAY, NODE_STATES

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from hasim.engine.env import Env



class NodeStatus:
    def __init__(self, env: Env, status: dict[str, str]) -> None:
        self.env = env
        self.status = dict(status)
        self.last_online: dict[str, int] = {}

    def get(self, node: str) -> str:
        return self.status.get(node) or "unknown"

    def set(self, node: str, state: str) -> None:
        if state not in NODE_STATES:
            raise ValueError(f"unknown node state '{state}'")
        last = self.get(node)
        if state == last:
            return
        self.env.emit(NodeStateChanged(node, last, state))
        self.status[node] = state

    def list_nodes(self) -> list[str]:
        return sorted(self.status)

    def online_nodes(self) -> list[str]:
        return [n for n in sorted(self.status) if self.status[n] == "online"]

    def is_online(self, node: str) -> bool:
        return self.get(node) == "online"

    def is_operational(self, node: str) -> bool:
        return self.get(node) in ("online", "maintenance")

    def offline_delayed(self, node: str, delay: int = FENCE_DELAY) -> bool:
        if self.get(node) == "online":
            return False
        now = self.env.get_time()
        last = self.last_online.get(node)
        if last is None:
            self.last_online[node] = now
            return False
        return now - last >= delay

    def update(self, node_info: dict[str, dict], lrm_modes: dict[str, str]) -> None:
        now = self.env.get_time()
        for node in sorted(node_info):
            if not node_info[node].get("online"):
                continue
            self.last_online[node] = now
            state = self.get(node)
            mode = lrm_modes.get(node, "unknown")
            if state == "online":
                if mode == "maintenance":
                    self.set(node, "maintenance")
            elif state in ("unknown", "gone"):
                self.set(node, "online")
            elif state == "maintenance":
                if mode != "maintenance":
                    self.set(node, "online")
        for node in sorted(self.status):
            info = node_info.get(node)
            if info and info.get("online"):
                continue
            state = self.get(node)
            if state == "online":
                self.set(node, "unknown")
            elif state == "maintenance":
                if lrm_modes.get(node, "unknown") != "maintenance":
                    self.set(node, "unknown")
            elif state == "unknown":
                if info is None:
                    self.set(node, "gone")
            elif state == "gone":
                if self.offline_delayed(node, GONE_DELAY):
                    self.env.emit(GoneNodeDeleted(node))
                    del self.status[node]
                    self.last_online.pop(node, None)

    def fence(self, node: str) -> bool:
        """Watchdog fencing: take the node's agent lock (02 §9.2)."""
        env = self.env
        if self.get(node) != "fence":
            self.set(node, "fence")
            env.send_notification("FENCE", f"Try to fence node '{node}'")
        if env.get_ha_agent_lock(node):
            fenced = NodeFenced(node)
            env.emit(fenced)
            self.set(node, "unknown")
            env.send_notification("SUCCEED", fenced.message)
            return True
        return False
