"""Events are typed: the engine emits values, the log text is rendered from
them in one place, and every reader acts on the values — so rewording a line
cannot silently break the timeline, the explainer or the safety checks."""

from __future__ import annotations

import inspect

import pytest

from hasim import commands as C
from hasim import events as E
from hasim.analysis.explain import explain_node, explain_service
from hasim.analysis.invariants import InvariantMonitor
from tests.engine.test_explain import POWER_ON, make_sim
from ui.models.history import History

TEMPLATES = [
    (E.SimulationStarted(), "starting simulation"),
    (E.SimulationEnded(), "exit simulation - done"),
    (E.SimulationEnded("watchdog expired"), "exit simulation - watchdog expired\n "),
    (E.CommandExecuted("power node1 on", C.Power("node1", True)), "execute power node1 on"),
    (E.WatchdogPoweroff("node3"), "server 'node3' stopped by poweroff (watchdog)"),
    (E.RoundSkipped("crm"), "skipping CRM round"),
    (E.DaemonStateChanged("slave", "master"), "status change slave => master"),
    (E.KilledByPoweroff(), "killed by poweroff"),
    (E.DaemonExited(), "exit (loop end)"),
    (E.LockAcquired("ha_agent_node2_lock"), "got lock 'ha_agent_node2_lock'"),
    (E.NodeStateChanged("node3", "online", "unknown"), "node 'node3': state changed from 'online' => 'unknown'"),
    (E.NodeFenced("node3"), "fencing: acknowledged - got agent lock for node 'node3'"),
    (E.GoneNodeDeleted("node4"), "deleting gone node 'node4', not a cluster member anymore."),
    (E.ServiceStateChanged("vm:101", "fence", "recovery"), "service 'vm:101': state changed from 'fence' to 'recovery'"),
    (E.ServiceStateChanged("vm:101", "started", "migrate", (("node", "node1"), ("target", "node2"))),
     "service 'vm:101': state changed from 'started' to 'migrate'  (node = node1, target = node2)"),
    (E.ServiceAdded("vm:107", "node2"), "adding new service 'vm:107' on node 'node2'"),
    (E.CrmCommandReceived("migrate vm:101 node2"), "got crm command: migrate vm:101 node2"),
    (E.ServiceRecovered("vm:103", "node3", "node1"), "recover service 'vm:103' from fenced node 'node3' to node 'node1'"),
    (E.ServiceRecoveredBack("vm:103", "node3"), "recover service 'vm:103' to previous failed and fenced node 'node3' again"),
    (E.RecoveryFailed("vm:103", "node3"),
     "recovering service 'vm:103' from fenced node 'node3' failed, no recovery node found"),
    (E.ServiceFailed("fa:1001", "node2, node3"),
     "recovery policy for service fa:1001 failed, entering error state. Failed nodes: node2, node3"),
    (E.StartFailedRelocating("fa:1001", "node2"), "starting service fa:1001 on node 'node2' failed, relocating service."),
    (E.LrmShutdown("reboot", "freeze"), "reboot LRM, stop and freeze all services"),
    (E.LrmShutdown("shutdown", "stop"), "shutdown LRM, stop all services"),
    (E.LrmShutdown("restart", "freeze"), "restart LRM, freeze all services"),
    (E.LrmShutdown("shutdown", "maintenance"), "shutdown LRM, doing maintenance, removing this node from active list"),
    (E.LrmShutdown("reboot", "manual-maintenance", "freeze"),
     "reboot LRM, ignore freeze policy as manual maintenance mode is enabled"),
    (E.LrmShutdown("reboot", "keep-maintenance"), "reboot LRM, ignore maintenance policy, already in maintenance mode"),
    (E.ServiceStarting("vm:101"), "starting service vm:101"),
    (E.ServiceStatus("vm:101", "started"), "service status vm:101 started"),
    (E.ServiceStopping("vm:101"), "stopping service vm:101"),
    (E.ServiceStopping("vm:101", "timeout=30"), "stopping service vm:101 (timeout=30)"),
    (E.ServiceStartFailed("fa:1001"), "unable to start service fa:1001"),
    (E.RestartRetry("fa:1001", 1), "restart policy: retry number 1 for service 'fa:1001'"),
    (E.RestartsExhausted("fa:1001", 1), "unable to start service fa:1001 on local node after 1 retries"),
    (E.ServiceMove("vm:101", "migrate", "node2", "end"), "service vm:101 - end migrate to node 'node2'"),
]  # fmt: skip


@pytest.mark.parametrize("event, text", TEMPLATES)
def test_each_event_renders_the_real_line(event, text):
    assert event.message == text


def test_every_event_class_has_a_pinned_template():
    classes = {c for _, c in inspect.getmembers(E, inspect.isclass) if issubclass(c, E.Event) and c is not E.Event}
    assert classes == {type(event) for event, _ in TEMPLATES}


def failover(tmp_path):
    """node3 loses its network at 120: fenced at 240, its VMs recovered."""
    sim = make_sim(tmp_path, [POWER_ON, ["network node3 off"]])
    history = History()
    sim.subscribe(history.record_line)
    monitor = InvariantMonitor(sim, attach=False)
    while sim.time <= 400:
        sim.step_node()
        monitor.observe()
    return sim, history, monitor


def test_the_engine_emits_values_with_their_fields(tmp_path):
    sim, _, _ = failover(tmp_path)
    events = [line.event for line in sim.log_lines if line.event is not None]
    assert E.NodeFenced("node3") in events
    recovered = {(e.sid, e.fenced) for e in events if isinstance(e, E.ServiceRecovered)}
    assert recovered == {("vm:103", "node3"), ("vm:106", "node3")}
    executed = [e.command for e in events if isinstance(e, E.CommandExecuted)]
    assert C.Network("node3", False) in executed and C.Power("node1", True) in executed
    # every line's text is its event's message, byte for byte
    assert all(line.message == line.event.message for line in sim.log_lines if line.event is not None)


def test_rewording_every_line_breaks_no_reader(tmp_path, monkeypatch):
    for cls in {type(event) for event, _ in TEMPLATES}:
        original = cls.message
        monkeypatch.setattr(cls, "message", property(lambda self, _o=original: "reworded: " + _o.fget(self)[::-1]))
    sim, history, monitor = failover(tmp_path)
    assert all(line.message.startswith("reworded: ") for line in sim.log_lines if line.event is not None)
    # the timeline still has the fencing and the recovery
    assert history.states_of("node3")[-3:] == ["unknown", "fence", "unknown"]
    assert "recovery" in history.states_of("vm:103") and history.lane("vm:103").segments[-1].node != "node3"
    # the explainer still knows when node3 was fenced and where its services went
    text = explain_node(sim, "node3")
    assert "It was fenced at" in text and "recovered vm:103 to" in text
    assert explain_service(sim, "vm:103").startswith(f"vm:103: 'started' on {history.lane('vm:103').segments[-1].node}")
    # the safety checks still run clean
    assert monitor.violations == []
