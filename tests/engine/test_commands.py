"""Commands as values: parse, render, check, and the harness's dispatch of each."""

from __future__ import annotations

import inspect
import json

import pytest

from hasim import commands as C
from hasim.admin.requests import HaManagerRequest, join_args, split_args
from hasim.engine import harness as harness_mod
from hasim.workdir.session_file import read_session
from hasim.session.replay import replay
from hasim.simulation import Simulation
from hasim.workdir import load_scenario
from hasim.workdir.live import LiveDirectory
from tests.engine.test_batch_cli import POWER_ON, write_scenario

CANONICAL = [
    "power node1 on", "power node1 off", "network node2 off", "cfs node1 rw fail", "cfs node3 update work",
    "pve-manager-version node1 set 9.0.1", "reboot node1", "shutdown node2", "restart-lrm node3",
    "crm node1 stop", "crm node1 start", "crm node2 enable-node-maintenance", "crm node2 disable-node-maintenance",
    "crm node1 disarm-ha freeze", "crm node1 disarm-ha ignore", "crm node1 arm-ha", "delnode node3",
    "service vm:101 started", "service vm:101 stopped", "service vm:101 disabled", "service vm:101 ignored",
    "service vm:101 migrate node2", "service vm:101 relocate node3", "service vm:101 stop 30",
    "service vm:107 add node2", "service vm:107 add node2 stopped", "service vm:107 add node2 started 1",
    "service vm:101 delete", "service vm:101 lock", "service vm:101 lock snapshot", "service vm:101 unlock",
    "service vm:101 unlock backup", "service vm:101 manual-migrate node2",
    "service vm:101 set-static-stats maxcpu 4 maxmem 2048", "service vm:101 set-dynamic-stats cpu 0.5",
    "delay 100", "skip-round crm", "skip-round lrm 2",
]  # fmt: skip


@pytest.mark.parametrize("text", CANONICAL)
def test_every_command_renders_back_to_its_text(text):
    command = C.parse(text)
    assert command.render() == text
    assert C.parse(command.render()) == command


def test_every_world_command_class_has_a_dispatch_entry_in_the_harness():
    classes = {
        cls for _, cls in inspect.getmembers(C, inspect.isclass)
        if issubclass(cls, (C.NodeCommand, C.ServiceCommand)) and cls not in (C.NodeCommand, C.ServiceCommand)
    }  # fmt: skip
    assert classes == set(harness_mod._DISPATCH)
    assert {type(C.parse(t)) for t in CANONICAL} >= classes


@pytest.mark.parametrize(
    "text, names, tester",
    [
        ("power node1", "''", "sim_hardware_cmd: unknown action ''"),
        ("power node1 up", "'up'", "sim_hardware_cmd: unknown action 'up'"),
        ("network node1 down", "'down'", "sim_hardware_cmd: unknown network action 'down'"),
        ("cfs node1 ro work", "'ro'", "sim_hardware_cmd: unknown cfs action 'ro' for node 'node1'"),
        ("cfs node1 rw maybe", "'maybe'", "sim_hardware_cmd: unknown cfs command 'maybe' for 'rw' on node 'node1'"),
        ("pve-manager-version node1 get", "'get'", "sim_hardware_cmd: unknown version action 'get'"),
        ("crm node1 reboot", "'reboot'", "sim_hardware_cmd: unknown action 'reboot'"),
        ("crm node1 disarm-ha all", "'all'", "sim_hardware_cmd: unknown resource mode 'all'"),
        ("service vm:101 migrate", "target node", "sim_hardware_cmd: missing target node for 'migrate' command"),
        ("service vm:101 stop", "timeout", "sim_hardware_cmd: missing timeout for 'stop' command"),
        ("service vm:101 set-static-stats", "key/value", "sim_hardware_cmd: missing target stat for 'set-static-stats' command"),
        ("service vm:101 set-static-stats maxcpu", "'maxcpu'", "sim_hardware_cmd: missing value for 'set-static-stats maxcpu' command"),
        ("service vm:101 frobnicate", "'frobnicate'", "sim_hardware_cmd: unknown service action 'frobnicate' - not implemented"),
        ("foo node1", "'foo'", "sim_hardware_cmd: unknown command 'foo node1'"),
        ("power", "node or service", "sim_hardware_cmd: no node or service for command specified"),
    ],
)  # fmt: skip
def test_parse_errors_name_the_token_and_carry_the_testers_message(text, names, tester):
    with pytest.raises(C.CommandError) as info:
        C.parse(text)
    assert names in info.value.message
    assert info.value.tester_message == tester


@pytest.mark.parametrize(
    "text, names",
    [
        ("power node1 on now", "'now'"),
        ("reboot node1 hard", "'hard'"),
        ("service vm:1x started", "'vm:1x'"),
        ("service vm:101 stop soon", "'soon'"),
        ("service vm:107 add node1 running", "'running'"),
        ("service vm:101 set-static-stats maxcpu x", "'x'"),
        ("service vm:101 set-dynamic-stats maxcpu 2", "'maxcpu'"),
        ("power node\n1 on", "one line"),
        ("power node1 on\n", "one line"),
    ],
)
def test_strict_parsing_refuses_what_the_tester_would_ignore(text, names):
    with pytest.raises(C.CommandError) as info:
        C.parse(text)
    assert names in info.value.message


def test_lenient_parsing_ignores_extra_tokens_as_the_tester_does():
    assert C.parse("reboot node1 hard", strict=False) == C.Reboot("node1")


def test_check_uses_the_cluster_and_the_queue():
    facts = C.Facts(nodes=("node1", "node2"), services=frozenset({"vm:101"}))
    assert C.check(C.Power("node1", True), facts) is None
    assert C.check(C.Power("node9", True), facts) == "No such node 'node9'"
    assert C.check(C.Migrate("vm:101", "node9"), facts) == "Unknown target node 'node9'"
    assert C.check(C.SetRequestedState("vm:300", "started"), facts) == "No such service 'vm:300'"
    assert C.check(C.AddService("vm:101", "node1"), facts) == "Service id 'vm:101' is already taken"
    queued = C.Facts(nodes=facts.nodes, services=facts.services, pending=(C.AddService("vm:107", "node1"), C.DeleteService("vm:101")))
    assert C.check(C.SetRequestedState("vm:107", "stopped"), queued) is None
    assert C.check(C.AddService("vm:107", "node2"), queued) == "Service id 'vm:107' is already taken"
    assert C.check(C.AddService("vm:101", "node2"), queued) is None
    assert C.check(C.SetRequestedState("vm:101", "stopped"), queued) == "Service 'vm:101' is being deleted"
    assert C.check(C.RestartLrm("node1"), C.Facts(nodes=facts.nodes, services=facts.services, shutting_down=frozenset({"node1"})))
    ended = C.Facts(nodes=facts.nodes, services=facts.services, finished="The simulation has ended")
    assert C.check(C.Power("node1", True), ended) == "The simulation has ended"


# -- queued commands that can no longer apply -------------------------------------------------------


def test_a_queued_command_that_became_invalid_is_refused_not_fatal(tmp_path):
    d = write_scenario(tmp_path / "s", [POWER_ON])
    sim = Simulation(load_scenario(d), interactive=True)
    sim.advance(200)
    outcomes = []
    sim.on_outcome(outcomes.append)
    delete = sim.submit(C.DeleteService("vm:101"))
    stop = sim.submit(C.SetRequestedState("vm:101", "stopped"))  # valid when queued: vm:101 still exists
    sim.step_loop()
    assert not sim.finished and sim.error is None
    assert [(o.ticket, o.applied) for o in outcomes] == [(delete, True), (stop, False)]
    assert outcomes[1].reason == "No such service 'vm:101'"
    assert "execute service vm:101 delete" in sim.log_text() and "execute service vm:101 stopped" not in sim.log_text()


def test_pending_is_one_queue_readable_through_the_facade(tmp_path):
    d = write_scenario(tmp_path / "s", [POWER_ON])
    sim = Simulation(load_scenario(d), interactive=True)
    sim.advance(100)
    sim.submit("network node3 off")
    sim.configure("datacenter.cfg", {"ha": {"shutdown_policy": "migrate"}})
    assert sim.pending == (C.Network("node3", False), C.ReplaceConfig("datacenter.cfg", {"ha": {"shutdown_policy": "migrate"}}))
    sim.step_loop()
    assert sim.pending == ()
    assert sim.read_config("datacenter.cfg")["ha"]["shutdown_policy"] == "migrate"


# -- requests and sessions that read back exactly ------------------------------------------------------

ODD_ARGS = ["two words", 'a "quote"', "line\nfeed", "tab\there", "ünïcödé ✓", "", "-dash", "\u2028", "back\\slash", '"']


@pytest.mark.parametrize("arg", ODD_ARGS)
def test_request_arguments_read_back_exactly(arg):
    argv = ["rules", "add", "node-affinity", "r1", "--resources", "vm:101", "--nodes", "node1", "--comment", arg]
    line = join_args(argv)
    assert "\n" not in line
    assert split_args(line) == argv


def test_a_comment_with_a_line_feed_is_refused_and_does_not_stop_the_simulation(tmp_path):
    d = write_scenario(tmp_path / "s", [POWER_ON])
    sim = Simulation(load_scenario(d), interactive=True)
    sim.advance(100)
    outcomes = []
    sim.on_outcome(outcomes.append)
    argv = ["rules", "add", "node-affinity", "keep", "--resources", "vm:101", "--nodes", "node1", "--comment", "a\nb"]
    assert "line feed" in sim.check(HaManagerRequest(argv))
    sim.submit(HaManagerRequest(argv))  # queued anyway: refused when it applies, never fatal
    sim.submit("service vm:101 migrate node3")
    sim.advance(300)
    assert not sim.finished and [o.applied for o in outcomes] == [False, True]
    assert "line feed" in outcomes[0].reason


def test_request_arguments_with_spaces_quotes_and_unicode_replay_exactly(tmp_path):
    d = write_scenario(tmp_path / "s", [POWER_ON])
    live = LiveDirectory.start(d, interactive=True)
    sim = live.sim
    sim.advance(100)
    argv = ["rules", "add", "node-affinity", "keep", "--resources", "vm:101", "--nodes", "node1",
            "--comment", 'two words, "quoted" ✓']
    sim.submit(HaManagerRequest(argv))
    sim.advance(300)
    live.close()
    _, entries = read_session(d / "status")
    request = next(e for e in entries if e.source == "ha-manager")
    assert split_args(request.text) == argv
    again = replay(d / "status")
    assert again.log_text() == (d / "status" / "log").read_text()
    assert 'comment two words, "quoted" ✓' in again.read_config("rules_config")


def test_session_entries_with_odd_text_read_back_exactly(tmp_path):
    d = write_scenario(tmp_path / "s", [POWER_ON])
    live = LiveDirectory.start(d, interactive=True)
    sim = live.sim
    sim.advance(50)
    sim.configure("datacenter.cfg", {"ha": {"shutdown_policy": "migrate"}, "note": "x\ny \u2028 ✓"})
    sim.advance(100)
    live.close()
    _, entries = read_session(d / "status")
    config = next(e for e in entries if e.source == "config")
    name, _, payload = config.text.partition(" ")
    assert name == "datacenter.cfg" and json.loads(payload)["note"] == "x\ny \u2028 ✓"
    assert replay(d / "status").log_text() == (d / "status" / "log").read_text()


def test_window_edits_change_one_thing_at_the_time_they_apply_and_replay(tmp_path):
    d = write_scenario(tmp_path / "s", [POWER_ON])
    live = LiveDirectory.start(d, interactive=True)
    sim = live.sim
    sim.advance(100)
    sim.submit("service vm:101 stopped")  # queued first ...
    sim.submit(C.EditService("vm:101", (("max_restart", 3), ("comment", "db"))))  # ... not undone by the edit
    sim.submit(C.SetDatacenterOption("crs", "ha", "static"))
    sim.submit(C.SetDatacenterOption("ha", "shutdown_policy", "migrate"))
    assert sim.check(C.EditService("vm:999", (("max_restart", 1),))) == "No such service 'vm:999'"
    sim.step_loop()
    conf = sim.read_config("service_config")["vm:101"]
    assert (conf["state"], conf["max_restart"], conf["comment"]) == ("stopped", 3, "db")
    assert sim.read_config("datacenter.cfg") == {"crs": {"ha": "static"}, "ha": {"shutdown_policy": "migrate"}}
    sim.submit(C.SetDatacenterOption("crs", "ha", None))
    sim.advance(400)
    assert sim.read_config("datacenter.cfg") == {"crs": {}, "ha": {"shutdown_policy": "migrate"}}
    live.close()
    assert replay(d / "status").log_text() == (d / "status" / "log").read_text()


def test_check_knows_the_state_of_a_node():
    on = C.NodeFacts(power=True, network=True, crm=True, lrm=True)
    off = C.NodeFacts(power=False, network=False, crm=False, lrm=False)
    facts = C.Facts(nodes=("node1", "node2"), services=frozenset(), node_state={"node1": on, "node2": off})
    assert C.check(C.Power("node1", True), facts) == "node1 is already powered on"
    assert C.check(C.Power("node2", True), facts) is None
    cut = C.Facts(nodes=facts.nodes, services=facts.services,
                  node_state={"node1": C.NodeFacts(power=True, network=False, crm=True, lrm=True)})
    assert C.check(C.Power("node1", True), cut) is None  # power on brings the network back
    assert C.check(C.Reboot("node2"), facts) == "node2 is powered off"
    assert C.check(C.CrmStart("node1"), facts) == "node1's CRM is already running"
    assert C.check(C.RestartLrm("node2"), facts) == "node2 runs no LRM to restart"
    assert C.check(C.Cfs("node1", "rw", True), facts) == "node1's cluster filesystem writes already work"
    assert C.check(C.NodeMaintenance("node1", False), facts) == "node1 is not in maintenance mode"
    queued = C.Facts(nodes=facts.nodes, services=facts.services, node_state=facts.node_state,
                     pending=(C.Power("node2", True), C.NodeMaintenance("node1", True)))
    assert C.check(C.Reboot("node2"), queued) is None  # a queued command counts as applied
    assert C.check(C.NodeMaintenance("node1", True), queued) == (
        "node1 is already in maintenance mode once the commands queued for it apply")
