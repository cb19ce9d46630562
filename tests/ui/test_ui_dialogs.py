"""Dialogs that prevent mistakes (issue item 7): bad input is refused out
loud, nodes a service should not go to are marked and never the default,
menus offer only what applies, and the requested state is a visible control."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox, QDialogButtonBox

from tests.ui.conftest import make_workdir
from ui.models.services_model import COL_REQUESTED


def ok_enabled(dialog) -> bool:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def shot(dialog, name: str) -> None:
    import os

    folder = os.environ.get("HASIM_DIALOG_SHOTS")
    if folder:
        dialog.show()
        dialog.grab().save(f"{folder}/{name}.png")


@pytest.fixture
def cluster(qtbot, make_window, tmp_path):
    """node1 and node2 on, node3 reset by its watchdog after its network went
    (the manager has it 'unknown', soon 'fence'): (window, controller)."""
    window, controller = make_window(make_workdir(tmp_path), speed=0)
    for name in ("node1", "node2", "node3"):
        window.send(f"power {name} on")
    controller.advance_to(140)
    window.send("network node3 off")
    controller.advance_to(330)
    assert controller.snapshot.node("node3").power == "off"
    return window, controller


def dialog_of(window, monkeypatch, trigger):
    seen = []
    monkeypatch.setattr(window, "_exec", lambda dialog: seen.append(dialog) or False)
    trigger()
    assert seen, "no dialog opened"
    return seen[0]


def test_migrate_marks_offline_nodes_and_never_defaults_to_one(cluster, monkeypatch):
    window, controller = cluster
    svc = next(s for s in controller.snapshot.services if s.node == "node1")
    dialog = dialog_of(window, monkeypatch, lambda: window.migrate_service(svc.sid))
    combo = dialog.target
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert texts[0] == "node2" and texts[1].startswith("node3 — offline: powered off")
    assert combo.node() == "node2"
    combo.setCurrentIndex(1)
    assert "the manager will not move" in dialog.warning_label.text() and dialog.warning_label.isVisibleTo(dialog)
    shot(dialog, "dialog-migrate-offline")
    assert dialog.command() == f"service {svc.sid} migrate node3"


def test_add_never_defaults_to_an_offline_node_and_refuses_zero_cores_or_memory(cluster, monkeypatch):
    window, controller = cluster
    dialog = dialog_of(window, monkeypatch, window.add_service)
    assert dialog.node.node() == "node1"
    assert any("offline" in dialog.node.itemText(i) for i in range(dialog.node.count()))
    dialog.cpu.setText("0")
    assert dialog.error.text() == "CPU cores must be more than 0, not 0" and not ok_enabled(dialog)
    shot(dialog, "dialog-add-zero-cores")
    dialog.cpu.setText("2")
    dialog.memory.setText("0")
    assert dialog.error.text() == "Memory must be more than 0 MiB, not 0" and not ok_enabled(dialog)
    dialog.memory.setText("lots")
    assert dialog.error.text() == "Memory must be a whole number, not 'lots'"
    dialog.memory.setText("2048")
    assert dialog.error.text() == "" and ok_enabled(dialog)
    assert dialog.commands()[1].endswith("maxcpu 2 maxmem 2048")


def test_edit_says_a_value_is_out_of_range_instead_of_clamping(cluster, monkeypatch):
    window, controller = cluster
    dialog = dialog_of(window, monkeypatch, lambda: window.edit_service("vm:101"))
    dialog.max_restart.setText("-3")
    assert dialog.error.text() == "Max. restart must be at least 0 (as ha-manager requires), not -3"
    assert not ok_enabled(dialog)
    shot(dialog, "dialog-edit-out-of-range")
    dialog.max_restart.setText("99999")  # the real stack has no maximum: taken as it is
    assert dialog.error.text() == "" and ok_enabled(dialog)
    assert dialog.config_changes()["max_restart"] == 99999
    dialog.max_relocate.setText("2.5")
    assert "Max. relocate must be a whole number, not '2.5'" == dialog.error.text()


def test_the_rules_editor_catches_an_unknown_resource(cluster, monkeypatch):
    window, controller = cluster
    dialog = dialog_of(window, monkeypatch, window.edit_rules)
    dialog.rules.edit.setPlainText("node-affinity: keep\n\tnodes node1,node9\n\tresources vm:101,vm:999\n")
    problems = dialog.rules.validate()
    assert "rules_config: rule 'keep': node9 is not a node of this cluster (line 1)" in problems
    assert "rules_config: rule 'keep': vm:999 is not an HA resource of this cluster (line 1)" in problems
    shot(dialog, "dialog-rules-unknown-resource")


def test_the_actions_menu_offers_only_what_applies(cluster):
    window, controller = cluster
    def enabled(name):
        card = window.nodes_panel.card(name)
        card.refresh_actions()
        return {text.split(" ", 1)[0] if not text.startswith(("crm", "cfs")) else text.split(name + " ", 1)[1]
                for text, act in card.actions_by_command.items() if act.isEnabled()}

    assert enabled("node3") == {"enable-node-maintenance"}  # powered off: nothing runs there to act on
    on = enabled("node1")
    assert {"reboot", "shutdown", "restart-lrm", "enable-node-maintenance", "stop", "rw fail", "update fail"} == on
    card = window.nodes_panel.card("node1")
    assert card.actions_by_command["crm node1 start"].toolTip() == "node1's CRM is already running"
    window.send("crm node1 enable-node-maintenance")  # queued: counts as done
    assert "disable-node-maintenance" in enabled("node1") and "enable-node-maintenance" not in enabled("node1")
    assert controller.submit("power node1 on") == "node1 is already powered on"  # the engine agrees


def test_the_requested_state_is_a_visible_combo_that_opens_on_a_click(cluster, qtbot):
    window, controller = cluster
    view = window.services.view
    index = view.model().index(0, COL_REQUESTED)
    assert not view.findChildren(QComboBox, "requestedCombo")
    view.clicked.emit(index)  # one click, as on the real simulator's selector
    assert view.findChild(QComboBox, "requestedCombo") is not None
    assert "Click a “Requested” box" in window.services.hint.text()
