"""The shipped sample imports to exactly the worked example of spec 04 §14,
runs, and answers the what-if the spec gives."""

from __future__ import annotations

import json

import pytest

from hasim.simulation import Simulation
from hasim.workdir import dump_json, load_scenario
from tests.importer.support import PVE, SAMPLE, codes, hasim_cli, run, tree_digest

NODES = {
    "pve1": {"power": "off", "network": "off", "maxcpu": 16, "maxmem": 67354849280},
    "pve2": {"power": "off", "network": "off", "maxcpu": 16, "maxmem": 67354841088},
    "pve3": {"power": "off", "network": "off", "maxcpu": 8, "maxmem": 33591078912},
}


# the table of §14: sid -> node, requested state, other settings, static maxcpu / maxmem, dynamic cpu / mem
TABLE = {
    "vm:100": ("pve1", "started", {"group": "prefer-pve1"}, 4.0, 8589934592, 0.25, 5381054798),
    "vm:101": ("pve1", "started", {}, 2.0, 4294967296, 0.25, 2147829326),
    "vm:102": ("pve2", "started", {"max_restart": 2}, 2.0, 4294967296, 0.5, 3221990904),
    "vm:103": ("pve2", "stopped", {}, 8.0, 17179869184, 0.0, 0),
    "vm:104": ("pve3", "started", {"comment": "monitoring, default settings"}, 2.0, 2147483648, 1.0, 1073964046),
    "ct:200": ("pve3", "started", {"max_relocate": 2}, 1.0, 536870912, 0.03125, 188743680),
}
SERVICE_CONFIG = {
    sid: {"node": node, "state": state, "failback": 1, "max_restart": 1, "max_relocate": 1, **other}
    for sid, (node, state, other, *_) in TABLE.items()
}
STATIC = {sid: {"maxcpu": row[3], "maxmem": row[4]} for sid, row in TABLE.items()}
DYNAMIC = {sid: {"cpu": row[5], "mem": row[6]} for sid, row in TABLE.items()}
UIDS = {
    "vm:100": "xC7lifZMK/Yltn0spv0IHA", "vm:101": "HI4GbgEAIKiFdqOT9u1m6Q", "vm:102": "g78rf0SghqSxa3dMdiMYvA",
    "vm:103": "WLo7XP/LGMgDWBvCBW3n0w", "vm:104": "gacTmvV5zZIRGViDBpqqBQ", "ct:200": "Uig4gy48tOH5R8hVYq6HjA",
}  # fmt: skip
MANAGER_STATUS = {
    "node_status": {"pve1": "online", "pve2": "online", "pve3": "online"},
    "service_status": {
        sid: {"node": rec["node"], "state": rec["state"], "uid": UIDS[sid]} for sid, rec in SERVICE_CONFIG.items()
    },
}
EXPECTED_JSON = {
    "hardware_status": NODES,
    "cmdlist": [["power pve1 on", "power pve2 on", "power pve3 on"]],
    "service_config": SERVICE_CONFIG,
    "static_service_stats": STATIC,
    "dynamic_service_stats": DYNAMIC,
    "service_status_pve1": {"vm:100": 1, "vm:101": 1},
    "service_status_pve2": {"vm:102": 1},
    "service_status_pve3": {"ct:200": 1, "vm:104": 1},
    "datacenter.cfg": {"crs": {"ha": "static", "ha-rebalance-on-start": 1}, "ha": {"shutdown_policy": "migrate"}},
    "manager_status": MANAGER_STATUS,
}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    dst = tmp_path_factory.mktemp("imported") / "dir"
    return run(SAMPLE, dst), dst


@pytest.mark.parametrize("name", sorted(EXPECTED_JSON))
def test_every_json_file_is_the_worked_example_byte_for_byte(imported, name):
    result, dst = imported
    assert result.ok and result.written
    assert json.loads((dst / name).read_text()) == EXPECTED_JSON[name]
    assert (dst / name).read_text() == dump_json(EXPECTED_JSON[name])


def test_groups_and_rules_are_the_source_texts(imported):
    _, dst = imported
    assert (dst / "groups").read_bytes() == (SAMPLE / PVE / "ha/groups.cfg").read_bytes()
    assert (dst / "rules_config").read_bytes() == (SAMPLE / PVE / "ha/rules.cfg").read_bytes()


def test_no_other_files_but_the_readme(imported):
    _, dst = imported
    assert sorted(p.name for p in dst.iterdir()) == sorted([*EXPECTED_JSON, "groups", "rules_config", "README"])


def test_warnings_are_w06_for_the_running_non_ha_guest_and_w13(imported):
    result, _ = imported
    assert codes(result) == ["W06", "W13"]
    w06, w13 = result.diagnostics
    assert w06.render().startswith("warning[W06] -: non-HA guests not modelled: 110 (running)")
    assert w13.file == "etc/pve/ha/groups.cfg" and "--pve-manager-version" in w13.message
    assert result.summary() == "imported 3 nodes, 6 HA services, 1 non-HA guests, 2 warnings"


def test_readme_names_source_options_and_every_diagnostic(imported):
    result, dst = imported
    readme = (dst / "README").read_text()
    assert f"Source: {SAMPLE}" in readme
    assert "--rebalance-scale percent" in readme
    for diagnostic in result.diagnostics:
        assert diagnostic.render() in readme


def test_the_import_loads_as_a_scenario(imported):
    _, dst = imported
    scenario = load_scenario(dst)
    assert scenario.nodes == ["pve1", "pve2", "pve3"]


def test_cli_prints_the_summary_and_the_warnings_and_hasim_run_works(tmp_path):
    before = tree_digest(SAMPLE)
    out = hasim_cli("import", str(SAMPLE), str(tmp_path / "w"))
    assert out.returncode == 0, out.stderr
    assert out.stdout == "imported 3 nodes, 6 HA services, 1 non-HA guests, 2 warnings\n"
    assert [line.split("]")[0] for line in out.stderr.splitlines()] == ["warning[W06", "warning[W13"]
    assert "Traceback" not in out.stderr
    ran = hasim_cli("run", "-q", str(tmp_path / "w"), timeout=300)
    assert ran.returncode == 0, ran.stderr
    log = (tmp_path / "w" / "status" / "log").read_text()
    assert "exit simulation - done" in log
    assert "Drop rule" not in log  # no W14 in the sample, and none in the run
    assert tree_digest(SAMPLE) == before


def test_what_if_pve1_loses_its_network(imported, tmp_path):
    """§14: pve1 is fenced, vm:100 recovers to pve2 (its group prefers pve2
    next), vm:101 to pve3 (web-apart keeps it away from vm:102)."""
    _, dst = imported
    work = tmp_path / "what-if"
    work.mkdir()
    for path in dst.iterdir():
        if path.is_file():
            (work / path.name).write_bytes(path.read_bytes())
    cmdlist = json.loads((work / "cmdlist").read_text()) + [["network pve1 off"]]
    (work / "cmdlist").write_text(json.dumps(cmdlist))
    sim = Simulation(load_scenario(work))
    sim.run()
    log = sim.log_text()
    assert "recover service 'vm:100' from fenced node 'pve1' to node 'pve2'" in log
    assert "recover service 'vm:101' from fenced node 'pve1' to node 'pve3'" in log


def test_importing_twice_gives_the_same_bytes(tmp_path):
    first, second = run(SAMPLE, tmp_path / "a"), run(SAMPLE, tmp_path / "b")
    assert first.files == second.files
    for name in first.files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
