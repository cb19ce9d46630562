"""The facade the window drives: step, advance, submit, configure, snapshot.

Also shows that changing the CRS scheduler of a running simulation (what the
window's selector does) takes effect at the next manager round, exactly as
when an admin edits datacenter.cfg on a real cluster.
"""

from __future__ import annotations

import json

from hasim.simulation import Simulation
from hasim.workdir import load_scenario
from tests.engine.test_batch_cli import POWER_ON, write_scenario


def open_sim(tmp_path, cmdlist=(), services=None, interactive=True, **files):
    d = write_scenario(tmp_path / "s", list(cmdlist), services)
    for name, value in files.items():
        (d / name.replace("_cfg", ".cfg")).write_text(json.dumps(value))
    return Simulation(load_scenario(d), interactive=interactive)


def lines_after(sim, count):
    return [line.render().rstrip("\n") for line in sim.log_lines[count:]]


def test_step_loop_advances_one_loop_and_nodes_step_one_second_apart(tmp_path):
    sim = open_sim(tmp_path)
    sim.step_loop()
    assert sim.time == 20
    for cmd in POWER_ON:
        sim.submit(cmd)
    sim.step_loop()  # commands applied at the loop end 20 -> 40
    sim.step_loop()
    times = [(l.time, l.source) for l in sim.log_lines if l.message.startswith("status change wait_for_quorum")]
    assert times == [(40, "node1/crm"), (42, "node2/crm"), (44, "node3/crm")]


def test_advance_runs_exactly_the_steps_due(tmp_path):
    sim = open_sim(tmp_path, [POWER_ON])
    sim.advance(21)
    assert all(l.time <= 21 for l in sim.log_lines)
    assert any(l.source == "node1/lrm" and l.time == 21 for l in sim.log_lines)
    assert not any(l.source == "node2/crm" and l.time == 22 for l in sim.log_lines)


def test_snapshot_shows_master_and_running_services(tmp_path):
    sim = open_sim(tmp_path, [POWER_ON])
    sim.advance(60)
    snap = sim.snapshot()
    assert snap.master == "node1"
    assert snap.node("node1").crm_state == "master"
    assert snap.node("node2").crm_state == "slave"
    assert snap.node("node1").lrm_state == "active"
    svc = snap.service("vm:101")
    assert svc.state == "started" and svc.running_on == ("node1",)
    assert snap.node("node1").watchdog_expires is not None


def test_lrm_result_stands_while_the_manager_renews_the_uid_of_a_healthy_service(tmp_path):
    """The manager renews the uid of every started service it has a result for
    (02 §8.4.2 D); the LRM answers the new uid only at its next round.  The
    snapshot keeps showing the previous answer meanwhile instead of a blank."""
    services = {"vm:101": {"node": "node1", "state": "started"}, "vm:102": {"node": "node2", "state": "started"}}
    sim = open_sim(tmp_path, [POWER_ON], services)  # node1 is the master; vm:102's LRM answers a step later
    sim.advance(100)
    uids, results = set(), []
    while sim.time < 300:
        sim.step_node()
        uids.add(sim.kernel.world.peek("manager_status")["service_status"]["vm:102"]["uid"])
        results.append(sim.snapshot().service("vm:102").lrm_result)
    assert len(uids) > 5  # renewed round after round
    assert set(results) == {0}


def test_interactive_simulation_does_not_end_on_its_own(tmp_path):
    sim = open_sim(tmp_path, [POWER_ON])
    sim.advance(2000)
    assert not sim.finished


def test_batch_runs_end_at_the_testers_time_limit_but_the_window_runs_on(tmp_path):
    """The batch tester force-ends every run after 10000 s (01 §6.2); the
    real-time simulator has no such limit, and neither has an interactive
    simulation: at 100x the limit would end a window after 100 s."""
    batch = open_sim(tmp_path / "batch", [POWER_ON, ["delay 10000"]], interactive=False)
    batch.run()
    assert batch.time == 10020 and batch.error == "simulation exceeded maximum time (10000) - force end"
    window = open_sim(tmp_path / "window", [POWER_ON])
    window.advance(12000)
    assert window.time >= 12000 and not window.finished and window.error is None
    assert window.snapshot().service("vm:101").running_on == ("node1",)


def test_batch_simulation_ends_600s_after_the_last_batch(tmp_path):
    sim = open_sim(tmp_path, [POWER_ON], interactive=False)
    sim.run()
    assert sim.finished and sim.error is None
    assert sim.log_lines[-1].render() == "info    620     hardware: exit simulation - done\n"


def test_crs_mode_change_takes_effect_at_the_next_manager_round(tmp_path):
    services = {
        "vm:101": {"node": "node1", "state": "started"},
        "vm:102": {"node": "node1", "state": "started"},
    }
    hw = {
        "node1": {"power": "off", "network": "off", "maxcpu": 8, "maxmem": 8000000000},
        "node2": {"power": "off", "network": "off", "maxcpu": 8, "maxmem": 8000000000},
        "node3": {"power": "off", "network": "off", "maxcpu": 64, "maxmem": 256000000000},
    }
    sim = open_sim(tmp_path, [POWER_ON], services=services)
    sim.kernel.world.files["hardware_status"] = hw
    sim.kernel.world.update_hw()
    sim.advance(100)
    count = len(sim.log_lines)
    sim.configure("datacenter.cfg", {"crs": {"ha": "static"}})
    sim.advance(119)  # the loop end at 120 applies the change ...
    assert not any("switching scheduler mode" in l for l in lines_after(sim, count))
    sim.advance(120)  # ... and the master's round at 120 uses it
    assert "info    120    node1/crm: switching scheduler mode from 'basic' to 'static'" in lines_after(sim, count)
    # the new mode decides placement: node1 fails, the big node3 wins both services
    sim.submit("power node1 off")
    sim.advance(400)
    recovered = [l.message for l in sim.log_lines if l.message.startswith("recover service")]
    assert recovered == [
        "recover service 'vm:101' from fenced node 'node1' to node 'node3'",
        "recover service 'vm:102' from fenced node 'node1' to node 'node3'",
    ]


def test_in_basic_mode_the_same_failure_spreads_the_services(tmp_path):
    services = {
        "vm:101": {"node": "node1", "state": "started"},
        "vm:102": {"node": "node1", "state": "started"},
    }
    sim = open_sim(tmp_path, [POWER_ON], services=services)
    sim.advance(100)
    sim.submit("power node1 off")
    sim.advance(400)
    recovered = [l.message for l in sim.log_lines if l.message.startswith("recover service")]
    assert recovered == [
        "recover service 'vm:101' from fenced node 'node1' to node 'node2'",
        "recover service 'vm:102' from fenced node 'node1' to node 'node3'",
    ]
