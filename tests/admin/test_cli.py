"""`hasim ha-manager DIR …` as a user types it: idle directories and running simulations.

The real command's words go to stdout and stderr with its exit status (0,
255 for a refusal); hasim's own notes (a request that waits, one that was not
applied) go to stderr with `hasim ha-manager: `.  Against a running
simulation every request is answered: applied, refused in the real words,
still queued (the owner is paused), or not applied because the simulation
ended — never lost.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time

from hasim import admin
from hasim.workdir.session_file import read_session
from hasim.session.replay import replay
from hasim.workdir import DirLock
from hasim.workdir.create import new_workdir
from hasim.workdir.inbox import Inbox
from hasim.workdir.live import LiveDirectory
from tests.engine.test_batch_cli import POWER_ON, hasim, write_scenario
from tests.engine.test_workdir_sessions import popen_hasim, wait_for


def ha(directory, *argv, env=None):
    return hasim("ha-manager", str(directory), *argv, env=env)


# -- idle directories: the input files ----------------------------------------------------------------


def test_writers_edit_an_idle_directory_and_print_nothing(tmp_path):
    w = tmp_path / "w"
    new_workdir(w, 3)
    res = ha(w, "add", "vm:107", "--node", "node2", "--max_restart", "2", "--comment", "two words")
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")
    assert json.loads((w / "service_config").read_text())["vm:107"] == {
        "node": "node2", "state": "started", "max_restart": 2, "comment": "two words"}  # fmt: skip
    assert ha(w, "set", "107", "--state", "disabled", "--delete", "comment").returncode == 0  # digits: vm:107
    assert ha(w, "config", "--type", "vm").stdout.endswith("vm:107\n\tmax_restart 2\n\tstate disabled\n\n")
    res = ha(w, "rules", "add", "resource-affinity", "apart", "--resources", "vm:101,vm:102", "--affinity", "negative")
    assert (res.returncode, res.stdout) == (0, "")
    assert "resource-affinity: apart" in (w / "rules_config").read_text()
    assert ha(w, "remove", "vm:101").returncode == 0  # purges vm:101 from the rules
    assert "resources vm:102\n" in (w / "rules_config").read_text()
    assert "vm:101" not in json.loads((w / "service_config").read_text())


def test_refusals_print_the_real_message_and_change_nothing(tmp_path):
    w = tmp_path / "w"
    new_workdir(w, 3)
    before = {p.name: p.read_bytes() for p in w.iterdir() if p.is_file()}
    for argv, message in [
        (["add", "vm:101"], "create resource failed: resource ID 'vm:101' already defined\n"),
        (["add", "vm:1"], "invalid VMID\n"),
        (["set", "vm:999", "--state", "started"], "update resources config failed: no such resource 'vm:999'\n"),
        (["groupadd", "g1", "--nodes", "node1"], "cannot create group: ha groups have been migrated to rules\n"),
        (["rules", "add", "node-affinity", "r1", "--resources", "vm:101"],
         "missing value for required option 'nodes'\n"),
        (["rules", "add", "node-affinity", "r1", "--resources", "vm:101,vm:999", "--nodes", "node1"],
         "create ha rule failed: cannot use unmanaged resource(s) vm:999.\n"),
    ]:  # fmt: skip
        res = ha(w, *argv)
        assert (res.returncode, res.stdout, res.stderr) == (255, "", message), argv
    res = ha(w, "add", "vm:101", "--state", "running")
    assert res.returncode == 255 and res.stderr.startswith("400 Parameter verification failed.\nstate: value 'running'")
    assert {p.name: p.read_bytes() for p in w.iterdir() if p.is_file()} == before


def test_hasim_errors_keep_their_prefix_and_exit_2(tmp_path):
    w = tmp_path / "w"
    new_workdir(w, 3)
    res = ha(w, "migrate", "vm:101", "node2")
    assert res.returncode == 2 and res.stderr.startswith("hasim ha-manager: no simulation is running in ")
    res = hasim("ha-manager", "--node", "node9", str(w), "status")
    assert res.returncode == 2 and "--node node9: no such node" in res.stderr
    res = ha(tmp_path / "nowhere", "status")
    assert res.returncode == 2 and "not a directory" in res.stderr
    res = ha(w, "rules", "config", "--output-format", "json")
    assert res.returncode == 2 and "not modelled" in res.stderr


def test_status_of_an_idle_directory_renders_its_input_files(tmp_path):
    w = tmp_path / "w"
    new_workdir(w, 3)
    res = ha(w, "status")
    assert res.returncode == 0
    assert res.stdout.splitlines()[:3] == [
        "quorum No quorum on node 'node1'!",  # every node is powered off at the start
        "fencing standby (CRM watchdog standby)",
        "service vm:101 (node1, queued)",
    ]


def test_groups_commands_while_groups_exist(tmp_path):
    w = tmp_path / "w"
    new_workdir(w, 3)
    (w / "groups").write_text("group: g1\n\tnodes node2:2 node1\n\trestricted 1\n")
    assert ha(w, "groupconfig").stdout == "group: g1\n\tnodes node2:2,node1\n\trestricted 1\n\n"  # file order
    assert ha(w, "groupadd", "g2", "--nodes", "node3", "--nofailback", "1").returncode == 0
    assert ha(w, "set", "vm:101", "--group", "g2").returncode == 0
    res = ha(w, "groupconfig")  # the writer lists nodes sorted (upstream: in hash order)
    assert res.stdout == "group: g1\n\tnodes node1,node2:2\n\trestricted 1\n\ngroup: g2\n\tnodes node3\n\tnofailback 1\n\n"
    res = ha(w, "groupremove", "g2")
    assert (res.returncode, res.stderr) == (255, "delete ha group failed: ha group is used by service 'vm:101'\n")
    res = ha(w, "rules", "add", "node-affinity", "r1", "--resources", "vm:102", "--nodes", "node1")
    assert (res.returncode, res.stderr) == (255, "cannot create ha rule: ha groups have not been migrated yet\n")
    assert ha(w, "groupremove", "nosuch").returncode == 0  # silent success


# -- a running simulation ------------------------------------------------------------------------------


@contextlib.contextmanager
def running(tmp_path, services=None, rules=None):
    """`hasim run --interactive` on a fresh scenario, once its master is elected: (dir, process, log)."""
    d = write_scenario(tmp_path / "s", [POWER_ON], services=services)
    if rules is not None:
        (d / "rules_config").write_text(rules)
    proc = popen_hasim("run", "--speed", "40", "--interactive", "-q", str(d))
    log = d / "status" / "log"
    try:
        assert wait_for(lambda: log.exists() and "node1/crm: status change wait_for_quorum => master" in log.read_text())
        yield d, proc, log
    finally:
        proc.terminate()
        proc.wait(10)


def test_requests_reach_a_running_simulation_and_are_answered(tmp_path):
    with running(tmp_path) as (d, _proc, log):
        res = ha(d, "add", "vm:107", "--node", "node3")
        assert (res.returncode, res.stdout, res.stderr) == (0, "", "")  # the real CLI prints nothing
        entries = read_session(d / "status")[1]  # applied (at a loop end) before the CLI returned
        assert [e.text for e in entries if e.source == "ha-manager"] == ["add vm:107 --node node3"]
        assert wait_for(lambda: "adding new service 'vm:107' on node 'node3'" in log.read_text())  # next round
        res = ha(d, "add", "vm:107")
        assert (res.returncode, res.stderr) == (255, "create resource failed: resource ID 'vm:107' already defined\n")
        assert wait_for(lambda: "node3/lrm: starting service vm:107" in log.read_text())
        assert wait_for(lambda: "service vm:107 (node3, started)" in ha(d, "status").stdout)
        status = ha(d, "status").stdout.splitlines()
        assert status[0] == "quorum OK" and status[2] == "fencing armed (CRM watchdog active)"
        assert status[1].startswith("master node1 (active, Thu Jan  1 00:")
        res = hasim("ha-manager", "--node", "node2", str(d), "crm-command", "node-maintenance", "enable", "node9")
        assert (res.returncode, res.stderr) == (255, "no such cluster node 'node9'\n")
    entries = read_session(d / "status")[1]
    assert [e.text for e in entries if e.source == "ha-manager"] == ["add vm:107 --node node3"]
    assert replay(d / "status").log_text() == log.read_text()


def _owner(tmp_path):
    """A simulation owning a directory in this process, driven by the test."""
    d = write_scenario(tmp_path / "s", [POWER_ON])
    lock = DirLock(d)
    lock.acquire()
    live = LiveDirectory.start(d, interactive=True, requests=admin.request)
    live.sim.advance(60)
    live.flush()
    return d, lock, live


def _cli(d, *argv, wait="1.5"):
    import os

    env = dict(os.environ, HASIM_HA_MANAGER_WAIT=wait)
    from tests.conftest import REPO

    env["PYTHONPATH"] = str(REPO)
    return subprocess.Popen([sys.executable, "-m", "hasim", "ha-manager", str(d), *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip


def test_a_request_the_paused_owner_does_not_take_is_queued_not_lost(tmp_path):
    d, lock, live = _owner(tmp_path)
    try:
        proc = _cli(d, "migrate", "vm:101", "node2")
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0 and out == ""
        assert "has not taken the request yet (is it paused?)" in err and "next loop end" in err
        live.sim.step_loop()  # the next loop end takes and applies it
        live.sim.advance(live.sim.time + 25)
        assert "got crm command: migrate vm:101 node2" in live.sim.log_text()
    finally:
        live.close()
        lock.release()


def test_a_request_taken_between_loop_ends_says_when_it_applies(tmp_path):
    d, lock, live = _owner(tmp_path)
    try:
        proc = _cli(d, "set", "vm:101", "--state", "stopped")
        def taken():
            live.flush()  # the owner takes requests whenever it writes its files (the window: once a second)
            return list((d / "status" / "inbox").glob("*.answer"))

        assert wait_for(taken, 10)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0 and out == ""
        assert err == f"hasim ha-manager: queued: the simulation (pid {lock_pid(d)}) applies it at its next loop end (t=80)\n"
    finally:
        live.close()
        lock.release()


def lock_pid(d) -> str:
    return DirLock(d).owner() or ""


def test_requests_still_waiting_when_the_simulation_closes_are_told_so(tmp_path):
    d, lock, live = _owner(tmp_path)
    proc = _cli(d, "set", "vm:101", "--state", "stopped", wait="20")
    assert wait_for(lambda: list((d / "status" / "inbox").glob("*.json")), 10)
    live.close()
    lock.release()
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, out, err) == (2, "", "hasim ha-manager: not applied: the simulation ended\n")


def test_a_request_refused_when_it_applies_gets_the_real_message(tmp_path):
    d, lock, live = _owner(tmp_path)
    try:
        inbox = Inbox(d / "status")
        first = inbox.put(["add", "vm:107", "--node", "node2"], time.time_ns())
        second = inbox.put(["add", "vm:107", "--node", "node3"], time.time_ns())  # both passed the CLI's check
        time.sleep(0.01)
        live.sim.step_loop()
        assert inbox.read_answer(first).state == "applied"
        answer = inbox.read_answer(second)
        assert (answer.state, answer.reason) == ("refused", "create resource failed: resource ID 'vm:107' already defined")
        assert answer.time == 80 and not live.sim.finished
        junk = d / "status" / "inbox" / "junk.json"
        junk.write_text("[1, 2")
        live.flush()  # seen between loop ends: told when it applies
        assert (inbox.read_answer("junk").state, inbox.read_answer("junk").at) == ("queued", 100)
        live.sim.step_loop()
        assert inbox.read_answer("junk").state == "refused"
    finally:
        live.close()
        lock.release()


def test_a_comment_with_a_line_feed_is_refused_and_the_simulation_runs_on(tmp_path):
    with running(tmp_path) as (d, proc, _log):
        res = ha(d, "rules", "add", "node-affinity", "keep", "--resources", "vm:101", "--nodes", "node1", "--comment",
                 "a\nb")  # fmt: skip
        assert (res.returncode, res.stderr) == (255, "create ha rule failed: property 'comment' contains a line feed\n")
        t = ha(d, "status").stdout
        assert wait_for(lambda: ha(d, "status").stdout != t)  # still running
        assert proc.poll() is None


def test_migrate_against_a_negative_partner_is_refused_yet_queued(tmp_path):
    services = {"vm:101": {"node": "node1", "state": "started"}, "vm:102": {"node": "node2", "state": "started"},
                "vm:103": {"node": "node1", "state": "started"}}  # fmt: skip
    rules = ("resource-affinity: apart\n\taffinity negative\n\tresources vm:101,vm:102\n\n"
             "resource-affinity: with\n\taffinity positive\n\tresources vm:101,vm:103\n")  # fmt: skip
    with running(tmp_path, services, rules) as (d, _proc, log):
        assert wait_for(lambda: "service vm:102 (node2, started)" in ha(d, "status").stdout)
        res = ha(d, "migrate", "vm:101", "node2")
        assert (res.returncode, res.stdout) == (255, "")
        assert res.stderr == ("cannot migrate resource 'vm:101' to node 'node2':\n\n"
                              "- resource 'vm:102' on target node 'node2' in negative affinity with resource 'vm:101'\n")  # fmt: skip
        assert wait_for(lambda: "crm command 'migrate vm:101 node2' error - service 'vm:102' on node 'node2' in "
                                "negative affinity with service 'vm:101'" in log.read_text())  # queued: the CRM decides
        res = ha(d, "migrate", "vm:101", "node3")
        assert (res.returncode, res.stderr) == (0, "")
        assert res.stdout == "also migrate resource 'vm:103' in positive affinity with resource 'vm:101' to target node 'node3'\n"


def test_a_request_seen_between_loop_ends_applies_after_the_owners_own_commands(tmp_path):
    d, lock, live = _owner(tmp_path)
    try:
        request_id = Inbox(d / "status").put(["set", "vm:101", "--state", "stopped"], time.time_ns())
        live.flush()  # the window writes its files: the request is seen, answered, left in place
        live.sim.submit("network node3 off")  # the window's own command, queued after
        live.sim.step_loop()
        applied = [(e.source, e.text) for e in read_session(d / "status")[1] if e.time == 80]
        assert applied == [("command", "network node3 off"), ("ha-manager", "set vm:101 --state stopped")]
        assert Inbox(d / "status").read_answer(request_id).state == "applied"
    finally:
        live.close()
        lock.release()
