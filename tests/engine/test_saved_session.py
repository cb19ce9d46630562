"""A saved session (hasim.workdir.saved) resumes at the saved step, with the
same log, and the scenario's batches still to come come on time."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hasim.errors import InputError
from hasim.session.resume import mismatch, resume
from hasim.workdir.live import LiveDirectory
from hasim.workdir.saved import SAVED_NAME, read_saved

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def workdir(tmp_path) -> Path:
    target = tmp_path / "cluster"
    shutil.copytree(REPO / "working-dirs" / "node-failure", target, ignore=shutil.ignore_patterns("status"))
    return target


def saved_live(workdir: Path, steps: int) -> LiveDirectory:
    live = LiveDirectory.start(workdir, interactive=True, flush_loops=0)
    sim = live.sim
    sim.start()
    while sim.steps < steps:
        sim.step_node()
        if sim.time == 160 and sim.pending_count == 0 and sim.next_stepper is None:
            sim.submit("service vm:101 migrate node3")
    live.save_session()
    return live


def test_resume_reaches_the_saved_step_with_the_same_log(workdir):
    live = saved_live(workdir, 77)  # mid-loop: a step, not a loop end
    sim = live.sim
    saved = read_saved(workdir)
    assert (saved.time, saved.steps) == (sim.time, 77)
    assert saved.current(workdir)
    again = resume(saved)
    assert again.log_text() == sim.log_text()
    assert again.snapshot().nodes == sim.snapshot().nodes
    assert mismatch(saved, list(live.recorder.entries), again) is None
    for twin in (sim, again):  # and they go on alike, the scenario's later batches included
        twin.advance(900)
    assert again.log_text() == sim.log_text()
    assert again.log_text().count("cmdlist: execute power node1 on") == 1
    live.close()


def test_a_saved_session_is_one_readable_file(workdir):
    saved_live(workdir, 40).close()
    doc = json.loads((workdir / SAVED_NAME).read_text())
    assert doc["format"] == "hasim saved session 1"
    assert doc["cmdlist"][0] == ["power node1 on", "power node2 on", "power node3 on"]
    assert doc["entries"][:1] == ["20 cmdlist power node1 on"]
    assert set(doc["start"]) >= {"hardware_status", "service_config"}


def test_changed_inputs_make_a_save_stale(workdir):
    saved_live(workdir, 40).close()
    (workdir / "manager_status").write_text("{ }\n")
    assert not read_saved(workdir).current(workdir)


@pytest.mark.parametrize("change, problem", [
    (lambda d: d.update(format="other"), "not a saved session of this hasim"),
    (lambda d: d.update(steps=-1), "'time' and 'steps' must be whole numbers"),
    (lambda d: d.update(entries=["20 end done"]), "a saved session has no end line"),
    (lambda d: d.update(entries=["99999 command power node1 off"]), "is after the saved moment"),
    (lambda d: d["start"].update(hardware_status={"node1": {"power": "sideways"}}), "the start: hardware_status"),
    (lambda d: d.update(start={"status/../x": 1}), "'start' must map input file names"),
])
def test_a_damaged_save_is_named(workdir, change, problem):
    saved_live(workdir, 40).close()
    doc = json.loads((workdir / SAVED_NAME).read_text())
    change(doc)
    (workdir / SAVED_NAME).write_text(json.dumps(doc))
    with pytest.raises(InputError) as err:
        read_saved(workdir)
    assert problem in str(err.value) and SAVED_NAME in str(err.value)


def test_a_new_directory_from_a_saved_one_starts_at_the_start(workdir, tmp_path):
    from hasim.workdir.create import new_workdir

    saved_live(workdir, 40).close()
    new_workdir(tmp_path / "fresh", template=workdir)
    assert not (tmp_path / "fresh" / SAVED_NAME).exists()
    assert (tmp_path / "fresh" / "cmdlist").read_text() == (workdir / "cmdlist").read_text()
