"""The manager's node state machine (spec 02 §6, fencing §9.2).

States: online, maintenance, unknown, fence, gone (a node absent from the
status reads as unknown).  Edges covered:

    sweep A (node reported online, sorted):
        unknown -> online, gone -> online, never seen -> online,
        online -> maintenance (LRM mode maintenance),
        maintenance -> online (LRM mode no longer maintenance),
        fence stays fence, maintenance stays while the LRM says maintenance
    sweep B (node of the status not reported online, sorted):
        online -> unknown, maintenance -> unknown (LRM mode not maintenance),
        maintenance stays (LRM still reports maintenance),
        unknown -> gone (not a cluster member), unknown member stays unknown,
        fence stays fence, gone -> deleted after 3600 s
    fencing: any -> fence (+ FENCE notification, once),
        fence -> unknown when the master takes the node's expired agent lock
        (+ SUCCEED notification); a fresh lock blocks it.
    offline-delayed: the 60 s fence delay counted from the last time this
        manager instance saw the node online.
    maintenance requests (02 §7): recorded as node_request, refused or
        redundant cases; the node follows its LRM into and out of maintenance.
"""

from __future__ import annotations

from hasim.engine.ha.node_status import NodeStatus
from tests.engine.sim_builders import POWER_ON, Bench, log_of, scenario, svc

ONLINE = {"online": 1}
OFFLINE = {"online": 0}


def node_status(status: dict, at: int = 100, **bench_args) -> tuple[Bench, NodeStatus]:
    bench = Bench(time=at, **bench_args)
    env = bench.env("node1", "crm")
    env.clock = at
    return bench, NodeStatus(env, status)


def update(bench: Bench, ns: NodeStatus, node_info: dict, lrm_modes: dict | None = None, at: int | None = None):
    if at is not None:
        bench.world.time = at
        ns.env.clock = at
    mark = len(bench.sink.lines)
    ns.update(node_info, lrm_modes or {})
    return bench.messages(since=mark)


# -- sweep A: nodes reported online ----------------------------------------------------------------
def test_unknown_node_reported_online_becomes_online():
    bench, ns = node_status({"node1": "unknown"})
    log = update(bench, ns, {"node1": ONLINE})
    assert log == ["node 'node1': state changed from 'unknown' => 'online'"]
    assert ns.get("node1") == "online"


def test_node_never_seen_before_is_added_as_online_when_reported_online():
    bench, ns = node_status({})
    log = update(bench, ns, {"node1": ONLINE, "node2": ONLINE}, {"node1": "active", "node2": "active"})
    assert log == [
        "node 'node1': state changed from 'unknown' => 'online'",
        "node 'node2': state changed from 'unknown' => 'online'",
    ]
    assert ns.status == {"node1": "online", "node2": "online"}


def test_gone_node_that_is_reported_online_again_becomes_online():
    bench, ns = node_status({"node4": "gone"})
    assert update(bench, ns, {"node4": ONLINE}) == ["node 'node4': state changed from 'gone' => 'online'"]


def test_online_node_whose_lrm_reports_maintenance_becomes_maintenance():
    bench, ns = node_status({"node2": "online"})
    log = update(bench, ns, {"node2": ONLINE}, {"node2": "maintenance"})
    assert log == ["node 'node2': state changed from 'online' => 'maintenance'"]


def test_online_node_stays_online_for_any_other_lrm_mode():
    bench, ns = node_status({"node2": "online"})
    for mode in ("active", "restart", "shutdown", "disarm"):
        assert update(bench, ns, {"node2": ONLINE}, {"node2": mode}) == []
    assert ns.get("node2") == "online"


def test_maintenance_node_stays_maintenance_while_its_lrm_reports_maintenance():
    bench, ns = node_status({"node2": "maintenance"})
    assert update(bench, ns, {"node2": ONLINE}, {"node2": "maintenance"}) == []
    assert ns.get("node2") == "maintenance"


def test_maintenance_node_whose_lrm_left_maintenance_becomes_online():
    bench, ns = node_status({"node2": "maintenance"})
    log = update(bench, ns, {"node2": ONLINE}, {"node2": "active"})
    assert log == ["node 'node2': state changed from 'maintenance' => 'online'"]


def test_node_coming_back_with_lrm_in_maintenance_goes_online_first_then_maintenance():
    # the LRM mode of a node not in the status before the round counts as unknown
    bench, ns = node_status({"node2": "unknown"})
    assert update(bench, ns, {"node2": ONLINE}, {"node2": "maintenance"}) == [
        "node 'node2': state changed from 'unknown' => 'online'"
    ]
    assert update(bench, ns, {"node2": ONLINE}, {"node2": "maintenance"}, at=120) == [
        "node 'node2': state changed from 'online' => 'maintenance'"
    ]


def test_node_in_fence_state_stays_fence_even_when_reported_online():
    bench, ns = node_status({"node3": "fence"})
    assert update(bench, ns, {"node3": ONLINE}, {"node3": "active"}) == []
    assert ns.get("node3") == "fence"


# -- sweep B: nodes not reported online ------------------------------------------------------------
def test_online_node_that_is_not_reported_online_becomes_unknown():
    bench, ns = node_status({"node3": "online"})
    assert update(bench, ns, {"node3": OFFLINE}) == ["node 'node3': state changed from 'online' => 'unknown'"]


def test_offline_maintenance_node_becomes_unknown_when_its_lrm_left_maintenance():
    bench, ns = node_status({"node3": "maintenance"})
    log = update(bench, ns, {"node3": OFFLINE}, {"node3": "active"})
    assert log == ["node 'node3': state changed from 'maintenance' => 'unknown'"]


def test_powered_off_maintenance_node_stays_maintenance_while_its_last_lrm_status_says_so():
    bench, ns = node_status({"node3": "maintenance"})
    assert update(bench, ns, {"node3": OFFLINE}, {"node3": "maintenance"}) == []
    assert ns.get("node3") == "maintenance"


def test_unknown_node_that_is_no_longer_a_cluster_member_becomes_gone():
    bench, ns = node_status({"node3": "unknown", "node4": "unknown"})
    log = update(bench, ns, {"node3": OFFLINE})
    assert log == ["node 'node4': state changed from 'unknown' => 'gone'"]
    assert ns.status == {"node3": "unknown", "node4": "gone"}


def test_fence_node_stays_fence_while_offline():
    bench, ns = node_status({"node3": "fence"})
    assert update(bench, ns, {"node3": OFFLINE}) == []
    assert update(bench, ns, {}) == []
    assert ns.get("node3") == "fence"


def test_gone_node_is_deleted_one_hour_after_this_manager_first_noticed_it():
    bench, ns = node_status({"node4": "gone"}, at=100)
    assert update(bench, ns, {}) == []  # first look starts the clock
    assert update(bench, ns, {}, at=3699) == []
    assert ns.status == {"node4": "gone"}
    assert update(bench, ns, {}, at=3700) == ["deleting gone node 'node4', not a cluster member anymore."]
    assert ns.status == {}
    assert "node4" not in ns.last_online


def test_offline_member_never_seen_online_is_not_added():
    bench, ns = node_status({"node1": "online"})
    assert update(bench, ns, {"node1": ONLINE, "node2": OFFLINE}) == []
    assert ns.status == {"node1": "online"}


def test_reading_a_node_absent_from_the_status_gives_unknown_without_adding_it():
    _, ns = node_status({"node1": "online"})
    assert ns.get("node9") == "unknown"
    assert ns.list_nodes() == ["node1"]


def test_nodes_coming_online_are_handled_before_nodes_going_offline():
    # sweep A (online ones) runs completely before sweep B
    bench, ns = node_status({"node1": "online", "node2": "unknown"})
    log = update(bench, ns, {"node1": OFFLINE, "node2": ONLINE})
    assert log == [
        "node 'node2': state changed from 'unknown' => 'online'",
        "node 'node1': state changed from 'online' => 'unknown'",
    ]


def test_online_nodes_are_the_sorted_nodes_in_state_online_and_operational_includes_maintenance():
    _, ns = node_status({"node3": "online", "node1": "online", "node2": "maintenance", "node4": "unknown"})
    assert ns.online_nodes() == ["node1", "node3"]
    assert [n for n in ns.list_nodes() if ns.is_operational(n)] == ["node1", "node2", "node3"]


# -- offline-delayed: the fence delay --------------------------------------------------------------
def test_online_node_is_never_offline_delayed():
    _, ns = node_status({"node1": "online"})
    ns.last_online["node1"] = -1000
    assert ns.offline_delayed("node1") is False


def test_fence_delay_starts_at_the_last_round_that_saw_the_node_online():
    bench, ns = node_status({"node3": "online"}, at=100)
    update(bench, ns, {"node3": ONLINE})  # last online: 100
    update(bench, ns, {"node3": OFFLINE}, at=120)  # -> unknown
    bench.world.time = ns.env.clock = 159
    assert ns.offline_delayed("node3") is False
    ns.env.clock = 160
    assert ns.offline_delayed("node3") is True


def test_new_manager_without_last_online_record_waits_a_full_delay_from_its_first_check():
    bench, ns = node_status({"node3": "unknown"}, at=222)
    assert ns.offline_delayed("node3") is False  # starts the clock at 222
    ns.env.clock = 281
    assert ns.offline_delayed("node3") is False
    ns.env.clock = 282
    assert ns.offline_delayed("node3") is True


# -- fencing ---------------------------------------------------------------------------------------
def test_fencing_marks_node_fence_and_notifies_once_while_its_agent_lock_is_still_fresh():
    bench, ns = node_status({"node3": "unknown"}, at=160, locks={"ha_agent_node3_lock": ("node3", 105)})
    mark = len(bench.sink.lines)
    assert ns.fence("node3") is False
    assert [(line.level, line.message) for line in bench.lines(mark)] == [
        ("info", "node 'node3': state changed from 'unknown' => 'fence'"),
        ("emai", "FENCE: Try to fence node 'node3'"),
    ]
    mark = len(bench.sink.lines)
    bench.world.time = ns.env.clock = 180
    assert ns.fence("node3") is False
    assert bench.lines(mark) == []  # failed attempts are silent
    assert bench.lock_holder("ha_agent_node3_lock") == "node3"


def test_fence_is_acknowledged_when_master_takes_over_the_expired_agent_lock():
    bench, ns = node_status({"node3": "fence"}, at=225, locks={"ha_agent_node3_lock": ("node3", 105)})
    assert ns.fence("node3") is False  # 120 s old: not yet expired
    bench.world.time = ns.env.clock = 226
    mark = len(bench.sink.lines)
    assert ns.fence("node3") is True
    assert [(line.level, line.source, line.message) for line in bench.lines(mark)] == [
        ("info", "node1/crm", "got lock 'ha_agent_node3_lock'"),
        ("info", "node1/crm", "fencing: acknowledged - got agent lock for node 'node3'"),
        ("info", "node1/crm", "node 'node3': state changed from 'fence' => 'unknown'"),
        ("emai", "node1/crm", "SUCCEED: fencing: acknowledged - got agent lock for node 'node3'"),
    ]
    assert ns.get("node3") == "unknown"
    assert bench.lock_holder("ha_agent_node3_lock") == "node1"  # the master keeps it


def test_node_whose_agent_lock_was_released_is_fenced_at_once():
    bench, ns = node_status({"node3": "unknown"}, at=200)
    assert ns.fence("node3") is True
    assert bench.messages() == [
        "node 'node3': state changed from 'unknown' => 'fence'",
        "FENCE: Try to fence node 'node3'",
        "got lock 'ha_agent_node3_lock'",
        "fencing: acknowledged - got agent lock for node 'node3'",
        "node 'node3': state changed from 'fence' => 'unknown'",
        "SUCCEED: fencing: acknowledged - got agent lock for node 'node3'",
    ]


def test_master_that_already_holds_the_agent_lock_reacquires_it_silently():
    bench, ns = node_status({"node3": "fence"}, at=300, locks={"ha_agent_node3_lock": ("node1", 280)})
    assert ns.fence("node3") is True
    assert "got lock 'ha_agent_node3_lock'" not in bench.messages()
    assert bench.lock_time("ha_agent_node3_lock") == 300


def test_fenced_node_without_services_to_fence_is_fenced_with_an_admin_interference_notice():
    services = {"vm:101": {"node": "node1", "state": "started"}}
    bench = Bench(
        services=services,
        manager_status={
            "master_node": "node1",
            "node_status": {"node1": "online", "node2": "online", "node3": "fence"},
            "service_status": {"vm:101": svc("started", "node1", "a1")},
        },
        offline=["node3"],
    )
    log = bench.round(bench.manager(at=60))
    assert log == [
        "node 'node3' in fence state but no services to-fence! admin interference?!",
        "got lock 'ha_agent_node3_lock'",
        "fencing: acknowledged - got agent lock for node 'node3'",
        "node 'node3': state changed from 'fence' => 'unknown'",
        "SUCCEED: fencing: acknowledged - got agent lock for node 'node3'",
    ]
    assert bench.node_state("node3") == "unknown"


def test_node_losing_its_network_goes_unknown_then_fence_then_unknown_after_agent_lock_takeover(tmp_path):
    """test-basic1: the whole node life cycle as the master logs it."""
    sim = scenario(
        tmp_path,
        cmdlist=[POWER_ON, ["network node3 off"]],
        services={"vm:101": {"node": "node1", "state": "started"}, "vm:103": {"node": "node3", "state": "started"}},
    )
    sim.run()
    node_lines = [
        line
        for line in log_of(sim, "node1/crm", "watchdog")
        if ("node3" in line and "service" not in line) or "watchdog" in line
    ]
    assert node_lines == [
        "20 node1/crm: node 'node3': state changed from 'unknown' => 'online'",
        "120 node1/crm: node 'node3': state changed from 'online' => 'unknown'",
        "160 node1/crm: node 'node3': state changed from 'unknown' => 'fence'",
        "160 node1/crm: FENCE: Try to fence node 'node3'",
        "166 watchdog: execute power node3 off",
        "240 node1/crm: got lock 'ha_agent_node3_lock'",
        "240 node1/crm: fencing: acknowledged - got agent lock for node 'node3'",
        "240 node1/crm: node 'node3': state changed from 'fence' => 'unknown'",
        "240 node1/crm: SUCCEED: fencing: acknowledged - got agent lock for node 'node3'",
    ]
    assert sim.snapshot().manager_status["node_status"]["node3"] == "unknown"


# -- maintenance requests (02 §7): the manager records them, the LRM acts, the node follows --------
def maintenance_cluster(node_status: dict, **status_extra) -> Bench:
    return Bench(
        services={"vm:101": {"node": "node1", "state": "started"}},
        manager_status={
            "master_node": "node1",
            "node_status": node_status,
            "service_status": {"vm:101": svc("started", "node1", "a1")},
            **status_extra,
        },
        offline=[n for n, s in node_status.items() if s not in ("online", "maintenance")],
    )


def test_enable_maintenance_of_an_online_node_records_a_node_request_silently():
    bench = maintenance_cluster({"node1": "online", "node2": "online", "node3": "online"})
    bench.queue_crm_command("enable-node-maintenance node2")
    assert bench.round(bench.manager(at=100)) == []
    assert bench.manager_status["node_request"] == {"node2": {"maintenance": 1}}
    assert bench.node_state("node2") == "online"  # until its LRM reports mode maintenance


def test_enable_maintenance_is_refused_for_offline_nodes_and_redundant_for_maintenance_nodes():
    bench = maintenance_cluster({"node1": "online", "node2": "maintenance", "node3": "unknown"})
    bench.set_lrm_status("node2", mode="maintenance")
    bench.queue_crm_command("enable-node-maintenance node3")
    bench.queue_crm_command("enable-node-maintenance node2")
    assert bench.round(bench.manager(at=100)) == [
        "crm command error - node not online: enable-node-maintenance node3",
        "ignoring crm command - node node2 is already in maintenance state",
    ]
    assert "node_request" not in bench.manager_status


def test_enable_maintenance_is_refused_while_the_stack_is_disarmed():
    bench = maintenance_cluster(
        {"node1": "online", "node2": "online", "node3": "online"}, disarm={"mode": "ignore", "state": "disarming"}
    )
    bench.queue_crm_command("enable-node-maintenance node2")
    log = bench.round(bench.manager(at=100))
    assert log[0] == "ignoring maintenance command for node node2 - HA stack is disarmed"
    assert "node_request" not in bench.manager_status


def test_disable_maintenance_clears_the_request_and_warns_when_the_node_is_not_in_maintenance():
    bench = maintenance_cluster(
        {"node1": "online", "node2": "online", "node3": "online"}, node_request={"node2": {"maintenance": 1}}
    )
    bench.queue_crm_command("disable-node-maintenance node2")
    assert bench.round(bench.manager(at=100)) == [
        "clearing maintenance of node node2 requested, but it's in state online"
    ]
    assert bench.manager_status["node_request"] == {"node2": {}}


def test_node_enters_and_leaves_maintenance_following_its_lrm_and_its_services_follow(tmp_path):
    """test-crm-maintenance-request2, shortened."""
    sim = scenario(
        tmp_path,
        cmdlist=[POWER_ON, ["crm node2 enable-node-maintenance"], ["crm node2 disable-node-maintenance"]],
        services={"vm:101": {"node": "node1", "state": "started"}, "vm:102": {"node": "node2", "state": "started"}},
    )
    sim.advance(150)
    assert log_of(sim, "node1/crm", "node2/lrm", since=120) == [
        "123 node2/lrm: status change active => maintenance",
        "140 node1/crm: node 'node2': state changed from 'online' => 'maintenance'",
        "140 node1/crm: migrate service 'vm:102' to node 'node3' (running)",
        "140 node1/crm: service 'vm:102': state changed from 'started' to 'migrate'  (node = node2, target = node3)",
        "143 node2/lrm: service vm:102 - start migrate to node 'node3'",
        "143 node2/lrm: service vm:102 - end migrate to node 'node3'",
    ]
    sim.run()
    assert log_of(sim, "node1/crm", "node2/lrm", since=220, until=240) == [
        "223 node2/lrm: got lock 'ha_agent_node2_lock'",
        "223 node2/lrm: status change maintenance => active",
        "240 node1/crm: node 'node2': state changed from 'maintenance' => 'online'",
        "240 node1/crm: moving service 'vm:102' back to 'node2', node came back from maintenance.",
        "240 node1/crm: migrate service 'vm:102' to node 'node2' (running)",
        "240 node1/crm: service 'vm:102': state changed from 'started' to 'migrate'  (node = node3, target = node2)",
    ]
