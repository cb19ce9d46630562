"""Batch mode as a user meets it: `hasim run`, `hasim compare`, bad input.

The real tester's directory format is the contract: `hasim run DIR` recreates
DIR/status, writes the log there and to stdout.  Bad input is reported in one
line naming the file, the place and the problem, and leaves DIR untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, scenario_dirs, scenario_root

UPSTREAM = scenario_root("HASIM_UPSTREAM_TESTS", "upstream-tests")


def hasim(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "hasim", *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120
    )


def write_scenario(path: Path, cmdlist, services=None, nodes=3) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    hw = {f"node{i}": {"power": "off", "network": "off"} for i in range(1, nodes + 1)}
    (path / "hardware_status").write_text(json.dumps(hw))
    sc = services if services is not None else {"vm:101": {"node": "node1", "state": "started"}}
    (path / "service_config").write_text(json.dumps(sc))
    (path / "manager_status").write_text("{}")
    (path / "cmdlist").write_text(json.dumps(cmdlist))
    return path


POWER_ON = ["power node1 on", "power node2 on", "power node3 on"]


def tree_digest(path: Path, skip: str = "status") -> dict[str, str]:
    """Content hash of every file under path except the status directory."""
    out = {}
    for p in sorted(path.rglob("*")):
        if p.is_file() and skip not in p.relative_to(path).parts:
            out[str(p.relative_to(path))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def test_run_writes_status_log_and_stdout(tmp_path):
    d = write_scenario(tmp_path / "s", [POWER_ON, ["network node1 off"]])
    res = hasim("run", str(d))
    assert res.returncode == 0, res.stderr
    log = (d / "status" / "log").read_text()
    assert res.stdout == log
    assert log.startswith("info      0     hardware: starting simulation\n")
    assert log.endswith("hardware: exit simulation - done\n")
    assert "node 'node1': state changed from 'unknown' => 'fence'" in log
    # the status directory has the runtime files of the real simulator
    for name in ("hardware_status", "manager_status", "service_config", "cluster_locks", "lrm_status_node2"):
        assert (d / "status" / name).exists(), name
    json.loads((d / "status" / "manager_status").read_text())


def test_run_recreates_status_directory(tmp_path):
    d = write_scenario(tmp_path / "s", [POWER_ON])
    (d / "status").mkdir()
    (d / "status" / "stale-file").write_text("x")
    assert hasim("run", "-q", str(d)).returncode == 0
    assert not (d / "status" / "stale-file").exists()


def test_a_link_in_place_of_status_is_removed_and_what_it_points_to_is_left_alone(tmp_path):
    """status/ is hasim's: a symbolic link there (to a directory, or a link
    inside the old status/) goes, the files it points to stay as they were."""
    d = write_scenario(tmp_path / "s", [POWER_ON])
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "keep").write_text("mine")
    (outside / "sub" / "keep").write_text("mine too")
    (d / "status").symlink_to(outside)
    assert hasim("run", "-q", str(d)).returncode == 0
    assert (d / "status").is_dir() and not (d / "status").is_symlink()
    assert (d / "status" / "log").read_text()
    (d / "status" / "inner").symlink_to(outside / "sub")
    assert hasim("run", "-q", str(d)).returncode == 0
    assert not (d / "status" / "inner").exists()
    assert sorted(p.relative_to(outside).as_posix() for p in outside.rglob("*")) == ["keep", "sub", "sub/keep"]
    assert (outside / "keep").read_text() == "mine" and (outside / "sub" / "keep").read_text() == "mine too"


def test_help_follows_the_terminal_width_as_argparse_does(tmp_path):
    narrow = hasim("run", "--help", env={"COLUMNS": "50"}).stdout
    wide = hasim("run", "--help", env={"COLUMNS": "200"}).stdout
    assert max(map(len, narrow.splitlines())) <= 50 < max(map(len, wide.splitlines()))


@pytest.mark.skipif(not scenario_dirs(UPSTREAM), reason="no upstream scenarios available")
def test_same_bytes_under_different_hash_seeds(tmp_path):
    src = UPSTREAM / "test-crs-static-rebalance-resource-affinity3"
    if not src.exists():
        src = scenario_dirs(UPSTREAM)[0]
    outputs = []
    for seed in ("0", "1", "4242"):
        d = tmp_path / f"run{seed}"
        shutil.copytree(src, d)
        res = hasim("run", "-q", str(d), env={"PYTHONHASHSEED": seed})
        assert res.returncode == 0, res.stderr
        outputs.append((d / "status" / "log").read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0] == (src / "log.expect").read_bytes()


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("cmdlist", "[[\"power node1 on\"", "cmdlist:line 1 column"),
        ("hardware_status", "{\"node1\": {\"power\": \"maybe\", \"network\": \"off\"}}", "hardware_status:node1"),
        ("service_config", "{\"vm:101\": {\"state\": \"started\"}}", "service_config:vm:101: service without assigned node"),
        ("service_config", "{\"xx101\": {\"node\": \"node1\"}}", "service_config:xx101"),
        ("manager_status", "[1, 2]", "manager_status: expected a JSON object"),
        ("datacenter.cfg", "{\"crs\": 5}", "datacenter.cfg:crs"),
    ],
)
def test_malformed_input_is_named_in_one_line_and_nothing_is_touched(tmp_path, name, content, expected):
    d = write_scenario(tmp_path / "s", [POWER_ON])
    (d / name).write_text(content)
    before = tree_digest(d)
    res = hasim("run", str(d))
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert expected in lines[0]
    assert "Traceback" not in res.stderr
    assert tree_digest(d) == before
    assert not (d / "status").exists()


def test_missing_cmdlist_is_reported(tmp_path):
    d = write_scenario(tmp_path / "s", [])
    (d / "cmdlist").unlink()
    res = hasim("run", str(d))
    assert res.returncode == 2
    assert "cmdlist: missing" in res.stderr
    assert "Traceback" not in res.stderr


def test_unknown_command_ends_the_run_as_the_real_stack_does_and_exits_nonzero(tmp_path):
    d = write_scenario(tmp_path / "s", [POWER_ON, ["foo node1"]])
    before = tree_digest(d)
    res = hasim("run", str(d))
    assert res.returncode == 1
    # the log is the real tester's: execute line, then the error exit
    log = (d / "status" / "log").read_text()
    assert log.endswith(
        "info    120      cmdlist: execute foo node1\n"
        "err     120     hardware: exit simulation - sim_hardware_cmd: unknown command 'foo node1'\n \n"
    )
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "cmdlist:batch 2 command 1 ('foo node1')" in lines[0]
    assert "unknown command 'foo node1'" in lines[0]
    assert "Traceback" not in res.stderr
    assert tree_digest(d) == before


@pytest.mark.parametrize("command, message", [
    ("power node1", "sim_hardware_cmd: unknown action ''"),
    ("network node1", "sim_hardware_cmd: unknown network action ''"),
    ("cfs node1 rw", "sim_hardware_cmd: unknown cfs command '' for 'rw' on node 'node1'"),
    ("crm node1 disarm-ha", "sim_hardware_cmd: unknown resource mode ''"),
    ("service vm:101", "sim_hardware_cmd: unknown service action '' - not implemented"),
])
def test_a_missing_command_token_reads_as_empty_in_the_error_like_perls_undef(tmp_path, command, message):
    from hasim.simulation import Simulation
    from hasim.workdir import load_scenario

    sim = Simulation(load_scenario(write_scenario(tmp_path / "s", [POWER_ON, [command]])))
    sim.run()
    assert sim.log_lines[-1].render() == f"err     120     hardware: exit simulation - {message}\n \n"


def test_compare_prints_one_line_per_scenario_and_a_summary(tmp_path):
    good = write_scenario(tmp_path / "good", [POWER_ON])
    assert hasim("run", "-q", str(good)).returncode == 0
    shutil.copy(good / "status" / "log", good / "log.expect")
    bad = write_scenario(tmp_path / "bad", [POWER_ON])
    shutil.copy(good / "log.expect", bad / "log.expect")
    text = (bad / "log.expect").read_text().replace("node1/crm: got lock", "node1/crm: took lock")
    (bad / "log.expect").write_text(text)
    res = hasim("compare", str(good), str(bad))
    assert res.returncode == 1
    out = res.stdout.splitlines()
    assert out[0] == "ok   good"
    assert out[1].startswith("FAIL bad: line ")
    assert "took lock" in out[1]
    assert out[-1] == "1 of 2 scenarios reproduce their log.expect byte for byte"


def test_python_dash_m_and_console_entry_point_agree(tmp_path):
    d = write_scenario(tmp_path / "s", [POWER_ON])
    res = hasim("run", "-q", str(d))
    assert res.returncode == 0
    assert (REPO / "pyproject.toml").read_text().count('hasim = "hasim.cli.main:main"') == 1
