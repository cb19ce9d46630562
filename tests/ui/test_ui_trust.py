"""The window and the user's data: write errors, skipped sections and
temporary copies reach the user as messages, never as a silent loss."""

from __future__ import annotations


import pytest

from tests.trust_support import fill, inputs_of, tiny_disk  # noqa: F401
from tests.ui.conftest import make_workdir


@pytest.fixture
def controller(qtbot):
    from ui.controller import Controller

    made = Controller(speed=0)
    errors: list[str] = []
    made.errorOccurred.connect(errors.append)
    made.errors = errors
    yield made
    made.shutdown()


def test_skipped_rules_and_groups_are_told_on_open(controller, tmp_path):
    d = make_workdir(tmp_path)
    (d / "rules_config").write_text("node-affinity: keep\n\tresources vm:101\n")
    (d / "groups").write_text("group: g1\n\tnodes node1:high\n")
    assert controller.open(d)
    assert len(controller.errors) == 1
    message = controller.errors[0]
    assert "rules_config: rule 'keep': missing required property 'nodes' (line 1): skipped" in message
    assert "groups: group 'g1': invalid value for 'nodes'" in message


def test_a_fresh_copy_goes_when_the_window_closes_unless_saved(controller, tmp_path):
    controller.scratch_parent = tmp_path
    assert controller.open_shipped("node-failure")
    first = controller.path.parent
    assert controller.reset()  # a new copy replaces the old one
    assert not first.exists() and controller.path.parent.exists()
    controller.shutdown()
    assert not list(tmp_path.iterdir())
    assert controller.open_shipped("node-failure")
    controller.step()
    assert controller.save() is None
    kept = controller.path
    controller.shutdown()
    assert (kept / "service_config").exists(), "a saved copy holds the user's state: it stays"


def test_a_user_directory_is_never_removed(controller, tmp_path):
    controller.scratch_parent = tmp_path
    d = make_workdir(tmp_path, name="hasim-mine")  # looks like a copy, but the user opened it
    assert controller.open(d)
    controller.shutdown()
    assert (d / "service_config").exists()


def test_save_on_a_full_disk_says_so_and_changes_nothing(controller, tiny_disk):
    d = make_workdir(tiny_disk)
    assert controller.open(d)
    controller.submit("service vm:101 stopped")
    controller.step()
    controller.step()
    before = inputs_of(d)
    fill(tiny_disk, free=0)
    assert controller.save() is not None
    assert controller.errors[-1].startswith("Save failed: ")
    assert "cannot write: No space left on device; nothing was changed" in controller.errors[-1]
    assert inputs_of(d) == before


def test_a_full_disk_stops_the_simulation_with_a_message(controller, tiny_disk):
    d = make_workdir(tiny_disk, cmdlist='[["power node1 on", "power node2 on", "power node3 on"]]')
    assert controller.open(d)
    fill(tiny_disk, free=0)
    for _ in range(50):
        controller.advance_by(200)
        if not controller.alive:
            break
    assert not controller.alive
    assert "The simulation stopped: " in controller.errors[-1]
    assert "cannot write: No space left on device" in controller.errors[-1]
    log = (d / "status" / "log").read_bytes()
    assert log == b"" or log.endswith(b"\n")
