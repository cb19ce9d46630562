"""Branches: back to an earlier moment of a session, another action from there,
both kept in the working directory, each replaying and reporting on its own."""

from __future__ import annotations

import pytest

from hasim import admin
from hasim.cli import main as cli
from hasim.errors import InputError
from hasim.session.branch import (
    default_name,
    keep,
    list_branches,
    moments,
    resume,
    start_inputs,
)
from hasim.session.replay import replay
from hasim.simulation import Simulation
from hasim.workdir import load_scenario
from hasim.workdir.live import LiveDirectory
from tests.engine.test_batch_cli import POWER_ON, write_scenario


def first_session(tmp_path):
    """node3 loses its network at 120 (fenced at ~240); the window closed at 600."""
    d = write_scenario(tmp_path / "w", [POWER_ON], services={
        "vm:101": {"node": "node1", "state": "started"}, "vm:103": {"node": "node3", "state": "started"}})
    live = LiveDirectory.start(d, interactive=True, requests=admin.request)
    live.sim.advance(100)
    live.sim.submit("network node3 off")
    live.sim.advance(600)
    live.close()
    return d


def test_going_back_reaches_the_same_state_exactly(tmp_path):
    d = first_session(tmp_path)
    original = replay(d / "status")
    back = resume(d / "status", until=100)
    assert back.loop_position[1] == 100 and back.time >= 100
    # the log up to that moment is the original's, line for line
    assert back.log_text() == "".join(line.render() for line in original.log_lines[: len(back.log_lines)])
    assert back.snapshot().node("node3").network == "on"  # the cut at 120 is not applied


def test_a_branch_is_kept_replays_and_differs_from_the_new_one(tmp_path, capsys):
    d = first_session(tmp_path)
    first, last = moments(d / "status")
    assert first == 0 and 600 <= last < 620  # the end line: when the window closed
    keep(d / "status", d, "network-cut")
    assert list_branches(d) == ["network-cut"]
    with pytest.raises(InputError, match="exists already"):
        keep(d / "status", d, "network-cut")
    # back to 100, and this time power node1 off instead (as the window does it:
    # a new live simulation from the kept session's start, replayed to 100)
    sim = Simulation(load_scenario(start_inputs(d / "branches" / "network-cut")), interactive=True)
    live = LiveDirectory(sim, d, requests=admin.request)
    resume(d / "branches" / "network-cut", until=100, sim=sim)
    sim.submit("power node1 off")
    sim.advance(600)
    live.close()
    # the new session holds the replayed entries and the new one, and replays by itself
    assert cli.main(["replay", "-q", str(d)]) == 0
    assert cli.main(["replay", "-q", str(d), "--branch", "network-cut"]) == 0
    assert "identical" in capsys.readouterr().err
    kept = replay(d / "branches" / "network-cut")
    new = replay(d / "status")
    assert new.snapshot().node("node1").power == "off" and kept.snapshot().node("node1").power == "on"
    # both report; the listing names the branch
    assert cli.main(["report", str(d), "--branch", "network-cut"]) == 0
    assert "node3" in capsys.readouterr().out
    assert cli.main(["branches", str(d)]) == 0
    assert "network-cut" in capsys.readouterr().out


def test_bad_branch_names_and_missing_branches_are_named(tmp_path, capsys):
    d = first_session(tmp_path)
    with pytest.raises(InputError, match="branch name"):
        keep(d / "status", d, "../escape")
    assert cli.main(["replay", "-q", str(d), "--branch", "nope"]) == 2
    assert "no branch named 'nope'" in capsys.readouterr().err


def test_loop_ends_cut_a_running_session_that_resumes_at_that_very_step(tmp_path):
    """What the window does: note the loop ends as it runs, cut the session at
    one and resume it the way a saved session resumes."""
    from hasim.session.branch import LoopEnds, Moment, session_until
    from hasim.session.resume import resume as resume_saved
    from hasim.workdir.session_file import Entry

    d = write_scenario(tmp_path / "w", [POWER_ON], services={"vm:101": {"node": "node1", "state": "started"}})
    live = LiveDirectory.start(d, interactive=True, requests=admin.request)
    sim = live.sim
    ends = LoopEnds(sim)
    sim.advance(100)
    sim.submit("network node3 off")
    sim.advance(300)
    assert ends.at_or_before(0) == Moment(0, 0) and ends.at_or_before(119).time == 100
    moment = ends.before(120)
    assert moment.time == 100 and ends.at_or_before(100) == moment
    saved = session_until(sim.scenario.files, sim.scenario.cmdlist, live.recorder.entries, moment)
    assert all(e.time <= 100 for e in saved.entries) and saved.steps == moment.steps
    back = resume_saved(saved)
    assert (back.time, back.steps) == (100, moment.steps)
    assert sim.log_text().startswith(back.log_text()) and "network node3 off" not in back.log_text()
    live.close()
    assert default_name(live.recorder.entries, moment, 300, []) == "network-node3-off-at-120"
    assert default_name(live.recorder.entries, moment, 300, ["network-node3-off-at-120"]) == \
        "network-node3-off-at-120-2"
    assert default_name([], moment, 300, []) == "until-300s"
    edit = [Entry(140, "config", 'datacenter.cfg {"crs": {"ha": "static"}}')]
    assert default_name(edit, moment, 300, []) == "edit-datacenter.cfg-at-140"


def test_branches_are_described_and_copied_whole(tmp_path):
    from hasim.session.branch import copy_branches, describe

    d = first_session(tmp_path)
    keep(d / "status", d, "a")
    (info,) = describe(d)
    assert info.name == "a" and 600 <= info.last < 620 and info.entries == 4 and info.problem is None  # 3 on, 1 cut
    target = tmp_path / "copy"
    target.mkdir()
    copy_branches(d, target)
    assert list_branches(target) == ["a"] and not list((target).glob(".*"))
    assert cli.main(["replay", "-q", str(target), "--branch", "a"]) == 0
