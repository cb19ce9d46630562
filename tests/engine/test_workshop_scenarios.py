"""The workshop scenarios in working-dirs/ do what their READMEs promise.

Every scenario directory beside `default` is run headless from a copy — once
through the `hasim run` command line (exit status 0, the log written to
status/log) and once in process — and its documented outcome is asserted: who
ends up running what (the final snapshot), which nodes were fenced by the
manager and which were reset by their own watchdog (the log), plus the one or
two lines that make each scenario's point.  A further test checks that every
scenario has a README with the five parts a trainer relies on.
"""

from __future__ import annotations

import json
import re
import shutil
from functools import cache
from pathlib import Path

import pytest

from hasim.cli.main import main as hasim_main
from hasim.simulation import Simulation
from hasim.workdir import load_scenario
from tests.conftest import REPO

WORKDIRS = REPO / "working-dirs"
SCENARIOS = sorted(
    p.name for p in WORKDIRS.iterdir() if p.is_dir() and p.name != "default" and (p / "cmdlist").exists()
)
README_PARTS = ("What it shows", "What to try", "What to watch for", "Expected outcome", "Lesson for a real cluster")


class Run:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.snap = sim.snapshot()
        self.lines = [line.render().rstrip("\n") for line in sim.log_lines]

    def placement(self) -> dict[str, tuple[str | None, str, tuple[str, ...]]]:
        """sid -> (manager state, node, nodes it runs on)."""
        return {s.sid: (s.state, s.node, s.running_on) for s in self.snap.services}

    def fenced(self) -> list[str]:
        """Nodes the manager put into 'fence', in order."""
        out = []
        for line in self.sim.log_lines:
            m = re.match(r"^node '(\S+)': state changed from '\w+' => 'fence'$", line.message)
            if m:
                out.append(m.group(1))
        return out

    def watchdog_resets(self) -> list[tuple[int, str]]:
        return [
            (line.time, m.group(1))
            for line in self.sim.log_lines
            if (m := re.match(r"^server '(\S+)' stopped by poweroff \(watchdog\)$", line.message))
        ]

    def has(self, text: str) -> bool:
        return any(text == line or line.endswith(text) for line in self.lines)

    def count(self, pattern: str) -> int:
        rx = re.compile(pattern)
        return sum(1 for line in self.lines if rx.search(line))


@cache
def run(name: str) -> Run:
    scratch = Path(_SCRATCH[0]) / name
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(WORKDIRS / name, scratch, ignore=shutil.ignore_patterns("status"))
    sim = Simulation(load_scenario(scratch))
    sim.run()
    assert sim.finished and sim.error is None, f"{name}: {sim.error}"
    return Run(sim)


_SCRATCH: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def scratch_dir(tmp_path_factory):
    _SCRATCH[:] = [str(tmp_path_factory.mktemp("workshop"))]
    run.cache_clear()
    yield
    run.cache_clear()


def running(node: str, state: str = "started") -> tuple[str, str, tuple[str, ...]]:
    return (state, node, (node,))


HOME = {
    "vm:101": running("node1"),
    "vm:102": running("node2"),
    "vm:103": running("node3"),
    "vm:104": running("node1"),
    "vm:105": running("node2"),
    "vm:106": running("node3"),
}


# -- every scenario runs headless through the command line --------------------------------------


def test_there_are_at_least_ten_scenarios():
    assert len(SCENARIOS) >= 10, SCENARIOS


@pytest.mark.parametrize("name", SCENARIOS)
def test_hasim_run_runs_the_scenario_headless(name, tmp_path, capsys):
    d = tmp_path / name
    shutil.copytree(WORKDIRS / name, d, ignore=shutil.ignore_patterns("status"))
    assert json.loads((d / "manager_status").read_text()) == {}
    assert hasim_main(["run", "-q", str(d)]) == 0
    log = (d / "status" / "log").read_text()
    assert log.endswith("hardware: exit simulation - done\n")
    # the command line and the in-process run are the same simulation
    assert log == run(name).sim.log_text()


@pytest.mark.parametrize("name", SCENARIOS)
def test_readme_has_the_five_parts(name):
    readme = WORKDIRS / name / "README.md"
    assert readme.exists(), f"{name} has no README.md"
    text = readme.read_text()
    assert text.startswith(f"# {name} — "), "the README starts with '# <name> — <one-line summary>'"
    headings = re.findall(r"^## (.+)$", text, re.M)
    for part in README_PARTS:
        assert any(h.startswith(part) for h in headings), f"{name}/README.md lacks '## {part}'"
        body = text.split(f"## {part}", 1)[1].split("\n## ", 1)[0]
        assert len(body.strip()) > 80, f"{name}/README.md: '{part}' is empty"


# -- the documented outcomes ------------------------------------------------------------------------


def test_node_failure():
    r = run("node-failure")
    assert r.placement() == HOME | {"vm:102": running("node1"), "vm:105": running("node3")}
    assert r.fenced() == ["node2"]
    assert r.watchdog_resets() == []  # it was already off
    assert r.has("info    160    node1/crm: node 'node2': state changed from 'unknown' => 'fence'")
    assert r.has("info    240    node1/crm: fencing: acknowledged - got agent lock for node 'node2'")
    assert r.has("info    240    node1/crm: recover service 'vm:102' from fenced node 'node2' to node 'node1'")
    assert r.has("info    240    node1/crm: recover service 'vm:105' from fenced node 'node2' to node 'node3'")
    assert r.snap.node("node2").manager_state == "online"  # back at 320, empty


def test_network_isolation_self_fences_the_isolated_node():
    r = run("network-isolation")
    assert r.placement() == HOME | {"vm:103": running("node1"), "vm:106": running("node2")}
    assert r.fenced() == ["node3"]
    assert r.watchdog_resets() == [(166, "node3")]
    assert r.has("info    125    node3/lrm: status change active => lost_agent_lock")
    assert r.has("info    240    node1/crm: recover service 'vm:103' from fenced node 'node3' to node 'node1'")
    # node3's VMs ran until the watchdog fired, and were recovered only after that
    assert r.has("info    166    node3/lrm: killed by poweroff")


def test_two_node_cluster_survivor_resets_and_nothing_recovers():
    r = run("two-node-cluster")
    assert r.placement() == {
        "vm:101": running("node1"),
        "vm:102": running("node2"),
        "vm:103": running("node1"),
        "vm:104": running("node2"),
    }
    assert r.fenced() == []
    assert r.watchdog_resets() == [(162, "node1")]
    assert r.count(r"recover service") == 0
    assert r.has("info    120    node1/crm: status change master => lost_manager_lock")
    assert r.has("info    420    node1/crm: status change wait_for_quorum => master")


def test_switch_failure_resets_every_node_with_services():
    r = run("switch-failure")
    assert r.placement() == {
        "vm:101": running("node1"),
        "vm:102": running("node2"),
        "vm:103": running("node1"),
        "vm:104": running("node2"),
    }
    assert r.fenced() == []
    assert r.watchdog_resets() == [(162, "node1"), (164, "node2")]  # node3 has no service: not reset
    assert r.count(r"recover service") == 0
    assert r.snap.node("node3").power == "on"


def test_maintenance_rolling_reboot_brings_every_vm_home():
    r = run("maintenance-rolling-reboot")
    assert r.placement() == HOME
    assert r.fenced() == []
    assert r.watchdog_resets() == []
    assert r.count(r"'(fence|freeze|recovery)'") == 0
    for node, vms in (("node1", ("vm:101", "vm:104")), ("node2", ("vm:102", "vm:105")), ("node3", ("vm:103", "vm:106"))):
        assert r.count(rf"node '{node}': state changed from 'online' => 'maintenance'") == 1
        assert r.count(rf"node '{node}': state changed from 'maintenance' => 'online'") == 1
        for sid in vms:
            assert r.count(rf"moving service '{sid}' back to '{node}', node came back from maintenance\.") == 1
    masters = [line.split()[2].split("/")[0] for line in r.lines if line.endswith("=> master")]
    assert masters == ["node1", "node2", "node3", "node1"]


@pytest.mark.parametrize(
    "policy, vm103, vm106, fenced, freezes",
    [
        ("conditional", "node1", "node2", ["node3"], 2),  # frozen on reboot, recovered on shutdown
        ("freeze", "node3", "node3", [], 4),  # frozen both times, back on node3
        ("failover", "node1", "node2", ["node3"], 0),  # never frozen, recovered on shutdown
        ("migrate", "node3", "node3", [], 0),  # migrated away and back, never fenced
    ],
)
def test_shutdown_policies(policy, vm103, vm106, fenced, freezes):
    r = run(f"shutdown-policy-{policy}")
    assert r.placement() == HOME | {"vm:103": running(vm103), "vm:106": running(vm106)}
    assert r.fenced() == fenced
    assert r.watchdog_resets() == []
    assert r.count(r"state changed from 'started' to 'freeze'") == freezes
    assert r.has(f"info    120    node3/lrm: got shutdown request with shutdown policy '{policy}'")
    if policy in ("conditional", "failover"):
        assert r.has("info    400    node1/crm: recover service 'vm:103' from fenced node 'node3' to node 'node1'")
    if policy == "freeze":
        assert r.has("info    545    node3/lrm: starting service vm:103")  # only when node3 is back
    if policy == "migrate":
        assert r.count(r"migrate service 'vm:103' to node 'node1' \(running\)") == 2
        assert r.count(r"moving service 'vm:103' back to 'node3'") == 2


def test_error_state_and_its_recovery_procedure():
    r = run("error-state-recovery")
    assert r.placement() == {
        "fa:110": running("node1"),
        "fa:120": running("node3"),
        "fa:140": running("node2"),
        "vm:101": running("node1"),
    }
    assert r.fenced() == []
    assert r.has("warn     21    node1/lrm: restart policy: retry number 1 for service 'fa:110'")
    assert r.has("info    100    node1/crm: relocation policy successful for 'fa:120' on node 'node3', failed nodes: node2")
    assert r.has(
        "err     120    node1/crm: recovery policy for service fa:140 failed, entering error state. Failed nodes: node3, node2"
    )
    assert r.has("info    220    node1/crm: service 'fa:140': state changed from 'error' to 'stopped'")
    assert r.has("info    323    node2/lrm: service status fa:140 started")


def test_groups_restricted_and_nofailback():
    r = run("groups-restricted-nofailback")
    assert r.placement() == {
        "vm:101": running("node3"),
        "vm:102": running("node3"),
        "vm:103": running("node2"),  # nofailback: stays where it was recovered
        "vm:104": running("node3"),
        "vm:105": running("node1"),
    }
    assert r.fenced() == ["node3"]
    assert r.has("noti     60    node1/crm: ha groups migration successful")
    # restricted: no recovery while its only node is down
    assert r.has("err     240    node1/crm: recovering service 'vm:101' from fenced node 'node3' failed, no recovery node found")
    assert r.count(r"recover service 'vm:101' from fenced node") == 0
    assert r.has("info    320    node1/crm: recover service 'vm:101' to previous failed and fenced node 'node3' again")
    assert r.has("info    240    node1/crm: recover service 'vm:103' from fenced node 'node3' to node 'node2'")
    assert r.count(r"migrate service 'vm:103'") == 0


def test_affinity_rules():
    r = run("affinity-rules")
    assert r.placement() == {
        "vm:101": running("node1"),
        "vm:102": running("node2"),
        "vm:103": running("node2"),
        "vm:104": running("node1"),
        "vm:105": running("node2"),
        "vm:106": running("node2"),
    }
    assert r.fenced() == ["node3"]
    assert r.has(
        "err     120    node1/crm: crm command 'migrate vm:104 node3' error - "
        "service 'vm:105' on node 'node3' in negative affinity with service 'vm:104'"
    )
    assert r.has("info    140    node1/crm: migrate service 'vm:101' to node 'node1' (running)")
    # the final placement keeps the rules: the pair together, the DNS servers apart
    final = r.placement()
    assert final["vm:102"][1] == final["vm:103"][1]
    assert final["vm:104"][1] != final["vm:105"][1]


def test_remove_node_goes_gone_and_is_forgotten():
    r = run("remove-node")
    assert r.placement() == HOME | {"vm:103": running("node1"), "vm:106": running("node2")}
    assert r.fenced() == []
    assert r.has("info    320    node1/crm: node 'node3': state changed from 'unknown' => 'gone'")
    assert r.has("noti   3840    node1/crm: deleting gone node 'node3', not a cluster member anymore.")
    assert r.snap.manager_status["node_status"] == {"node1": "online", "node2": "online"}
    assert [n.name for n in r.snap.nodes] == ["node1", "node2"]


def test_crs_static_balancing():
    r = run("crs-static-balancing")
    assert r.placement() == {
        "vm:101": running("node2"),
        "vm:102": running("node2"),
        "vm:103": running("node1"),
        "vm:104": running("node1"),
        "vm:105": running("node1"),
        "vm:106": running("node2"),
    }
    assert r.fenced() == ["node3"]
    assert r.has("info     20    node1/crm: using scheduler mode 'static'")
    assert r.has("info     20    node1/crm: service vm:101: re-balance selected new node node3 for startup")
    assert r.has("info     20    node1/crm: service vm:103: re-balance selected current node node1 for startup")
    assert r.has("info    240    node1/crm: recover service 'vm:101' from fenced node 'node3' to node 'node2'")


def test_every_scenario_has_an_outcome_test():
    tested = {
        "node-failure", "network-isolation", "two-node-cluster", "switch-failure",
        "maintenance-rolling-reboot", "shutdown-policy-conditional", "shutdown-policy-freeze",
        "shutdown-policy-failover", "shutdown-policy-migrate", "error-state-recovery",
        "groups-restricted-nofailback", "affinity-rules", "remove-node", "crs-static-balancing",
    }  # fmt: skip
    assert set(SCENARIOS) == tested, "a new scenario needs a test of its documented outcome here"
