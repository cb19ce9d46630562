"""Working directories as user data: atomic files, one owner, sessions that replay.

What a user does in a working directory is recorded in DIR/status/session so
that `hasim replay` reproduces the identical log and `hasim export` turns it
into a scenario for the real tester (`hasim ha-manager`, which reaches a
running simulation through its inbox, is tested in tests/admin/).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from hasim.errors import InputError
from hasim.session.export import plan_batches
from hasim.workdir.session_file import Entry, read_session
from hasim.session.replay import replay
from hasim.simulation import Simulation
from hasim.workdir import DirLock, DirectoryBusy, load_scenario
from hasim.workdir.create import new_workdir
from hasim.workdir.live import LiveDirectory
from tests.conftest import REPO
from tests.engine.test_batch_cli import POWER_ON, hasim, write_scenario

LOG_LINE = r"^(info |noti |warn |err  |emai |erro |warning|error) {0,2}\s*\d+\s+\S+: .*$"


def popen_hasim(*args: str) -> subprocess.Popen:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(
        [sys.executable, "-m", "hasim", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True
    )


def wait_for(predicate, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


# -- new working directories ----------------------------------------------------------------------


def test_new_creates_the_default_cluster_layout(tmp_path):
    new_workdir(tmp_path / "w", 3)
    hw = json.loads((tmp_path / "w" / "hardware_status").read_text())
    sc = json.loads((tmp_path / "w" / "service_config").read_text())
    assert sorted(hw) == ["node1", "node2", "node3"]
    assert all(rec["power"] == "off" for rec in hw.values())
    assert {sid: rec["node"] for sid, rec in sc.items()} == {
        "vm:101": "node1", "vm:102": "node2", "vm:103": "node3",
        "vm:104": "node1", "vm:105": "node2", "vm:106": "node3",
    }  # fmt: skip
    load_scenario(tmp_path / "w")  # valid


@pytest.mark.parametrize("nodes", [1, 2, 32])
def test_new_accepts_1_to_32_nodes(tmp_path, nodes):
    new_workdir(tmp_path / "w", nodes)
    assert len(load_scenario(tmp_path / "w").nodes) == nodes


@pytest.mark.parametrize("nodes", [0, 33])
def test_new_refuses_node_counts_outside_1_to_32(tmp_path, nodes):
    with pytest.raises(InputError, match="between 1 and 32"):
        new_workdir(tmp_path / "w", nodes)


def test_new_from_scenario_copies_its_inputs_but_not_its_expected_log(tmp_path):
    src = write_scenario(tmp_path / "src", [POWER_ON])
    (src / "log.expect").write_text("x")
    new_workdir(tmp_path / "w", template=src)
    assert (tmp_path / "w" / "cmdlist").read_text() == (src / "cmdlist").read_text()
    assert not (tmp_path / "w" / "log.expect").exists()


def test_new_refuses_a_non_empty_directory(tmp_path):
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "mine.txt").write_text("user data")
    res = hasim("new", str(tmp_path / "w"))
    assert res.returncode == 2 and "not empty" in res.stderr
    assert (tmp_path / "w" / "mine.txt").read_text() == "user data"


def test_32_nodes_simulate_with_the_real_timeouts(tmp_path):
    new_workdir(tmp_path / "w", 32)
    (tmp_path / "w" / "cmdlist").write_text(json.dumps([[f"power node{i} on" for i in range(1, 33)], ["network node2 off"]]))
    sim = Simulation(load_scenario(tmp_path / "w"))
    sim.run()
    assert sim.error is None
    assert sim.loop_length == 32
    text = sim.log_text()
    assert "watchdog: execute power node2 off" in text
    assert "recover service 'vm:102' from fenced node 'node2'" in text


def test_29_nodes_keep_the_real_loop_of_two_seconds_per_node(tmp_path):
    new_workdir(tmp_path / "w", 29)
    sim = Simulation(load_scenario(tmp_path / "w"))
    assert sim.loop_length == 58


# -- one owner --------------------------------------------------------------------------------------


def test_second_owner_is_refused_with_the_holders_pid(tmp_path):
    d = write_scenario(tmp_path / "s", [POWER_ON])
    proc = popen_hasim("run", "--speed", "50", "--interactive", "-q", str(d))
    try:
        assert wait_for(lambda: DirLock(d).owner() is not None)
        res = hasim("run", str(d))
        assert res.returncode == 2
        assert f"pid {proc.pid}" in res.stderr
        assert "Traceback" not in res.stderr
    finally:
        proc.terminate()
        proc.wait(10)


def test_lock_of_a_dead_process_is_taken_over(tmp_path):
    d = write_scenario(tmp_path / "s", [POWER_ON])
    proc = popen_hasim("run", "--speed", "50", "--interactive", "-q", str(d))
    assert wait_for(lambda: DirLock(d).owner() is not None)
    proc.kill()
    proc.wait(10)
    assert DirLock(d).owner() is None
    lock = DirLock(d)
    lock.acquire()
    try:
        with pytest.raises(DirectoryBusy):
            DirLock(d).acquire()
    finally:
        lock.release()


def test_kill_9_at_random_moments_leaves_every_file_parseable(tmp_path):
    rng = random.Random(5)
    d = write_scenario(tmp_path / "s", [POWER_ON, ["network node1 off"], ["power node2 off"], ["power node1 on"]])
    import re

    line_re = re.compile(LOG_LINE)
    kills = 0
    for _ in range(50):
        proc = popen_hasim("run", "--speed", "3000", "--interactive", "-q", str(d))
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        kills += 1
        for p in [*d.iterdir(), *(d / "status").rglob("*")] if (d / "status").exists() else d.iterdir():
            if not p.is_file() or p.name.startswith("."):
                continue  # hidden temp files of an interrupted atomic write are never read
            rel = p.relative_to(d)
            if p.name == "log":
                text = p.read_text()
                assert text == "" or text.endswith("\n"), rel
                for line in text.splitlines():
                    assert line_re.match(line), (rel, line)
            elif p.name == "commands":
                read_session(p.parent.parent)
            elif p.name in ("rules_config", "groups"):
                p.read_text()
            else:
                json.loads(p.read_text())
    assert kills == 50
    load_scenario(d)  # the inputs are intact


# -- sessions -------------------------------------------------------------------------------------


def run_session(tmp_path, actions):
    """Drive a simulation like the window does; returns the directory."""
    d = write_scenario(tmp_path / "s", [POWER_ON])
    live = LiveDirectory.start(d, interactive=True)
    sim = live.sim
    for until, action in actions:
        sim.advance(until)
        action(sim)
    sim.advance(900)
    live.close()
    return d, sim


def test_recorded_session_is_plain_text_with_virtual_times(tmp_path):
    d, _ = run_session(
        tmp_path,
        [
            (150, lambda s: s.submit("network node3 off")),
            (400, lambda s: s.configure("datacenter.cfg", {"crs": {"ha": "static"}})),
        ],
    )
    text = (d / "status" / "session" / "commands").read_text()
    assert text.splitlines()[:5] == [
        "# hasim session 2",
        "20 cmdlist power node1 on",
        "20 cmdlist power node2 on",
        "20 cmdlist power node3 on",
        "180 command network node3 off",
    ]
    assert '420 config datacenter.cfg {"crs": {"ha": "static"}}' in text
    import re

    assert re.match(r"^90\d end closed steps=\d+$", text.splitlines()[-1])


def test_recorded_session_replays_to_the_identical_log(tmp_path):
    d, sim = run_session(
        tmp_path,
        [
            (130, lambda s: s.submit("network node3 off")),
            (300, lambda s: s.submit("service vm:101 migrate node2")),
            (380, lambda s: s.configure("datacenter.cfg", {"ha": {"shutdown_policy": "migrate"}})),
            (500, lambda s: s.submit("shutdown node2")),
        ],
    )
    original = (d / "status" / "log").read_text()
    assert "server 'node1' stopped by poweroff (watchdog)" in original  # lost quorum after node2's shutdown
    assert "got crm command: migrate vm:101 node2" in original
    assert replay(d / "status").log_text() == original
    res = hasim("replay", "-q", str(d))
    assert res.returncode == 0, res.stderr
    assert "identical" in res.stderr


def test_batch_run_session_replays_including_its_end(tmp_path):
    d = write_scenario(tmp_path / "s", [POWER_ON, ["network node1 off"], ["delay 150"], ["power node1 on"]])
    assert hasim("run", "-q", str(d)).returncode == 0
    assert (d / "status" / "session" / "commands").read_text().splitlines()[-1].endswith("end done")
    assert replay(d / "status").log_text() == (d / "status" / "log").read_text()


def test_export_plans_batches_at_times_the_tester_can_express():
    entries = [
        Entry(20, "cmdlist", "power node1 on"),
        Entry(60, "command", "network node1 off"),  # too early for the next batch (120)
        Entry(300, "command", "power node1 on"),  # reachable: batch at 120 + delay
    ]
    batches, moved = plan_batches(entries)
    assert batches == [["power node1 on"], ["network node1 off", "delay 100"], ["power node1 on"]]
    assert [(m.command, m.recorded, m.exported) for m in moved] == [("network node1 off", 60, 120)]


def test_exported_scenario_runs_and_reproduces_its_log_expect(tmp_path):
    d, _ = run_session(
        tmp_path,
        [
            (150, lambda s: s.submit("network node2 off")),  # applied at 180: expressible
            (200, lambda s: s.submit("power node2 on")),  # applied at 220: too close, next batch at 280
        ],
    )
    out = tmp_path / "exported"
    res = hasim("export", str(d), str(out))
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("moved:") == 1
    assert "moved: 'power node2 on' from t=220 to t=280" in res.stdout
    batches = json.loads((out / "cmdlist").read_text())
    assert batches[0] == [*POWER_ON, "delay 80"]  # the next batch at 20 + 80 + 80 = 180
    res = hasim("compare", str(out))
    assert res.returncode == 0, res.stdout
    res = hasim("run", "-q", str(out))
    assert res.returncode == 0
    assert (out / "status" / "log").read_text() == (out / "log.expect").read_text()


def test_a_session_past_the_testers_time_limit_replays_but_is_not_exported(tmp_path):
    # the window's simulation runs on past 10000 s, and so does its replay
    d, _ = run_session(tmp_path, [(10050, lambda s: s.submit("power node2 off")), (10200, lambda s: None)])
    assert replay(d / "status").log_text() == (d / "status" / "log").read_text()
    assert "node 'node2': state changed from 'online' => 'unknown'" in (d / "status" / "log").read_text()
    res = hasim("export", str(d), str(tmp_path / "exported"))
    assert res.returncode == 2
    assert "ends every run at 10000 s" in res.stderr and "power node2 off" in res.stderr
    assert not (tmp_path / "exported" / "cmdlist").exists()
