"""The CRM daemon: election through the manager lock (spec 02 §3, §16).

States: startup, wait_for_quorum, slave, master, lost_manager_lock.
Edges and rules covered:

    startup -> wait_for_quorum at creation
    wait_for_quorum -> master (eligible, lock) | slave (eligible, lock held
        elsewhere) | stays (no quorum, nothing to manage, another online
        master, a service of its own node being fenced, cfs unreadable)
    slave -> master (lock expired > 120 s) | wait_for_quorum (quorum lost)
    master -> lost_manager_lock -> wait_for_quorum in one step (renewal fails;
        watchdog closed, manager discarded)
    master -> wait_for_quorum on the 91st idle round (lock released, watchdog
        closed); a configured service resets the idle count
    master: one manager round per step, watchdog fed; skipped round on an
        inconsistent cluster state or when its own node is not operational
        ("master seems offline"); manager errors logged, daemon goes on
    shutdown: one notice; master releases the lock voluntarily and exits;
        wait_for_quorum / slave / lost_manager_lock simply exit
    disarm: the fully disarmed master releases its watchdog, re-arming logs
        and re-opens it at the next lock renewal; a CRM taking over a
        disarmed stack opens no watchdog; disarm-ha / arm-ha command handling
        (freeze and ignore modes, refused repeats, nodes adopted on arming)
"""

from __future__ import annotations

from tests.engine.sim_builders import POWER_ON, Bench, log_of, scenario, svc

ONE_SERVICE = {"vm:101": {"node": "node1", "state": "started"}}


def master(bench: Bench, node: str = "node1", at: int = 20):
    crm = bench.crm(node, at=at)
    bench.step(crm)
    assert crm.state == "master"
    return crm


# -- creation and election -------------------------------------------------------------------------
def test_new_crm_starts_in_wait_for_quorum():
    bench = Bench(services=ONE_SERVICE)
    crm = bench.crm("node1", at=20)
    assert crm.state == "wait_for_quorum"
    assert bench.messages() == ["status change startup => wait_for_quorum"]


def test_first_eligible_crm_takes_the_manager_lock_becomes_master_and_runs_a_round():
    bench = Bench(services=ONE_SERVICE)
    crm = bench.crm("node1", at=20)
    step = bench.step(crm)
    assert step.keeps_running
    assert step.log[:2] == ["got lock 'ha_manager_lock'", "status change wait_for_quorum => master"]
    assert "service 'vm:101': state changed from 'request_start' to 'started'  (node = node1)" in step.log
    assert bench.lock_holder("ha_manager_lock") == "node1"
    assert bench.watchdogs("node1") == [20]
    assert bench.manager_status["master_node"] == "node1"
    assert bench.manager_status["timestamp"] == 20


def test_eligible_crm_that_cannot_get_the_lock_becomes_slave():
    bench = Bench(services=ONE_SERVICE)
    master(bench)
    crm2 = bench.crm("node2", at=22)
    assert bench.step(crm2).log == ["status change wait_for_quorum => slave"]
    assert bench.watchdogs("node2") == []
    assert crm2.manager is None


def test_crm_without_quorum_stays_in_wait_for_quorum():
    bench = Bench(services=ONE_SERVICE, offline=["node2", "node3"])
    crm = bench.crm("node1", at=20)
    assert bench.step(crm).log == []
    assert crm.state == "wait_for_quorum"
    assert bench.lock_holder("ha_manager_lock") is None


def test_crm_with_nothing_to_manage_stays_in_wait_for_quorum():
    bench = Bench(services={})
    crm = bench.crm("node1", at=20)
    assert bench.step(crm).log == []
    assert crm.state == "wait_for_quorum"


def test_crm_without_services_becomes_active_for_a_pending_crm_command():
    """test-crm-exiting-idle1: a queued command wakes an idle cluster."""
    bench = Bench(services={})
    bench.queue_crm_command("disarm-ha freeze")
    crm = bench.crm("node1", at=20)
    assert bench.step(crm).log[:2] == ["got lock 'ha_manager_lock'", "status change wait_for_quorum => master"]


def test_crm_without_services_stays_inactive_while_another_online_master_is_recorded():
    status = {
        "master_node": "node1",
        "node_status": {"node1": "online", "node2": "online", "node3": "online"},
        "service_status": {"vm:101": svc("stopped", "node1", "a1")},
    }
    bench = Bench(services={}, manager_status=status)
    crm2 = bench.crm("node2", at=22)
    bench.step(crm2)
    assert crm2.state == "wait_for_quorum"
    # the recorded master itself may pick the leftover status up again
    crm1 = bench.crm("node1", at=40)
    bench.step(crm1)
    assert crm1.state == "master"


def test_crm_is_not_eligible_while_a_service_on_its_own_node_is_being_fenced():
    """test-basic2: node1 cannot become active while its own service is in 'fence'."""
    status = {
        "master_node": "node1",
        "node_status": {"node1": "online", "node2": "online", "node3": "online"},
        "service_status": {"vm:101": svc("fence", "node1", "a1")},
    }
    bench = Bench(services=ONE_SERVICE, manager_status=status)
    crm1 = bench.crm("node1", at=20)
    bench.step(crm1)
    assert crm1.state == "wait_for_quorum"
    crm3 = bench.crm("node3", at=24)
    bench.step(crm3)
    assert crm3.state == "master"


def test_slave_takes_over_once_the_masters_lock_is_more_than_120s_old():
    bench = Bench(services=ONE_SERVICE)
    master(bench)  # lock renewed at 20, then the master dies
    crm2 = bench.crm("node2", at=22)
    bench.step(crm2)
    assert bench.step(crm2, at=140).log == []
    assert crm2.state == "slave"
    log = bench.step(crm2, at=141).log
    assert log[:2] == ["got lock 'ha_manager_lock'", "status change slave => master"]
    assert bench.watchdogs("node2") == [141]


def test_slave_that_loses_quorum_falls_back_to_wait_for_quorum():
    bench = Bench(services=ONE_SERVICE)
    master(bench)
    crm2 = bench.crm("node2", at=22)
    bench.step(crm2)
    bench.network("node2", False)
    assert bench.step(crm2, at=42).log == ["status change slave => wait_for_quorum"]


def test_crm_whose_cluster_filesystem_refuses_reads_logs_the_error_every_step():
    bench = Bench(services=ONE_SERVICE)
    bench.cfs("node1", "rw", False)
    crm = bench.crm("node1", at=20)
    for t in (20, 40):
        assert bench.step(crm, at=t).log == [
            "could not read manager status: cfs connection refused - not mounted?"
        ]
    assert crm.state == "wait_for_quorum"


# -- master ----------------------------------------------------------------------------------------
def test_master_renews_its_lock_and_feeds_its_watchdog_every_step():
    bench = Bench(services=ONE_SERVICE)
    crm = master(bench)
    bench.step(crm, at=40)
    assert bench.lock_time("ha_manager_lock") == 40
    assert bench.watchdogs("node1") == [40]
    assert bench.manager_status["timestamp"] == 40


def test_master_that_cannot_renew_lock_goes_through_lost_manager_lock_to_wait_for_quorum():
    bench = Bench(services=ONE_SERVICE)
    crm = master(bench)
    bench.network("node1", False)  # no quorum: no lock operation succeeds
    step = bench.step(crm, at=40)
    assert step.keeps_running
    assert step.log == [
        "status change master => lost_manager_lock",
        "status change lost_manager_lock => wait_for_quorum",
    ]
    assert bench.watchdogs("node1") == []
    assert crm.manager is None


def test_master_skips_the_round_while_the_cluster_state_is_inconsistent():
    bench = Bench(services=ONE_SERVICE)
    crm = master(bench)
    bench.cfs("node1", "update", False)
    assert bench.step(crm, at=40).log == ["temporary inconsistent cluster state (cfs restart?), skip round"]
    assert crm.state == "master"
    assert bench.manager_status["timestamp"] == 20  # no flush


def test_error_in_a_manager_round_is_logged_and_the_master_keeps_running():
    # recovery "steals" the service, which fails when the configured node differs
    status = {
        "master_node": "node1",
        "node_status": {"node1": "online", "node2": "online", "node3": "unknown"},
        "service_status": {"vm:103": svc("recovery", "node3", "a3")},
    }
    bench = Bench(services={"vm:103": {"node": "node2", "state": "started"}}, manager_status=status, offline=["node3"])
    crm = bench.crm("node1", at=20)
    step = bench.step(crm)
    assert step.keeps_running and crm.state == "master"
    assert step.log[-1] == "got unexpected error - current_node for 'vm:103' does not match (node3 != node2)"


def test_master_without_services_goes_idle_on_its_91st_idle_round():
    # a leftover service entry makes the CRM active; its first round removes it
    status = {"service_status": {"vm:101": svc("stopped", "node1", "a1")}}
    bench = Bench(services={}, manager_status=status)
    crm = bench.crm("node1", at=0)
    assert "removing stale service 'vm:101' (no config)" in bench.step(crm).log
    for i in range(1, 91):
        assert bench.step(crm, at=20 * i).log == []
    assert crm.state == "master" and crm.idle_rounds == 90
    step = bench.step(crm, at=20 * 91)
    assert step.log == [
        "cluster had no service configured for 90 rounds, going idle.",
        "status change master => wait_for_quorum",
    ]
    assert bench.lock_holder("ha_manager_lock") is None
    assert bench.watchdogs("node1") == []
    # and stays idle: nothing to manage any more
    assert bench.step(crm, at=20 * 92).log == []
    assert crm.state == "wait_for_quorum"


def test_configured_service_resets_the_idle_count():
    status = {"service_status": {"vm:101": svc("stopped", "node1", "a1")}}
    bench = Bench(services={}, manager_status=status)
    crm = bench.crm("node1", at=0)
    bench.step(crm)
    for i in range(1, 51):
        bench.step(crm, at=20 * i)
    assert crm.idle_rounds == 50
    bench.write("service_config", {"vm:102": {"node": "node2"}})
    bench.step(crm, at=20 * 51)
    assert crm.idle_rounds == 0


def test_pending_crm_command_does_not_prevent_going_idle():
    status = {"service_status": {"vm:101": svc("stopped", "node1", "a1")}}
    bench = Bench(services={}, manager_status=status)
    crm = bench.crm("node1", at=0)
    bench.step(crm)
    crm.idle_rounds = 90
    bench.queue_crm_command("arm-ha")
    assert bench.step(crm, at=20).log[0] == "cluster had no service configured for 90 rounds, going idle."


# -- shutdown --------------------------------------------------------------------------------------
def test_shutdown_request_is_logged_once():
    bench = Bench(services=ONE_SERVICE)
    crm = master(bench)
    assert bench.call(crm.shutdown, at=30, env=crm.env) == ["server received shutdown request"]
    assert bench.call(crm.shutdown, at=31, env=crm.env) == []


def test_master_with_shutdown_request_releases_the_lock_voluntarily_and_exits():
    bench = Bench(services=ONE_SERVICE)
    crm = master(bench)
    crm.shutdown()
    step = bench.step(crm, at=40)
    assert not step.keeps_running
    assert step.log == ["voluntary release CRM lock"]
    assert bench.lock_holder("ha_manager_lock") is None
    assert bench.watchdogs("node1") == []


def test_released_manager_lock_is_taken_by_another_crm_in_the_same_loop():
    bench = Bench(services=ONE_SERVICE)
    crm1 = master(bench)
    crm2 = bench.crm("node2", at=22)
    bench.step(crm2)
    crm1.shutdown()
    bench.step(crm1, at=40)
    assert bench.step(crm2, at=42).log[:2] == ["got lock 'ha_manager_lock'", "status change slave => master"]


def test_waiting_or_slave_crm_with_shutdown_request_just_exits():
    bench = Bench(services=ONE_SERVICE, offline=["node2", "node3"])
    crm = bench.crm("node1", at=20)
    crm.shutdown()
    step = bench.step(crm)
    assert (step.keeps_running, step.log) == (False, [])

    bench = Bench(services=ONE_SERVICE)
    master(bench)
    crm2 = bench.crm("node2", at=22)
    bench.step(crm2)
    crm2.shutdown()
    step = bench.step(crm2, at=42)
    assert (step.keeps_running, step.log, crm2.state) == (False, [], "slave")


def test_waiting_crm_with_shutdown_request_still_runs_its_transition_and_releases_at_once():
    bench = Bench(services=ONE_SERVICE)
    crm = bench.crm("node1", at=20)
    crm.shutdown()
    step = bench.step(crm)
    assert (step.keeps_running, step.log) == (
        False,
        ["got lock 'ha_manager_lock'", "status change wait_for_quorum => master", "voluntary release CRM lock"],
    )
    assert bench.lock_holder("ha_manager_lock") is None


def test_master_losing_its_lock_during_shutdown_exits_from_lost_manager_lock():
    bench = Bench(services=ONE_SERVICE)
    crm = master(bench)
    crm.shutdown()
    bench.network("node1", False)
    step = bench.step(crm, at=40)
    assert (step.keeps_running, step.log) == (False, ["status change master => lost_manager_lock"])
    assert bench.watchdogs("node1") == []


def test_crm_stop_through_the_harness_hands_the_master_role_over(tmp_path):
    sim = scenario(tmp_path, cmdlist=[POWER_ON, ["crm node1 stop"]], services=ONE_SERVICE)
    sim.run()
    assert log_of(sim, "node1/crm", "node2/crm", since=120, until=130) == [
        "120 node1/crm: server received shutdown request",
        "120 node1/crm: voluntary release CRM lock",
        "121 node1/crm: exit (loop end)",
        "122 node2/crm: got lock 'ha_manager_lock'",
        "122 node2/crm: status change slave => master",
    ]


# -- disarm (§3.2 step 3, §3.4, §16) ---------------------------------------------------------------
def disarming_cluster(**status_extra) -> Bench:
    status = {
        "master_node": "node1",
        "node_status": {"node1": "online", "node2": "online", "node3": "online"},
        "service_status": {"vm:101": svc("started", "node1", "a1")},
        **status_extra,
    }
    lrm = {n: {"mode": "disarm", "state": "wait_for_agent_lock", "results": {}} for n in ("node1", "node2", "node3")}
    return Bench(services=ONE_SERVICE, manager_status=status, lrm_status=lrm)


def test_fully_disarmed_master_releases_its_watchdog_and_re_arming_reopens_it():
    bench = disarming_cluster(disarm={"mode": "freeze", "state": "disarming"})
    crm = bench.crm("node1", at=20)
    step = bench.step(crm)
    assert step.log[-3:] == [
        "disarm: freezing service 'vm:101' (was 'started')",
        "all LRMs disarmed, HA stack is now fully disarmed",
        "HA stack fully disarmed, releasing CRM watchdog",
    ]
    assert bench.watchdogs("node1") == []
    assert bench.step(crm, at=40).log == []  # stays disarmed, no watchdog
    assert bench.watchdogs("node1") == []

    bench.queue_crm_command("arm-ha")
    log = bench.step(crm, at=60).log
    assert log[0] == "got crm command: arm-ha"
    assert log[-1] == "re-arming HA stack"
    assert bench.watchdogs("node1") == []  # re-opened by the next lock renewal
    bench.step(crm, at=80)
    assert bench.watchdogs("node1") == [80]


def test_crm_taking_over_a_disarmed_stack_skips_the_watchdog():
    """test-disarm-crm-stop1"""
    bench = disarming_cluster(disarm={"mode": "freeze", "state": "disarmed"})
    crm = bench.crm("node2", at=22)
    log = bench.step(crm).log
    assert log[:3] == [
        "got lock 'ha_manager_lock'",
        "taking over as disarmed master, skipping watchdog",
        "status change wait_for_quorum => master",
    ]
    assert "HA stack fully disarmed, releasing CRM watchdog" not in log
    assert bench.watchdogs("node2") == []


def test_disarmed_stack_keeps_the_crm_active_without_services_and_never_idle():
    bench = disarming_cluster(disarm={"mode": "freeze", "state": "disarmed"})
    bench.write("service_config", {})
    crm = bench.crm("node1", at=20)
    bench.step(crm)
    assert crm.state == "master"
    for i in range(2, 100):
        bench.step(crm, at=20 * i)
    assert crm.state == "master" and crm.idle_rounds == 0


def test_disarm_and_arm_commands_are_refused_when_they_would_change_nothing():
    bench = disarming_cluster(disarm={"mode": "freeze", "state": "disarmed"})
    bench.queue_crm_command("disarm-ha ignore")
    crm = bench.crm("node1", at=20)
    assert "ignoring disarm-ha command - already in disarm state (disarmed)" in bench.step(crm).log

    bench = disarming_cluster()
    bench.queue_crm_command("arm-ha")
    crm = bench.crm("node1", at=20)
    assert "ignoring arm-ha command - HA stack is not disarmed" in bench.step(crm).log


def test_disarm_in_ignore_mode_suspends_tracking_and_arming_adopts_nodes_changed_meanwhile():
    bench = disarming_cluster()
    bench.queue_crm_command("disarm-ha ignore")
    crm = bench.crm("node1", at=20)
    log = bench.step(crm).log
    assert log[-4:] == [
        "got crm command: disarm-ha ignore",
        "disarm: suspending HA tracking for service 'vm:101'",
        "all LRMs disarmed, HA stack is now fully disarmed",
        "HA stack fully disarmed, releasing CRM watchdog",
    ]
    assert bench.service("vm:101")["state"] == "started"  # ignore mode keeps the states
    bench.write("service_config", {"vm:101": {"node": "node2", "state": "started"}})  # manual-migrate
    bench.queue_crm_command("arm-ha")
    log = bench.step(crm, at=40).log
    assert log[:2] == [
        "got crm command: arm-ha",
        "service 'vm:101': updating node 'node1' => 'node2' (changed while disarmed)",
    ]
    assert log[-1] == "re-arming HA stack"
    assert "disarm" not in bench.manager_status


def test_master_whose_own_node_is_not_operational_in_the_status_skips_its_rounds():
    status = {
        "master_node": "node1",
        "node_status": {"node1": "fence", "node2": "online", "node3": "online"},
        "service_status": {"vm:102": svc("started", "node2", "a2")},
    }
    bench = Bench(services={"vm:102": {"node": "node2", "state": "started"}}, manager_status=status)
    crm = bench.crm("node1", at=20)
    assert bench.step(crm).log == [
        "got lock 'ha_manager_lock'",
        "status change wait_for_quorum => master",
        "master seems offline",
    ]
    assert "timestamp" not in bench.manager_status  # no flush


def test_three_node_start_elects_the_first_node_and_makes_the_others_slaves(tmp_path):
    sim = scenario(tmp_path, cmdlist=[POWER_ON], services=ONE_SERVICE)
    sim.run()
    assert log_of(sim, "node1/crm", "node2/crm", "node3/crm", until=24)[3:] == [
        "20 node1/crm: got lock 'ha_manager_lock'",
        "20 node1/crm: status change wait_for_quorum => master",
        "20 node1/crm: node 'node1': state changed from 'unknown' => 'online'",
        "20 node1/crm: node 'node2': state changed from 'unknown' => 'online'",
        "20 node1/crm: node 'node3': state changed from 'unknown' => 'online'",
        "20 node1/crm: adding new service 'vm:101' on node 'node1'",
        "20 node1/crm: service 'vm:101': state changed from 'request_start' to 'started'  (node = node1)",
        "22 node2/crm: status change wait_for_quorum => slave",
        "24 node3/crm: status change wait_for_quorum => slave",
    ]
    assert [n.crm_state for n in sim.snapshot().nodes] == ["master", "slave", "slave"]
