"""The explainer: plain words, built from the engine's own state, with the right numbers.

Each test drives a small simulation into one of the situations a workshop
meets — a node that lost its network, a powered-off node, a fenced node, a
service in error, a node in maintenance, a frozen service, a cluster without
quorum, a removed node — and checks that the text names the state, what the
stack waits for, and when.  The timings are the real stack's (spec 01 §7.1,
02 §6, §9): fence delay 60 s from the last round that saw the node online,
agent lock taken over once older than 120 s, watchdog 60 s after its last feed.
"""

from __future__ import annotations

import json

from hasim.analysis.explain import explain_node, explain_service
from hasim.simulation import Simulation
from hasim.workdir import load_scenario

POWER_ON = ["power node1 on", "power node2 on", "power node3 on"]
SIX_VMS = {
    "vm:101": {"node": "node1", "state": "started"},
    "vm:102": {"node": "node2", "state": "started"},
    "vm:103": {"node": "node3", "state": "started"},
    "vm:104": {"node": "node1", "state": "started"},
    "vm:105": {"node": "node2", "state": "started"},
    "vm:106": {"node": "node3", "state": "started"},
}


def make_sim(tmp_path, cmdlist, services=SIX_VMS, nodes=3, **files) -> Simulation:
    d = tmp_path / "scenario"
    d.mkdir(parents=True)
    hw = {f"node{i}": {"power": "off", "network": "off"} for i in range(1, nodes + 1)}
    (d / "hardware_status").write_text(json.dumps(hw))
    (d / "service_config").write_text(json.dumps(services))
    (d / "manager_status").write_text("{}")
    (d / "cmdlist").write_text(json.dumps(cmdlist))
    for name, value in files.items():
        (d / name).write_text(value if isinstance(value, str) else json.dumps(value))
    return Simulation(load_scenario(d), interactive=True)


def at(sim: Simulation, t: int) -> Simulation:
    """Advance so that every step due at or before `t` has run."""
    sim.advance(t)
    return sim


# -- a node lost its network: waiting for its watchdog ------------------------------------------


def test_isolated_node_waits_for_its_watchdog_then_fencing_and_recovery(tmp_path):
    sim = at(make_sim(tmp_path, [POWER_ON, ["network node3 off"]]), 140)
    assert sim.time == 142
    text = explain_node(sim, "node3")
    assert text.startswith("node3: network cut, no quorum\n")
    assert "no quorum since 120 (22 s ago)" in text
    # node3's LRM last fed its watchdog at 105: it fires 61 s later (spec 01 §9.6)
    assert "last fed at 105" in text
    assert "it resets node3 at 166 (in 24 s)" in text
    # the master last saw node3 online in its round at 100: fencing starts at 160
    assert "The master (node1) last saw it online at 100" in text
    assert "at 160 (in 18 s)" in text
    # the agent lock, renewed at 105, can be taken once older than 120 s
    assert "which node3 last renewed at 105" in text and "from 226 (in 84 s)" in text
    # what comes next, from the engine itself
    assert "- at 166 (in 24 s): the watchdog resets node3 (power off)" in text
    assert "- at 240 (in 98 s): the manager takes over node3's agent lock: node3 is fenced" in text
    assert "- at 240 (in 98 s): vm:103 is recovered from node3 to node1" in text
    assert "- at 240 (in 98 s): vm:106 is recovered from node3 to node2" in text


def test_service_on_isolated_node_still_runs_until_the_watchdog_fires(tmp_path):
    sim = at(make_sim(tmp_path, [POWER_ON, ["network node3 off"]]), 140)
    text = explain_service(sim, "vm:103")
    assert text.startswith("vm:103: 'started' on node3, running on node3\n")
    assert "It still runs on node3, but node3 has no quorum since 120" in text
    assert "it resets node3 at 166 (in 24 s), which stops vm:103 there" in text
    assert "at 160 (in 18 s)" in text
    assert "- at 240 (in 98 s): vm:103 is recovered from node3 to node1" in text


# -- a node was powered off: waiting for the fence delay and its agent lock ---------------------


def test_powered_off_node_waits_for_fence_delay_and_lock_expiry(tmp_path):
    sim = at(make_sim(tmp_path, [POWER_ON, ["power node2 off"]]), 140)
    text = explain_node(sim, "node2")
    assert text.startswith("node2: powered off\n")
    assert "node2 was powered off at 120 (22 s ago)" in text
    assert "last saw it online at 100" in text and "at 160 (in 18 s)" in text
    assert "vm:102 and vm:105 are assigned to it" in text
    # node2's LRM renewed its lock at 103 (node2 steps at S+3): free from 224
    assert "last renewed at 103" in text and "from 224 (in 82 s)" in text
    assert "- at 160 (in 18 s): the manager starts fencing node2" in text
    assert "- at 240 (in 98 s): vm:102 is recovered from node2 to node1" in text


def test_node_in_fence_state_waits_for_its_agent_lock(tmp_path):
    sim = at(make_sim(tmp_path, [POWER_ON, ["power node2 off"]]), 200)
    text = explain_node(sim, "node2")
    assert "The master (node1) is fencing it: vm:102 and vm:105 wait for recovery." in text
    assert "from 224 (in 22 s)" in text
    svc = explain_service(sim, "vm:105")
    assert svc.startswith("vm:105: 'fence' on node2, not running\n")
    assert "Its node node2 must be fenced before vm:105 can be recovered elsewhere." in svc
    assert "possible from 224 (in 22 s)" in svc
    assert "- at 240 (in 38 s): vm:105 is recovered from node2 to node3" in svc


# -- fenced node: recovery done --------------------------------------------------------------------


def test_fenced_node_recovery_done(tmp_path):
    sim = at(make_sim(tmp_path, [POWER_ON, ["network node3 off"]]), 260)
    text = explain_node(sim, "node3")
    assert text.startswith("node3: reset by its watchdog\n")
    assert "node3 was reset by its watchdog at 166" in text
    assert "It had lost quorum at 120" in text
    assert "It was fenced at 240 (22 s ago): the master took over its agent lock and recovered vm:103 to node1 and vm:106 to node2." in text
    assert "Nothing is pending for node3" in text
    svc = explain_service(sim, "vm:103")
    assert svc.startswith("vm:103: 'started' on node1, running on node1\n")
    assert "nothing is pending" in svc


def test_returning_fenced_node_waits_for_its_agent_lock(tmp_path):
    services = {"vm:101": {"node": "node3", "state": "started"}}
    rules = "node-affinity: only-node3\n\tresources vm:101\n\tnodes node3\n\tstrict 1\n"
    sim = make_sim(tmp_path, [POWER_ON, ["power node3 off"], [], ["power node3 on"]], services, rules_config=rules)
    at(sim, 260)
    text = explain_service(sim, "vm:101")
    assert text.startswith("vm:101: 'recovery' on node3, not running\n")
    assert ("Its node node3 has been fenced, but no other node may take it — node1 and node2: strict node affinity "
            "'only-node3' allows only node3, so it waits in 'recovery'") in text
    assert "node affinity 'only-node3' (strict): it may run only on node3" in text
    assert "node3 was powered off" in explain_node(sim, "node3")
    assert ("vm:101 found no node it may run on (node1 and node2: strict node affinity 'only-node3' allows only "
            "node3) and waits in 'recovery'") in explain_node(sim, "node3")
    at(sim, 340)
    text = explain_service(sim, "vm:101")
    # the master took node3's agent lock at 240 when fencing: node3's LRM gets it back after 120 s
    assert "node3's LRM waits for its agent lock, which node1 took over when fencing node3" in text
    assert "the lock expires at 361 (in 19 s)" in text
    assert "- at 365 (in 23 s): node3 starts vm:101" in text


# -- service in error ------------------------------------------------------------------------------


def test_service_in_error_state_and_the_way_out(tmp_path):
    services = {"fa:140": {"node": "node3", "state": "started"}}
    sim = at(make_sim(tmp_path, [POWER_ON], services), 140)
    text = explain_service(sim, "fa:140")
    assert text.startswith("fa:140: 'error' on node1, not running\n")
    # two attempts on node3 (max_restart 1), relocated once (max_relocate 1), two attempts on node1
    assert "It entered the error state at 120 after failing to start on node3 and node1" in text
    assert "HA does nothing more with it." in text
    assert "set it to 'disabled' (it goes to 'stopped'), then to 'started' again" in text


def test_service_retrying_under_the_restart_policy(tmp_path):
    services = {"fa:120": {"node": "node2", "state": "started"}}
    sim = at(make_sim(tmp_path, [POWER_ON], services), 30)
    text = explain_service(sim, "fa:120")
    assert "node2's LRM failed to start it at 23 and retries at its next step (restart policy: retry 1 of max_restart 1)" in text
    at(sim, 50)
    text = explain_service(sim, "fa:120")
    assert "node2's LRM gave up at 43 after 1 retries" in text
    assert sim.time == 60
    assert "- at 60 (now): fa:120: 'started' → 'relocate' from node2 to node1" in text
    assert "- at 81 (in 21 s): node1 starts fa:120" in text


# -- node in maintenance ---------------------------------------------------------------------------


def test_node_in_maintenance_moves_its_services_and_gets_them_back(tmp_path):
    cmds = [POWER_ON, ["crm node1 enable-node-maintenance"], ["crm node1 disable-node-maintenance"]]
    sim = at(make_sim(tmp_path, cmds), 170)
    text = explain_node(sim, "node1")
    assert text.startswith("node1: in maintenance, master\n")
    assert "Maintenance (requested with 'enable-node-maintenance' at 120) is in force" in text
    assert "does not fence the node" in text
    assert "Moved away: vm:101 (now on node2) and vm:104 (now on node3); they return when maintenance is disabled." in text
    assert "Its LRM's mode is 'maintenance' (maintenance is requested) and its state is 'maintenance' too" in text
    assert "node1 is empty: no HA service is active here any more." in text
    svc = explain_service(sim, "vm:101")
    assert "It was moved off node1 for maintenance and returns there when the maintenance ends." in svc
    at(sim, 230)
    text = explain_node(sim, "node1")
    assert "Maintenance was disabled at 220; the manager ends it at its next round" in text
    assert sim.time == 240
    assert "- at 240 (now): vm:101: 'started' → 'migrate' from node2 to node1" in text


# -- frozen service during a reboot ----------------------------------------------------------------


def test_frozen_service_during_reboot_with_conditional_policy(tmp_path):
    sim = at(make_sim(tmp_path, [POWER_ON, ["reboot node3"]]), 121)
    text = explain_service(sim, "vm:103")
    assert text.startswith("vm:103: 'freeze' on node3, running on node3\n")
    assert "a reboot of node3 began at 120 with the shutdown policy 'conditional', which freezes on a reboot" in text
    assert "neither fenced nor recovered elsewhere" in text
    assert "- at 125 (in 3 s): node3 stops vm:103" in text
    assert "- at 160 (in 38 s): vm:103: 'freeze' → 'started'" in text
    node = explain_node(sim, "node3")
    assert node.startswith("node3: online, rebooting\n")
    assert "Frozen here: vm:103 and vm:106 — a reboot of node3 began at 120" in node


def test_frozen_service_stays_down_while_its_node_is_shut_down(tmp_path):
    sim = at(make_sim(tmp_path, [POWER_ON, ["shutdown node3"]], **{"datacenter.cfg": {"ha": {"shutdown_policy": "freeze"}}}), 200)
    text = explain_service(sim, "vm:106")
    assert "a shutdown of node3 began at 120 with the shutdown policy 'freeze'" in text
    assert "node3 is powered off, so vm:106 stays down until node3 is back." in text
    node = explain_node(sim, "node3")
    assert node.startswith("node3: shut down\n")
    assert "vm:103 and vm:106 are frozen on node3" in node


def test_lrm_restart_freezes_services_that_keep_running(tmp_path):
    sim = make_sim(tmp_path, [POWER_ON])
    at(sim, 100)
    sim.submit("restart-lrm node2")
    at(sim, 122)
    text = explain_node(sim, "node2")
    assert "none of the services assigned here (vm:102 and vm:105) is active right now" in text
    assert "Frozen here: vm:102 and vm:105 — node2's LRM was restarted at 120" in text
    assert "- at 160 (in 36 s): vm:102: 'freeze' → 'started'" in text
    assert "- at 163 (in 39 s): node2's LRM gets its agent lock" in text
    svc = explain_service(sim, "vm:102")
    assert svc.startswith("vm:102: 'freeze' on node2, running on node2\n")


def test_disarmed_stack_freezes_everything_until_arm_ha(tmp_path):
    sim = make_sim(tmp_path, [POWER_ON])
    at(sim, 100)
    sim.submit("crm node1 disarm-ha freeze")
    at(sim, 250)
    text = explain_service(sim, "vm:101")
    assert "the HA stack was disarmed in 'freeze' mode at 120" in text
    assert "It is unfrozen when the HA stack is armed again ('arm-ha')." in text
    node = explain_node(sim, "node1")
    assert "Its LRM is disarmed: it holds no agent lock and arms no watchdog" in node
    assert "The HA stack is disarmed (mode 'freeze')" in node


# -- no quorum anywhere ----------------------------------------------------------------------------


def test_two_node_cluster_survivor_resets_itself_and_nothing_recovers(tmp_path):
    services = {"vm:101": {"node": "node1", "state": "started"}, "vm:102": {"node": "node2", "state": "started"}}
    sim = at(make_sim(tmp_path, [["power node1 on", "power node2 on"], ["power node2 off"]], services, nodes=2), 140)
    text = explain_node(sim, "node1")
    assert text.startswith("node1: no quorum\n")
    assert "only 1 of 2 nodes is up and connected, and quorum needs more than half (2)" in text
    assert "it resets node1 at 162 (in 20 s)" in text
    assert "No node has quorum (since 120), so no manager runs" in text
    assert "- at 162 (in 20 s): the watchdog resets node1 (power off)" in text
    svc = explain_service(sim, "vm:102")
    assert "node2 is powered off" in svc and "No node has quorum" in svc


def test_isolated_node_without_services_is_not_reset(tmp_path):
    services = {"vm:101": {"node": "node1", "state": "started"}}
    sim = at(make_sim(tmp_path, [POWER_ON, ["network node3 off"]], services), 140)
    text = explain_node(sim, "node3")
    assert "no watchdog is armed and node3 is not reset" in text
    assert "vm:101" not in text


# -- the master isolated: no manager for a while ---------------------------------------------------


def test_isolated_master_leaves_the_cluster_without_manager_until_its_lock_expires(tmp_path):
    sim = at(make_sim(tmp_path, [POWER_ON, ["network node1 off"]]), 150)
    text = explain_node(sim, "node1")
    assert "node1 was the master and lost the manager lock at 120" in text
    assert "last renewed at 100" in text and "from 221 (in 61 s)" in text
    assert "- at 282 (in 122 s): vm:101 is recovered from node1 to node2" in text
    at(sim, 240)
    text = explain_node(sim, "node1")
    assert "The master (node3) became master after node1 went offline" in text
    assert sim.time == 242
    assert "at 222: it starts fencing node1 at 282 (in 40 s)" in text


# -- removed node ----------------------------------------------------------------------------------


def test_removed_node_is_gone_and_forgotten_an_hour_after_it_was_last_online(tmp_path):
    cmds = [POWER_ON, ["service vm:103 migrate node1", "service vm:106 migrate node2"], ["shutdown node3"], ["delnode node3"]]
    sim = at(make_sim(tmp_path, cmds), 340)
    text = explain_node(sim, "node3")
    assert text.startswith("node3: removed from the cluster, still listed as 'gone'\n")
    assert "delnode at 320" in text
    assert sim.time == 342
    assert "it was last seen online at 240, so at 3840 (in 3498 s)" in text
    at(sim, 3860)
    assert "the manager forgot it at 3840" in explain_node(sim, "node3")


# -- rules -----------------------------------------------------------------------------------------


def test_service_text_names_its_rules(tmp_path):
    rules = (
        "resource-affinity: together\n\tresources vm:101,vm:102\n\taffinity positive\n\n"
        "resource-affinity: apart\n\tresources vm:101,vm:103\n\taffinity negative\n"
    )
    sim = at(make_sim(tmp_path, [POWER_ON], rules_config=rules), 60)
    text = explain_service(sim, "vm:101")
    assert "resource affinity 'together' (positive): it is kept on the same node as vm:102" in text
    assert "resource affinity 'apart' (negative): it never shares a node with vm:103" in text


# -- purity ----------------------------------------------------------------------------------------


def test_explaining_does_not_change_the_simulation(tmp_path):
    cmds = [POWER_ON, ["network node3 off"], [], ["power node3 on"]]
    plain = make_sim(tmp_path / "a", cmds)
    watched = make_sim(tmp_path / "b", cmds)
    for t in range(0, 700, 37):
        plain.advance(t)
        watched.advance(t)
        for node in ("node1", "node2", "node3"):
            explain_node(watched, node)
        for sid in SIX_VMS:
            explain_service(watched, sid)
    assert watched.log_text() == plain.log_text()
    assert watched.snapshot() == plain.snapshot()


def test_works_from_a_snapshot_and_log_lines_without_look_ahead(tmp_path):
    sim = at(make_sim(tmp_path, [POWER_ON, ["power node2 off"]]), 140)
    text = explain_node(sim.snapshot(), "node2", log_lines=sim.log_lines)
    assert text.startswith("node2: powered off\n")
    # without the master's memory the last-online time is estimated from the log
    assert "last saw it online at about 100" in text
    assert "Next" not in text


def test_unknown_ids_are_explained_not_raised(tmp_path):
    sim = at(make_sim(tmp_path, [POWER_ON]), 60)
    assert explain_service(sim, "vm:999") == "vm:999: not an HA resource\n\nvm:999 is not in the HA configuration."
    assert explain_node(sim, "node9").startswith("node9: ")


def test_explaining_never_steps_the_real_simulation_even_with_a_monitor_attached(tmp_path):
    """An InvariantMonitor wraps the harness's step_node; the explainer's
    look-ahead runs on a copy and must not drive the original through it."""
    import shutil

    from hasim.analysis.explain import explain_node
    from hasim.analysis.invariants import InvariantMonitor
    from hasim.workdir.shipped import workdirs_root
    from hasim.simulation import Simulation
    from hasim.workdir import load_scenario

    d = tmp_path / "nf"
    shutil.copytree(workdirs_root() / "node-failure", d)
    sim = Simulation(load_scenario(d), interactive=True)
    monitor = InvariantMonitor(sim)
    sim.advance(200)
    before = (sim.time, len(sim.log_lines))
    text = explain_node(sim, "node2")
    assert "fencing it" in text
    assert (sim.time, len(sim.log_lines)) == before
    assert monitor.ok


def test_a_service_the_manager_has_not_seen_is_called_what_ha_manager_status_calls_it(tmp_path):
    """One word for one state: the explainer's heading, `ha-manager status`
    and the window's chip all say 'queued' (hasim.vocab.NOT_YET_MANAGED)."""
    from hasim.vocab import NOT_YET_MANAGED

    sim = at(make_sim(tmp_path, [POWER_ON]), 0)
    assert {s.sid: s.state for s in sim.snapshot().services}["vm:101"] is None  # not seen by a manager yet
    assert explain_service(sim, "vm:101").startswith(f"vm:101: '{NOT_YET_MANAGED}': the manager has not seen it yet")
    assert NOT_YET_MANAGED == "queued"
