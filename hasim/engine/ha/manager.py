"""The HA manager: one round of the master CRM (spec 02 §4–§17).

Theory of operation
-------------------
The master keeps the authoritative service status in memory.  Each round
(`manage`) reads the LRM reports and membership, updates the node states,
syncs the service list with the configuration, recompiles rules when their
inputs changed, consumes queued CRM commands, handles disarm or automatic
rebalancing, and then runs *passes* of the service state machine
(`hasim.engine.ha.service_fsm`) until a pass changes nothing; each pass ends with the
fencing sweep.  Finally the status is flushed to `manager_status`.

The order of these steps is observable in the log and follows upstream
Manager.pm exactly.
"""

from __future__ import annotations


from hasim.errors import SimError
from hasim.events import CrmCommandReceived, Event, ServiceAdded, ServiceStateChanged
from hasim.engine.ha import groups as groups_mod
from hasim.engine.ha import rules as rules_mod
from hasim.engine.ha.node_status import NodeStatus
from hasim.engine.ha.placement import placement
from hasim.engine.ha.scheduler import Candidate, create_usage, select_best_balancing_migration
from hasim.engine.ha.scheduler.balancing import should_migrate
from hasim.engine.ha.selection import select_service_node
from hasim.engine.ha.service_fsm import HANDLERS, check_transition
from hasim.jsondata import num, truthy
from hasim.engine.world.stats import WorldStats

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any
    from hasim.engine.env import Env

MIN_GROUP_MIGRATION_VERSION = "9.0.0~16"


class Manager:
    def __init__(self, env: Env) -> None:
        self.env = env
        ms = env.read_manager_status()
        self.ns = NodeStatus(env, ms.get("node_status") or {})
        self.ss: dict[str, dict] = ms.get("service_status") or {}
        self.ms: dict[str, Any] = {"master_node": env.node}
        for key in ("node_request", "disarm"):
            if key in ms:
                self.ms[key] = ms[key]
        self.crs: dict = {}
        self.scheduler_mode: str | None = None
        self.update_crs_scheduler_mode()
        self.compiled: rules_mod.CompiledRules | None = None
        # the rules and groups texts the compiled rules were made from (the real
        # manager compares digests; comparing the short texts is the same test
        # and spares every `hasim run` process the import of hashlib/OpenSSL)
        self.rules_text: str | None = None
        self.groups_text: str | None = None
        self.sustained_imbalance = 0
        self.group_migration_round = 3
        self.all_lrms_disarmed = False
        self.lrm_modes: dict[str, str] = {}
        self.sc: dict[str, dict] = {}
        self.groups: dict = {}
        self.usage = None
        self.stats = WorldStats(env.world, self._hardware_log)

    # -- helpers ---------------------------------------------------------------------
    def log(self, level: str, msg: str) -> None:
        self.env.log(level, msg)

    def emit(self, event: Event) -> None:
        self.env.emit(event)

    def _hardware_log(self, level: str, msg: str) -> None:
        """Stats warnings come from the simulated hardware: source `hardware`,
        hardware clock, level not cut (01 §5.2, §9.8)."""
        from hasim.log import LogLine

        world = self.env.world
        self.env.sink.emit(LogLine(level, world.time, "hardware", msg))

    def new_uid(self) -> str:
        return self.env.world.next_uid()

    def update_crs_scheduler_mode(self) -> None:
        crs = self.env.get_datacenter_settings()["crs"]
        self.crs = crs
        new = crs.get("ha") or "basic"
        old = self.scheduler_mode
        if old is None:
            if new != "basic":
                self.log("info", f"using scheduler mode '{new}'")
        elif new != old:
            self.log("info", f"switching scheduler mode from '{old}' to '{new}'")
        self.scheduler_mode = new

    def change_service_state(self, sid: str, new_state: str, **params: Any) -> None:
        sd = self.ss[sid]
        old = sd["state"]
        if old == new_state:
            raise SimError("no state change")
        check_transition(sid, old, new_state)
        kept = {k: sd[k] for k in ("failed_nodes", "maintenance_node") if sd.get(k) is not None}
        node = sd.get("node")
        sd.clear()
        sd["state"] = new_state
        sd["node"] = node
        sd.update(kept)
        shown = []
        for key in sorted(params):
            value = params[key]
            shown.append((key, "" if value is None else str(value)))
            sd[key] = value
        if self.usage is not None:
            self.usage.remove_service(sid)
            self._add_usage(sid, sd)
        sd["uid"] = self.new_uid()
        self.emit(ServiceStateChanged(sid, old, new_state, tuple(shown)))

    def _add_usage(self, sid: str, sd: dict) -> None:
        self.usage.add_service(sid, sd.get("state"), sd.get("node"), sd.get("target"), bool(truthy(sd.get("running"))))

    def select_node(self, sid: str, preference: str) -> str | None:
        return select_service_node(
            self.compiled, self.usage, sid, self.sc.get(sid) or {}, self.ss, preference
        )

    # -- one round (02 §5) --------------------------------------------------------------
    def manage(self) -> None:
        env = self.env
        node_info, _quorate = env.get_node_info()
        node_list_changed = set(node_info) != set(self.ns.status)
        lrm_results, lrm_modes = self.read_lrm_status()
        self.lrm_modes = lrm_modes
        self.ns.update(node_info, lrm_modes)
        if not self.ns.is_operational(env.node):
            self.log("info", "master seems offline")
            return
        self.update_crs_scheduler_mode()
        self.try_persistent_group_migration()
        self.sc = env.read_service_config()
        groups_text = env.read_group_config()
        self.groups = groups_mod.parse_groups(groups_text)
        disarm = self.ms.get("disarm")
        if disarm is None:
            self.sync_services()
        self.recompute_online_node_usage()
        rules_text = env.read_rules_config()
        for sid, failback in groups_mod.group_failback(self.groups, self.sc).items():
            self.sc[sid]["failback"] = failback
        if (
            self.compiled is None
            or node_list_changed
            or rules_text != self.rules_text
            or groups_text != self.groups_text
        ):
            rules = rules_mod.parse_rules(rules_text)
            rules = rules + groups_mod.groups_to_rules(self.groups, self.sc)
            nodes = self.ns.list_nodes()
            rules, messages = rules_mod.check_and_transform(rules, nodes)
            for msg in messages:
                self.log("info", msg)
            self.compiled = rules_mod.compile_rules(rules, nodes)
            self.rules_text, self.groups_text = rules_text, groups_text
        self.update_crm_commands()
        only: set[str] | None = None
        if self.ms.get("disarm") is not None:
            result = self.handle_disarm()
            if result is True:
                return
            only = result
        else:
            self.auto_rebalance()
        self.all_lrms_disarmed = False
        self.run_passes(lrm_results, only)
        self.flush()

    def flush(self) -> None:
        """Write the manager status: a copy, because the manager keeps
        changing its in-memory entries in later rounds."""
        from hasim.jsondata import jcopy

        ms = jcopy(self.ms)
        ms["node_status"] = dict(self.ns.status)
        ms["service_status"] = {sid: _copy_entry(sd) for sid, sd in self.ss.items()}
        ms["timestamp"] = self.env.get_time()
        self.env.write_manager_status(ms)

    def read_lrm_status(self) -> tuple[dict, dict]:
        results: dict[str, dict] = {}
        modes: dict[str, str] = {}
        for node in self.ns.list_nodes():
            status = self.env.read_lrm_status(node, copy=False)  # only read here
            modes[node] = status.get("mode") or "active"
            for uid, res in (status.get("results") or {}).items():
                if uid not in results:
                    results[uid] = res
        return results, modes

    def sync_services(self) -> None:
        sc, ss = self.sc, self.ss
        for sid in sorted(sc):
            if sid in ss:
                continue
            cd = sc[sid]
            if cd["state"] == "ignored":
                continue
            self.emit(ServiceAdded(sid, cd["node"]))
            state = "request_start" if cd["state"] == "started" else "request_stop"
            ss[sid] = {"state": state, "node": cd["node"], "uid": self.new_uid()}
        for sid in sorted(ss):
            if sid in sc and sc[sid]["state"] != "ignored":
                continue
            reason = "ignored state requested" if sid in sc else "no config"
            self.log("info", f"removing stale service '{sid}' ({reason})")
            del ss[sid]

    def recompute_online_node_usage(self) -> None:
        online = self.ns.online_nodes()
        self.usage = create_usage(self.scheduler_mode or "basic", online, self.stats, self.log)
        for sid in sorted(self.ss):
            self._add_usage(sid, self.ss[sid])
        self.usage.add_non_ha_services(self.ss)

    # -- CRM commands (02 §7) ---------------------------------------------------------------
    def update_crm_commands(self) -> None:
        import re

        text = self.env.read_crm_commands()
        ss, ns, ms = self.ss, self.ns, self.ms
        for cmd in text.split("\n"):
            if cmd == "":
                continue
            if m := re.match(r"^(migrate|relocate)\s+(\S+)\s+(\S+)$", cmd):
                task, sid, node = m.groups()
                if sid not in ss:
                    self.log("err", f"crm command error - no such service: {cmd}")
                elif not ns.is_online(node):
                    self.log("err", f"crm command error - node not online: {cmd}")
                elif node == ss[sid].get("node"):
                    self.log("info", f"ignore crm command - service already on target node: {cmd}")
                else:
                    self.queue_resource_motion(cmd, task, sid, node)
            elif m := re.match(r"^stop\s+(\S+)\s+(\S+)$", cmd):
                sid, timeout = m.groups()
                if sid in ss:
                    self.emit(CrmCommandReceived(cmd))
                    ss[sid]["cmd"] = ["stop", timeout]
                else:
                    self.log("err", f"crm command error - no such service: {cmd}")
            elif m := re.match(r"^enable-node-maintenance\s+(\S+)$", cmd):
                node = m.group(1)
                if ms.get("disarm") is not None:
                    self.log("warn", f"ignoring maintenance command for node {node} - HA stack is disarmed")
                    continue
                state = ns.get(node)
                if state == "online":
                    ms.setdefault("node_request", {}).setdefault(node, {})["maintenance"] = 1
                elif state == "maintenance":
                    self.log("info", f"ignoring crm command - node {node} is already in maintenance state")
                else:
                    self.log("err", f"crm command error - node not online: {cmd}")
            elif m := re.match(r"^disable-node-maintenance\s+(\S+)$", cmd):
                node = m.group(1)
                state = ns.get(node)
                if state != "maintenance":
                    self.log("warn", f"clearing maintenance of node {node} requested, but it's in state {state}")
                ms.setdefault("node_request", {}).setdefault(node, {}).pop("maintenance", None)
            elif m := re.match(r"^disarm-ha\s+(freeze|ignore)$", cmd):
                mode = m.group(1)
                disarm = ms.get("disarm")
                if disarm is not None:
                    self.log("notice", f"ignoring disarm-ha command - already in disarm state ({disarm.get('state')})")
                    continue
                self.emit(CrmCommandReceived(f"disarm-ha {mode}"))
                if mode == "ignore":
                    for sid in sorted(ss):
                        self.log("info", f"disarm: suspending HA tracking for service '{sid}'")
                ms["disarm"] = {"mode": mode, "state": "disarming"}
            elif cmd == "arm-ha" or re.match(r"^arm-ha\s*$", cmd):
                disarm = ms.get("disarm")
                if disarm is None:
                    self.log("notice", "ignoring arm-ha command - HA stack is not disarmed")
                    continue
                self.emit(CrmCommandReceived("arm-ha"))
                if disarm.get("mode") == "ignore":
                    conf = self.env.read_service_config()
                    for sid in sorted(ss):
                        cd = conf.get(sid)
                        if cd is None:
                            continue
                        old = ss[sid].get("node")
                        if cd.get("node") != old:
                            self.log(
                                "info",
                                f"service '{sid}': updating node '{old}' => '{cd['node']}' (changed while disarmed)",
                            )
                            ss[sid]["node"] = cd["node"]
                del ms["disarm"]
            else:
                self.log("err", f"unable to parse crm command: {cmd}")

    def queue_resource_motion(self, cmd: str, task: str, sid: str, target: str) -> None:
        compiled = self.compiled
        ss = self.ss
        negative = sorted(compiled.negative.get(sid, ())) if compiled else []
        for partner in negative:
            sd = ss.get(partner)
            if sd is None:
                continue
            node, tgt = sd.get("node"), sd.get("target")
            if (node is None or node == target) and (tgt is None or tgt == target):
                self.log(
                    "err",
                    f"crm command '{cmd}' error - service '{partner}' on node '{target}' "
                    f"in negative affinity with service '{sid}'",
                )
                return
        self.emit(CrmCommandReceived(cmd))
        ss[sid]["cmd"] = [task, target]
        positive = sorted(compiled.positive.get(sid, ())) if compiled else []
        for partner in positive:
            sd = ss.get(partner)
            if sd is None:
                continue
            node, tgt = sd.get("node"), sd.get("target")
            if (node is None or node != target) and (tgt is None or tgt != target):
                self.log(
                    "info",
                    f"crm command '{cmd}' - {task} service '{partner}' to node '{target}' "
                    f"(service '{partner}' in positive affinity with service '{sid}')",
                )
                sd["cmd"] = [task, target]

    # -- the pass loop (02 §8.3) ------------------------------------------------------------------
    def run_passes(self, lrm_results: dict, only: set[str] | None) -> None:
        ss, ns = self.ss, self.ns
        while True:
            repeat = False
            for sid in sorted(ss):
                if only is not None and sid not in only:
                    continue
                sd = ss.get(sid)
                if sd is None:
                    continue
                cd = self.sc.get(sid) or {"state": "disabled"}
                uid = sd.get("uid")
                lrm_res = lrm_results.get(uid) if uid else None
                last_state = sd["state"]
                handler = HANDLERS.get(last_state)
                if handler is None:
                    raise SimError(f"unknown service state '{last_state}'")
                handler(self, sid, cd, sd, lrm_res)
                node = sd.get("node")
                mode = self.lrm_modes.get(node) if node else None
                if mode == "restart" and sd["state"] in ("started", "stopped", "request_stop"):
                    self.change_service_state(sid, "freeze")
                if sd["state"] != last_state:
                    repeat = True
            fenced: dict[str, bool] = {}
            for sid in sorted(ss):
                sd = ss[sid]
                if sd["state"] != "fence":
                    continue
                node = sd["node"]
                if node not in fenced:
                    fenced[node] = ns.fence(node)
                if not fenced[node]:
                    continue
                self.change_service_state(sid, "recovery")
                repeat = True
            for node in sorted(ns.status):
                if node in fenced or ns.get(node) != "fence":
                    continue
                self.log("notice", f"node '{node}' in fence state but no services to-fence! admin interference?!")
                if ns.fence(node):
                    repeat = True
            if not repeat:
                break

    # -- disarm (02 §16) ------------------------------------------------------------------------------
    def handle_disarm(self) -> bool | set[str]:
        """True when the round is fully handled, else the set of deferred sids."""
        disarm = self.ms["disarm"]
        mode = disarm.get("mode")
        if mode not in ("freeze", "ignore"):
            self.log("err", f"unknown disarm-mode '{mode}', ignoring")
            return True
        ss = self.ss
        deferred: set[str] = set()
        for sid in sorted(ss):
            state = ss[sid]["state"]
            if state in ("fence", "recovery"):
                self.log("warn", f"deferring disarm - service '{sid}' is in '{state}' state")
                deferred.add(sid)
            elif state in ("migrate", "relocate"):
                self.log("info", f"deferring disarm - service '{sid}' is in '{state}' state")
                deferred.add(sid)
        if deferred:
            return deferred
        keep = ("state", "node", "uid", "maintenance_node")
        for sid in sorted(ss):
            sd = ss[sid]
            if mode == "freeze":
                state = sd["state"]
                if state not in ("started", "stopped", "request_stop", "request_start", "request_start_balance"):
                    continue
                check_transition(sid, state, "freeze")
                self.log("info", f"disarm: freezing service '{sid}' (was '{state}')")
                for key in [k for k in sd if k not in keep]:
                    del sd[key]
                sd["state"] = "freeze"
                sd["uid"] = self.new_uid()
            else:
                for key in [k for k in sd if k not in keep]:
                    del sd[key]
        online = self.ns.online_nodes()
        if all(self.lrm_modes.get(n) == "disarm" for n in online) and disarm.get("state") != "disarmed":
            self.log("info", "all LRMs disarmed, HA stack is now fully disarmed")
            disarm["state"] = "disarmed"
        self.all_lrms_disarmed = disarm.get("state") == "disarmed"
        self.flush()
        return True

    # -- automatic rebalancing (02 §15) ---------------------------------------------------------------
    def auto_rebalance(self) -> None:
        crs = self.crs
        if not truthy(crs.get("ha-auto-rebalance")):
            return
        if self.scheduler_mode not in ("static", "dynamic"):
            return
        for sd in self.ss.values():
            if sd["state"] in ("migrate", "relocate"):
                return
            cmd = sd.get("cmd")
            if cmd and cmd[0] in ("migrate", "relocate"):
                return
        threshold = num(crs.get("ha-auto-rebalance-threshold"), 0.3)
        hold = num(crs.get("ha-auto-rebalance-hold-duration"), 3)
        margin = num(crs.get("ha-auto-rebalance-margin"), 0.1)
        method = crs.get("ha-auto-rebalance-method") or "bruteforce"
        imbalance = self.usage.imbalance()
        if imbalance <= threshold:
            self.sustained_imbalance = 0
            return
        self.sustained_imbalance += 1
        if self.sustained_imbalance < hold:
            return
        self.sustained_imbalance = 0
        candidates = self.balancing_candidates()
        best = select_best_balancing_migration(self.usage, candidates, method, self.log)
        if best is None:
            return
        cand, expected = best
        if not should_migrate(imbalance, expected, margin):
            return
        task = "migrate" if cand.leader.startswith("vm:") else "relocate"
        self.log(
            "info",
            f"auto rebalance - {task} {cand.leader} to {cand.target} "
            f"(expected change for imbalance from {imbalance:.2f} to {expected:.2f})",
        )
        self.queue_resource_motion(f"{task} {cand.leader} {cand.target}", task, cand.leader, cand.target)

    def balancing_candidates(self) -> list[Candidate]:
        ss = self.ss
        compiled = self.compiled
        bundles: dict[str, tuple[str, ...]] = {}
        for sid in sorted(ss):
            if ss[sid]["state"] != "started":
                continue
            members = [sid]
            skip = False
            for partner in sorted(compiled.positive.get(sid, ())):
                psd = ss.get(partner)
                if psd is None:
                    continue
                if psd["state"] in ("migrate", "relocate"):
                    skip = True
                    break
                if psd["state"] != "started":
                    continue
                members.append(partner)
            if skip:
                continue
            nodes = {ss[m].get("node") for m in members}
            if len(nodes) != 1:
                continue
            members.sort()
            bundles.setdefault(members[0], tuple(members))
        online = self.ns.online_nodes()
        candidates = []
        for leader in sorted(bundles):
            _allowed, preferred = rules_mod.node_affinity(compiled, leader, online)
            _together, separate = rules_mod.resource_affinity(compiled, leader, ss, online)
            source = ss[leader]["node"]
            targets = sorted(set(preferred) - set(separate) - {source})
            for target in targets:
                candidates.append(Candidate(leader, bundles[leader], source, target))
        return candidates

    # -- persistent group migration (02 §12.3) -----------------------------------------------------------
    def try_persistent_group_migration(self) -> None:
        env = self.env
        try:
            groups = groups_mod.parse_groups(env.read_group_config())
        except SimError:
            return
        if not groups:
            return
        self.group_migration_round -= 1
        if self.group_migration_round > 0:
            return
        self.group_migration_round = 6
        self.log("notice", "start ha group migration...")
        try:
            self._migrate_groups()
        except _MigrationAbort as abort:
            self.log("err", f"abort ha groups migration: {abort}")
            self.log("err", "ha groups migration failed")
            self.log("notice", "retry ha groups migration in 6 rounds (~ 60 seconds)")
        except SimError as err:
            self.log("err", f"abort ha groups migration: {err}")
            self.log("err", "ha groups migration failed")
            self.log("notice", "retry ha groups migration in 6 rounds (~ 60 seconds)")

    def _migrate_groups(self) -> None:
        env = self.env
        if not env.quorate():
            raise _MigrationAbort("cluster is not quorate")
        nodes = self.ns.list_nodes()
        if not nodes:
            raise _MigrationAbort("node list is empty")
        for node in nodes:
            state = self.ns.get(node)
            self.log("notice", f"ha groups migration: node '{node}' is in state '{state}'")
            if state != "online":
                raise _MigrationAbort(f"node '{node}' is not online")
            lrm = env.read_lrm_status(node)
            lrm_state, lrm_mode = lrm.get("state"), lrm.get("mode")
            if not lrm_state or not lrm_mode:
                raise _MigrationAbort(f"could not retrieve state for lrm '{node}'")
            self.log("notice", f"ha groups migration: lrm '{node}' is in state '{lrm_state}' and mode '{lrm_mode}'")
            idle = lrm_state == "wait_for_agent_lock" and self.active_service_count(node) == 0
            if lrm_state != "active" and not idle:
                raise _MigrationAbort(f"lrm '{node}' is not in state 'active' or 'idle'")
            if lrm_mode != "active":
                raise _MigrationAbort(f"lrm '{node}' is not in mode 'active'")
            version = env.get_node_version(node)
            if not version:
                raise _MigrationAbort(f"could not retrieve version from node '{node}'")
            self.log("notice", f"ha groups migration: node '{node}' has version '{version}'")
            if not groups_mod.version_at_least(version, MIN_GROUP_MIGRATION_VERSION):
                raise _MigrationAbort(f"node '{node}' needs at least pve-manager version '{MIN_GROUP_MIGRATION_VERSION}'")
        conf = env.read_service_config()
        groups = groups_mod.parse_groups(env.read_group_config())
        rules = rules_mod.parse_rules(env.read_rules_config())
        rules = rules + groups_mod.groups_to_rules(groups, conf, missing=False)
        env.write_rules_config(rules_mod.format_rules(rules))
        self.log("notice", "ha groups migration: migration to rules config successful")
        failbacks = groups_mod.group_failback(groups, conf)
        changes = {}
        for sid in sorted(conf):
            if not conf[sid].get("group"):
                continue
            change: dict[str, Any] = {"delete": "group"}
            if not failbacks.get(sid, 1):
                change["param"] = {"failback": 0}
            changes[sid] = change
        env.update_service_config(changes)
        self.log("notice", "ha groups migration: migration to resources config successful")
        env.delete_group_config()
        self.log("notice", "ha groups migration: group config deletion successful")
        self.log("notice", "ha groups migration successful")

    def active_service_count(self, node: str) -> int:
        count = 0
        for sd in self.ss.values():
            if sd.get("node") != node and sd.get("target") != node:
                continue
            if sd.get("state") in ("stopped", "freeze", "error", "request_start"):
                continue
            count += 1
        return count


def _copy_entry(sd: dict) -> dict:
    """Copy of a service-status entry (flat, but for the lists failed_nodes and cmd)."""
    return {k: (list(v) if type(v) is list else v) for k, v in sd.items()}


class _MigrationAbort(Exception):
    pass


__all__ = ["Manager", "placement"]
