"""The guarantees of the real stack, one function each, and their registry
(`INVARIANTS`): name, title, plain-language explanation, check."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import TYPE_CHECKING, Any


from hasim import commands as C
from hasim import events as E
from hasim.jsondata import truthy
from hasim.vocab import LOCK_TIMEOUT, MOVING_STATES, NODE_STATES, SERVICE_STATES, WATCHDOG_TIMEOUT

if TYPE_CHECKING:
    pass

from hasim.analysis.invariants.model import LIVENESS_BOUND, Context, Invariant


def _quiet(event: E.Event | None) -> bool:
    """A harness line that is not a fault: the run starting or ending, a delay."""
    if isinstance(event, (E.SimulationStarted, E.SimulationEnded)):
        return True
    return isinstance(event, E.CommandExecuted) and isinstance(event.command, C.Delay)


# -- the checks -------------------------------------------------------------------------------
def check_single_active_service(ctx: Context) -> Iterator[tuple[Hashable, str]]:
    view, memory = ctx.view, ctx.memory
    lrms: dict[str, Any] = memory.setdefault("lrms", {})  # node -> its LRM object (kept: no id reuse)
    unprotected: dict[str, tuple[int, set[str]]] = memory.setdefault("unprotected", {})
    for n in view.nodes:
        lrm = ctx.harness.nodes[n].lrm
        old = lrms.get(n)
        if lrm is not None and old is not None and lrm is not old and view.power[n]:
            # an LRM restart: the services it froze keep running, without lock or watchdog
            left = {sid for sid, nodes in view.running.items() if n in nodes}
            if left:
                unprotected[n] = (view.time, left)
        lrms[n] = lrm
        if n in unprotected:
            since, sids = unprotected[n]
            sids &= {sid for sid, nodes in view.running.items() if n in nodes}  # stopped: gone
            lock = view.locks.get(f"ha_agent_{n}_lock")
            if lock is not None and lock[0] == n and lock[1] >= since:
                # the new LRM holds the lock: what is still its own is protected again; a copy
                # the manager meanwhile recovered elsewhere stays an orphan nobody will stop
                sids -= {sid for sid in sids if view.placement.get(sid) == n}
            if not sids or not view.power[n]:
                del unprotected[n]
    multi = memory.get("multi")
    if multi is None or multi[0] is not view.running:  # the same running map: the same doubles
        multi = memory["multi"] = (view.running, [(sid, nodes) for sid, nodes in view.running.items() if len(nodes) > 1])
    for sid, nodes in multi[1]:
        gap = [n for n in nodes if n in unprotected and sid in unprotected[n][1]]
        if len(nodes) - len(gap) > 1:
            yield sid, f"{sid} runs on {' and '.join(nodes)} at the same time"
        else:
            ctx.notices.append((sid, (
                f"{sid} runs on {' and '.join(nodes)} at the same time: the copy on {' and '.join(gap)} was "
                f"left running unprotected by an LRM restart (known gap of the real stack)"
            )))


def check_recovery_after_fencing(ctx: Context) -> Iterator[tuple[Hashable, str]]:
    """A service's node (its configuration, which the agents obey) changes in a
    node step either by that node's own LRM (a migration or relocation: a clean
    handover) or by the manager recovering it - which requires the old node to
    be fenced: its agent lock held by another node, now or since the service
    last ran there.  Changes at loop ends are the admin's (manual-migrate)."""
    view, prev = ctx.view, ctx.prev
    fenced: dict[str, str] = ctx.memory.setdefault("fenced", {})  # sid -> node it was fenced on
    if prev is not None and view.stepped is not None and view.placement is not prev.placement:
        for sid in sorted(view.placement):
            node, old_node = view.placement[sid], prev.placement.get(sid)
            if old_node is None or old_node == node:
                continue
            if old_node == view.stepped:
                fenced.pop(sid, None)  # its own LRM handed it over (migrate/relocate)
                continue
            holder = view.locks.get(f"ha_agent_{old_node}_lock", (None, 0))[0]
            if fenced.get(sid) == old_node or (holder is not None and holder != old_node):
                fenced.pop(sid, None)
                continue
            how = "still held by that node" if holder == old_node else "not taken by anyone"
            where = " while it still runs there" if old_node in view.running.get(sid, ()) else ""
            state = (view.services.get(sid) or ("none",))[0]
            yield (sid, view.time), (
                f"{view.stepped} moved {sid} from {old_node} to {node} (now {state}) without fencing "
                f"{old_node}{where}: its agent lock is {how}"
            )
    # remember, per service not running on its node, that its node was fenced
    # (agent lock held by another node); forget it once it runs there again.
    # Only the remembered services and the nodes fenced right now need a look:
    # visiting all thousand services after every step was most of this check.
    running = view.running
    for sid in [sid for sid, node in fenced.items() if view.placement.get(sid) in running.get(sid, ())]:
        del fenced[sid]  # runs on its node again: a new epoch
    taken = set()
    for n in view.nodes:
        holder = view.locks.get(f"ha_agent_{n}_lock", (None, 0))[0]
        if holder is not None and holder != n:
            taken.add(n)
    if taken:
        for sid, node in view.placement.items():
            if node in taken and node not in running.get(sid, ()):
                fenced[sid] = node


def check_watchdog_reset(ctx: Context) -> Iterator[tuple[Hashable, str]]:
    view = ctx.view
    if not view.after_node_step:
        return  # the harness checks watchdogs after node steps, not at loop ends
    for node, fed in view.watchdogs:
        if view.power.get(node) and view.time - fed > WATCHDOG_TIMEOUT:
            quorum = "" if view.online.get(node) else " although it is cut off from the quorate partition"
            yield node, (
                f"{node} is still running {view.time - fed} s after its watchdog was last fed "
                f"(at {fed}){quorum}"
            )


def check_single_manager(ctx: Context) -> Iterator[tuple[Hashable, str]]:
    view = ctx.view
    renewed: dict[str, int] = ctx.memory.setdefault("renewed", {})
    lock = view.locks.get("ha_manager_lock")
    if lock is not None:
        renewed[lock[0]] = lock[1]
    if not view.ms_written:
        return
    writer = view.ms.get("master_node")
    holder = lock[0] if lock is not None else None
    if writer != holder:
        yield ("writer", view.time), (
            f"{writer} wrote the manager status but the manager lock is held by {holder or 'nobody'}"
        )
    others = [
        n for n in view.masters
        if n != writer and view.online.get(n) and view.time - renewed.get(n, -LOCK_TIMEOUT - 1) <= LOCK_TIMEOUT
    ]  # fmt: skip
    if others:
        yield ("masters", view.time), (
            f"{writer} acts as manager while {', '.join(others)} is master too and its lock tenure is not over"
        )


def check_lock_exclusive(ctx: Context) -> Iterator[tuple[Hashable, str]]:
    view, prev = ctx.view, ctx.prev
    if prev is None:
        return
    for name, (holder, t) in view.locks.items():
        old = prev.locks.get(name)
        if old is None or old[0] == holder:
            continue
        if t - old[1] <= LOCK_TIMEOUT:
            yield (name, view.time), (
                f"{holder} took {name} at {t}, only {t - old[1]} s after {old[0]} renewed it"
            )


def _consistency_problems(ms: dict, nodes: tuple[str, ...]) -> Iterator[str]:
    if not ms:
        return
    master = ms.get("master_node")
    if master not in nodes:
        yield f"master_node {master!r} is not a cluster node"
    node_status = ms.get("node_status") or {}
    for node in sorted(node_status):
        if node_status[node] not in NODE_STATES:
            yield f"node {node} has unknown state {node_status[node]!r}"
    uids: dict[str, str] = {}
    ss = ms.get("service_status") or {}
    for sid in sorted(ss):
        sd = ss[sid]
        state, node, target = sd.get("state"), sd.get("node"), sd.get("target")
        if state not in SERVICE_STATES:
            yield f"{sid} has unknown state {state!r}"
            continue
        if not isinstance(node, str) or not node:
            yield f"{sid} ({state}) has no node"
        uid = sd.get("uid")
        if not uid:
            yield f"{sid} ({state}) has no uid"
        elif uid in uids:
            yield f"{sid} and {uids[uid]} share the uid {uid}"
        else:
            uids[uid] = sid
        if state in MOVING_STATES:
            if not target:
                # the real stack's rebalance-on-start goes to request_start_balance with no
                # target when no node can be selected (02 §8.4.1); the LRM then refuses it
                # ("missing target", 03 §14) and the service starts where it is
                if state != "request_start_balance":
                    yield f"{sid} is in {state} without a target"
            elif target == node:
                yield f"{sid} is in {state} to the node it is on ({node})"
        elif target is not None:
            yield f"{sid} is {state} but keeps a target ({target})"
        if "running" in sd and state != "started":
            yield f"{sid} is {state} but marked running"
        if "timeout" in sd and state != "request_stop":
            yield f"{sid} is {state} but keeps a stop timeout"
        if state == "fence" and node_status.get(node) != "fence":
            yield f"{sid} waits for fencing of {node}, which is {node_status.get(node) or 'absent'}, not fence"
    disarm = ms.get("disarm")
    if disarm is not None and (disarm.get("mode") not in ("freeze", "ignore") or disarm.get("state") not in ("disarming", "disarmed")):
        yield f"invalid disarm record {disarm!r}"


def check_manager_status_consistent(ctx: Context) -> Iterator[tuple[Hashable, str]]:
    view = ctx.view
    if not view.ms_written:
        return
    problems = list(_consistency_problems(view.ms, view.nodes))
    if problems:
        yield ("ms", view.time), "; ".join(problems)


def check_service_recovers(ctx: Context) -> Iterator[tuple[Hashable, str]]:
    view, harness, memory = ctx.view, ctx.harness, ctx.memory
    world = harness.world
    # faults: anything in the log that no daemon said (commands, watchdog resets, ...),
    # and changes of the requested service states (configuration edits log nothing)
    lines = harness.sink.lines
    seen = memory.get("seen", 0)
    last = memory.get("last_fault", 0)
    for line in lines[seen:]:
        if "/" in line.source:
            continue
        if _quiet(line.event):
            continue
        last = line.time
    memory["seen"] = len(lines)
    conf = world.peek("service_config") or {}
    if conf is not memory.get("conf"):  # files are replaced, never edited in place
        memory["conf"] = conf
        fingerprint = tuple((sid, conf[sid].get("state"), conf[sid].get("lock")) for sid in sorted(conf))
        if fingerprint != memory.get("fingerprint"):
            memory["fingerprint"] = fingerprint
            last = view.time
    # faults the stack cannot repair by itself still going on: a node whose cluster
    # filesystem fails, that shuts down or restarts its LRM, or runs without daemons
    for n in view.nodes:
        if not view.power[n]:
            continue
        rec, d = world.hw.get(n) or {}, harness.nodes[n]
        cfs = rec.get("cfs") or {}
        if (
            cfs.get("rw", True) is False
            or cfs.get("update", True) is False
            or rec.get("shutdown")
            or d.lrm_restart
            or d.lrm is None
            or d.crm is None
        ):
            last = view.time
            break
    memory["last_fault"] = last
    # sid -> last time seen running, for the services not running now (a running
    # one was seen now); kept on the transitions only, not rewritten every step
    up: dict[str, int] = memory.setdefault("up", {})
    prev = ctx.prev
    if prev is not None and prev.running is not view.running:
        for sid in prev.running.keys() - view.running.keys():
            up[sid] = prev.time
    if view.time - last < LIVENESS_BOUND or "disarm" in view.ms:
        return
    node_status = view.ms.get("node_status") or {}
    stuck = [m for m in view.masters if node_status.get(m) == "fence"]
    if stuck:
        # the real manager ends every round with "master seems offline" while its
        # own node is not online in the node status (02 §5 step 5), and only a
        # manager round could fence it: nothing is decided any more (seen from a
        # status that marks the new master's node 'fence')
        for m in stuck:
            ctx.notices.append((("master-fenced", m), (
                f"{m} is master but marked 'fence' in the manager status: the real manager only logs "
                f"'master seems offline' and decides nothing, so no service is started or recovered "
                f"(known gap of the real stack)"
            )))
        return
    ss = view.ms.get("service_status") or {}
    candidates = [
        n for n in view.nodes
        if view.online[n] and (lrm := harness.nodes[n].lrm) is not None and lrm.mode == "active"
    ]  # fmt: skip
    if not candidates:
        return
    allowed_of = _allowed_nodes(world, view.nodes, memory)
    for sid in sorted(conf.keys() - view.running.keys()):  # a running service is fine
        cd = conf[sid]
        if cd.get("state") not in ("started", "enabled") or truthy(cd.get("lock")):
            continue
        since = max(last, up.get(sid, last))
        if view.time - since < LIVENESS_BOUND:
            continue  # running, or down for less than the bound (e.g. a relocation)
        sd = ss.get(sid) or {}
        if sd.get("state") == "error" or sid in allowed_of.get("_unjudged", ()):
            continue  # needs manual intervention / placement may be infeasible
        if sd.get("state") == "freeze":
            lrm = harness.nodes[sd["node"]].lrm if sd.get("node") in harness.nodes else None
            if not view.online.get(sd.get("node")) or lrm is None or lrm.mode != "active":
                continue  # frozen: waits for its node's LRM to be active again (02 §8.4.8)
        allowed = allowed_of.get(sid)
        if not any(n in candidates for n in (allowed if allowed is not None else view.nodes)):
            continue
        yield sid, (
            f"{sid} has been down for {view.time - since} s since the last fault (manager state "
            f"{sd.get('state') or 'none'} on {sd.get('node') or cd.get('node')}) although "
            f"{', '.join(n for n in candidates if allowed is None or n in allowed)} could run it"
        )


def _allowed_nodes(world, nodes: tuple[str, ...], memory: dict) -> dict:
    """sid -> allowed nodes under strict node-affinity rules (and groups);
    '_unjudged' -> sids in negative resource affinity (placement may be infeasible)."""
    rules_text = world.peek("rules_config", "") or ""
    groups_text = world.peek("groups", "") or ""
    key = (rules_text, groups_text, nodes)
    cached = memory.get("rules")
    if cached is not None and cached[0] == key:
        return cached[1]
    result: dict = {}
    if rules_text or groups_text:
        from hasim.engine.ha import groups as groups_mod
        from hasim.engine.ha import rules as rules_mod

        conf = world.peek("service_config") or {}
        rules = rules_mod.parse_rules(rules_text)
        rules += groups_mod.groups_to_rules(groups_mod.parse_groups(groups_text), conf)
        rules, _ = rules_mod.check_and_transform(rules, list(nodes))
        compiled = rules_mod.compile_rules(rules, list(nodes))
        for sid, prios in compiled.node_affinity.items():
            result[sid] = tuple(sorted(prios))
        result["_unjudged"] = frozenset(compiled.negative) | frozenset(compiled.positive)
    memory["rules"] = (key, result)
    return result


INVARIANTS: dict[str, Invariant] = {
    inv.name: inv
    for inv in (
        Invariant(
            "single-active-service",
            "A service never runs on two nodes at once",
            "A virtual machine or container must never run on two nodes at the same time: both copies "
            "would write to the same disks and corrupt them. The HA stack earns this by fencing: a node "
            "that drops out of the quorate partition may keep running its services (the known window), "
            "but the manager starts them elsewhere only after that node's watchdog has surely reset it. "
            "(A copy left running unprotected by an LRM restart is the real stack's own gap: a notice.)",
            check_single_active_service,
        ),
        Invariant(
            "recovery-after-fencing",
            "A service is recovered elsewhere only after its old node was fenced",
            "The manager may move a service away from its node in two ways only: the node's own LRM "
            "migrates or relocates it (stopping it there cleanly), or the manager first fences the node "
            "by taking over its agent lock - which it can only do after the node stopped renewing the "
            "lock for 120 s, so the node's 60 s watchdog has reset it. Moving a service from a node whose "
            "agent lock is still held by that node means it may still be running there.",
            check_recovery_after_fencing,
        ),
        Invariant(
            "watchdog-reset",
            "A node that lost quorum is reset by its watchdog within 60 s",
            "A node whose LRM holds its agent lock feeds a watchdog each time it renews the lock. When the "
            "node loses quorum it can no longer renew the lock, stops feeding, and the watchdog must power "
            "it off no later than 60 s after the last feed - well before the lock expires at 120 s and the "
            "manager may recover the node's services. A watchdog left unfed for more than 60 s on a "
            "running node breaks the whole fencing argument.",
            check_watchdog_reset,
        ),
        Invariant(
            "single-manager",
            "At most one manager acts at a time",
            "Only the CRM holding the cluster-wide manager lock may run manager rounds and write the "
            "manager status; two managers acting at once would take contradicting decisions about the "
            "same services. An old master cut off from the cluster may still believe it is master until "
            "its next step, but it cannot renew the lock and must not act; a new master can only take the "
            "lock after the old one left it unrenewed for 120 s.",
            check_single_manager,
        ),
        Invariant(
            "lock-exclusive",
            "A cluster lock changes owner only when released or expired",
            "The manager lock and every node's agent lock belong to one node at a time. Another node may "
            "take a lock only after its owner released it or left it unrenewed for more than 120 s; this "
            "expiry is what proves to the manager that a fenced node is gone.",
            check_lock_exclusive,
        ),
        Invariant(
            "manager-status-consistent",
            "Every manager status written is internally consistent",
            "The manager status is the cluster's memory of every node and service. Each write must make "
            "sense on its own: known node and service states, every service on a node with a request id "
            "(uid) of its own, a target other than its node exactly while it migrates or relocates (a "
            "rebalance on start that found no node may lack one), 'running' only while started, and a "
            "service waiting for fencing only on a node that is being fenced.",
            check_manager_status_consistent,
        ),
        Invariant(
            "service-recovers",
            "Once faults stop, every enabled service runs again",
            "HA is there to keep services running: once the faults stop (no command, power or network "
            "change or watchdog reset for a while, and no node left with a failing cluster filesystem, a "
            "pending shutdown or LRM restart), every service requested 'started' that has an online node of "
            "the quorate partition it is allowed on must be running again within "
            f"{LIVENESS_BOUND} s - enough for an old manager lock and a fenced node's agent lock to expire. "
            "Services in the error state (they need manual intervention), locked ones, ones under "
            "resource-affinity rules and frozen ones whose node's LRM is not active (a node shut down "
            "with the freeze policy, or back in maintenance) are not judged.",
            check_service_recovers,
        ),
    )
}
