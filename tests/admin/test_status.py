"""`ha-manager status` against spec 05 §2: every line type and status word."""

from __future__ import annotations

import json

import pytest

from hasim.admin.cluster import Cluster
from hasim.admin.status import (
    asctime,
    pve_json,
    status_lines,
    status_report,
    verbose_state,
)
from hasim.simulation import Simulation
from hasim.workdir import load_scenario
from tests.engine.test_batch_cli import POWER_ON, write_scenario

ON = {"power": "on", "network": "on"}
OFF = {"power": "off", "network": "off"}


def cluster(hw=None, **files) -> Cluster:
    hw = hw or {"node1": ON, "node2": ON, "node3": ON}
    return Cluster({"hardware_status": hw, **files}, sorted(hw))


def lines(c: Cluster, now: int = 100, node: str = "node1") -> list[str]:
    return status_lines(c, now, node)


@pytest.mark.parametrize("t, text", [(0, "Thu Jan  1 00:00:00 1970"), (103, "Thu Jan  1 00:01:43 1970"),
                                     (864005, "Sun Jan 11 00:00:05 1970")])  # fmt: skip
def test_times_are_virtual_seconds_in_asctime_form(t, text):
    assert asctime(t) == text


def test_the_spec_example_node2_powered_off_at_120_asked_at_166(tmp_path):
    d = write_scenario(tmp_path / "s", [POWER_ON, ["power node2 off"]],
                       services={"vm:101": {"node": "node1", "state": "started"},
                                 "vm:102": {"node": "node2", "state": "started"},
                                 "vm:103": {"node": "node3", "state": "started"}})  # fmt: skip
    (d / "datacenter.cfg").write_text(json.dumps({"crs": {"ha": "static"}}))
    sim = Simulation(load_scenario(d))
    sim.advance(166)
    files = dict(sim.files)
    files["service_config"] = {**files["service_config"], "vm:107": {"node": "node3", "state": "started"}}
    c = Cluster(files, sim.nodes)
    assert lines(c, 166) == [
        "quorum OK",
        "master node1 (active, Thu Jan  1 00:02:40 1970) - static load CRS",
        "fencing armed (CRM watchdog active)",
        "lrm node1 (active, watchdog active, Thu Jan  1 00:02:41 1970)",
        "lrm node2 (old timestamp - dead?, watchdog standby, Thu Jan  1 00:01:43 1970)",
        "lrm node3 (active, watchdog active, Thu Jan  1 00:02:43 1970)",
        "service vm:101 (node1, started)",
        "service vm:102 (node2, fence)",
        "service vm:103 (node3, started)",  # the spec's example leaves it out; it keeps node3's LRM active
        "service vm:107 (node3, queued)",
    ]
    files["hardware_status"] = {**files["hardware_status"], "node3": {**files["hardware_status"]["node3"], "network": "off"}}
    isolated = lines(Cluster(files, sim.nodes), 166, "node3")
    assert isolated[0] == "quorum No quorum on node 'node3'!" and isolated[1:] == lines(c, 166)[1:]


def test_a_fresh_cluster_verbose():
    report = status_report(cluster(manager_status={}), 0, "node1", verbose=True)
    assert report.stdout == (
        "quorum OK\n"
        "fencing standby (CRM watchdog standby)\n"
        "full cluster state:\n"
        "{\n"
        '   "manager_status" : {\n'
        '      "node_status" : {}\n'
        "   },\n"
        '   "quorum" : {\n'
        '      "node" : "node1",\n'
        '      "quorate" : "1"\n'
        "   }\n"
        "}\n"
    )
    assert report.stderr == ""


def test_verbose_lists_every_lrm_status_and_a_missing_one_as_unknown_mode():
    ms = {"node_status": {"node1": "online", "node2": "online"}, "master_node": "node1", "timestamp": 90}
    c = cluster(manager_status=ms, lrm_status_node1={"mode": "active", "state": "active", "timestamp": 91})
    doc = verbose_state(c, "node2")
    assert doc["lrm_status"] == {"node1": {"mode": "active", "state": "active", "timestamp": 91},
                                 "node2": {"mode": "unknown"}}  # fmt: skip
    assert doc["quorum"] == {"node": "node2", "quorate": "1"}
    report = status_report(c, 100, "node1", verbose=True)
    warning = "unable to read file '/etc/pve/nodes/node2/lrm_status'\n"
    assert report.stderr == warning * 2  # read twice with --verbose
    assert status_report(c, 100, "node1", verbose=False).stderr == warning
    assert pve_json({"b": [], "a": {}}) == '{\n   "a" : {},\n   "b" : []\n}\n'


def test_quorum_is_the_typing_nodes_view():
    c = cluster({"node1": ON, "node2": ON, "node3": {"power": "on", "network": "off"}})
    assert lines(c, node="node1")[0] == "quorum OK"
    assert lines(c, node="node3")[0] == "quorum No quorum on node 'node3'!"
    minority = cluster({"node1": ON, "node2": OFF, "node3": OFF})
    assert lines(minority, node="node1")[0] == "quorum No quorum on node 'node1'!"


@pytest.mark.parametrize(
    "timestamp, services, node_ok, shown",
    [
        (95, {}, True, "active"),
        (60, {}, True, "idle"),  # quorate, not active, nothing configured
        (60, {"vm:101": {"node": "node1"}}, True, "old timestamp - dead?"),
        (60, {}, False, "old timestamp - dead?"),
        (103, {"vm:101": {"node": "node1"}}, True, "detected time drift!"),
        (102, {}, True, "active"),
    ],
)
def test_master_line_age_words(timestamp, services, node_ok, shown):
    hw = {"node1": ON if node_ok else OFF, "node2": ON, "node3": ON}
    c = cluster(hw, manager_status={"master_node": "node2", "timestamp": timestamp}, service_config=services)
    assert lines(c)[1] == f"master node2 ({shown}, {asctime(timestamp)})"
    assert lines(c)[2] == ("fencing armed (CRM watchdog active)" if shown == "active"
                           else "fencing standby (CRM watchdog standby)")  # fmt: skip


def test_no_master_line_without_master_node_and_timestamp():
    assert lines(cluster(manager_status={"master_node": "node1"})) == ["quorum OK", "fencing standby (CRM watchdog standby)"]


def test_disarm_shows_in_master_fencing_lrm_and_services():
    ms = {"master_node": "node1", "timestamp": 100, "disarm": {"state": "disarming", "mode": "freeze"},
          "node_status": {"node1": "online", "node2": "online"},
          "service_status": {"vm:101": {"node": "node1", "state": "freeze"}}}  # fmt: skip
    c = cluster(manager_status=ms, service_config={"vm:101": {"node": "node1", "state": "started"}},
                lrm_status_node1={"mode": "active", "state": "active", "timestamp": 99},
                lrm_status_node2={"mode": "disarm", "state": "active", "timestamp": 99},
                **{"datacenter.cfg": {"crs": {"ha": "basic"}}})  # fmt: skip
    assert lines(c) == [
        "quorum OK",
        f"master node1 (active, {asctime(100)}) - disarming, resource mode: freeze",
        "fencing disarming, resource mode: freeze (CRM watchdog active)",
        f"lrm node1 (active, watchdog active, {asctime(99)})",
        f"lrm node2 (disarm mode, watchdog active, {asctime(99)})",
        "service vm:101 (node1, freeze)",
    ]
    ms["disarm"] = {"state": "disarmed", "mode": "ignore"}
    c = cluster(manager_status=ms, service_config={"vm:101": {"node": "node1", "state": "started"}},
                lrm_status_node2={"mode": "disarm", "state": "wait_for_agent_lock", "timestamp": 99},
                **{"datacenter.cfg": {"crs": {"ha": "dynamic"}}})  # fmt: skip
    out = lines(c)
    assert out[1].endswith(" - disarmed, resource mode: ignore - dynamic load CRS")
    assert out[2] == "fencing disarmed, resource mode: ignore (CRM watchdog released)"
    assert out[4] == f"lrm node2 (disarm mode, watchdog released, {asctime(99)})"
    assert out[5] == "service vm:101 (node1, ignore)"
    ms["disarm"] = {}
    assert lines(cluster(manager_status=ms))[2] == "fencing unknown, resource mode: unknown (CRM watchdog active)"


@pytest.mark.parametrize(
    "lrm, text",
    [
        (None, "unable to read lrm status"),
        ({}, "unable to read lrm status"),
        ({"mode": "active", "state": "active", "timestamp": 0}, "unable to read lrm status"),
        ({"mode": "active", "state": "active", "timestamp": 95}, "active, watchdog active, {95}"),
        ({"state": "active", "timestamp": 95}, "active, watchdog active, {95}"),  # missing mode: active
        ({"mode": "active", "timestamp": 95}, "unknown, watchdog standby, {95}"),  # missing state: unknown
        ({"mode": "maintenance", "state": "maintenance", "timestamp": 95}, "maintenance mode, watchdog active, {95}"),
        ({"mode": "restart", "state": "active", "timestamp": 95}, "restart mode, watchdog active, {95}"),
        ({"mode": "shutdown", "state": "lost_agent_lock", "timestamp": 95}, "shutdown mode, watchdog standby, {95}"),
        ({"mode": "active", "state": "wait_for_agent_lock", "timestamp": 95}, "idle, watchdog standby, {95}"),
        ({"mode": "active", "state": "lost_agent_lock", "timestamp": 95}, "lost_agent_lock, watchdog standby, {95}"),
        ({"mode": "active", "state": "active", "timestamp": 50}, "old timestamp - dead?, watchdog standby, {50}"),
        ({"mode": "maintenance", "state": "maintenance", "timestamp": 50}, "maintenance mode, watchdog standby, {50}"),
        ({"mode": "disarm", "state": "active", "timestamp": 50}, "disarm mode, watchdog released, {50}"),
        ({"mode": "restart", "state": "active", "timestamp": 50}, "old timestamp - dead?, watchdog standby, {50}"),
    ],
)
def test_lrm_line_words(lrm, text):
    files = {"manager_status": {"node_status": {"node2": "online"}}}
    if lrm is not None:
        files["lrm_status_node2"] = lrm
    if "{" in text:
        t = int(text[text.index("{") + 1 : text.index("}")])
        text = text.replace(f"{{{t}}}", asctime(t))
    assert lines(cluster(**files))[2] == f"lrm node2 ({text})"


def test_wait_for_agent_lock_with_an_active_service_is_not_idle():
    ms = {"node_status": {"node2": "online"}, "service_status": {"vm:1": {"node": "node1", "target": "node2",
                                                                         "state": "migrate"}}}  # fmt: skip
    c = cluster(manager_status=ms, lrm_status_node2={"mode": "active", "state": "wait_for_agent_lock", "timestamp": 99})
    assert lines(c)[2] == f"lrm node2 (wait_for_agent_lock, watchdog standby, {asctime(99)})"


def test_lrm_lines_follow_node_status_keys_in_byte_order():
    hw = {f"node{i}": ON for i in (1, 2, 10)}
    ms = {"node_status": {"node2": "online", "node10": "online"}}
    c = cluster(hw, manager_status=ms, lrm_status_node1={"mode": "active", "state": "active", "timestamp": 99})
    assert [line.split()[1] for line in lines(c) if line.startswith("lrm")] == ["node10", "node2"]


@pytest.mark.parametrize(
    "conf, sd, text",
    [
        (None, {"node": "node1", "state": "started"}, "deleting"),
        ({"state": "ignored"}, {"node": "node1", "state": "started"}, "ignored"),
        ({"state": "started"}, None, "queued"),
        ({"state": "started"}, {"node": "node1"}, "queued"),
        ({"state": "started"}, {"node": "node1", "state": "stopped"}, "starting"),
        ({"state": "enabled"}, {"node": "node1", "state": "stopped"}, "starting"),
        ({}, {"node": "node1", "state": "stopped"}, "disabled"),  # no state: disabled
        ({"state": "stopped"}, {"node": "node1", "state": "stopped"}, "stopped"),
        ({"state": "started"}, {"node": "node1", "state": "started"}, "starting"),  # not running yet
        ({"state": "started"}, {"node": "node1", "state": "started", "running": 1}, "started"),
        ({"state": "stopped"}, {"node": "node1", "state": "started", "running": 1}, "stopping"),
        ({"state": "disabled"}, {"node": "node1", "state": "started", "running": 1}, "stopping"),
        ({"state": "disabled"}, {"node": "node1", "state": "error"}, "clearing error flag"),
        ({"state": "started"}, {"node": "node1", "state": "error"}, "error"),
        ({"state": "started"}, {"node": "node1", "state": "migrate", "target": "node2"}, "migrate"),
        ({"state": "started"}, {"node": "node1", "state": "request_start_balance"}, "request_start_balance"),
    ],
)
def test_service_words(conf, sd, text):
    files = {"service_config": {} if conf is None else {"vm:101": {"node": "node1", **conf}}}
    if sd is not None:
        files["manager_status"] = {"service_status": {"vm:101": sd}}
    assert lines(cluster(**files))[-1] == f"service vm:101 (node1, {text})"


def test_service_order_and_nodes():
    ms = {"service_status": {"vm:999": {"node": "node2", "state": "started", "running": 1},
                             "vm:150": {"state": "stopped"}}}  # fmt: skip
    conf = {"vm:999": {"node": "node1", "state": "started"}, "vm:100": {"node": "node3", "state": "started"}}
    assert lines(cluster(manager_status=ms, service_config=conf))[2:] == [
        "service vm:150 (---, deleting)",
        "service vm:999 (node2, started)",  # the status entry's node wins
        "service vm:100 (node3, queued)",  # a just-added service comes last
    ]
