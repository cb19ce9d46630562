"""`hasim export`: every request with a scenario equivalent exports, the rest is
refused by name, and the exported scenario's outcome is compared with the session's."""

from __future__ import annotations

import json

import pytest

from hasim.admin.cluster import Cluster
from hasim.admin.requests import HaManagerRequest
from hasim.errors import InputError
from hasim.session.export import export, scenario_commands
from hasim.session.outcome import RunOutcome, differences
from hasim.session.translate import NotExpressible, for_config, for_request
from hasim.workdir.live import LiveDirectory
from tests.engine.test_batch_cli import POWER_ON, hasim, write_scenario

SERVICES = {f"vm:10{i}": {"node": f"node{i}", "state": "started"} for i in (1, 2, 3)}


def session(tmp_path, actions, cmdlist=(POWER_ON,), until=900, services=SERVICES, rules=None):
    """A window-like session: `actions` are (time, callable(sim)) applied in order."""
    d = write_scenario(tmp_path / "s", list(cmdlist), services=services)
    if rules:
        (d / "rules_config").write_text(rules)
    live = LiveDirectory.start(d, interactive=True)
    for t, action in actions:
        live.sim.advance(t)
        action(live.sim)
    live.sim.advance(until)
    live.close()
    return d


def request(*argv):
    return lambda sim: sim.submit(HaManagerRequest(argv))


def test_ha_manager_requests_with_a_scenario_form_export_exactly(tmp_path):
    d = session(tmp_path, [
        (125, request("migrate", "101", "node2")),  # digits: vm:101, resolved when it applied
        (225, request("crm-command", "node-maintenance", "enable", "node3")),
        (325, request("crm-command", "node-maintenance", "disable", "node3")),
        (425, request("set", "vm:102", "--state", "stopped")),
        (525, request("add", "vm:107", "--node", "node1")),
        (625, request("crm-command", "stop", "vm:107", "0")),
        (725, request("crm-command", "disarm-ha", "freeze")),
        (825, request("crm-command", "arm-ha")),
        (925, request("remove", "vm:107")),
        (1025, request("crm-command", "relocate", "vm:103", "node1")),
    ], until=1200)  # fmt: skip
    assert [(e.time, e.text) for e in scenario_commands(d / "status")][3:] == [
        (140, "service vm:101 migrate node2"),
        (240, "crm node3 enable-node-maintenance"),
        (340, "crm node3 disable-node-maintenance"),
        (440, "service vm:102 stopped"),
        (540, "service vm:107 add node1"),
        (640, "service vm:107 stop 0"),
        (740, "crm node1 disarm-ha freeze"),
        (840, "crm node1 arm-ha"),
        (940, "service vm:107 delete"),
        (1040, "service vm:103 relocate node1"),
    ]
    out = tmp_path / "out"
    report = export(d / "status", out)
    assert report.differences == ()
    assert [m.command for m in report.moved] == []  # every 100 s + 20: all expressible
    log = (out / "log.expect").read_text()
    assert "got crm command: migrate vm:101 node2" in log and "adding new service 'vm:107' on node 'node1'" in log
    assert hasim("compare", str(out)).returncode == 0


def test_a_moved_command_that_changes_the_outcome_is_reported(tmp_path):
    # the window reconnects node3 at 140; the tester can only do it at 220, when
    # node3's watchdog has reset it and the manager has fenced it
    d = session(tmp_path, [(125, lambda sim: sim.submit("network node3 on"))], cmdlist=(POWER_ON, ["network node3 off"]))
    res = hasim("export", str(d), str(tmp_path / "out"))
    assert res.returncode == 1, res.stderr
    assert res.stdout.splitlines() == [
        "moved: 'network node3 on' from t=140 to t=220 (the nearest time the tester can express)",
        f"exported {tmp_path / 'out'} (cmdlist, inputs, log.expect); check it with: hasim compare {tmp_path / 'out'}",
        "outcome: DIFFERENT from the session's at t=820, because commands moved:",
        "  - node3 is fenced in the export, not in the session",
        "  - node3 is reset by its watchdog in the export, not in the session",
        "  - vm:103 ends 'started' on node1 in the export, 'started' on node3 in the session",
    ]
    assert hasim("compare", str(tmp_path / "out")).returncode == 0  # a valid scenario all the same


def test_an_unchanged_outcome_is_said_too(tmp_path):
    d = session(tmp_path, [(150, lambda sim: sim.submit("network node3 off"))])
    res = hasim("export", str(d), str(tmp_path / "out"))
    assert res.returncode == 0
    assert res.stdout.splitlines()[-1] == (
        "outcome: the same as the session's at t=780 (fenced nodes, where each service ends and its state)"
    )


def test_what_has_no_scenario_form_is_refused_entry_by_entry(tmp_path):
    rules = "node-affinity: pin\n\tnodes node1\n\tresources vm:102\n"
    d = session(tmp_path, [
        (125, request("rules", "add", "node-affinity", "keep", "--resources", "vm:101", "--nodes", "node1")),
        (225, request("set", "vm:101", "--max_restart", "3")),
        (325, request("remove", "vm:102")),  # purges it from `pin`
        (425, lambda sim: sim.configure("datacenter.cfg", {"crs": {"ha": "static"}})),
        (525, lambda sim: sim.submit("delnode node3")),
    ], rules=rules)  # fmt: skip
    with pytest.raises(InputError) as info:
        export(d / "status", tmp_path / "out")
    text = str(info.value)
    assert "140 ha-manager rules add node-affinity keep" in text and "changes rules" in text
    assert "240 ha-manager set vm:101 --max_restart 3: 'set' has no option --max_restart" in text
    assert "'remove' also takes vm:102 out of rule(s) pin" in text
    assert "a window dialog replaced datacenter.cfg" in text
    assert "delnode" in text and "real tester cannot remove a node" in text
    assert not (tmp_path / "out").exists()
    res = hasim("export", str(d), str(tmp_path / "out2"))
    assert res.returncode == 2 and "no cmdlist form for" in res.stderr


def test_a_window_dialog_that_only_changes_states_exports():
    cluster = Cluster({"service_config": SERVICES}, ["node1", "node2", "node3"])
    changed = {**SERVICES, "vm:102": {**SERVICES["vm:102"], "state": "disabled"}}
    assert for_config("service_config", changed, cluster) == ["service vm:102 disabled"]
    with pytest.raises(NotExpressible, match="changed max_restart of vm:102"):
        for_config("service_config", {**SERVICES, "vm:102": {**SERVICES["vm:102"], "max_restart": 3}}, cluster)
    with pytest.raises(NotExpressible, match="added vm:107"):
        for_config("service_config", {**SERVICES, "vm:107": {"node": "node1"}}, cluster)


def test_request_translations():
    cluster = Cluster({"service_config": {**SERVICES, "ct:150": {"node": "node2"}}}, ["node1", "node2"])
    assert for_request(("relocate", "150", "node1"), cluster) == ["service ct:150 relocate node1"]
    assert for_request(("set", "vm:101", "--state", "enabled"), cluster) == ["service vm:101 started"]
    assert for_request(("add", "vm:200", "--state", "stopped"), cluster) == ["service vm:200 add node1 stopped"]
    assert for_request(("remove", "vm:101", "--purge", "0"), cluster) == ["service vm:101 delete"]
    with pytest.raises(NotExpressible, match="changes groups"):
        for_request(("groupadd", "g1", "--nodes", "node1"), cluster)


def test_differences_in_plain_words():
    a = RunOutcome(100, ("node1",), (), {"vm:1": ("started", "node1"), "vm:2": ("started", "node2")})
    b = RunOutcome(100, ("node2", "node3"), ("node2", "node3"), {"vm:1": ("started", "node1"), "vm:3": ("stopped", "node3")},
                   error="boom")  # fmt: skip
    assert differences(a, b) == [
        "node2, node3 are fenced in the export, not in the session",
        "node1 is fenced in the session, not in the export",
        "node2, node3 are reset by their watchdogs in the export, not in the session",
        "vm:2 exists only in the session",
        "vm:3 exists only in the export",
        "the export ends in an error (boom), the session normally",
    ]
    assert differences(a, a) == []


def test_more_nodes_than_the_tester_simulates_are_refused(tmp_path):
    hw = {f"node{i}": {"power": "off", "network": "off"} for i in range(1, 31)}
    d = write_scenario(tmp_path / "s", [[f"power node{i} on" for i in range(1, 31)]])
    (d / "hardware_status").write_text(json.dumps(hw))
    assert hasim("run", "-q", str(d)).returncode == 0
    with pytest.raises(InputError, match="at most 29 nodes"):
        export(d / "status", tmp_path / "out")
