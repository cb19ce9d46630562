"""Immutable views of the simulation for observers (the window, tests, CLI).

Observers never reach into the engine: they read a `Snapshot`, built from the
same files the daemons share, so what the window shows is exactly what the
HA stack itself can see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from hasim.jsondata import jcopy, truthy
from hasim.vocab import FENCE_DELAY

if TYPE_CHECKING:
    from hasim.engine.harness import Harness


@attrs.frozen
class NodeView:
    name: str
    power: str  # "on" | "off"
    network: str
    online: bool  # member of the quorate partition
    manager_state: str | None  # online/unknown/fence/gone/maintenance as the master sees it (None: never seen)
    crm_state: str | None  # None: no CRM process
    lrm_state: str | None  # None: no LRM process
    lrm_mode: str | None
    master: bool
    cfs_rw: bool
    cfs_update: bool
    shutdown: str | None
    watchdog_expires: int | None  # hardware time at which an unfed watchdog fires (None: no watchdog)
    agent_lock_holder: str | None
    agent_lock_expires: int | None  # time after which the agent lock can be taken over
    fence_deadline: int | None = None  # time from which the master may fence it (None: not waiting to)
    lrm_restarting: bool = False  # a `restart-lrm` is under way


@attrs.frozen
class ServiceView:
    sid: str
    requested: str  # configured state (started, stopped, disabled, ignored)
    state: str | None  # manager state (None: not managed)
    node: str  # configured node
    target: str | None
    running_on: tuple[str, ...]  # nodes whose agents say it runs there
    lrm_result: int | None  # exit code of the LRM's answer to the current request (else its previous one on that node)
    failed_nodes: tuple[str, ...]
    max_restart: Any
    max_relocate: Any
    failback: Any
    group: str | None
    lock: str | None


@attrs.frozen
class Snapshot:
    time: int
    loop_length: int
    finished: bool
    error: str | None
    quorate: bool
    nodes: tuple[NodeView, ...]
    services: tuple[ServiceView, ...]
    manager_status: dict  # read-only (shared with the engine, never mutated)
    master: str | None
    disarm: dict | None
    crs_mode: str
    shutdown_policy: str
    log_count: int

    def node(self, name: str) -> NodeView:
        return next(n for n in self.nodes if n.name == name)

    def service(self, sid: str) -> ServiceView:
        return next(s for s in self.services if s.sid == sid)


_VIEW_CACHE: dict[int, tuple] = {}


def take_snapshot(harness: Harness) -> Snapshot:
    world = harness.world
    hw = world.hw
    info, quorate = world.node_info()
    ms = world.peek("manager_status") or {}
    node_status = ms.get("node_status") or {}
    service_status = ms.get("service_status") or {}
    locks = world.peek("cluster_locks") or {}
    wds = world.peek("watchdog_status") or {}
    master_lock = locks.get("ha_manager_lock")
    master = None
    for name, d in harness.nodes.items():
        if d.crm is not None and d.crm.state == "master":
            master = name
    fence_at = fence_deadlines(harness)
    nodes = []
    results: dict[str, int] = {}  # uid -> exit code, all nodes merged (the first node wins, as in 02 §4)
    latest: dict[tuple[str, str], int] = {}  # (node, sid) -> exit code of the node's newest result for sid
    for name in harness.order:
        lrm_status = world.peek(f"lrm_status_{name}") or {}
        for uid, res in (lrm_status.get("results") or {}).items():
            code = res.get("exit_code")
            results.setdefault(uid, code)
            latest[(name, res.get("sid"))] = code
        d = harness.nodes[name]
        rec = hw[name]
        cfs = rec.get("cfs") or {}
        wd_times = [wd["update_time"] for wd in wds.values() if wd["node"] == name]
        lock = locks.get(f"ha_agent_{name}_lock")
        nodes.append(
            NodeView(
                name=name,
                power=rec.get("power", "off"),
                network=rec.get("network", "off"),
                online=bool(info[name]["online"]),
                manager_state=node_status.get(name),
                crm_state=d.crm.state if d.crm is not None else None,
                lrm_state=d.lrm.state if d.lrm is not None else None,
                lrm_mode=(d.lrm.mode if d.lrm is not None else lrm_status.get("mode")),
                master=name == master,
                cfs_rw=cfs.get("rw", True) is not False,
                cfs_update=cfs.get("update", True) is not False,
                shutdown=rec.get("shutdown"),
                watchdog_expires=(min(wd_times) + world.watchdog_timeout + 1) if wd_times else None,
                agent_lock_holder=lock["node"] if lock else None,
                agent_lock_expires=(lock["time"] + world.lock_timeout + 1) if lock else None,
                fence_deadline=fence_at.get(name),
                lrm_restarting=d.lrm_restart,
            )
        )
    conf = world.peek("service_config") or {}
    running_on: dict[str, list[str]] = {}
    for n in harness.order:  # one pass over each node's map, not nodes x services
        for sid, flag in (world.peek(f"service_status_{n}") or {}).items():
            if truthy(flag):
                running_on.setdefault(sid, []).append(n)
    services = []
    # ServiceViews are reused while their inputs are the same objects and
    # values: with a thousand services most rows do not change between two
    # snapshots, and an identical object makes the table's comparison free
    cache = _VIEW_CACHE.get(id(harness))
    if cache is None or cache[0] is not harness:
        cache = (harness, {})
        _VIEW_CACHE.clear()
        _VIEW_CACHE[id(harness)] = cache
    views = cache[1]
    for sid in sorted(conf):
        rec = conf[sid]
        sd = service_status.get(sid) or {}
        running = tuple(running_on.get(sid, ()))
        uid = sd.get("uid")
        result = results.get(uid) if uid else None
        if result is None and uid and sd.get("state") == "started":
            # the manager renews the uid of a healthy started service every round
            # (02 §8.4.2 D) and the LRM answers a few seconds later: until then the
            # result of the previous request on the service's node stands (after a
            # state change a blank says the new request is not answered yet)
            result = latest.get((sd.get("node"), sid))
        key = (rec, sd.get("state"), sd.get("target"), running, result, tuple(sd.get("failed_nodes") or ()))
        hit = views.get(sid)
        if hit is not None and hit[0][0] is rec and hit[0][1:] == key[1:]:
            services.append(hit[1])
            continue
        state = rec.get("state") or "disabled"
        view = ServiceView(
            sid=sid,
            requested="started" if state == "enabled" else state,
            state=sd.get("state"),
            node=rec.get("node"),
            target=sd.get("target"),
            running_on=running,
            lrm_result=result,
            failed_nodes=tuple(sd.get("failed_nodes") or ()),
            max_restart=rec.get("max_restart", 1),
            max_relocate=rec.get("max_relocate", 1),
            failback=rec.get("failback", 1),
            group=rec.get("group"),
            lock=rec.get("lock"),
        )
        views[sid] = (key, view)
        services.append(view)
    dc = world.datacenter_settings()
    return Snapshot(
        time=world.time,
        loop_length=harness.loop_length,
        finished=harness.finished,
        error=harness.error,
        quorate=quorate,
        nodes=tuple(nodes),
        services=tuple(services),
        manager_status=ms,  # shared: the engine replaces, never mutates, a written status
        master=master or (master_lock or {}).get("node"),
        disarm=jcopy(ms.get("disarm")),
        crs_mode=dc["crs"].get("ha") or "basic",
        shutdown_policy=dc["ha"].get("shutdown_policy") or "conditional",
        log_count=len(harness.sink.lines),
    )


def fence_deadlines(harness: Harness) -> dict[str, int]:
    """node -> virtual time from which the master may start fencing it.

    The fence delay is in no cluster file: it lives in the current master's
    in-memory node status (`last_online`, spec 02 §6), so it is read from
    there (read-only).

    Only nodes the master sees offline (not 'online', not already 'fence'); a
    node without a last-online record gets one at the master's next round, so
    it has no deadline yet.
    """
    out: dict[str, int] = {}
    for name in sorted(harness.nodes):
        crm = harness.nodes[name].crm
        manager = getattr(crm, "manager", None) if crm is not None else None
        if manager is None or getattr(crm, "state", None) != "master":
            continue
        ns = manager.ns
        for node in sorted(ns.status):
            state = ns.status.get(node)
            if state in ("online", "fence", "gone", "maintenance"):
                continue
            last = ns.last_online.get(node)
            if last is not None:
                out[node] = last + FENCE_DELAY
    return out
