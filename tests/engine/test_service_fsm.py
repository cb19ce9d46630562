"""The manager's service state machine (spec 02 §8, §9, §16, §17).

States: request_start, request_start_balance, started, request_stop, stopped,
migrate, relocate, fence, recovery, freeze, error (plus "not managed").
Edges covered, one handler at a time, each through a real manager round:

    (new)          -> request_start | request_stop (no state-change line); removal
    request_start  -> started | request_start_balance (rebalance on start)
    started        -> request_stop (disabled/stopped, stop command, persisted)
                   -> migrate | relocate (command, node selection, maintenance,
                      failed start with try-next) and the command ignore cases,
                      incl. commands refused or extended by resource affinity
                   -> error (relocate policy exhausted, unrecoverable result)
                   -> fence (node offline >= 60 s, also on a maintenance node)
                   -> freeze (LRM mode restart)
    request_stop   -> stopped | error | fence
    migrate/relocate/request_start_balance -> started/request_stop on target or
                      source, error (wrong node), fence
    stopped        -> request_start | migrate | relocate | fence (location fixup,
                      command ignore cases, never fenced when disabled or in maintenance)
    fence          -> recovery (fencing sweep, agent lock taken over)
    recovery       -> started | request_stop (leftover lock removal, config
                      follows) | stopped (no node, disabled) | stays (no node)
    freeze         -> started | request_stop (LRM active again)
    error          -> stopped (disabled); otherwise sticky
    disarm freeze  -> freeze without a state-change line
"""

from __future__ import annotations

import pytest

from hasim.engine.ha.manager import Manager
from tests.engine.sim_builders import NODES, Bench, svc

ALL_ONLINE = {n: "online" for n in NODES}


def cluster(
    entries: dict[str, dict],
    config: dict[str, dict],
    *,
    node_status: dict | None = None,
    results: dict[str, dict[str, int]] | None = None,
    modes: dict[str, str] | None = None,
    at: int = 100,
    **bench_args,
) -> tuple[Bench, Manager]:
    """node1 is master; `results` maps node -> {uid: exit_code} as its LRM reported."""
    lrm_status = {}
    for node in NODES:
        res = {uid: {"exit_code": code} for uid, code in ((results or {}).get(node) or {}).items()}
        lrm_status[node] = {"mode": (modes or {}).get(node, "active"), "state": "active", "results": res}
    bench = Bench(
        services=config,
        manager_status={
            "master_node": "node1",
            "node_status": node_status or dict(ALL_ONLINE),
            "service_status": entries,
        },
        lrm_status=lrm_status,
        time=at,
        **bench_args,
    )
    return bench, bench.manager()


def report(bench: Bench, node: str, uid: str, exit_code: int, mode: str = "active") -> None:
    """The node's LRM reports a result for the request carrying `uid`."""
    bench.set_lrm_status(node, mode=mode, results={uid: {"exit_code": exit_code}})


STARTED_101 = {"vm:101": {"node": "node1", "state": "started"}}


# -- adding and removing services (§8.2) -----------------------------------------------------------
def test_new_started_service_is_added_as_request_start_and_started_in_the_same_round():
    bench, m = cluster({}, {"vm:101": {"node": "node1", "state": "started"}, "vm:102": {"node": "node2"}})
    assert bench.round(m) == [
        "adding new service 'vm:101' on node 'node1'",
        "adding new service 'vm:102' on node 'node2'",
        "service 'vm:101': state changed from 'request_start' to 'started'  (node = node1)",
    ]
    # a service without requested state is 'disabled' and waits in request_stop
    assert bench.service("vm:102")["state"] == "request_stop"


def test_service_removed_from_the_configuration_or_ignored_is_dropped():
    bench, m = cluster(
        {"vm:101": svc("started", "node1", "a1"), "vm:102": svc("started", "node2", "a2")},
        {"vm:102": {"node": "node2", "state": "ignored"}},
    )
    assert bench.round(m) == [
        "removing stale service 'vm:101' (no config)",
        "removing stale service 'vm:102' (ignored state requested)",
    ]
    assert bench.manager_status["service_status"] == {}


def test_ignored_service_is_never_added():
    bench, m = cluster({}, {"vm:101": {"node": "node1", "state": "ignored"}})
    assert bench.round(m) == []
    assert bench.manager_status["service_status"] == {}


# -- request_start (§8.4.1) ------------------------------------------------------------------------
def test_request_start_becomes_started_on_its_current_node():
    bench, m = cluster({"vm:101": svc("request_start", "node1", "a1")}, STARTED_101)
    assert bench.round(m) == ["service 'vm:101': state changed from 'request_start' to 'started'  (node = node1)"]
    entry = bench.service("vm:101")
    assert (entry["state"], entry["node"]) == ("started", "node1")
    assert entry["uid"] != "a1"  # every state change gives the LRM a new request id


def test_request_start_with_rebalance_on_start_goes_to_the_best_node_via_request_start_balance():
    config = {sid: {"node": "node1", "state": "started"} for sid in ("vm:101", "vm:102", "vm:103")}
    entries = {"vm:101": svc("started", "node1", "a1"), "vm:102": svc("started", "node1", "a2")}
    entries["vm:103"] = svc("request_start", "node1", "a3")
    bench, m = cluster(entries, config, datacenter={"crs": {"ha-rebalance-on-start": 1}})
    log = bench.round(m)
    assert log[:2] == [
        "service vm:103: re-balance selected new node node2 for startup",
        "service 'vm:103': state changed from 'request_start' to 'request_start_balance'  "
        "(node = node1, target = node2)",
    ]


def test_request_start_with_rebalance_on_start_stays_when_its_node_is_best():
    bench, m = cluster(
        {"vm:101": svc("request_start", "node1", "a1")}, STARTED_101, datacenter={"crs": {"ha-rebalance-on-start": 1}}
    )
    assert bench.round(m) == [
        "service vm:101: re-balance selected current node node1 for startup",
        "service 'vm:101': state changed from 'request_start' to 'started'  (node = node1)",
    ]


# -- started (§8.4.2) ------------------------------------------------------------------------------
def test_started_service_whose_lrm_confirmed_the_start_is_marked_running_and_gets_a_new_uid():
    bench, m = cluster({"vm:101": svc("started", "node1", "a1")}, STARTED_101, results={"node1": {"a1": 0}})
    assert bench.round(m) == []
    entry = bench.service("vm:101")
    assert entry["running"] == 1
    assert entry["state"] == "started" and entry["uid"] != "a1"


def test_started_service_requested_disabled_or_stopped_is_asked_to_stop():
    for requested in ("disabled", "stopped"):
        bench, m = cluster({"vm:101": svc("started", "node1", "a1")}, {"vm:101": {"node": "node1", "state": requested}})
        assert bench.round(m) == ["service 'vm:101': state changed from 'started' to 'request_stop'"]


def test_started_service_with_unknown_requested_state_logs_an_error_and_stays():
    bench, m = cluster({"vm:101": svc("started", "node1", "a1")}, {"vm:101": {"node": "node1", "state": "paused"}})
    assert bench.round(m) == ["service 'vm:101' - unknown state 'paused' in service configuration"]
    assert bench.service("vm:101")["state"] == "started"


def test_started_service_on_node_offline_for_60s_is_fenced():
    bench, m = cluster(
        {"vm:103": svc("started", "node3", "a3")},
        {"vm:103": {"node": "node3", "state": "started"}},
        offline=["node3"],
        locks={"ha_agent_node3_lock": ("node3", 95)},
    )
    assert bench.round(m) == ["node 'node3': state changed from 'online' => 'unknown'"]
    assert bench.round(m, at=159) == []
    assert bench.round(m, at=160) == [
        "service 'vm:103': state changed from 'started' to 'fence'",
        "node 'node3': state changed from 'unknown' => 'fence'",
        "FENCE: Try to fence node 'node3'",
    ]


def test_fenced_service_is_recovered_once_the_agent_lock_of_its_node_is_taken_over():
    bench, m = cluster(
        {"vm:101": svc("started", "node1", "a1"), "vm:103": svc("fence", "node3", "a3")},
        {"vm:101": {"node": "node1", "state": "started"}, "vm:103": {"node": "node3", "state": "started"}},
        node_status={"node1": "online", "node2": "online", "node3": "fence"},
        offline=["node3"],
        locks={"ha_agent_node3_lock": ("node3", 105)},
        at=220,
    )
    assert bench.round(m) == []  # lock still fresh: fencing retried silently
    assert bench.round(m, at=240) == [
        "got lock 'ha_agent_node3_lock'",
        "fencing: acknowledged - got agent lock for node 'node3'",
        "node 'node3': state changed from 'fence' => 'unknown'",
        "SUCCEED: fencing: acknowledged - got agent lock for node 'node3'",
        "service 'vm:103': state changed from 'fence' to 'recovery'",
        "recover service 'vm:103' from fenced node 'node3' to node 'node2'",
        "service 'vm:103': state changed from 'recovery' to 'started'  (node = node2)",
    ]
    assert bench.config("vm:103")["node"] == "node2"  # the configuration follows ("steal")


def test_started_service_on_offline_node_is_not_fenced_before_the_manager_saw_it_offline_for_60s():
    # a new manager has no last-online record: it waits a full delay from its first look
    bench, m = cluster(
        {"vm:103": svc("started", "node3", "a3")},
        {"vm:103": {"node": "node3", "state": "started"}},
        node_status={"node1": "online", "node2": "online", "node3": "unknown"},
        offline=["node3"],
        at=1000,
    )
    assert bench.round(m) == []
    assert bench.round(m, at=1040) == []
    assert bench.service("vm:103")["state"] == "started"


def test_started_service_on_maintenance_node_remembers_it_and_moves_to_another_node():
    bench, m = cluster(
        {"vm:103": svc("started", "node3", "a3")},
        {"vm:103": {"node": "node3", "state": "started"}},
        node_status={"node1": "online", "node2": "online", "node3": "maintenance"},
        modes={"node3": "maintenance"},
    )
    assert bench.round(m) == [
        "migrate service 'vm:103' to node 'node1' (running)",
        "service 'vm:103': state changed from 'started' to 'migrate'  (node = node3, target = node1)",
    ]
    assert bench.service("vm:103")["maintenance_node"] == "node3"  # survives the state change


def test_container_on_maintenance_node_is_relocated_not_migrated():
    bench, m = cluster(
        {"ct:103": svc("started", "node3", "a3")},
        {"ct:103": {"node": "node3", "state": "started"}},
        node_status={"node1": "online", "node2": "online", "node3": "maintenance"},
        modes={"node3": "maintenance"},
    )
    assert bench.round(m) == [
        "relocate service 'ct:103' to node 'node1'",
        "service 'ct:103': state changed from 'started' to 'relocate'  (node = node3, target = node1)",
    ]


def test_started_service_on_powered_off_maintenance_node_is_fenced_and_still_moved():
    """test-shutdown-policy4: 'started' continues after moving to 'fence' on a maintenance node."""
    bench, m = cluster(
        {"ct:105": svc("stopped", "node3", "a5")},
        {"ct:105": {"node": "node3", "state": "stopped"}},
        node_status={"node1": "online", "node2": "online", "node3": "maintenance"},
        modes={"node3": "maintenance"},
        offline=["node3"],
        locks={"ha_agent_node3_lock": ("node3", 90)},
    )
    assert bench.round(m) == []  # stopped on a maintenance node: not fenced
    bench.write("service_config", {"ct:105": {"node": "node3", "state": "started"}})
    assert bench.round(m, at=160) == [
        "service 'ct:105': state changed from 'stopped' to 'request_start'  (node = node3)",
        "service 'ct:105': state changed from 'request_start' to 'started'  (node = node3)",
        "service 'ct:105': state changed from 'started' to 'fence'",
        "relocate service 'ct:105' to node 'node1'",
        "service 'ct:105': state changed from 'fence' to 'relocate'  (node = node3, target = node1)",
        "service 'ct:105': state changed from 'relocate' to 'fence'",
        "node 'node3': state changed from 'maintenance' => 'fence'",
        "FENCE: Try to fence node 'node3'",
    ]
    assert bench.service("ct:105")["maintenance_node"] == "node3"


def test_service_moves_back_to_its_maintenance_node_when_that_node_is_online_again():
    bench, m = cluster(
        {"vm:103": svc("started", "node1", "a3", maintenance_node="node3")},
        {"vm:103": {"node": "node1", "state": "started"}},
    )
    assert bench.round(m) == [
        "moving service 'vm:103' back to 'node3', node came back from maintenance.",
        "migrate service 'vm:103' to node 'node3' (running)",
        "service 'vm:103': state changed from 'started' to 'migrate'  (node = node1, target = node3)",
    ]
    assert "maintenance_node" not in bench.service("vm:103")


def test_maintenance_fallback_is_dropped_when_the_service_is_moved_elsewhere():
    rules = "node-affinity: only-node2\n\tnodes node2\n\tresources vm:103\n\tstrict 1\n"
    bench, m = cluster(
        {"vm:103": svc("started", "node1", "a3", maintenance_node="node3")},
        {"vm:103": {"node": "node1", "state": "started"}},
        node_status={"node1": "online", "node2": "online", "node3": "maintenance"},
        modes={"node3": "maintenance"},
        rules=rules,
    )
    assert bench.round(m) == [
        "dropping maintenance fallback node 'node3' for 'vm:103'",
        "migrate service 'vm:103' to node 'node2' (running)",
        "service 'vm:103': state changed from 'started' to 'migrate'  (node = node1, target = node2)",
    ]
    assert "maintenance_node" not in bench.service("vm:103")


def test_stale_maintenance_node_equal_to_the_current_online_node_is_cleared():
    bench, m = cluster(
        {"vm:103": svc("started", "node3", "a3", maintenance_node="node3")},
        {"vm:103": {"node": "node3", "state": "started"}},
    )
    assert bench.round(m) == ["service 'vm:103': clearing stale maintenance node 'node3' setting (is current node)"]
    assert "maintenance_node" not in bench.service("vm:103")


def test_started_service_moves_to_its_preferred_node_with_failback():
    rules = "node-affinity: on-node2\n\tnodes node2\n\tresources vm:101\n"
    bench, m = cluster({"vm:101": svc("started", "node1", "a1")}, STARTED_101, rules=rules)
    assert bench.round(m) == [
        "migrate service 'vm:101' to node 'node2' (running)",
        "service 'vm:101': state changed from 'started' to 'migrate'  (node = node1, target = node2)",
    ]


def test_started_service_without_failback_stays_on_an_allowed_lower_priority_node():
    rules = "node-affinity: on-node2\n\tnodes node2\n\tresources vm:101\n"
    bench, m = cluster(
        {"vm:101": svc("started", "node1", "a1")}, {"vm:101": {"node": "node1", "state": "started", "failback": 0}},
        rules=rules,
    )
    assert bench.round(m) == []


# -- started: queued commands (§8.4.2 C, §7) -------------------------------------------------------
def test_migrate_command_moves_a_started_vm_to_the_target():
    bench, m = cluster({"vm:101": svc("started", "node1", "a1")}, STARTED_101)
    bench.queue_crm_command("migrate vm:101 node2")
    assert bench.round(m) == [
        "got crm command: migrate vm:101 node2",
        "migrate service 'vm:101' to node 'node2'",
        "service 'vm:101': state changed from 'started' to 'migrate'  (node = node1, target = node2)",
    ]


def test_relocate_command_relocates_even_a_vm():
    bench, m = cluster({"vm:101": svc("started", "node1", "a1")}, STARTED_101)
    bench.queue_crm_command("relocate vm:101 node3")
    assert bench.round(m)[1:] == [
        "relocate service 'vm:101' to node 'node3'",
        "service 'vm:101': state changed from 'started' to 'relocate'  (node = node1, target = node3)",
    ]


def test_migrate_command_to_an_offline_node_or_the_current_node_is_refused_by_the_crm():
    bench, m = cluster(
        {"vm:101": svc("started", "node1", "a1")},
        STARTED_101,
        node_status={"node1": "online", "node2": "online", "node3": "unknown"},
        offline=["node3"],
    )
    for cmd in ("migrate vm:101 node3", "migrate vm:101 node1", "migrate vm:999 node2"):
        bench.queue_crm_command(cmd)
    assert bench.round(m) == [
        "crm command error - node not online: migrate vm:101 node3",
        "ignore crm command - service already on target node: migrate vm:101 node1",
        "crm command error - no such service: migrate vm:999 node2",
    ]
    assert "cmd" not in bench.service("vm:101")


def test_stop_command_for_an_unknown_service_is_refused():
    bench, m = cluster({"vm:101": svc("started", "node1", "a1")}, STARTED_101)
    bench.queue_crm_command("stop vm:999 0")
    assert bench.round(m) == ["crm command error - no such service: stop vm:999 0"]


def test_migrate_command_onto_a_negative_affinity_partner_is_refused():
    rules = "resource-affinity: apart\n\taffinity negative\n\tresources vm:101,vm:102\n"
    bench, m = cluster(
        {"vm:101": svc("started", "node1", "a1"), "vm:102": svc("started", "node2", "a2")},
        {"vm:101": {"node": "node1", "state": "started"}, "vm:102": {"node": "node2", "state": "started"}},
        rules=rules,
    )
    bench.queue_crm_command("migrate vm:101 node2")
    assert bench.round(m) == [
        "crm command 'migrate vm:101 node2' error - service 'vm:102' on node 'node2' "
        "in negative affinity with service 'vm:101'"
    ]
    assert bench.service("vm:101")["state"] == "started"


def test_migrate_command_takes_positive_affinity_partners_along_with_the_same_task():
    rules = "resource-affinity: together\n\taffinity positive\n\tresources vm:101,ct:102\n"
    bench, m = cluster(
        {"vm:101": svc("started", "node1", "a1"), "ct:102": svc("started", "node1", "a2")},
        {"vm:101": {"node": "node1", "state": "started"}, "ct:102": {"node": "node1", "state": "started"}},
        rules=rules,
    )
    bench.queue_crm_command("migrate vm:101 node3")
    assert bench.round(m) == [
        "got crm command: migrate vm:101 node3",
        "crm command 'migrate vm:101 node3' - migrate service 'ct:102' to node 'node3' "
        "(service 'ct:102' in positive affinity with service 'vm:101')",
        "migrate service 'ct:102' to node 'node3'",
        "service 'ct:102': state changed from 'started' to 'migrate'  (node = node1, target = node3)",
        "migrate service 'vm:101' to node 'node3'",
        "service 'vm:101': state changed from 'started' to 'migrate'  (node = node1, target = node3)",
    ]


def test_queued_migrate_to_a_node_that_went_offline_is_ignored_by_the_started_handler():
    bench, m = cluster(
        {"vm:101": svc("started", "node1", "a1", cmd=["migrate", "node3"])},
        STARTED_101,
        node_status={"node1": "online", "node2": "online", "node3": "unknown"},
        offline=["node3"],
    )
    assert bench.round(m) == ["ignore service 'vm:101' migrate request - node 'node3' not online"]
    assert bench.service("vm:101")["state"] == "started"
    assert "cmd" not in bench.service("vm:101")  # consumed


def test_queued_relocate_to_the_current_node_is_ignored_by_the_started_handler():
    bench, m = cluster({"vm:101": svc("started", "node1", "a1", cmd=["relocate", "node1"])}, STARTED_101)
    assert bench.round(m) == ["ignore service 'vm:101' relocate request - service already on node 'node1'"]
    assert "cmd" not in bench.service("vm:101")


def test_stop_command_with_timeout_0_hard_stops_and_persists_requested_state_stopped():
    bench, m = cluster({"vm:101": svc("started", "node1", "a1")}, STARTED_101)
    bench.queue_crm_command("stop vm:101 0")
    assert bench.round(m) == [
        "got crm command: stop vm:101 0",
        "request immediate service hard-stop for service 'vm:101'",
        "service 'vm:101': state changed from 'started' to 'request_stop'  (timeout = 0)",
    ]
    assert bench.service("vm:101")["timeout"] == "0"
    assert bench.config("vm:101")["state"] == "stopped"


def test_stop_command_with_a_timeout_requests_a_graceful_stop():
    bench, m = cluster({"vm:101": svc("started", "node1", "a1", cmd=["stop", "30"])}, STARTED_101)
    assert bench.round(m) == [
        "request graceful stop with timeout '30' for service 'vm:101'",
        "service 'vm:101': state changed from 'started' to 'request_stop'  (timeout = 30)",
    ]
    assert bench.config("vm:101")["state"] == "stopped"


def test_unknown_queued_command_is_reported_and_dropped():
    bench, m = cluster({"vm:101": svc("started", "node1", "a1", cmd=["bogus", "x"])}, STARTED_101)
    assert bench.round(m) == ["unknown command 'bogus' for service 'vm:101'"]
    assert "cmd" not in bench.service("vm:101")


def test_unparsable_crm_command_is_reported():
    bench, m = cluster({"vm:101": svc("started", "node1", "a1")}, STARTED_101)
    bench.queue_crm_command("frobnicate vm:101")
    assert bench.round(m) == ["unable to parse crm command: frobnicate vm:101"]


def test_queued_command_is_lost_when_the_service_changes_state_first():
    bench, m = cluster({"vm:101": svc("request_start", "node1", "a1")}, STARTED_101)
    bench.queue_crm_command("migrate vm:101 node2")
    assert bench.round(m) == [
        "got crm command: migrate vm:101 node2",
        "service 'vm:101': state changed from 'request_start' to 'started'  (node = node1)",
    ]
    assert "cmd" not in bench.service("vm:101")


# -- started: restart / relocate policy (§8.4.2 D, §17) --------------------------------------------
def test_failed_start_is_relocated_to_the_next_untried_node_while_within_max_relocate():
    bench, m = cluster(
        {"fa:101": svc("started", "node1", "a1")},
        {"fa:101": {"node": "node1", "state": "started"}},
        results={"node1": {"a1": 1}},
    )
    assert bench.round(m) == [
        "starting service fa:101 on node 'node1' failed, relocating service.",
        "relocate service 'fa:101' to node 'node2'",
        "service 'fa:101': state changed from 'started' to 'relocate'  (node = node1, target = node2)",
    ]
    assert bench.service("fa:101")["failed_nodes"] == ["node1"]


def test_start_reported_on_wrong_node_counts_as_a_failed_start():
    bench, m = cluster(
        {"vm:101": svc("started", "node1", "a1")}, STARTED_101, results={"node1": {"a1": 3}}
    )
    assert bench.round(m)[0] == "starting service vm:101 on node 'node1' failed, relocating service."
    assert bench.service("vm:101")["failed_nodes"] == ["node1"]


def test_failed_start_beyond_max_relocate_enters_the_error_state():
    bench, m = cluster(
        {"fa:101": svc("started", "node1", "a1", failed_nodes=["node2"])},
        {"fa:101": {"node": "node1", "state": "started"}},
        results={"node1": {"a1": 1}},
    )
    assert bench.round(m) == [
        "recovery policy for service fa:101 failed, entering error state. Failed nodes: node2, node1",
        "service 'fa:101': state changed from 'started' to 'error'",
    ]
    assert bench.service("fa:101")["failed_nodes"] == ["node2", "node1"]


def test_when_all_nodes_were_tried_the_start_is_retried_on_the_current_node():
    bench, m = cluster(
        {"fa:101": svc("started", "node1", "a1", failed_nodes=["node2", "node3"])},
        {"fa:101": {"node": "node1", "state": "started", "max_relocate": 3}},
        results={"node1": {"a1": 1}},
    )
    assert bench.round(m) == [
        "starting service fa:101 on node 'node1' failed, relocating service.",
        "Start Error Recovery: Tried all available nodes for service 'fa:101', retry start on current node. "
        "Tried nodes: node2, node3, node1",
    ]
    entry = bench.service("fa:101")
    assert entry["state"] == "started" and entry["uid"] != "a1"  # new request for the LRM


def test_successful_start_after_relocation_clears_failed_nodes():
    bench, m = cluster(
        {"fa:101": svc("started", "node2", "a1", failed_nodes=["node1"])},
        {"fa:101": {"node": "node2", "state": "started"}},
        results={"node2": {"a1": 0}},
    )
    assert bench.round(m) == ["relocation policy successful for 'fa:101' on node 'node2', failed nodes: node1"]
    entry = bench.service("fa:101")
    assert "failed_nodes" not in entry and entry["running"] == 1


def test_unrecoverable_start_result_enters_the_error_state():
    bench, m = cluster({"vm:101": svc("started", "node1", "a1")}, STARTED_101, results={"node1": {"a1": 7}})
    assert bench.round(m) == [
        "service 'vm:101' got unrecoverable error (exit code 7)",
        "service 'vm:101': state changed from 'started' to 'error'",
    ]
    assert bench.service("vm:101")["failed_nodes"] == ["node1"]


# -- request_stop (§8.4.3) -------------------------------------------------------------------------
def test_request_stop_becomes_stopped_when_the_lrm_confirms():
    bench, m = cluster(
        {"vm:101": svc("request_stop", "node1", "a1")}, {"vm:101": {"node": "node1"}}, results={"node1": {"a1": 0}}
    )
    assert bench.round(m) == ["service 'vm:101': state changed from 'request_stop' to 'stopped'"]


def test_request_stop_that_fails_enters_the_error_state():
    bench, m = cluster(
        {"fa:101": svc("request_stop", "node1", "a1")},
        {"fa:101": {"node": "node1", "state": "stopped"}},
        results={"node1": {"a1": 1}},
    )
    assert bench.round(m) == [
        "service 'fa:101' stop failed (exit code 1)",
        "service 'fa:101': state changed from 'request_stop' to 'error'",
    ]


def test_request_stop_without_result_waits_and_is_fenced_after_60s_offline():
    bench, m = cluster(
        {"vm:103": svc("request_stop", "node3", "a3")},
        {"vm:103": {"node": "node3", "state": "stopped"}},
        node_status={"node1": "online", "node2": "online", "node3": "unknown"},
        offline=["node3"],
        locks={"ha_agent_node3_lock": ("node3", 90)},
    )
    assert bench.round(m) == []
    assert bench.round(m, at=160)[0] == "service 'vm:103': state changed from 'request_stop' to 'fence'"


# -- migrate / relocate / request_start_balance (§8.4.4) -------------------------------------------
def test_successful_migration_lands_started_on_the_target():
    bench, m = cluster(
        {"vm:101": svc("migrate", "node1", "a1", target="node2")}, STARTED_101, results={"node1": {"a1": 0}}
    )
    assert bench.round(m) == ["service 'vm:101': state changed from 'migrate' to 'started'  (node = node2)"]


def test_successful_relocation_of_a_service_requested_stopped_lands_in_request_stop_on_the_target():
    bench, m = cluster(
        {"vm:101": svc("relocate", "node1", "a1", target="node2")},
        {"vm:101": {"node": "node1", "state": "stopped"}},
        results={"node1": {"a1": 0}},
    )
    assert bench.round(m)[0] == "service 'vm:101': state changed from 'relocate' to 'request_stop'  (node = node2)"


def test_failed_migration_falls_back_to_started_on_the_source_without_recording_a_failed_node():
    bench, m = cluster(
        {"fa:101": svc("migrate", "node1", "a1", target="node2")},
        {"fa:101": {"node": "node1", "state": "started"}},
        results={"node1": {"a1": 1}},
    )
    assert bench.round(m) == [
        "service 'fa:101' - migration failed (exit code 1)",
        "service 'fa:101': state changed from 'migrate' to 'started'  (node = node1)",
    ]
    assert "failed_nodes" not in bench.service("fa:101")


def test_migration_reported_on_wrong_node_enters_the_error_state():
    bench, m = cluster(
        {"vm:101": svc("migrate", "node1", "a1", target="node2")}, STARTED_101, results={"node1": {"a1": 3}}
    )
    assert bench.round(m) == [
        "service 'vm:101' - migration failed: service registered on wrong node!",
        "service 'vm:101': state changed from 'migrate' to 'error'",
    ]


def test_rebalance_on_start_of_a_running_service_is_ignored_and_it_stays_on_its_node():
    bench, m = cluster(
        {"vm:101": svc("request_start_balance", "node1", "a1", target="node2")},
        STARTED_101,
        results={"node1": {"a1": 8}},
    )
    assert bench.round(m) == [
        "service 'vm:101' - rebalance-on-start request ignored - service already running",
        "service 'vm:101': state changed from 'request_start_balance' to 'started'  (node = node1)",
    ]


def test_migrating_service_whose_source_is_offline_for_60s_is_fenced():
    bench, m = cluster(
        {"vm:103": svc("migrate", "node3", "a3", target="node1")},
        {"vm:103": {"node": "node3", "state": "started"}},
        node_status={"node1": "online", "node2": "online", "node3": "unknown"},
        offline=["node3"],
        locks={"ha_agent_node3_lock": ("node3", 90)},
    )
    assert bench.round(m) == []
    assert bench.round(m, at=160)[0] == "service 'vm:103': state changed from 'migrate' to 'fence'"


# -- stopped (§8.4.5) ------------------------------------------------------------------------------
def test_stopped_service_requested_started_goes_through_request_start_to_started():
    bench, m = cluster({"vm:101": svc("stopped", "node1", "a1")}, STARTED_101)
    assert bench.round(m) == [
        "service 'vm:101': state changed from 'stopped' to 'request_start'  (node = node1)",
        "service 'vm:101': state changed from 'request_start' to 'started'  (node = node1)",
    ]


def test_stopped_service_adopts_a_node_changed_in_the_configuration():
    bench, m = cluster({"vm:101": svc("stopped", "node1", "a1")}, {"vm:101": {"node": "node2", "state": "stopped"}})
    assert bench.round(m) == ["fixup service 'vm:101' location (node1 => node2)"]
    assert bench.service("vm:101")["node"] == "node2"


def test_migrate_command_moves_a_stopped_service_without_the_info_line():
    # the service is requested 'disabled': commands are honoured all the same
    bench, m = cluster(
        {"vm:101": svc("stopped", "node1", "a1", cmd=["migrate", "node2"])}, {"vm:101": {"node": "node1"}}
    )
    assert bench.round(m) == [
        "service 'vm:101': state changed from 'stopped' to 'migrate'  (node = node1, target = node2)"
    ]


def test_stopped_service_ignores_migrate_to_offline_or_current_node_and_stop_commands():
    cases = {
        ("migrate", "node3"): "ignore service 'vm:101' migrate request - node 'node3' not online",
        ("relocate", "node1"): "ignore service 'vm:101' relocate request - service already on node 'node1'",
        ("stop", "0"): "ignore service 'vm:101' stop request - service already stopped",
        ("bogus", "1"): "unknown command 'bogus' for service 'vm:101'",
    }
    for cmd, line in cases.items():
        bench, m = cluster(
            {"vm:101": svc("stopped", "node1", "a1", cmd=list(cmd))},
            {"vm:101": {"node": "node1", "state": "stopped"}},
            node_status={"node1": "online", "node2": "online", "node3": "unknown"},
            offline=["node3"],
        )
        assert bench.round(m) == [line]
        assert bench.service("vm:101") == svc("stopped", "node1", "a1")


def test_stopped_disabled_service_is_never_fenced():
    bench, m = cluster(
        {"vm:103": svc("stopped", "node3", "a3")},
        {"vm:103": {"node": "node3", "state": "disabled"}},
        node_status={"node1": "online", "node2": "online", "node3": "unknown"},
        offline=["node3"],
    )
    bench.round(m)
    assert bench.round(m, at=500) == []
    assert bench.service("vm:103")["state"] == "stopped"


def test_stopped_service_requested_stopped_is_fenced_when_its_node_is_offline_for_60s():
    bench, m = cluster(
        {"vm:103": svc("stopped", "node3", "a3")},
        {"vm:103": {"node": "node3", "state": "stopped"}},
        node_status={"node1": "online", "node2": "online", "node3": "unknown"},
        offline=["node3"],
        locks={"ha_agent_node3_lock": ("node3", 90)},
    )
    assert bench.round(m) == []
    assert bench.round(m, at=160)[0] == "service 'vm:103': state changed from 'stopped' to 'fence'"


def test_stopped_service_on_a_node_in_maintenance_is_not_fenced():
    bench, m = cluster(
        {"vm:103": svc("stopped", "node3", "a3")},
        {"vm:103": {"node": "node3", "state": "stopped"}},
        node_status={"node1": "online", "node2": "online", "node3": "maintenance"},
        modes={"node3": "maintenance"},
        offline=["node3"],
    )
    bench.round(m)
    assert bench.round(m, at=500) == []


# -- recovery (§8.4.7) -----------------------------------------------------------------------------
def recovering(config_103: dict, *, rules: str | None = None, online3: bool = False):
    return cluster(
        {"vm:101": svc("started", "node1", "a1"), "vm:103": svc("recovery", "node3", "a3")},
        {"vm:101": {"node": "node1", "state": "started"}, "vm:103": {"node": "node3", **config_103}},
        node_status={"node1": "online", "node2": "online", "node3": "online" if online3 else "unknown"},
        offline=[] if online3 else ["node3"],
        rules=rules,
    )


def test_recovered_service_goes_to_the_best_scored_node_and_its_configuration_follows():
    bench, m = recovering({"state": "started"})
    assert bench.round(m) == [
        "recover service 'vm:103' from fenced node 'node3' to node 'node2'",
        "service 'vm:103': state changed from 'recovery' to 'started'  (node = node2)",
    ]
    assert bench.config("vm:103")["node"] == "node2"


def test_recovery_removes_a_leftover_backup_lock_so_the_service_can_start():
    bench, m = recovering({"state": "started", "lock": "backup"})
    assert bench.round(m) == [
        "recover service 'vm:103' from fenced node 'node3' to node 'node2'",
        "removed leftover lock 'backup' from recovered service 'vm:103' to allow its start.",
        "service 'vm:103': state changed from 'recovery' to 'started'  (node = node2)",
    ]
    assert "lock" not in bench.config("vm:103")


def test_recovery_keeps_a_create_lock():
    bench, m = recovering({"state": "started", "lock": "create"})
    assert not any("leftover lock" in line for line in bench.round(m))
    assert bench.config("vm:103")["lock"] == "create"


def test_recovered_service_requested_stopped_lands_in_request_stop():
    bench, m = recovering({"state": "stopped"})
    assert bench.round(m)[1] == "service 'vm:103': state changed from 'recovery' to 'request_stop'  (node = node2)"


def test_recovery_to_the_fenced_node_itself_when_it_is_the_only_allowed_one():
    rules = "node-affinity: only-node3\n\tnodes node3\n\tresources vm:103\n\tstrict 1\n"
    bench, m = recovering({"state": "started"}, rules=rules, online3=True)
    assert bench.round(m) == [
        "recover service 'vm:103' to previous failed and fenced node 'node3' again",
        "service 'vm:103': state changed from 'recovery' to 'started'  (node = node3)",
    ]


def test_recovery_without_a_usable_node_keeps_retrying():
    rules = "node-affinity: only-node3\n\tnodes node3\n\tresources vm:103\n\tstrict 1\n"
    bench, m = recovering({"state": "started"}, rules=rules)
    line = "recovering service 'vm:103' from fenced node 'node3' failed, no recovery node found"
    assert bench.round(m) == [line]
    assert bench.round(m, at=120) == [line]
    assert bench.service("vm:103")["state"] == "recovery"


def test_recovery_without_a_usable_node_gives_up_when_the_service_is_disabled():
    rules = "node-affinity: only-node3\n\tnodes node3\n\tresources vm:103\n\tstrict 1\n"
    bench, m = recovering({"state": "disabled"}, rules=rules)
    m.ss["vm:103"]["failed_nodes"] = ["node3"]
    assert bench.round(m) == [
        "recovering service 'vm:103' from fenced node 'node3' failed, no recovery node found",
        "service 'vm:103': state changed from 'recovery' to 'stopped'",
    ]
    assert "failed_nodes" not in bench.service("vm:103")


# -- freeze (§8.4.8, §8.5) -------------------------------------------------------------------------
def test_started_stopped_and_stopping_services_freeze_while_their_lrm_restarts():
    entries = {
        "vm:101": svc("started", "node3", "a1"),
        "vm:102": svc("stopped", "node3", "a2"),
        "vm:103": svc("request_stop", "node3", "a3"),
        "vm:104": svc("started", "node2", "a4"),
    }
    config = {
        "vm:101": {"node": "node3", "state": "started"},
        "vm:102": {"node": "node3", "state": "stopped"},
        "vm:103": {"node": "node3", "state": "stopped"},
        "vm:104": {"node": "node2", "state": "started"},
    }
    bench, m = cluster(entries, config, modes={"node3": "restart"})
    assert bench.round(m) == [
        "service 'vm:101': state changed from 'started' to 'freeze'",
        "service 'vm:102': state changed from 'stopped' to 'freeze'",
        "service 'vm:103': state changed from 'request_stop' to 'freeze'",
    ]


def test_frozen_service_stays_frozen_until_its_lrm_is_active_again():
    bench, m = cluster(
        {"vm:103": svc("freeze", "node3", "a3")},
        {"vm:103": {"node": "node3", "state": "started"}},
        modes={"node3": "restart"},
    )
    assert bench.round(m) == []
    bench.set_lrm_status("node3", mode="active")
    assert bench.round(m, at=120) == ["service 'vm:103': state changed from 'freeze' to 'started'"]


def test_frozen_service_requested_stopped_unfreezes_to_request_stop():
    bench, m = cluster({"vm:103": svc("freeze", "node3", "a3")}, {"vm:103": {"node": "node3", "state": "stopped"}})
    assert bench.round(m) == ["service 'vm:103': state changed from 'freeze' to 'request_stop'"]


def test_frozen_service_on_an_offline_node_is_never_fenced():
    bench, m = cluster(
        {"vm:103": svc("freeze", "node3", "a3")},
        {"vm:103": {"node": "node3", "state": "started"}},
        node_status={"node1": "online", "node2": "online", "node3": "unknown"},
        modes={"node3": "restart"},
        offline=["node3"],
    )
    bench.round(m)
    assert bench.round(m, at=500) == []


# -- error (§8.4.9) --------------------------------------------------------------------------------
def test_error_service_is_sticky_while_not_disabled_and_keeps_its_commands():
    bench, m = cluster(
        {"vm:103": svc("error", "node3", "a3", cmd=["migrate", "node1"])},
        {"vm:103": {"node": "node3", "state": "started"}},
        node_status={"node1": "online", "node2": "online", "node3": "unknown"},
        offline=["node3"],
    )
    bench.round(m)
    assert bench.round(m, at=500) == []
    assert bench.service("vm:103") == svc("error", "node3", "a3", cmd=["migrate", "node1"])


def test_error_service_requested_disabled_becomes_stopped_and_forgets_failed_nodes():
    bench, m = cluster(
        {"fa:101": svc("error", "node1", "a1", failed_nodes=["node1", "node2"])},
        {"fa:101": {"node": "node1", "state": "disabled"}},
    )
    assert bench.round(m) == ["service 'fa:101': state changed from 'error' to 'stopped'"]
    assert "failed_nodes" not in bench.service("fa:101")


# -- disarm in freeze mode (§16) -------------------------------------------------------------------
def test_disarm_freeze_freezes_services_without_state_change_lines_but_leaves_error_alone():
    bench, m = cluster(
        {"vm:101": svc("started", "node1", "a1", running=1), "vm:102": svc("error", "node2", "a2")},
        {"vm:101": {"node": "node1", "state": "started"}, "vm:102": {"node": "node2", "state": "started"}},
    )
    bench.queue_crm_command("disarm-ha freeze")
    assert bench.round(m) == [
        "got crm command: disarm-ha freeze",
        "disarm: freezing service 'vm:101' (was 'started')",
    ]
    frozen = bench.service("vm:101")
    assert (frozen["state"], frozen["node"]) == ("freeze", "node1")
    assert "running" not in frozen and frozen["uid"] != "a1"
    assert bench.service("vm:102")["state"] == "error"


@pytest.mark.parametrize("state", ["migrate", "relocate"])
def test_disarm_is_deferred_while_a_service_is_moving(state):
    bench, m = cluster(
        {"vm:101": svc(state, "node1", "a1", target="node2")}, STARTED_101, results={"node1": {"a1": 0}}
    )
    bench.queue_crm_command("disarm-ha freeze")
    assert bench.round(m) == [
        "got crm command: disarm-ha freeze",
        f"deferring disarm - service 'vm:101' is in '{state}' state",
        f"service 'vm:101': state changed from '{state}' to 'started'  (node = node2)",
    ]
    assert bench.manager_status["disarm"] == {"mode": "freeze", "state": "disarming"}


# -- the table of legal edges ------------------------------------------------------------------------

# spec 02 §8's overview table, written out independently of the engine's TRANSITIONS
SPEC_EDGES = {
    ("request_start", "started"), ("request_start", "request_start_balance"),
    ("started", "request_stop"), ("started", "migrate"), ("started", "relocate"), ("started", "error"),
    ("started", "fence"), ("started", "freeze"), ("stopped", "freeze"), ("request_stop", "freeze"),
    ("request_stop", "stopped"), ("request_stop", "error"), ("request_stop", "fence"),
    ("stopped", "request_start"), ("stopped", "migrate"), ("stopped", "relocate"), ("stopped", "fence"),
    *((s, t) for s in ("migrate", "relocate", "request_start_balance") for t in ("started", "request_stop", "error", "fence")),
    ("fence", "recovery"), ("recovery", "started"), ("recovery", "request_stop"), ("recovery", "stopped"),
    ("freeze", "started"), ("freeze", "request_stop"), ("error", "stopped"),
    ("request_start", "freeze"), ("request_start_balance", "freeze"),  # disarm in freeze mode (§16)
}  # fmt: skip
# 02 §8.4.2 A.1 "change to fence (and keep going)": the rest of `started` runs in the same call
FENCE_AND_KEEP_GOING = {("fence", "request_stop"), ("fence", "migrate"), ("fence", "relocate"), ("fence", "error")}


def test_the_transition_table_is_the_specs_plus_the_fence_and_keep_going_edges():
    from hasim.engine.ha.service_fsm import HANDLERS, TRANSITIONS

    table = {(old, new) for old, targets in TRANSITIONS.items() for new in targets}
    assert table == SPEC_EDGES | FENCE_AND_KEEP_GOING
    assert set(TRANSITIONS) == set(HANDLERS)


def test_an_illegal_edge_raises_and_leaves_the_state_unchanged():
    from hasim.errors import SimError

    bench, m = cluster({"vm:101": {"node": "node1", "state": "started", "uid": "u1"}}, STARTED_101)
    with pytest.raises(SimError, match="illegal state transition 'started' -> 'recovery'"):
        m.change_service_state("vm:101", "recovery")
    assert m.ss["vm:101"] == {"node": "node1", "state": "started", "uid": "u1"}
