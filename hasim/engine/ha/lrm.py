"""The LRM daemon: one per node, executes the manager's requests (spec 03).

Theory of operation
-------------------
States (logged `status change <old> => <new>`):

    wait_for_agent_lock --(services active here, quorate, lock)--> active
    active --(fence request | lock lost)--> lost_agent_lock
    active --(maintenance requested)--> maintenance
    active --(disarm | idle 61 rounds)--> wait_for_agent_lock
    lost_agent_lock --(quorate, no fence request, lock)--> active
    maintenance --(fence request | lock lost)--> lost_agent_lock
    maintenance --(no longer requested, lock)--> active
    maintenance --(disarm, empty)--> wait_for_agent_lock

While it holds its agent lock the LRM feeds its watchdog once per step; if
it loses quorum it cannot renew the lock, stops feeding and the node is reset
60 s later — that is what lets the manager fence it safely.  The *mode*
(active, restart, shutdown, maintenance, disarm) is derived from the manager
status and from shutdown/restart requests, and is reported to the manager in
`lrm_status_<node>`.
"""

from __future__ import annotations


from hasim.errors import SimError
from hasim import events as E
from hasim.engine.ha.daemon import Daemon
from hasim.engine.ha.service_index import index_of
from hasim.jsondata import num
from hasim.vocab import INACTIVE_SERVICE_STATES, ExitCode
from hasim.engine.world.resources import lookup

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any
    from hasim.engine.env import Env

MAX_ACTIVE_IDLE_ROUNDS = 60


class LRM(Daemon):
    def __init__(self, env: Env) -> None:
        self.env = env
        self.state = "startup"
        self.state_change_time = 0
        self.mode = "active"
        self.service_status: dict[str, dict] = {}
        self.node_status = "unknown"
        self.workers: dict[str, dict[str, Any]] = {}
        self.results: dict[str, dict] = {}
        self.restart_tries: dict[str, int] = {}
        self.shutdown_request: int | None = None
        self.shutdown_errors = 0
        self.active_idle_rounds = 0
        self.watchdog: str | None = None
        self.cluster_state_update = True
        self.set_state("wait_for_agent_lock")

    # -- small helpers -------------------------------------------------------------
    def set_state(self, new: str) -> None:
        if self.state == new:
            return
        self.env.emit(E.DaemonStateChanged(self.state, new))
        self.state = new
        self.state_change_time = self.env.get_time()

    def update_lrm_status(self) -> bool:
        env = self.env
        if not env.quorate():
            return False
        status = {
            "state": self.state,
            "mode": self.mode,
            "results": {uid: dict(res) for uid, res in self.results.items()},
            "timestamp": env.get_time(),
        }
        try:
            env.write_lrm_status(status)
        except SimError as err:
            env.log("err", f"unable to write lrm status file - {err}")
            return False
        return True

    def update_service_status(self) -> bool:
        env = self.env
        try:
            ms = env.read_manager_status(copy=False)  # the LRM only reads it
        except SimError as err:
            env.log("err", f"updating service status from manager failed: {err}")
            return False
        self.service_status = ms.get("service_status") or {}
        node = env.node
        self.node_status = (ms.get("node_status") or {}).get(node) or "unknown"
        if not self.shutdown_request:
            request = (ms.get("node_request") or {}).get(node) or {}
            if request.get("maintenance"):
                self.mode = "maintenance"
            elif ms.get("disarm"):
                self.mode = "disarm"
            elif self.mode in ("maintenance", "disarm"):
                self.mode = "active"
        return True

    def fence_request(self) -> bool:
        ss = self.service_status
        for sid in index_of(ss).by_node.get(self.env.node, ()):
            if ss[sid].get("state") == "fence":
                return True
        return self.node_status == "fence"

    def active_service_count(self) -> int:
        ss = self.service_status
        index = index_of(ss)
        node = self.env.node
        count = 0
        for sid in (*index.by_node.get(node, ()), *index.by_target.get(node, ())):
            state = ss[sid].get("state")
            if state is None or state in INACTIVE_SERVICE_STATES:
                continue
            count += 1
        return count

    def has_configured_service_on_local_node(self) -> bool:
        return bool(index_of(self.service_status).by_node.get(self.env.node))

    def get_protected_lock(self) -> bool:
        env = self.env
        for attempt in range(6):
            if env.get_ha_agent_lock():
                if self.watchdog is not None:
                    env.watchdog_update(self.watchdog)
                else:
                    self.watchdog = env.watchdog_open()
                return True
            if attempt < 5:
                env.sleep(1)
        return False

    def give_up_watchdog(self) -> None:
        if self.watchdog is not None:
            self.env.watchdog_close(self.watchdog)
            self.watchdog = None

    # -- shutdown / restart requests (03 §9.1) -------------------------------------------------
    def shutdown(self) -> None:
        if self.shutdown_request:
            return
        env = self.env
        shutdown, reboot = env.is_node_shutdown()
        policy = env.get_datacenter_settings()["ha"].get("shutdown_policy")
        if policy is None:
            policy = "conditional"
        if shutdown:
            env.log("info", f"got shutdown request with shutdown policy '{policy}'")
        freeze_all = False
        maintenance = False
        if policy == "conditional":
            freeze_all = reboot
        elif policy == "freeze":
            freeze_all = True
        elif policy == "failover":
            freeze_all = False
        elif policy == "migrate":
            maintenance = True
        else:
            env.log("err", f"unknown shutdown policy '{policy}', fall back to conditional")
            freeze_all = reboot
        if not maintenance and shutdown:
            for sid in sorted(self.service_status):
                if self.service_status[sid].get("node") == env.node:
                    self.queue_command(sid, None, "request_stop")
        if shutdown:
            kind = "reboot" if reboot else "shutdown"
            if self.mode == "maintenance":
                if maintenance:
                    env.emit(E.LrmShutdown(kind, "keep-maintenance"))
                else:
                    env.emit(E.LrmShutdown(kind, "manual-maintenance", policy))
            elif maintenance:
                env.emit(E.LrmShutdown(kind, "maintenance"))
                self.mode = "maintenance"
            elif freeze_all:
                env.emit(E.LrmShutdown(kind, "freeze"))
                self.mode = "restart"
            else:
                env.emit(E.LrmShutdown(kind, "stop"))
                self.mode = "shutdown"
        elif self.mode == "maintenance":
            env.log("\n\t    info", "Restarting LRM in maintenance mode may be delayed until all services are moved")
        else:
            env.emit(E.LrmShutdown("restart", "freeze"))
            self.mode = "restart"
        self.shutdown_request = env.get_time()
        if not self.update_lrm_status():
            env.log("err", "unable to update lrm status file - not quorate?")

    # -- one step ------------------------------------------------------------------------------
    def work(self) -> bool:
        env = self.env
        world = env.world
        if not world.lrm_startup_written:
            if self.update_lrm_status():
                world.lrm_startup_written = True
            else:
                env.sleep(5)
                return not self.shutdown_request

        self.update_service_status()
        fence_request = self.fence_request()
        state = self.state
        if state == "wait_for_agent_lock":
            if self.mode != "disarm" and not fence_request and self.active_service_count() and env.quorate():
                if self.get_protected_lock():
                    self.set_state("active")
        elif state == "lost_agent_lock":
            if not fence_request and env.quorate():
                if self.get_protected_lock():
                    self.set_state("active")
        elif state == "active":
            if fence_request:
                env.log("err", "node needs to be fenced - releasing agent_lock")
                self.set_state("lost_agent_lock")
            elif not self.get_protected_lock():
                self.set_state("lost_agent_lock")
            elif self.mode == "maintenance":
                self.set_state("maintenance")
            elif self.mode == "disarm" and not self.run_workers():
                env.log("info", "HA disarm requested, releasing agent lock and watchdog")
                env.release_ha_agent_lock()
                self.give_up_watchdog()
                self.set_state("wait_for_agent_lock")
            else:
                if not self.has_configured_service_on_local_node() and not self.run_workers():
                    self.active_idle_rounds += 1
                    if self.active_idle_rounds > MAX_ACTIVE_IDLE_ROUNDS:
                        env.log(
                            "info",
                            f"node had no service configured for {MAX_ACTIVE_IDLE_ROUNDS} rounds, going idle.",
                        )
                        env.release_ha_agent_lock()
                        self.give_up_watchdog()
                        self.set_state("wait_for_agent_lock")
                        self.active_idle_rounds = 0
                elif self.active_idle_rounds:
                    self.active_idle_rounds = 0
        elif state == "maintenance":
            if fence_request:
                env.log("err", "node needs to be fenced during maintenance mode - releasing agent_lock")
                self.set_state("lost_agent_lock")
            elif self.mode == "disarm" and self.active_service_count() == 0 and self.run_workers() == 0:
                env.log("info", "HA disarm requested during maintenance, releasing agent lock and watchdog")
                env.release_ha_agent_lock()
                self.give_up_watchdog()
                self.set_state("wait_for_agent_lock")
            elif self.active_service_count() or self.run_workers():
                if not self.get_protected_lock():
                    self.set_state("lost_agent_lock")
            elif self.mode != "maintenance":
                if self.get_protected_lock():
                    self.set_state("active")
                else:
                    self.set_state("lost_agent_lock")

        state = self.state
        if state == "wait_for_agent_lock":
            if self.shutdown_request:
                return False
            self.update_lrm_status()
            env.sleep(5)
        elif state == "active":
            start = env.get_time()
            exiting = False
            try:
                if self.update_service_status():
                    if self.shutdown_request:
                        if self.mode == "restart":
                            workers = self.run_workers()
                            if self.active_service_count() == 0 and workers == 0:
                                self.give_up_watchdog()
                                exiting = True
                                env.release_ha_agent_lock()
                        else:
                            if self.run_workers() == 0:
                                if self.shutdown_errors == 0:
                                    self.give_up_watchdog()
                                    env.release_ha_agent_lock()
                                exiting = True
                    elif not self.cluster_state_update:
                        env.log("notice", "temporary inconsistent cluster state (cfs restart?), skip round")
                    else:
                        self.manage_resources()
            except SimError as err:
                env.log("err", f"got unexpected error - {err}")
            self.update_lrm_status()
            if exiting:
                return False
            env.sleep_until(start + 10)
        elif state == "lost_agent_lock":
            if self.shutdown_request:
                count = self.active_service_count()
                if count > 0:
                    env.log("err", f"got shutdown request in state 'lost_agent_lock' - detected {count} running services")
                    if self.mode == "restart" and env.get_time() - self.state_change_time > 90:
                        env.log("err", "lost agent lock and restart request for over 90 seconds - giving up!")
                        return False
                else:
                    self.give_up_watchdog()
                    return False
            env.sleep(5)
        elif state == "maintenance":
            start = env.get_time()
            if not self.update_service_status():
                return False
            exiting = False
            if self.active_service_count() == 0 and self.run_workers() == 0:
                self.give_up_watchdog()
                if self.shutdown_request:
                    exiting = True
                env.release_ha_agent_lock()
            if not exiting:
                self.manage_resources()
            self.update_lrm_status()
            if exiting:
                return False
            env.sleep_until(start + 5)
        return True

    # -- executing requests (03 §7) ---------------------------------------------------------------
    def queue_command(self, sid: str, uid: str | None, state: str, params: dict | None = None) -> None:
        if state != "stopped" and uid and uid in self.results:
            return
        self.workers.pop(sid, None)
        entry: dict[str, Any] = {"sid": sid, "uid": uid, "state": state, "start_tries": 0}
        if params:
            entry["params"] = params
        self.workers[sid] = entry

    def manage_resources(self) -> int:
        ss = self.service_status
        for sid in [s for s in self.restart_tries if s not in ss]:
            del self.restart_tries[sid]
        for sid in index_of(ss).by_node.get(self.env.node, ()):
            sd = ss[sid]
            if not sd.get("uid"):
                continue
            state = sd.get("state")
            if state is None or state in ("recovery", "freeze", "request_start"):
                continue
            self.queue_command(sid, sd["uid"], state, {"target": sd.get("target"), "timeout": sd.get("timeout")})
        return self.run_workers()

    def run_workers(self) -> int:
        env = self.env
        sc = env.read_service_config(copy=False)
        workers = self.workers
        order = sorted(workers, key=lambda s: (-workers[s]["start_tries"], s))
        stored = False
        for sid in order:
            w = workers[sid]
            w["start_tries"] += 1
            try:
                res = self.exec_resource_agent(sid, sc.get(sid), w["state"], w.get("params") or {})
            except SimError as err:
                env.log("err", str(err))
                res = -1
            stored |= self.command_finished(sid, w.get("uid"), res)
        if stored:
            # keep only results of uids the manager still knows (03 §7.5); the set
            # cannot change during this loop, so pruning once equals pruning per result
            valid = index_of(self.service_status).uids
            self.results = {k: v for k, v in self.results.items() if k in valid}
        return len(self.workers)

    def command_finished(self, sid: str, uid: str | None, status: int) -> bool:
        """Record a finished command; True when a result was stored."""
        w = self.workers.pop(sid, None)
        if w is None:
            return False
        if status == -1:
            self.env.log("err", f"resource agent {sid} finished - failed to execute")
        exit_code = status
        if uid is None:
            if exit_code != ExitCode.SUCCESS:
                self.shutdown_errors += 1
            return False
        exit_code = self.handle_service_exitcode(sid, w["state"], exit_code)
        if exit_code == ExitCode.ETRY_AGAIN:
            return False
        self.results[uid] = {"sid": w["sid"], "state": w["state"], "exit_code": exit_code}
        return True

    def handle_service_exitcode(self, sid: str, cmd: str, exit_code: int) -> int:
        env = self.env
        sc = env.read_service_config(copy=False)
        max_restart = num(sc[sid].get("max_restart"), 1) if sid in sc else 0
        if cmd == "started":
            if exit_code == ExitCode.SUCCESS:
                self.restart_tries[sid] = 0
                return exit_code
            if exit_code == ExitCode.ERROR:
                tries = self.restart_tries.setdefault(sid, 0)
                if tries >= max_restart:
                    env.emit(E.RestartsExhausted(sid, tries))
                    self.restart_tries[sid] = 0
                    return ExitCode.ERROR
                self.restart_tries[sid] = tries + 1
                env.emit(E.RestartRetry(sid, tries + 1))
                return ExitCode.ETRY_AGAIN
        return exit_code

    def exec_resource_agent(self, sid: str, conf: dict | None, cmd: str, params: dict) -> int:
        env = self.env
        sid_type = sid.split(":", 1)[0]
        agent = lookup(sid_type)
        if agent is None:
            env.log("err", f"service type '{sid_type}' not implemented")
            return ExitCode.EUNKNOWN_SERVICE_TYPE
        if not conf:
            env.log("err", f"missing resource configuration for '{sid}'")
            return ExitCode.EUNKNOWN_SERVICE
        if cmd == "error":
            env.log(
                "err",
                f"service {sid} is in an error state and needs manual intervention. "
                "Look up 'ERROR RECOVERY' in the documentation.",
            )
            return ExitCode.SUCCESS
        if conf.get("node") != env.node:
            env.log("err", f"service '{sid}' not on this node")
            return ExitCode.EWRONG_NODE
        running = agent.check_running(env, sid)
        if cmd == "started":
            if running:
                return ExitCode.SUCCESS
            env.emit(E.ServiceStarting(sid))
            agent.start(env, sid)
            if agent.check_running(env, sid):
                env.emit(E.ServiceStatus(sid, "started"))
                return ExitCode.SUCCESS
            env.emit(E.ServiceStartFailed(sid))
            return ExitCode.ERROR
        if cmd in ("request_stop", "stopped"):
            if not running:
                return ExitCode.SUCCESS
            timeout = params.get("timeout")
            env.emit(E.ServiceStopping(sid, f"timeout={timeout}" if timeout is not None else ""))
            agent.shutdown(env, sid)
            if not agent.check_running(env, sid):
                env.emit(E.ServiceStatus(sid, "stopped"))
                return ExitCode.SUCCESS
            env.log("info", f"unable to stop service {sid} (still running)")
            return ExitCode.ERROR
        if cmd in ("migrate", "relocate", "request_start_balance"):
            target = params.get("target")
            if target is None:
                raise SimError(f"{cmd} '{sid}' failed - missing target")
            if conf.get("node") == target:
                return ExitCode.SUCCESS
            if cmd == "request_start_balance" and running:
                env.log("info", f"ignoring rebalance-on-start for service {sid} - already running")
                return ExitCode.IGNORED
            if not agent.migrate(env, sid, target, cmd == "migrate"):
                env.log("err", f"service {sid} not moved (migration error)")
                return ExitCode.ERROR
            return ExitCode.SUCCESS
        env.log("err", f"implement me (cmd '{cmd}')")
        return ExitCode.EUNKNOWN_COMMAND
