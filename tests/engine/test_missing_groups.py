"""A resource whose group does not exist (pve-ha-manager 5.2.0, spec 02 §12.2).

The manager's per-round failback read autovivifies an empty group entry for
a missing name; the in-memory migration to rules then makes a node-affinity
rule `ha-group-<name>` with no nodes, which takes part in the rule checks.
Each scenario under tests/scenarios/ shows one effect; besides the whole log,
each test names the lines derived by hand that show it, and runs the same
scenario without the `group` key to show that the outcome really differs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hasim.cli.run import compare_one
from hasim.log import LogLine
from hasim.simulation import Simulation
from hasim.workdir import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def _log(path: Path) -> str:
    sim = Simulation(load_scenario(path))
    sim.run()
    return sim.log_text()


def _without_group(tmp_path: Path, name: str) -> str:
    """The log of scenario `name` with the missing group's `group` keys removed."""
    copy = tmp_path / name
    shutil.copytree(SCENARIOS / name, copy)
    conf = json.loads((copy / "service_config").read_text())
    for record in conf.values():
        if record.get("group") == "ghost":
            del record["group"]
    (copy / "service_config").write_text(json.dumps(conf))
    return _log(copy)


def _crm(lines: list[str], t: int = 20) -> list[str]:
    return [LogLine("info", t, "node1/crm", line).render() for line in lines]


DROP_SINGLE = "Drop rule '{}', because resource 'vm:101' is already used in another node affinity rule."
EXPECTED = {
    "missing-group-no-groups-file": _crm([DROP_SINGLE.format("ha-group-ghost"), DROP_SINGLE.format("pin-101")]),
    "missing-group-beside-real-groups": _crm(["migrate service 'vm:102' to node 'node2' (running)"]),
    "missing-group-negative-affinity": _crm([
        "Drop rule 'apart', because two or more resources are restricted to less nodes than available to the "
        "resources.",
        "Drop rule 'ha-group-ghost', because at least one resource is in a negative resource affinity rule and "
        "this rule would restrict these to less nodes than available to the resources.",
    ]),
    "missing-group-positive-affinity": _crm([
        "Drop rule 'ha-group-ghost', because at least one resource is in a positive resource affinity rule and "
        "there are other resources in at least one other node affinity rule already.",
        "Drop rule 'prefer-3', because at least one resource is in a positive resource affinity rule and there "
        "are other resources in at least one other node affinity rule already.",
        "Drop rule 'together', because resources are in multiple node affinity rules.",
    ]),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenario_reproduces_its_log_expect(name):
    same, detail = compare_one(SCENARIOS / name)
    assert same, detail
    text = (SCENARIOS / name / "log.expect").read_text()
    lines = text.splitlines(keepends=True)
    start = lines.index(EXPECTED[name][0])
    assert lines[start : start + len(EXPECTED[name])] == EXPECTED[name]


def test_no_groups_file_still_makes_the_rule_and_keeps_vm101_in_place(tmp_path):
    name = "missing-group-no-groups-file"
    assert not (SCENARIOS / name / "groups").exists()
    log = (SCENARIOS / name / "log.expect").read_text()
    assert "migrate service" not in log and "group migration" not in log
    assert "migrate service 'vm:101' to node 'node2' (running)" in _without_group(tmp_path, name)


def test_missing_group_forces_failback_over_the_resources_own_value(tmp_path):
    name = "missing-group-beside-real-groups"
    conf = json.loads((SCENARIOS / name / "service_config").read_text())
    assert conf["vm:102"]["failback"] == 0 and conf["vm:102"]["group"] == "ghost"
    log = (SCENARIOS / name / "log.expect").read_text()
    assert "migrate service 'vm:103'" not in log
    assert LogLine("noti", 60, "node1/crm", "start ha group migration...").render() in log  # the real group is still migrated
    other = _without_group(tmp_path, name)
    assert "migrate service 'vm:102'" not in other
    assert "migrate service 'vm:103' to node 'node1' (running)" in other


@pytest.mark.parametrize(
    "name, moves",
    [
        ("missing-group-negative-affinity", ["vm:101' to node 'node2", "vm:102' to node 'node3"]),
        ("missing-group-positive-affinity", ["vm:101' to node 'node3", "vm:102' to node 'node3"]),
    ],
)
def test_the_empty_rule_drops_affinity_rules_and_nothing_moves(tmp_path, name, moves):
    assert "migrate service" not in (SCENARIOS / name / "log.expect").read_text()
    other = _without_group(tmp_path, name)
    assert "Drop rule" not in other
    for move in moves:
        assert f"migrate service '{move}' (running)" in other
