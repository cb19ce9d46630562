"""The LRM daemon (spec 03): lock, watchdog, requests, policies, modes.

States: startup, wait_for_agent_lock, active, lost_agent_lock, maintenance;
modes: active, restart, shutdown, maintenance, disarm.  Edges and rules covered:

    startup -> wait_for_agent_lock at creation; the process-wide first status write
    wait_for_agent_lock -> active (a service active for this node - also as
        migration target -, quorate, no fence request; never while disarmed)
    active -> lost_agent_lock (lock renewal fails; fence request, lock kept)
    active -> maintenance (maintenance requested: manual or migrate policy)
    active -> wait_for_agent_lock (disarm; 61st idle round)
    lost_agent_lock -> active (quorate again, no fence request)
    maintenance -> lost_agent_lock (fence request; renewal fails with services)
    maintenance -> active (request cleared, lock re-taken)
    maintenance -> wait_for_agent_lock (disarm once empty)
    watchdog: opened with the lock, fed each active step, not fed while lost,
        closed on idle/disarm/empty maintenance/clean exit; expiry powers the
        node off (harness)
    requests: once per uid (stopped every step), results pruned, agents'
        lines, wrong node, missing config, error state, missing target
    restart policy: max_restart retries one per step, then ERROR to the manager
    shutdown/reboot/restart-lrm under the policies conditional, freeze,
        failover, migrate, unknown, and with manual maintenance
"""

from __future__ import annotations

import pytest

from tests.engine.sim_builders import POWER_ON, Bench, log_of, node_view, scenario, service_view, svc

ONLINE = {"node1": "online", "node2": "online", "node3": "online"}


def lrm_bench(entries: dict, config: dict, *, node="node1", at=21, running=None, **status) -> tuple[Bench, object]:
    """A cluster whose manager status holds `entries`; returns the LRM of `node`
    (not yet stepped).  Extra keyword arguments go into the manager status."""
    offline = status.pop("offline", ())
    ms = {"master_node": "node1", "node_status": dict(ONLINE), "service_status": entries, **status}
    bench = Bench(services=config, manager_status=ms, running=running, time=at, offline=offline)
    return bench, bench.lrm(node)


def active_lrm(sid="vm:101", *, config=None, **kw):
    """node1's LRM, active, with `sid` started and running on node1."""
    config = config or {sid: {"node": "node1", "state": "started"}}
    bench, lrm = lrm_bench({sid: svc("started", "node1", "s1")}, config, **kw)
    bench.step(lrm)
    assert lrm.state == "active"
    return bench, lrm


# -- creation and wait_for_agent_lock --------------------------------------------------------------
def test_new_lrm_starts_waiting_for_its_agent_lock_and_reports_that():
    bench, lrm = lrm_bench({}, {})
    assert bench.messages() == ["status change startup => wait_for_agent_lock"]
    assert bench.step(lrm).log == []
    status = bench.lrm_status("node1")
    assert (status["state"], status["mode"], status["results"]) == ("wait_for_agent_lock", "active", {})


def test_lrm_without_active_services_keeps_waiting_without_lock_or_watchdog():
    entries = {
        "vm:101": svc("stopped", "node1", "a1"),
        "vm:102": svc("freeze", "node1", "a2"),
        "vm:103": svc("error", "node1", "a3"),
        "vm:104": svc("request_start", "node1", "a4"),
        "vm:105": svc("started", "node2", "a5"),
    }
    bench, lrm = lrm_bench(entries, {})
    assert bench.step(lrm).log == []
    assert lrm.state == "wait_for_agent_lock"
    assert bench.lock_holder("ha_agent_node1_lock") is None
    assert bench.watchdogs("node1") == []


def test_lrm_with_an_active_service_takes_its_lock_opens_a_watchdog_and_executes_in_the_same_step():
    bench, lrm = lrm_bench({"vm:101": svc("started", "node1", "a1")}, {"vm:101": {"node": "node1", "state": "started"}})
    assert bench.step(lrm).log == [
        "got lock 'ha_agent_node1_lock'",
        "status change wait_for_agent_lock => active",
        "starting service vm:101",
        "service status vm:101 started",
    ]
    assert bench.watchdogs("node1") == [21]
    assert bench.running("node1") == {"vm:101": 1}
    assert bench.lrm_status("node1")["results"] == {"a1": {"sid": "vm:101", "state": "started", "exit_code": 0}}


def test_incoming_migration_makes_the_target_lrm_take_its_lock():
    bench, lrm = lrm_bench(
        {"vm:101": svc("migrate", "node2", "a1", target="node1")}, {"vm:101": {"node": "node2"}}
    )
    assert bench.step(lrm).log == ["got lock 'ha_agent_node1_lock'", "status change wait_for_agent_lock => active"]


def test_lrm_of_a_node_without_quorum_does_not_take_its_lock():
    bench, lrm = lrm_bench(
        {"vm:101": svc("started", "node1", "a1")}, {"vm:101": {"node": "node1"}}, offline=["node1"]
    )
    bench.world.lrm_startup_written = True
    assert bench.step(lrm).log == []
    assert lrm.state == "wait_for_agent_lock"
    assert bench.lrm_status("node1") == {}  # not quorate: nothing written


def test_until_some_lrm_has_written_its_status_an_lrm_only_tries_that_write():
    bench, lrm = lrm_bench({"vm:101": svc("started", "node1", "a1")}, {"vm:101": {"node": "node1"}})
    bench.cfs("node1", "rw", False)
    # no "updating service status" error: the manager status is not even read
    assert bench.step(lrm).log == ["unable to write lrm status file - cfs connection refused - not mounted?"]
    assert not bench.world.lrm_startup_written
    bench.cfs("node1", "rw", True)
    bench.step(lrm, at=41)
    assert bench.world.lrm_startup_written  # process wide, never reset
    assert lrm.state == "active"


def test_lrm_with_a_fence_request_does_not_take_its_lock():
    bench, lrm = lrm_bench(
        {"vm:101": svc("started", "node1", "a1")},
        {"vm:101": {"node": "node1"}},
        node_status={"node1": "fence", "node2": "online", "node3": "online"},
    )
    bench.step(lrm)
    assert lrm.state == "wait_for_agent_lock"


def test_waiting_lrm_never_takes_its_lock_while_the_stack_is_disarmed():
    bench, lrm = lrm_bench(
        {"vm:101": svc("started", "node1", "a1")},
        {"vm:101": {"node": "node1"}},
        disarm={"mode": "ignore", "state": "disarmed"},
    )
    assert bench.step(lrm).log == []
    assert (lrm.state, lrm.mode) == ("wait_for_agent_lock", "disarm")
    assert bench.lrm_status("node1")["mode"] == "disarm"


# -- active, lock and watchdog ---------------------------------------------------------------------
def test_active_lrm_renews_its_lock_and_feeds_its_watchdog_every_step():
    bench, lrm = active_lrm()
    assert bench.step(lrm, at=41).log == []
    assert bench.lock_time("ha_agent_node1_lock") == 41
    assert bench.watchdogs("node1") == [41]
    assert bench.lrm_status("node1")["timestamp"] == 41


def test_active_lrm_that_cannot_renew_its_lock_goes_to_lost_agent_lock_and_stops_feeding_and_reporting():
    bench, lrm = active_lrm()
    bench.network("node1", False)
    assert bench.step(lrm, at=41).log == ["status change active => lost_agent_lock"]
    assert bench.watchdogs("node1") == [21]
    assert bench.lrm_status("node1")["timestamp"] == 21
    assert bench.step(lrm, at=61).log == []
    assert bench.watchdogs("node1") == [21]


def test_lost_agent_lock_lrm_regains_its_lock_when_quorate_again():
    bench, lrm = active_lrm()
    bench.network("node1", False)
    bench.step(lrm, at=41)
    bench.network("node1", True)
    assert bench.step(lrm, at=61).log == ["status change lost_agent_lock => active"]  # own lock: no 'got lock'
    assert bench.watchdogs("node1") == [61]


@pytest.mark.parametrize("fenced", ["service", "node"])
def test_active_lrm_with_a_fence_request_goes_to_lost_agent_lock_without_releasing_the_lock(fenced):
    bench, lrm = active_lrm()
    if fenced == "service":
        bench.set_service_status("vm:101", svc("fence", "node1", "s2"))
    else:
        bench.edit_manager_status(node_status={"node1": "fence", "node2": "online", "node3": "online"})
    assert bench.step(lrm, at=41).log == [
        "node needs to be fenced - releasing agent_lock",
        "status change active => lost_agent_lock",
    ]
    assert bench.lock_holder("ha_agent_node1_lock") == "node1"
    assert bench.lock_time("ha_agent_node1_lock") == 21
    # it stays lost while the fence request lasts, even though quorate
    assert bench.step(lrm, at=61).log == []
    assert lrm.state == "lost_agent_lock"


def test_node_that_lost_quorum_is_reset_by_its_watchdog_60s_after_the_last_feed(tmp_path):
    """test-basic1: last feed at 105, lost lock at 125, powered off at 166."""
    sim = scenario(
        tmp_path,
        cmdlist=[POWER_ON, ["network node3 off"]],
        services={"vm:101": {"node": "node1", "state": "started"}, "vm:103": {"node": "node3", "state": "started"}},
    )
    sim.advance(200)
    assert log_of(sim, "node3/lrm", "node3/crm", "watchdog", "hardware", since=120, until=200) == [
        "124 node3/crm: status change slave => wait_for_quorum",
        "125 node3/lrm: status change active => lost_agent_lock",
        "166 watchdog: execute power node3 off",
        "165 node3/crm: killed by poweroff",
        "166 node3/lrm: killed by poweroff",
        "166 hardware: server 'node3' stopped by poweroff (watchdog)",
    ]
    node3 = node_view(sim, "node3")
    assert (node3.power, node3.crm_state, node3.lrm_state, node3.watchdog_expires) == ("off", None, None, None)
    assert node3.agent_lock_holder == "node3"  # not released: the master must wait for it to expire
    assert service_view(sim, "vm:103").running_on == ()
    sim.run()
    assert service_view(sim, "vm:103").running_on == ("node2",)


def test_active_lrm_skips_its_work_while_the_cluster_state_is_inconsistent():
    bench, lrm = active_lrm()
    bench.set_service_status("vm:101", svc("request_stop", "node1", "s2"))
    bench.cfs("node1", "update", False)
    assert bench.step(lrm, at=41).log == ["temporary inconsistent cluster state (cfs restart?), skip round"]
    assert bench.running("node1") == {"vm:101": 1}


def test_active_lrm_whose_cluster_filesystem_fails_logs_each_failed_read_and_write():
    """test-cfs-unavailable1"""
    bench, lrm = active_lrm()
    bench.cfs("node1", "rw", False)
    cfs = "cfs connection refused - not mounted?"
    assert bench.step(lrm, at=41).log == [
        f"updating service status from manager failed: {cfs}",
        f"updating service status from manager failed: {cfs}",
        f"unable to write lrm status file - {cfs}",
    ]
    assert lrm.state == "active"


# -- executing requests (§7) -----------------------------------------------------------------------
def test_request_is_executed_once_per_uid():
    bench, lrm = active_lrm()
    bench.write("service_status_node1", {"vm:101": 0})  # the guest died meanwhile
    assert bench.step(lrm, at=41).log == []
    bench.set_service_status("vm:101", svc("started", "node1", "s2"))  # the manager renews the uid
    assert bench.step(lrm, at=61).log == ["starting service vm:101", "service status vm:101 started"]


def test_stopped_request_is_enforced_every_step():
    bench, lrm = lrm_bench(
        {"vm:101": svc("stopped", "node1", "a1"), "vm:102": svc("started", "node1", "a2")},
        {"vm:101": {"node": "node1", "state": "stopped"}, "vm:102": {"node": "node1", "state": "started"}},
    )
    bench.step(lrm)
    for t in (41, 61):
        bench.write("service_status_node1", {"vm:101": 1, "vm:102": 1})
        assert bench.step(lrm, at=t).log == ["stopping service vm:101", "service status vm:101 stopped"]


def test_stop_request_with_a_timeout_names_it():
    bench, lrm = active_lrm()
    bench.set_service_status("vm:101", svc("request_stop", "node1", "s2", timeout="0"))
    assert bench.step(lrm, at=41).log == ["stopping service vm:101 (timeout=0)", "service status vm:101 stopped"]
    assert bench.lrm_status("node1")["results"] == {"s2": {"sid": "vm:101", "state": "request_stop", "exit_code": 0}}


def test_results_of_uids_no_longer_in_the_manager_status_are_pruned():
    bench, lrm = active_lrm()
    bench.set_service_status("vm:101", svc("request_stop", "node1", "s2"))
    bench.step(lrm, at=41)
    assert list(bench.lrm_status("node1")["results"]) == ["s2"]


def test_migrate_request_moves_the_vm_and_its_configuration_to_the_target():
    bench, lrm = active_lrm()
    bench.set_service_status("vm:101", svc("migrate", "node1", "s2", target="node2"))
    assert bench.step(lrm, at=41).log == [
        "service vm:101 - start migrate to node 'node2'",
        "service vm:101 - end migrate to node 'node2'",
    ]
    assert bench.config("vm:101")["node"] == "node2"
    assert "vm:101" not in bench.running("node1")


def test_relocate_request_stops_a_running_service_first():
    bench, lrm = active_lrm()
    bench.set_service_status("vm:101", svc("relocate", "node1", "s2", target="node3"))
    assert bench.step(lrm, at=41).log == [
        "service vm:101 - start relocate to node 'node3'",
        "stopping service vm:101 (relocate)",
        "service status vm:101 stopped",
        "service vm:101 - end relocate to node 'node3'",
    ]


def test_running_container_cannot_live_migrate_and_is_relocated():
    bench, lrm = active_lrm("ct:101")
    bench.set_service_status("ct:101", svc("migrate", "node1", "s2", target="node2"))
    assert bench.step(lrm, at=41).log[:2] == [
        "unable to live migrate running container, fallback to relocate",
        "service ct:101 - start relocate to node 'node2'",
    ]


def test_rebalance_on_start_of_an_already_running_service_is_ignored():
    bench, lrm = active_lrm()
    bench.set_service_status("vm:101", svc("request_start_balance", "node1", "s2", target="node2"))
    assert bench.step(lrm, at=41).log == ["ignoring rebalance-on-start for service vm:101 - already running"]
    assert bench.lrm_status("node1")["results"]["s2"]["exit_code"] == 8
    assert bench.config("vm:101")["node"] == "node1"


def test_move_to_the_node_the_service_is_already_configured_on_succeeds_silently():
    bench, lrm = active_lrm()
    bench.set_service_status("vm:101", svc("migrate", "node1", "s2", target="node1"))
    assert bench.step(lrm, at=41).log == []
    assert bench.lrm_status("node1")["results"]["s2"]["exit_code"] == 0


def test_migration_that_fails_is_reported_with_error_code():
    bench, lrm = active_lrm("fa:101", config={"fa:101": {"node": "node1", "state": "started"}})
    bench.set_service_status("fa:101", svc("migrate", "node1", "s2", target="node2"))
    assert bench.step(lrm, at=41).log == ["service fa:101 not moved (migration error)"]
    assert bench.lrm_status("node1")["results"]["s2"]["exit_code"] == 1


def test_migrate_request_without_target_fails_to_execute():
    bench, lrm = active_lrm()
    bench.set_service_status("vm:101", svc("migrate", "node1", "s2"))
    assert bench.step(lrm, at=41).log == [
        "migrate 'vm:101' failed - missing target",
        "resource agent vm:101 finished - failed to execute",
    ]
    assert bench.lrm_status("node1")["results"]["s2"]["exit_code"] == -1


def test_request_for_a_service_configured_on_another_node_is_answered_wrong_node():
    bench, lrm = lrm_bench({"vm:101": svc("started", "node1", "a1")}, {"vm:101": {"node": "node2"}})
    assert bench.step(lrm).log[-1] == "service 'vm:101' not on this node"
    assert bench.lrm_status("node1")["results"]["a1"]["exit_code"] == 3


def test_request_for_an_unconfigured_service_is_answered_unknown_service():
    bench, lrm = lrm_bench({"vm:101": svc("request_stop", "node1", "a1")}, {})
    assert bench.step(lrm).log[-1] == "missing resource configuration for 'vm:101'"
    assert bench.lrm_status("node1")["results"]["a1"]["exit_code"] == 7


def test_error_state_is_reported_once_per_error_episode():
    bench, lrm = lrm_bench(
        {"vm:101": svc("error", "node1", "a1"), "vm:102": svc("started", "node1", "a2")},
        {"vm:101": {"node": "node1"}, "vm:102": {"node": "node1", "state": "started"}},
    )
    line = (
        "service vm:101 is in an error state and needs manual intervention. "
        "Look up 'ERROR RECOVERY' in the documentation."
    )
    assert line in bench.step(lrm).log
    assert bench.step(lrm, at=41).log == []
    assert bench.lrm_status("node1")["results"]["a1"]["exit_code"] == 0


def test_frozen_recovering_and_request_start_services_get_no_request():
    entries = {
        "vm:101": svc("freeze", "node1", "a1"),
        "vm:102": svc("recovery", "node1", "a2"),
        "vm:103": svc("request_start", "node1", "a3"),
        "vm:104": svc("started", "node1", "a4"),
    }
    config = {sid: {"node": "node1", "state": "started"} for sid in entries}
    bench, lrm = lrm_bench(entries, config)
    log = bench.step(lrm).log
    assert [line for line in log if "starting" in line] == ["starting service vm:104"]
    assert list(bench.lrm_status("node1")["results"]) == ["a4"]


# -- restart policy (§8) ---------------------------------------------------------------------------
def start_failing(sid: str, max_restart=None):
    conf = {"node": "node1", "state": "started"}
    if max_restart is not None:
        conf["max_restart"] = max_restart
    return lrm_bench({sid: svc("started", "node1", "a1")}, {sid: conf})


def test_failed_start_is_retried_once_by_default_before_the_manager_hears_of_it():
    bench, lrm = start_failing("fa:110")  # fails to start once
    assert bench.step(lrm).log[2:] == [
        "starting service fa:110",
        "unable to start service fa:110",
        "restart policy: retry number 1 for service 'fa:110'",
    ]
    assert bench.lrm_status("node1")["results"] == {}
    assert bench.step(lrm, at=41).log == ["starting service fa:110", "service status fa:110 started"]
    assert bench.lrm_status("node1")["results"]["a1"]["exit_code"] == 0


def test_start_failing_beyond_max_restart_is_reported_as_error_and_the_count_restarts():
    bench, lrm = start_failing("fa:120")  # fails to start twice
    assert bench.step(lrm).log[-1] == "restart policy: retry number 1 for service 'fa:120'"
    assert bench.step(lrm, at=41).log == [
        "starting service fa:120",
        "unable to start service fa:120",
        "unable to start service fa:120 on local node after 1 retries",
    ]
    assert bench.lrm_status("node1")["results"]["a1"]["exit_code"] == 1
    assert lrm.restart_tries["fa:120"] == 0


def test_max_restart_0_reports_the_first_failed_start():
    bench, lrm = start_failing("fa:110", max_restart=0)
    assert bench.step(lrm).log[-1] == "unable to start service fa:110 on local node after 0 retries"
    assert bench.lrm_status("node1")["results"]["a1"]["exit_code"] == 1


def test_max_restart_given_as_string_allows_that_many_retries_one_per_step():
    bench, lrm = start_failing("fa:130", max_restart="2")  # fails three times
    assert bench.step(lrm).log[-1] == "restart policy: retry number 1 for service 'fa:130'"
    assert bench.step(lrm, at=41).log[-1] == "restart policy: retry number 2 for service 'fa:130'"
    assert bench.step(lrm, at=61).log[-1] == "unable to start service fa:130 on local node after 2 retries"


# -- shutdown, reboot, restart (§9) ----------------------------------------------------------------
def request_shutdown(bench: Bench, lrm, kind: str | None, policy: str | None = None, at: int = 30) -> list[str]:
    if policy is not None:
        bench.write("datacenter.cfg", {"ha": {"shutdown_policy": policy}})
    bench.set_shutdown("node1", kind)
    return bench.call(lrm.shutdown, at=at, env=lrm.env)


def test_shutdown_with_conditional_policy_stops_all_services_and_exits_releasing_lock_and_watchdog():
    bench, lrm = active_lrm()
    assert request_shutdown(bench, lrm, "shutdown") == [
        "got shutdown request with shutdown policy 'conditional'",
        "shutdown LRM, stop all services",
    ]
    assert bench.lrm_status("node1")["mode"] == "shutdown"  # reported at once
    step = bench.step(lrm, at=41)
    assert step.log == ["stopping service vm:101", "service status vm:101 stopped"]
    assert not step.keeps_running
    assert bench.lock_holder("ha_agent_node1_lock") is None
    assert bench.watchdogs("node1") == []


def test_shutdown_whose_stop_fails_exits_but_keeps_lock_and_watchdog():
    bench, lrm = active_lrm("fa:1001", config={"fa:1001": {"node": "node1", "state": "started"}})  # cannot stop
    request_shutdown(bench, lrm, "shutdown")
    step = bench.step(lrm, at=41)
    assert step.log == ["stopping service fa:1001", "unable to stop service fa:1001 (still running)"]
    assert not step.keeps_running
    assert bench.lock_holder("ha_agent_node1_lock") == "node1"
    assert bench.watchdogs("node1") == [41]


def test_reboot_with_conditional_policy_stops_and_freezes_and_exits_once_the_manager_froze_everything():
    bench, lrm = active_lrm()
    assert request_shutdown(bench, lrm, "reboot") == [
        "got shutdown request with shutdown policy 'conditional'",
        "reboot LRM, stop and freeze all services",
    ]
    assert bench.lrm_status("node1")["mode"] == "restart"
    step = bench.step(lrm, at=41)  # manager has not frozen vm:101 yet
    assert (step.keeps_running, step.log) == (True, ["stopping service vm:101", "service status vm:101 stopped"])
    bench.set_service_status("vm:101", svc("freeze", "node1", "s2"))
    step = bench.step(lrm, at=61)
    assert (step.keeps_running, step.log) == (False, [])
    assert bench.lock_holder("ha_agent_node1_lock") is None
    assert bench.watchdogs("node1") == []


@pytest.mark.parametrize(
    ("kind", "policy", "line", "mode"),
    [
        ("reboot", "failover", "shutdown LRM, stop all services", "shutdown"),
        ("shutdown", "failover", "shutdown LRM, stop all services", "shutdown"),
        ("shutdown", "freeze", "shutdown LRM, stop and freeze all services", "restart"),
        ("reboot", "freeze", "reboot LRM, stop and freeze all services", "restart"),
    ],
)
def test_shutdown_policy_decides_between_stop_and_freeze(kind, policy, line, mode):
    bench, lrm = active_lrm()
    assert request_shutdown(bench, lrm, kind, policy) == [f"got shutdown request with shutdown policy '{policy}'", line]
    assert lrm.mode == mode
    assert list(lrm.workers) == ["vm:101"]  # stop job queued


def test_unknown_shutdown_policy_falls_back_to_conditional():
    bench, lrm = active_lrm()
    assert request_shutdown(bench, lrm, "reboot", "bogus") == [
        "got shutdown request with shutdown policy 'bogus'",
        "unknown shutdown policy 'bogus', fall back to conditional",
        "reboot LRM, stop and freeze all services",
    ]
    assert lrm.mode == "restart"


def test_migrate_policy_puts_the_node_into_maintenance_without_stopping_services():
    bench, lrm = active_lrm()
    assert request_shutdown(bench, lrm, "shutdown", "migrate") == [
        "got shutdown request with shutdown policy 'migrate'",
        "shutdown LRM, doing maintenance, removing this node from active list",
    ]
    assert (lrm.mode, lrm.workers) == ("maintenance", {})
    step = bench.step(lrm, at=41)
    assert step.log == ["status change active => maintenance"]
    assert step.keeps_running and bench.running("node1") == {"vm:101": 1}


def test_node_shut_down_with_migrate_policy_exits_once_its_services_have_left():
    """test-shutdown-policy3: maintenance at 125, exit at 146."""
    bench, lrm = active_lrm()
    request_shutdown(bench, lrm, "shutdown", "migrate")
    bench.step(lrm, at=41)  # active => maintenance
    bench.set_service_status("vm:101", svc("migrate", "node1", "s2", target="node2"))
    step = bench.step(lrm, at=61)
    assert step.keeps_running and step.log[-1] == "service vm:101 - end migrate to node 'node2'"
    bench.set_service_status("vm:101", svc("started", "node2", "s3"))
    step = bench.step(lrm, at=81)
    assert (step.keeps_running, step.log) == (False, [])
    assert bench.lock_holder("ha_agent_node1_lock") is None
    assert bench.watchdogs("node1") == []


@pytest.mark.parametrize(
    ("policy", "line", "stops"),
    [
        ("migrate", "reboot LRM, ignore maintenance policy, already in maintenance mode", False),
        ("failover", "reboot LRM, ignore failover policy as manual maintenance mode is enabled", True),
    ],
)
def test_shutdown_during_manual_maintenance_keeps_maintenance_mode(policy, line, stops):
    bench, lrm = active_lrm(node_request={"node1": {"maintenance": 1}})
    bench.step(lrm, at=41)
    assert lrm.mode == "maintenance"
    assert request_shutdown(bench, lrm, "reboot", policy)[1:] == [line]
    assert lrm.mode == "maintenance"
    assert bool(lrm.workers) is stops


def test_restart_lrm_freezes_without_stopping_and_exits_once_frozen():
    bench, lrm = active_lrm()
    assert request_shutdown(bench, lrm, None) == ["restart LRM, freeze all services"]
    assert (lrm.mode, lrm.workers) == ("restart", {})
    assert bench.step(lrm, at=41).keeps_running
    bench.set_service_status("vm:101", svc("freeze", "node1", "s2"))
    step = bench.step(lrm, at=61)
    assert (step.keeps_running, step.log) == (False, [])
    assert bench.running("node1") == {"vm:101": 1}  # the guest keeps running


def test_restart_lrm_in_maintenance_logs_the_malformed_level_line():
    bench, lrm = active_lrm(node_request={"node1": {"maintenance": 1}})
    bench.step(lrm, at=41)
    mark = len(bench.sink.lines)
    request_shutdown(bench, lrm, None, at=220)
    [line] = bench.lines(mark)
    assert line.render() == (
        "\n\t      220    node1/lrm: Restarting LRM in maintenance mode may be delayed until all services are moved\n"
    )
    assert lrm.mode == "maintenance"


def test_second_shutdown_request_is_ignored():
    bench, lrm = active_lrm()
    request_shutdown(bench, lrm, "shutdown")
    assert request_shutdown(bench, lrm, "reboot", at=35) == []
    assert lrm.mode == "shutdown"


def test_shutdown_request_of_a_node_without_quorum_cannot_be_reported():
    bench, lrm = active_lrm()
    bench.network("node1", False)
    assert request_shutdown(bench, lrm, "shutdown")[-1] == "unable to update lrm status file - not quorate?"


def test_waiting_lrm_with_a_shutdown_request_exits_at_its_next_step_without_stopping_anything():
    bench, lrm = lrm_bench(
        {"vm:101": svc("started", "node1", "a1")},
        {"vm:101": {"node": "node1", "state": "started"}},
        running={"node1": {"vm:101": 1}},
    )
    bench.set_service_status("vm:101", svc("freeze", "node1", "a2"))
    bench.step(lrm)
    request_shutdown(bench, lrm, "shutdown")
    step = bench.step(lrm, at=41)
    assert (step.keeps_running, step.log) == (False, [])
    assert bench.running("node1") == {"vm:101": 1}


def test_lost_agent_lock_lrm_with_shutdown_request_waits_for_its_services_and_gives_up_a_restart_after_90s():
    bench, lrm = active_lrm()
    bench.network("node1", False)
    bench.step(lrm, at=41)  # lost_agent_lock since 41
    request_shutdown(bench, lrm, "reboot")
    line = "got shutdown request in state 'lost_agent_lock' - detected 1 running services"
    step = bench.step(lrm, at=131)
    assert (step.keeps_running, step.log) == (True, [line])
    step = bench.step(lrm, at=132)
    assert (step.keeps_running, step.log) == (
        False,
        [line, "lost agent lock and restart request for over 90 seconds - giving up!"],
    )
    assert bench.watchdogs("node1") == [21]  # left to expire


def test_lost_agent_lock_lrm_with_shutdown_request_and_no_active_services_exits_closing_its_watchdog():
    bench, lrm = active_lrm()
    bench.network("node1", False)
    bench.step(lrm, at=41)
    request_shutdown(bench, lrm, "shutdown")
    bench.set_service_status("vm:101", svc("started", "node2", "s2"))  # recovered elsewhere meanwhile
    step = bench.step(lrm, at=61)
    assert (step.keeps_running, step.log) == (False, [])
    assert bench.watchdogs("node1") == []


def test_restart_lrm_through_the_harness_replaces_the_lrm_in_the_same_second(tmp_path):
    """test-restart-lrm"""
    sim = scenario(
        tmp_path,
        cmdlist=[POWER_ON, ["restart-lrm node3"]],
        services={"vm:103": {"node": "node3", "state": "started"}},
    )
    sim.run()
    assert log_of(sim, "node3/lrm", "node1/crm", since=120) == [
        "120 node3/lrm: restart LRM, freeze all services",
        "120 node1/crm: service 'vm:103': state changed from 'started' to 'freeze'",
        "126 node3/lrm: exit (loop end)",
        "126 node3/lrm: status change startup => wait_for_agent_lock",
        "160 node1/crm: service 'vm:103': state changed from 'freeze' to 'started'",
        "165 node3/lrm: got lock 'ha_agent_node3_lock'",
        "165 node3/lrm: status change wait_for_agent_lock => active",
    ]


# -- maintenance (§10) -----------------------------------------------------------------------------
def test_active_lrm_enters_maintenance_when_its_node_is_requested_into_maintenance():
    bench, lrm = active_lrm()
    bench.edit_manager_status(node_request={"node1": {"maintenance": 1}})
    assert bench.step(lrm, at=41).log == ["status change active => maintenance"]
    assert bench.lrm_status("node1")["mode"] == "maintenance"
    assert bench.watchdogs("node1") == [41]


def test_maintenance_lrm_keeps_lock_and_watchdog_while_services_leave_and_executes_their_moves():
    bench, lrm = active_lrm(node_request={"node1": {"maintenance": 1}})
    bench.step(lrm, at=41)
    bench.set_service_status("vm:101", svc("migrate", "node1", "s2", target="node2"))
    assert bench.step(lrm, at=61).log == [
        "service vm:101 - start migrate to node 'node2'",
        "service vm:101 - end migrate to node 'node2'",
    ]
    assert bench.watchdogs("node1") == [61]
    assert bench.lock_time("ha_agent_node1_lock") == 61


def test_empty_maintenance_lrm_releases_lock_and_watchdog_but_stays_in_maintenance():
    bench, lrm = active_lrm(node_request={"node1": {"maintenance": 1}})
    bench.step(lrm, at=41)
    bench.set_service_status("vm:101", svc("started", "node2", "s2"))
    assert bench.step(lrm, at=61).log == []
    assert lrm.state == "maintenance"
    assert bench.lock_holder("ha_agent_node1_lock") is None
    assert bench.watchdogs("node1") == []


def test_maintenance_lrm_returns_to_active_retaking_its_lock_when_the_request_is_cleared():
    bench, lrm = active_lrm(node_request={"node1": {"maintenance": 1}})
    bench.step(lrm, at=41)
    bench.set_service_status("vm:101", svc("started", "node2", "s2"))
    bench.step(lrm, at=61)
    bench.edit_manager_status(node_request={"node1": {}})
    assert bench.step(lrm, at=81).log == ["got lock 'ha_agent_node1_lock'", "status change maintenance => active"]
    assert bench.watchdogs("node1") == [81]


def test_maintenance_lrm_stays_in_maintenance_while_services_remain_after_the_request_is_cleared():
    bench, lrm = active_lrm(node_request={"node1": {"maintenance": 1}})
    bench.step(lrm, at=41)
    bench.edit_manager_status(node_request={"node1": {}})
    bench.step(lrm, at=61)
    assert (lrm.state, lrm.mode) == ("maintenance", "active")


def test_maintenance_lrm_with_a_fence_request_goes_to_lost_agent_lock():
    bench, lrm = active_lrm(node_request={"node1": {"maintenance": 1}})
    bench.step(lrm, at=41)
    bench.set_service_status("vm:101", svc("fence", "node1", "s2"))
    assert bench.step(lrm, at=61).log == [
        "node needs to be fenced during maintenance mode - releasing agent_lock",
        "status change maintenance => lost_agent_lock",
    ]


def test_maintenance_lrm_with_services_that_cannot_renew_its_lock_goes_to_lost_agent_lock():
    """test-stale-maintenance-node at 161"""
    bench, lrm = active_lrm(node_request={"node1": {"maintenance": 1}})
    bench.step(lrm, at=41)
    bench.network("node1", False)
    assert bench.step(lrm, at=61).log == ["status change maintenance => lost_agent_lock"]


def test_maintenance_lrm_whose_manager_status_read_fails_exits():
    """03 §16.2: upstream quirk; without a shutdown request the harness then aborts."""
    bench, lrm = active_lrm(node_request={"node1": {"maintenance": 1}})
    bench.step(lrm, at=41)
    bench.cfs("node1", "rw", False)
    step = bench.step(lrm, at=61)
    assert not step.keeps_running
    assert step.log == ["updating service status from manager failed: cfs connection refused - not mounted?"] * 2


def test_waiting_lrm_in_maintenance_mode_stays_waiting():
    bench, lrm = lrm_bench(
        {"vm:101": svc("started", "node2", "a1")},
        {"vm:101": {"node": "node2"}},
        node_request={"node1": {"maintenance": 1}},
    )
    bench.step(lrm)
    assert (lrm.state, lrm.mode) == ("wait_for_agent_lock", "maintenance")


def test_manual_maintenance_takes_precedence_over_disarm():
    bench, lrm = lrm_bench(
        {}, {}, node_request={"node1": {"maintenance": 1}}, disarm={"mode": "freeze", "state": "disarming"}
    )
    bench.step(lrm)
    assert lrm.mode == "maintenance"
    bench.edit_manager_status(node_request={"node1": {}})
    bench.step(lrm, at=41)
    assert lrm.mode == "disarm"
    bench.edit_manager_status(disarm=None)
    bench.step(lrm, at=61)
    assert lrm.mode == "active"


# -- disarm (§11) ----------------------------------------------------------------------------------
def test_active_lrm_releases_lock_and_watchdog_when_the_stack_is_disarmed():
    bench, lrm = active_lrm()
    bench.edit_manager_status(disarm={"mode": "freeze", "state": "disarming"})
    assert bench.step(lrm, at=41).log == [
        "HA disarm requested, releasing agent lock and watchdog",
        "status change active => wait_for_agent_lock",
    ]
    assert bench.lock_holder("ha_agent_node1_lock") is None
    assert bench.watchdogs("node1") == []
    assert bench.lrm_status("node1")["mode"] == "disarm"
    assert bench.running("node1") == {"vm:101": 1}  # services are left alone


def test_maintenance_lrm_releases_for_disarm_only_once_empty():
    bench, lrm = active_lrm(node_request={"node1": {"maintenance": 1}})
    bench.step(lrm, at=41)
    bench.edit_manager_status(node_request={"node1": {}}, disarm={"mode": "ignore", "state": "disarming"})
    assert bench.step(lrm, at=61).log == []  # vm:101 still active here
    assert lrm.state == "maintenance"
    bench.set_service_status("vm:101", svc("started", "node2", "s2"))
    assert bench.step(lrm, at=81).log == [
        "HA disarm requested during maintenance, releasing agent lock and watchdog",
        "status change maintenance => wait_for_agent_lock",
    ]
    assert bench.watchdogs("node1") == []


def test_re_armed_lrm_takes_its_lock_again_for_active_services():
    bench, lrm = active_lrm()
    bench.edit_manager_status(disarm={"mode": "freeze", "state": "disarmed"})
    bench.step(lrm, at=41)
    bench.edit_manager_status(disarm=None)
    assert bench.step(lrm, at=61).log == [
        "got lock 'ha_agent_node1_lock'",
        "status change wait_for_agent_lock => active",
    ]
    assert lrm.mode == "active"


# -- going idle (§12) ------------------------------------------------------------------------------
def idle_candidate():
    """node1's LRM became active for an incoming migration that then went elsewhere."""
    bench, lrm = lrm_bench({"vm:101": svc("migrate", "node2", "a1", target="node1")}, {"vm:101": {"node": "node2"}})
    bench.step(lrm)
    assert lrm.state == "active"
    bench.set_service_status("vm:101", svc("started", "node2", "a2"))
    return bench, lrm


def test_lrm_without_services_goes_idle_after_61_idle_rounds():
    bench, lrm = idle_candidate()
    for i in range(1, 61):
        assert bench.step(lrm, at=21 + 20 * i).log == []
    assert lrm.state == "active"
    step = bench.step(lrm, at=21 + 20 * 61)
    assert step.log == [
        "node had no service configured for 60 rounds, going idle.",
        "status change active => wait_for_agent_lock",
    ]
    assert bench.lock_holder("ha_agent_node1_lock") is None
    assert bench.watchdogs("node1") == []


def test_configured_service_resets_the_lrm_idle_count():
    bench, lrm = idle_candidate()
    for i in range(1, 51):
        bench.step(lrm, at=21 + 20 * i)
    bench.set_service_status("vm:102", svc("stopped", "node1", "b1"))
    bench.step(lrm, at=21 + 20 * 51)
    bench.set_service_status("vm:102", None)
    for i in range(52, 112):
        bench.step(lrm, at=21 + 20 * i)
    assert lrm.state == "active"
    assert bench.step(lrm, at=21 + 20 * 112).log[0] == "node had no service configured for 60 rounds, going idle."


def test_lrm_whose_node_has_only_stopped_services_never_goes_idle():
    bench, lrm = active_lrm()
    bench.set_service_status("vm:101", svc("stopped", "node1", "s2"))
    for i in range(1, 80):
        bench.step(lrm, at=21 + 20 * i)
    assert lrm.state == "active"
