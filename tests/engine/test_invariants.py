"""The HA invariants: the faithful engine keeps them, broken engines do not.

* every shared scenario (the real stack's own tests and the 350 differential
  ones) runs without a violation - except two differential scenarios whose
  crafted manager status deadlocks the real stack itself (its log.expect
  shows it), which the liveness check rightly reports;
* a few hundred explored fault schedules run without a violation;
* each mutant (hasim_testing.mutants) is caught by its named invariant within a few
  runs;
* the monitor API the window uses, the explorer's determinism, shrinking,
  saving and replay of a failing schedule, and the `hasim explore` command.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hasim.cli import main as cli
from hasim.analysis.explore.cluster import Cluster, make_cluster
from hasim.analysis.explore.runner import RunSpec, execute, explore, run_one, run_rng
from hasim.analysis.explore.save import save_scenario
from hasim.analysis.explore.shrink import compact, shrink
from hasim.analysis.invariants import INVARIANTS, LIVENESS_BOUND, InvariantMonitor, Violation
from hasim_testing.mutants import MUTANTS, mutant
from hasim.simulation import Simulation
from hasim.workdir import load_scenario
from tests.conftest import SHARED, scenario_dirs
from tests.engine.sim_builders import POWER_ON, scenario

UPSTREAM = scenario_dirs(SHARED / "upstream-tests")
DIFFERENTIAL = scenario_dirs(SHARED / "differential-tests")
MUTANT_RUN_BOUND = 12  # every mutant must be caught within this many explored runs


def monitored_run(path: Path) -> InvariantMonitor:
    sim = Simulation(load_scenario(path))
    monitor = InvariantMonitor(sim)
    sim.run()
    return monitor


def violations_of(path: Path) -> list[Violation]:
    return monitored_run(path).violations


# -- the faithful engine ---------------------------------------------------------------------------
@pytest.mark.skipif(not UPSTREAM, reason="shared upstream scenarios not available")
def test_faithful_engine_keeps_every_invariant_on_the_upstream_scenarios():
    found = {d.name: [v.render() for v in violations_of(d)] for d in UPSTREAM}
    assert {name: v for name, v in found.items() if v} == {}


@pytest.mark.skipif(not DIFFERENTIAL, reason="shared differential scenarios not available")
def test_faithful_engine_keeps_every_invariant_on_the_differential_scenarios():
    # every scenario with at most 6 nodes (the rest takes long and adds little)
    dirs = [d for d in DIFFERENTIAL if len(json.loads((d / "hardware_status").read_text())) <= 6]
    assert len(dirs) > 250
    bad, stuck = {}, []
    for d in dirs:
        monitor = monitored_run(d)
        if monitor.violations:
            bad[d.name] = [v.render() for v in monitor.violations]
        for notice in monitor.notices:
            if "is master but marked 'fence'" in notice.detail:
                # the real stack's own deadlock: its log ends in the same rounds
                assert "master seems offline" in (d / "log.expect").read_text().splitlines()[-2], d.name
                stuck.append(d.name)
    assert bad == {}
    assert stuck  # some crafted starting states mark the next master 'fence'


def test_faithful_engine_keeps_every_invariant_on_explored_fault_schedules():
    summary = explore(7, 200, jobs=2)
    assert summary.runs == 200
    assert [r.index for r in summary.errors] == []
    assert {r.index: r.outcome.violations[0].render() for r in summary.failed} == {}
    assert summary.commands > 5000  # the runs did apply faults


def test_partitioned_node_runs_its_service_until_its_watchdog_fires_and_that_is_fine(tmp_path):
    """The known window (test-basic1): node3 loses the network at 120, keeps
    running vm:103 until its watchdog resets it at 166; the manager takes its
    agent lock at 240 and recovers vm:103 elsewhere."""
    sim = scenario(
        tmp_path,
        cmdlist=[POWER_ON, ["network node3 off"]],
        services={"vm:101": {"node": "node1", "state": "enabled"}, "vm:103": {"node": "node3", "state": "enabled"}},
    )
    monitor = InvariantMonitor(sim)
    seen: dict[int, tuple[str, ...]] = {}
    while not sim.finished:
        sim.step_node()
        seen[sim.time] = monitor.checker.prev.running.get("vm:103", ())
    assert all(seen[t] == ("node3",) for t in seen if 120 <= t < 166)  # partitioned, still running
    assert all("node3" not in seen[t] for t in seen if t >= 166)  # reset by its watchdog
    assert all(seen[t] == () for t in seen if 166 <= t < 240)  # the manager waits for fencing
    assert seen[max(seen)] in (("node1",), ("node2",))  # recovered after fencing
    assert monitor.ok and monitor.violations == []


# -- the mutants -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_each_mutant_is_caught_by_its_invariant_within_a_few_runs(name):
    expected = MUTANTS[name].caught_by
    summary = explore(7, MUTANT_RUN_BOUND, mutant_name=name, stop_after_failures=1)
    assert summary.failed, f"{name} not caught in {MUTANT_RUN_BOUND} runs"
    caught = summary.failed[0]
    assert expected in {v.name for v in caught.outcome.violations}


def test_single_active_service_catches_recovery_before_the_watchdog_fires(tmp_path):
    """Locks that expire after 30 s instead of 120 s let the manager fence
    node3 at 160 and start vm:103 elsewhere while node3, cut off at 120, still
    runs it until its watchdog fires at 166."""
    sim = scenario(tmp_path, cmdlist=[POWER_ON, ["network node3 off"]],
                   services={"vm:103": {"node": "node3", "state": "started"}})  # fmt: skip
    monitor = InvariantMonitor(sim)
    with mutant("short-lock-timeout"):
        sim.advance(300)
    double = [v for v in monitor.check() if v.name == "single-active-service"]
    assert len(double) == 1 and 160 < double[0].time < 166
    assert double[0].detail == "vm:103 runs on node1 and node3 at the same time"


def test_mutants_leave_the_engine_as_it_was():
    before = run_one(RunSpec(3, 0)).outcome
    for name in MUTANTS:
        with mutant(name):
            run_one(RunSpec(3, 0))
    assert run_one(RunSpec(3, 0)).outcome == before
    with pytest.raises(ValueError, match="unknown mutant"):
        with mutant("no-such-mutant"):
            pass


# -- the monitor API the window uses ------------------------------------------------------------------
def test_monitor_reports_each_violation_once_with_time_explanation_and_log_position(tmp_path):
    sim = scenario(tmp_path, cmdlist=[POWER_ON], services={"vm:101": {"node": "node1", "state": "started"}})
    monitor = InvariantMonitor(sim)
    with mutant("two-masters"):
        sim.advance(100)  # many steps at once: the attached monitor sees each of them
    new = monitor.check()
    assert new and not monitor.ok
    first = new[0]
    assert first.name == "single-manager" and 22 <= first.time <= 24  # seen after node2's steps
    assert first.explanation == INVARIANTS["single-manager"].explanation
    assert "node2 wrote the manager status" in first.detail
    assert sim.log_lines[first.log_index - 1].time <= 22
    assert monitor.check() == []  # nothing new since the last call
    assert monitor.violations == new


def test_monitor_detects_a_second_copy_as_soon_as_it_runs(tmp_path):
    sim = scenario(tmp_path, cmdlist=[POWER_ON, ["network node3 off"]],
                   services={"vm:103": {"node": "node3", "state": "started"}})  # fmt: skip
    monitor = InvariantMonitor(sim)
    with mutant("recovery-without-fencing"):
        sim.advance(400)
    names = {v.name for v in monitor.check()}
    assert {"single-active-service", "recovery-after-fencing"} <= names
    double = next(v for v in monitor.violations if v.name == "single-active-service")
    assert double.detail == "vm:103 runs on node1 and node3 at the same time"
    assert 160 <= double.time < 166  # before node3's watchdog would have fired


def test_liveness_is_judged_only_after_the_faults_stop(tmp_path):
    sim = scenario(tmp_path, cmdlist=[POWER_ON, ["power node3 off"]],
                   services={"vm:103": {"node": "node3", "state": "started"}})  # fmt: skip
    monitor = InvariantMonitor(sim)
    with mutant("no-recovery"):
        sim.run()
    live = [v for v in monitor.violations if v.name == "service-recovers"]
    assert len(live) == 1 and live[0].time == 120 + LIVENESS_BOUND
    assert live[0].detail.startswith("vm:103 has been down for 600 s since the last fault (manager state recovery")


def test_monitor_without_attaching_is_driven_by_observe(tmp_path):
    sim = scenario(tmp_path, cmdlist=[POWER_ON], services={"vm:101": {"node": "node1", "state": "started"}})
    monitor = InvariantMonitor(sim, attach=False)
    with mutant("two-masters"):
        while sim.time < 30:
            sim.step_node()
            monitor.observe()
    assert [v.name for v in monitor.check()][:1] == ["single-manager"]


# -- the explorer -----------------------------------------------------------------------------------------
def test_same_seed_same_schedules_and_verdicts_in_one_or_several_processes():
    a = [run_one(RunSpec(5, i)) for i in range(6)]
    b = [run_one(RunSpec(5, i)) for i in range(6)]
    assert [(r.cluster, r.outcome) for r in a] == [(r.cluster, r.outcome) for r in b]
    from hasim.analysis.explore.runner import results

    c = list(results([RunSpec(5, i) for i in range(6)], jobs=2))
    assert [(r.index, r.cluster, r.outcome) for r in c] == [(r.index, r.cluster, r.outcome) for r in a]
    assert len({r.outcome.cmdlist for r in a}) == 6  # different runs, different schedules


def test_explored_cluster_files_are_what_the_saved_directory_loads(tmp_path):
    for i in range(20):
        cluster = make_cluster(run_rng(9, i), None, None)
        path = tmp_path / f"run{i}"
        save_scenario(path, cluster, [["power node1 on"]], Violation("single-manager", "", 0, "x"), "")
        loaded = load_scenario(path)
        assert loaded.files == cluster.files(), i
        assert loaded.nodes == list(cluster.nodes)


def test_compact_keeps_the_command_times(tmp_path):
    cluster = Cluster(nodes=("node1", "node2", "node3"),
                      hardware={n: {"power": "off", "network": "off"} for n in ("node1", "node2", "node3")},
                      services={"vm:101": {"node": "node1", "state": "started"}})  # fmt: skip
    cmdlist = [POWER_ON, [], [], ["network node2 off", "delay 150"], [], ["network node2 on"], [], []]

    def times(cmds):
        sim = Simulation(cluster.scenario(cmds))
        sim.run()
        return [(l.time, l.message) for l in sim.log_lines if l.source == "cmdlist" and "delay" not in l.message]

    tidy = compact(cmdlist)
    assert tidy == [POWER_ON + ["delay 220"], ["network node2 off", "delay 260"], ["network node2 on"]]
    assert times(tidy) == times(cmdlist)


def test_failing_schedule_is_shrunk_saved_and_replayed(tmp_path):
    with mutant("watchdog-never-fires"):
        summary = explore(7, 5, mutant_name=None, stop_after_failures=1)
        failing = summary.failed[0]
        cluster, cmdlist, outcome, replays = shrink(
            failing.cluster, [list(b) for b in failing.outcome.cmdlist], "watchdog-reset", budget=120
        )
        assert replays <= 120
        before = sum(1 for b in failing.outcome.cmdlist for c in b if not c.startswith("delay"))
        after = sum(1 for b in cmdlist for c in b if not c.startswith("delay"))
        assert after < before and after <= 4
        violation = next(v for v in outcome.violations if v.name == "watchdog-reset")
        path = tmp_path / "found"
        save_scenario(path, cluster, cmdlist, violation, "found by a test")
        assert json.loads((path / "cmdlist").read_text()) == cmdlist
        assert "watchdog-reset" in (path / "README").read_text()
        replay = Simulation(load_scenario(path))
        monitor = InvariantMonitor(replay)
        replay.run()
        assert violation in monitor.violations
    # without the mutant the same schedule is fine
    assert execute(cluster, cmdlist=cmdlist).violations == ()


def test_explore_command_summary_and_exit_status(tmp_path, capsys):
    assert cli.main(["explore", "--seed", "7", "--runs", "3", "--nodes", "3", "-q"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "3 runs, 0 violations"
    assert out[0].startswith("hasim explore: seed 7, 3 runs of 3 nodes")

    out_dir = tmp_path / "failures"
    code = cli.main(["explore", "--seed", "7", "--runs", "2", "--mutant", "two-masters", "--out", str(out_dir),
                     "--shrink-budget", "40"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out.splitlines()[-1] == "2 runs, 2 violations"
    assert "2/2 runs" in captured.err  # the progress bar
    saved = sorted(p.name for p in out_dir.iterdir())
    assert saved and all(name.endswith(("run0", "run1")) for name in saved)
    assert cli.main(["run", "-q", str(out_dir / saved[0])]) == 0  # replays (the faithful engine is fine)

    assert cli.main(["explore", "--seed", "1", "--runs", "0"]) == 2
    assert cli.main(["explore", "--seed", "1", "--runs", "1", "--mutant", "nope"]) == 2
    assert "unknown mutant 'nope'" in capsys.readouterr().err


def test_lrm_restart_window_is_a_notice_not_a_violation(tmp_path):
    """The real stack's own gap: node3's LRM restarts at 120 (vm:101 frozen,
    still running, lock released); the new LRM reports 'active' at 145; node3
    is cut off at 160, the manager unfreezes vm:101, fences node3 at once
    (free lock) and starts vm:101 on node1 while node3, which no watchdog will
    reset, still runs it (02 §8.4.8, §9.2, 03 §9.3)."""
    sim = scenario(tmp_path, cmdlist=[], services={"vm:101": {"node": "node3", "state": "started"}})
    sim.kernel.auto_finish = False
    monitor = InvariantMonitor(sim)
    for cmd in POWER_ON:
        sim.submit(cmd)
    sim.advance(100)
    sim.submit("restart-lrm node3")  # applied at 120
    sim.advance(139)
    sim.submit("network node3 off")  # applied at 160
    sim.advance(400)
    assert monitor.checker.prev.running["vm:101"] == ("node1", "node3")  # it really runs twice
    assert monitor.ok
    [notice] = monitor.notices
    assert notice.name == "single-active-service" and 200 <= notice.time <= 204
    assert "left running unprotected by an LRM restart" in notice.detail


def test_a_master_marked_fence_in_its_own_status_is_a_notice_not_a_violation(tmp_path):
    """The manager status says node1 is being fenced; node1 becomes master
    (it sorts first) and, like the real manager, ends every round with 'master
    seems offline' (02 §5 step 5): vm:101 never starts.  The real stack's own
    gap, so a notice, not a liveness violation (seen in a differential
    scenario's starting state, whose real log shows the same rounds)."""
    status = {"master_node": "node2", "node_status": {"node1": "fence", "node2": "online", "node3": "online"},
              "service_status": {}}
    sim = scenario(tmp_path, cmdlist=[POWER_ON], services={"vm:101": {"node": "node2", "state": "started"}},
                   manager_status=status)
    sim.kernel.auto_finish = False
    monitor = InvariantMonitor(sim)
    sim.advance(20 + LIVENESS_BOUND + 200)
    assert sim.log_lines[-1].message == "master seems offline" and not sim.snapshot().service("vm:101").running_on
    assert monitor.ok, [v.render() for v in monitor.violations]
    [notice] = monitor.notices
    assert notice.name == "service-recovers" and notice.time == 20 + LIVENESS_BOUND
    assert "node1 is master but marked 'fence'" in notice.detail
