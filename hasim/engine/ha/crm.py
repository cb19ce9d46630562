"""The CRM daemon: master election through the manager lock (spec 02 §3).

Theory of operation
-------------------
Each step first runs a *transition phase* (which state may this CRM be in,
given quorum, health and the manager lock) and then the *work phase* of the
resulting state.  Only the `master` runs a manager round.  States:

    wait_for_quorum --(can get active, lock)--> master
    wait_for_quorum --(can get active, no lock)--> slave
    slave --(lock)--> master           slave --(cannot get active)--> wait_for_quorum
    master --(lock renewal fails)--> lost_manager_lock --> wait_for_quorum
    master --(idle 91 rounds)--> wait_for_quorum
    lost_manager_lock --(healthy, lock)--> master

Every change is logged `status change <old> => <new>`; a change into
`master` creates a fresh Manager, leaving it discards it.
"""

from __future__ import annotations


from hasim.errors import SimError
from hasim.events import DaemonStateChanged
from hasim.engine.ha.daemon import Daemon
from hasim.engine.ha.manager import Manager

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from hasim.engine.env import Env

MAX_IDLE_ROUNDS = 90


class CRM(Daemon):
    def __init__(self, env: Env) -> None:
        self.env = env
        self.state = "startup"
        self.manager = None
        self.shutdown_request = False
        self.watchdog: str | None = None
        self.disarmed = False  # running as a fully disarmed master (no watchdog)
        self.idle_rounds = 0
        self.cluster_state_update = True
        self.set_state("wait_for_quorum")

    # -- state ---------------------------------------------------------------------
    def set_state(self, new: str) -> None:
        old = self.state
        if old == new:
            return
        self.env.emit(DaemonStateChanged(old, new))
        self.state = new
        if old == "master":
            self.manager = None
        if new == "master":
            self.manager = Manager(self.env)

    def shutdown(self) -> None:
        """Harness shutdown request (`crm <node> stop`, end of a shutdown chain)."""
        if not self.shutdown_request:
            self.env.log("info", "server received shutdown request")
        self.shutdown_request = True

    # -- eligibility (02 §3.3) -----------------------------------------------------------
    def _read_disk_status(self) -> dict | None:
        try:
            return self.env.read_manager_status(copy=False)  # only read here
        except SimError as err:
            self.env.log("err", f"could not read manager status: {err}")
            return None

    def _healthy(self, ms: dict | None) -> bool:
        env = self.env
        if not env.quorate():
            return False
        if not self.cluster_state_update:
            return False
        if ms is None:
            return False
        node = env.node
        for entry in (ms.get("service_status") or {}).values():
            if entry.get("state") == "fence" and entry.get("node") == node:
                return False
        return True

    def _read_service_config(self) -> dict | None:
        try:
            return self.env.read_service_config(copy=False)  # only read here
        except SimError as err:
            self.env.log("err", f"could not read service config: {err}")
            return None

    def can_get_active(self, allow_no_service: bool = False) -> bool:
        ms = self._read_disk_status()
        if not self._healthy(ms):
            return False
        if allow_no_service:
            return True
        conf = self._read_service_config()
        if conf is None:
            return False
        if conf:
            return True
        node_status = ms.get("node_status") or {}
        master = ms.get("master_node")
        if master and node_status.get(master) == "online" and master != self.env.node:
            return False
        requests = ms.get("node_request") or {}
        for node, state in node_status.items():
            if state == "maintenance" and not (requests.get(node) or {}).get("maintenance"):
                return True
        try:
            if self.env.any_pending_crm_command():
                return True
        except SimError:
            pass
        if ms.get("service_status"):
            return True
        if "disarm" in ms:
            return True
        return False

    def allowed_to_get_idle(self) -> bool:
        ms = self._read_disk_status()
        if not self._healthy(ms):
            return False
        if "disarm" in ms:
            return False
        conf = self._read_service_config()
        if conf is None:
            return False
        return not conf and not ms.get("service_status")

    # -- lock + watchdog (02 §3.4) -------------------------------------------------------------
    def get_protected_lock(self) -> bool:
        env = self.env
        ok = False
        for attempt in range(6):
            if env.get_ha_manager_lock():
                ok = True
                break
            if attempt < 5:
                env.sleep(1)
        if not ok:
            return False
        if self.watchdog is not None:
            env.watchdog_update(self.watchdog)
        elif not self.disarmed:
            ms = None
            try:
                ms = env.read_manager_status()
            except SimError:
                ms = None
            if ms and (ms.get("disarm") or {}).get("state") == "disarmed":
                env.log("info", "taking over as disarmed master, skipping watchdog")
                self.disarmed = True
            else:
                self.watchdog = env.watchdog_open()
        return True

    def _close_watchdog(self) -> None:
        if self.watchdog is not None:
            self.env.watchdog_close(self.watchdog)
            self.watchdog = None

    # -- one step ------------------------------------------------------------------------------
    def work(self) -> bool:
        env = self.env
        state = self.state
        if state == "wait_for_quorum":
            if self.can_get_active():
                self.set_state("master" if self.get_protected_lock() else "slave")
        elif state == "slave":
            if self.can_get_active():
                if self.get_protected_lock():
                    self.set_state("master")
            else:
                self.set_state("wait_for_quorum")
        elif state == "lost_manager_lock":
            if self.can_get_active(True):
                if self.get_protected_lock():
                    self.set_state("master")
        elif state == "master":
            if not self.get_protected_lock():
                self.set_state("lost_manager_lock")
            elif self.allowed_to_get_idle():
                self.idle_rounds += 1
                if self.idle_rounds > MAX_IDLE_ROUNDS:
                    self.idle_rounds = 0
                    env.log("info", f"cluster had no service configured for {MAX_IDLE_ROUNDS} rounds, going idle.")
                    env.release_ha_manager_lock()
                    self._close_watchdog()
                    self.set_state("wait_for_quorum")
            else:
                self.idle_rounds = 0

        state = self.state
        if state == "wait_for_quorum":
            if self.shutdown_request:
                return False
            env.sleep(5)
        elif state == "master":
            start = env.get_time()
            try:
                if self.shutdown_request:
                    self._close_watchdog()
                    env.log("info", "voluntary release CRM lock")
                    if not env.release_ha_manager_lock():
                        env.log("notice", "CRM lock release failed, let the lock timeout")
                    return False
                if not self.cluster_state_update:
                    env.log("notice", "temporary inconsistent cluster state (cfs restart?), skip round")
                else:
                    self.manager.manage()
                    fully = self.manager.all_lrms_disarmed
                    if fully and not self.disarmed:
                        env.log("info", "HA stack fully disarmed, releasing CRM watchdog")
                        self._close_watchdog()
                        self.disarmed = True
                    elif not fully and self.disarmed:
                        env.log("info", "re-arming HA stack")
                        self.disarmed = False
            except SimError as err:
                env.log("err", f"got unexpected error - {err}")
            env.sleep_until(start + 10)
        elif state == "lost_manager_lock":
            self._close_watchdog()
            if self.shutdown_request:
                return False
            self.set_state("wait_for_quorum")
        elif state == "slave":
            if self.shutdown_request:
                return False
        return True
