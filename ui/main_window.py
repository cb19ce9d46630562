"""The main window: time controls, nodes, services, timeline, log, manager status.

Layout (fits 1280×800): a toolbar with the time controls and the virtual
clock; left the nodes panel, right the services table; below them the
timeline; at the bottom the log and manager-status tabs.  The window refreshes
from the controller's snapshot at most ~10 times a second (the controller's
tick) and only touches what changed.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from hasim.snapshot import Snapshot
from ui.controller import SPEEDS, Controller
from ui.dialogs.rules_editor import RulesDialog
from ui.dialogs.service_dialogs import AddServiceDialog, EditServiceDialog, MigrateDialog
from ui.models import LogModel, NodesModel, ServicesModel
from ui.resources import icon
from ui.style import format_time
from ui.widgets.log_pane import LogPane
from ui.widgets.manager_status import ManagerStatusPane
from ui.widgets.nodes_panel import NodesPanel
from ui.widgets.services_table import ServicesTable
from ui.widgets.timeline import Timeline

log = logging.getLogger("hasim.ui.window")

CRS_MODES = ("basic", "static", "dynamic")
SHUTDOWN_POLICIES = ("conditional", "freeze", "failover", "migrate")


class MainWindow(QMainWindow):
    def __init__(self, controller: Controller, *, interactive_errors: bool = True) -> None:
        super().__init__()
        self.controller = controller
        self.read_only = controller.read_only
        self.interactive_errors = interactive_errors  # False: errors go to the status bar only
        self.last_error: str | None = None
        self.setWindowTitle("hasim — Proxmox VE HA simulator")
        self.setWindowIcon(icon("node"))
        self.resize(1280, 800)
        self.mutating: list = []  # every widget/action that changes the cluster

        self.nodes_model = NodesModel(self)
        self.services_model = ServicesModel(self)
        self.log_model = LogModel(self)

        self.nodes_panel = NodesPanel(self.nodes_model)
        self.nodes_panel.setMinimumWidth(300)
        self.nodes_panel.command.connect(self.send)
        self.services = ServicesTable(self.services_model)
        self.services.command.connect(self.send)
        self.services.addRequested.connect(self.add_service)
        self.services.migrateRequested.connect(self.migrate_service)
        self.services.editRequested.connect(self.edit_service)
        self.services.deleteRequested.connect(self.delete_service)
        self.timeline = Timeline(controller.history)
        self.log_pane = LogPane(self.log_model)
        self.manager_pane = ManagerStatusPane()

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.nodes_panel)
        top.addWidget(self.services)
        top.setStretchFactor(1, 1)
        top.setSizes([330, 950])
        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.setObjectName("bottomTabs")
        self.bottom_tabs.addTab(self.log_pane, "Cluster log")
        self.bottom_tabs.addTab(self.manager_pane, "Manager status")
        self.bottom_tabs.currentChanged.connect(lambda _i: self._refresh_manager_status())
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(top)
        main.addWidget(self.timeline)
        main.addWidget(self.bottom_tabs)
        main.setSizes([300, 230, 200])
        main.setChildrenCollapsible(False)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.addWidget(main)
        self.setCentralWidget(central)

        self._build_toolbar()
        self._build_menus()
        self._build_statusbar()
        self._build_shortcuts()

        controller.snapshotChanged.connect(self.show_snapshot)
        controller.logLines.connect(self.log_pane.append)
        controller.runningChanged.connect(self._running_changed)
        controller.speedChanged.connect(self._speed_changed)
        controller.errorOccurred.connect(self.show_error)
        controller.message.connect(lambda m: self.statusBar().showMessage(m, 5000))
        controller.simulationChanged.connect(self._simulation_changed)
        self._set_read_only(self.read_only)
        self._simulation_changed()
        if controller.snapshot is not None:
            self.show_snapshot(controller.snapshot)

    # -- building -------------------------------------------------------------------------------
    def _action(self, text, slot, icon_name=None, tip=None, mutating=False, shortcut=None) -> QAction:
        act = QAction(text, self)
        if icon_name:
            act.setIcon(icon(icon_name))
        if tip:
            act.setToolTip(tip)
            act.setStatusTip(tip)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(lambda _=False: slot())
        if mutating:
            self.mutating.append(act)
        return act

    def _build_toolbar(self) -> None:
        tb = QToolBar("Time")
        tb.setObjectName("timeToolbar")
        tb.setMovable(False)
        tb.setIconSize(QSize(20, 20))
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(tb)
        c = self.controller
        self.play_action = self._action("Run", c.toggle, "play", "Run / pause virtual time (Space)")
        self.step_action = self._action("Step", c.step, "step", "Run to the end of the current loop (S or →)")
        self.next_action = self._action("Next change", c.run_to_next_change, "next",
                                        "Run until a node or service changes state (N)")
        for act in (self.play_action, self.step_action, self.next_action):
            tb.addAction(act)
        tb.addSeparator()
        tb.addWidget(QLabel(" Speed "))
        self.speed_combo = QComboBox()
        self.speed_combo.setObjectName("speedCombo")
        self.speed_combo.setToolTip("Virtual seconds per real second (+ / -)")
        for s in SPEEDS:
            self.speed_combo.addItem(f"{s}×", float(s))
        self.speed_combo.currentIndexChanged.connect(lambda i: c.set_speed(self.speed_combo.itemData(i)))
        tb.addWidget(self.speed_combo)
        self._speed_changed(c.speed)
        tb.addSeparator()
        self.clock = QLabel()
        self.clock.setObjectName("clock")
        self.clock.setToolTip("Virtual time (seconds since the start, as in the log)")
        f = self.clock.font()
        f.setPointSizeF(f.pointSizeF() * 1.35)
        f.setBold(True)
        self.clock.setFont(f)
        self.clock.setMinimumWidth(210)
        tb.addWidget(self.clock)
        self.run_state = QLabel()
        self.run_state.setObjectName("runState")
        tb.addWidget(self.run_state)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        tb.addWidget(spacer)
        tb.addWidget(QLabel("CRS "))
        self.crs_combo = QComboBox()
        self.crs_combo.setObjectName("crsCombo")
        self.crs_combo.setToolTip("Cluster resource scheduler for HA (datacenter.cfg crs.ha)")
        self.crs_combo.addItems(CRS_MODES)
        self.crs_combo.activated.connect(lambda i: self.set_crs_mode(CRS_MODES[i]))
        tb.addWidget(self.crs_combo)
        self.mutating.append(self.crs_combo)
        self.rules_action = self._action("Rules…", self.edit_rules, "rules", "View and edit HA rules and groups")
        tb.addAction(self.rules_action)
        self.save_action = self._action("Save", self.save, "save",
                                        "Write the current state back into the working directory", mutating=True,
                                        shortcut="Ctrl+S")
        tb.addAction(self.save_action)
        self.read_only_badge = QLabel("  READ-ONLY  ")
        self.read_only_badge.setObjectName("readOnlyBadge")
        self.read_only_badge.setStyleSheet("background: #fff3bf; color: #e67700; font-weight: bold; border-radius: 4px")
        self.read_only_badge.setToolTip("Started with --read-only: you can watch and drive time, nothing changes the cluster")
        self.read_only_badge_action = tb.addWidget(self.read_only_badge)

    def _build_menus(self) -> None:
        c = self.controller
        mb = self.menuBar()
        file_menu = mb.addMenu("&File")
        file_menu.addAction(self._action("&Open working directory…", self.open_dir, "open", shortcut="Ctrl+O"))
        file_menu.addAction(self._action("&Reload (start this directory again)", self.controller.reload,
                                         shortcut="Ctrl+R"))
        file_menu.addAction(self.save_action)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, shortcut="Ctrl+Q"))
        sim = mb.addMenu("&Simulation")
        for act in (self.play_action, self.step_action, self.next_action):
            sim.addAction(act)
        sim.addAction(self._action("Faster", c.faster, tip="+"))
        sim.addAction(self._action("Slower", c.slower, tip="-"))
        dc = mb.addMenu("&Datacenter")
        self.policy_group = QActionGroup(self)
        policy_menu = dc.addMenu("HA shutdown policy")
        self.policy_actions = {}
        for policy in SHUTDOWN_POLICIES:
            act = QAction(policy, self, checkable=True)
            act.triggered.connect(lambda _=False, p=policy: self.set_shutdown_policy(p))
            self.policy_group.addAction(act)
            policy_menu.addAction(act)
            self.policy_actions[policy] = act
            self.mutating.append(act)
        crs_menu = dc.addMenu("CRS mode")
        self.crs_group = QActionGroup(self)
        self.crs_actions = {}
        for mode in CRS_MODES:
            act = QAction(mode, self, checkable=True)
            act.triggered.connect(lambda _=False, m=mode: self.set_crs_mode(m))
            self.crs_group.addAction(act)
            crs_menu.addAction(act)
            self.crs_actions[mode] = act
            self.mutating.append(act)
        self.rebalance_action = QAction("Automatic rebalancing", self, checkable=True)
        self.rebalance_action.triggered.connect(lambda on: self.set_crs_flag("ha-auto-rebalance", on))
        self.rebalance_start_action = QAction("Rebalance on start", self, checkable=True)
        self.rebalance_start_action.triggered.connect(lambda on: self.set_crs_flag("ha-rebalance-on-start", on))
        for act in (self.rebalance_action, self.rebalance_start_action):
            dc.addAction(act)
            self.mutating.append(act)
        dc.addSeparator()
        dc.addAction(self._action("Disarm HA (freeze services)", lambda: self.disarm("freeze"), mutating=True))
        dc.addAction(self._action("Disarm HA (ignore services)", lambda: self.disarm("ignore"), mutating=True))
        dc.addAction(self._action("Arm HA", self.arm, mutating=True))
        dc.addSeparator()
        dc.addAction(self.rules_action)
        svc = mb.addMenu("Se&rvices")
        svc.addAction(self._action("Add service…", self.add_service, "add", mutating=True))
        helpm = mb.addMenu("&Help")
        helpm.addAction(self._action("Keyboard shortcuts", self.show_shortcuts))

    def _build_statusbar(self) -> None:
        sb = self.statusBar()
        self.quorum_label = QLabel()
        self.quorum_label.setObjectName("quorumLabel")
        self.master_label = QLabel()
        self.pending_label = QLabel()
        self.pending_label.setObjectName("pendingLabel")
        self.safety_label = QLabel("Safety: not checked")
        self.safety_label.setObjectName("safetyIndicator")
        self.safety_label.setToolTip("Placeholder: the HA safety checks (never two nodes running one service) "
                                     "will be shown here once the engine reports them")
        self.safety_label.setStyleSheet("color: #868e96")
        self.dir_label = QLabel()
        self.dir_label.setStyleSheet("color: #868e96")
        for w in (self.pending_label, self.master_label, self.quorum_label, self.safety_label, self.dir_label):
            sb.addPermanentWidget(w)

    def _build_shortcuts(self) -> None:
        c = self.controller
        self.shortcuts = []
        for keys, slot in (
            (("Space",), c.toggle),
            (("S", "Right"), c.step),
            (("+", "=", "Shift++"), c.faster),
            (("-",), c.slower),
            (("N",), c.run_to_next_change),
        ):
            for key in keys:
                sc = QShortcut(QKeySequence(key), self)
                sc.setContext(Qt.ShortcutContext.WindowShortcut)
                sc.activated.connect(slot)
                self.shortcuts.append(sc)

    # -- read-only ------------------------------------------------------------------------------
    def _set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        for w in self.mutating:
            w.setEnabled(not read_only)
        self.nodes_panel.set_read_only(read_only)
        self.services.set_read_only(read_only)
        self.read_only_badge_action.setVisible(read_only)
        title = "hasim — Proxmox VE HA simulator"
        if self.controller.path is not None:
            title += f" — {self.controller.path}"
        self.setWindowTitle(title + (" (read-only)" if read_only else ""))

    # -- refresh --------------------------------------------------------------------------------
    def _simulation_changed(self) -> None:
        self.timeline.set_history(self.controller.history)
        self.log_pane.clear()
        sim = self.controller.sim
        if sim is not None:
            self.log_pane.set_nodes(sim.nodes)
            self.dir_label.setText(str(self.controller.path))
        self._set_read_only(self.read_only)
        self._running_changed(self.controller.running)

    def show_snapshot(self, snap: Snapshot) -> None:
        c = self.controller
        self.clock.setText(f"t = {format_time(snap.time)}  ({snap.time} s)")
        self.nodes_model.update(snap, c.fence_deadlines)
        self.services_model.update(snap)
        self.nodes_panel.set_pending(self._pending_by_node())
        self.timeline.refresh()
        self._refresh_manager_status()
        self.quorum_label.setText("quorate" if snap.quorate else "no quorum")
        self.quorum_label.setStyleSheet("color: #2f9e44" if snap.quorate else "color: #e03131; font-weight: bold")
        running_master = next((n.name for n in snap.nodes if n.master and n.crm_state == "master"), None)
        if running_master:
            master = running_master
        elif snap.master:
            master = f"none running (lock held by {snap.master})"
        else:
            master = "none"
        disarm = f", HA disarmed ({snap.disarm.get('mode')})" if snap.disarm else ""
        self.master_label.setText(f"master: {master}{disarm}")
        pending = c.pending_count()
        self.pending_label.setText(f"{pending} change(s) queued for the next loop end" if pending else "")
        if self.crs_combo.currentText() != snap.crs_mode and snap.crs_mode in CRS_MODES:
            self.crs_combo.setCurrentText(snap.crs_mode)
        if snap.crs_mode in self.crs_actions:
            self.crs_actions[snap.crs_mode].setChecked(True)
        if snap.shutdown_policy in self.policy_actions:
            self.policy_actions[snap.shutdown_policy].setChecked(True)
        ended = snap.finished
        for act in (self.play_action, self.step_action, self.next_action):
            act.setEnabled(not ended)
        if ended:
            self.run_state.setText("  ended: " + (snap.error or "done").strip())
            self.run_state.setStyleSheet("color: #e03131; font-weight: bold")

    def _refresh_manager_status(self) -> None:
        snap = self.controller.snapshot
        if snap is not None and self.bottom_tabs.currentWidget() is self.manager_pane:
            self.manager_pane.show_status(snap.manager_status)

    def _pending_by_node(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        sim = self.controller.sim
        if sim is None:
            return out
        for cmd in self.controller.queued_commands():
            parts = cmd.split()
            if parts and parts[0] != "service" and len(parts) > 1:
                out.setdefault(parts[1], []).append(" ".join(p for i, p in enumerate(parts) if i != 1))
        return out

    def _running_changed(self, running: bool) -> None:
        self.play_action.setText("Pause" if running else "Run")
        self.play_action.setIcon(icon("pause" if running else "play"))
        if not (self.controller.snapshot and self.controller.snapshot.finished):
            self.run_state.setText("  running" if running else "  paused")
            self.run_state.setStyleSheet("color: #2f9e44" if running else "color: #868e96")

    def _speed_changed(self, speed: float) -> None:
        index = self.speed_combo.findData(float(speed))
        if index < 0:
            self.speed_combo.addItem(f"{speed:g}×", float(speed))
            index = self.speed_combo.count() - 1
        if index != self.speed_combo.currentIndex():
            self.speed_combo.blockSignals(True)
            self.speed_combo.setCurrentIndex(index)
            self.speed_combo.blockSignals(False)

    # -- errors ----------------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        self.last_error = message
        self.statusBar().showMessage(message, 10000)
        log.info("error shown: %s", message)
        if self.interactive_errors:
            QMessageBox.warning(self, "hasim", message)

    # -- actions ---------------------------------------------------------------------------------
    def send(self, command: str) -> bool:
        return self.controller.submit(command) is None

    def nodes(self) -> list[str]:
        sim = self.controller.sim
        return sim.nodes if sim is not None else []

    def _exec(self, dialog) -> bool:
        """Run a dialog (tests replace this to fill and accept dialogs)."""
        return bool(dialog.exec())

    def add_service(self) -> None:
        snap = self.controller.snapshot
        if snap is None or self.read_only:
            return
        taken = {s.sid for s in snap.services}
        taken |= {c.split()[1] for c, _ in self.controller._pending_commands() if c.split()[2:3] == ["add"]}
        dialog = AddServiceDialog(self.nodes(), taken, self)
        if self._exec(dialog):
            for cmd in dialog.commands():
                if not self.send(cmd):
                    break
            else:
                self.services.select(dialog.sid)

    def migrate_service(self, sid: str, relocate: bool = False) -> None:
        snap = self.controller.snapshot
        if snap is None or self.read_only:
            return
        dialog = MigrateDialog(snap.service(sid), self.nodes(), relocate, self)
        if self._exec(dialog):
            self.send(dialog.command())

    def edit_service(self, sid: str) -> None:
        if self.read_only:
            return
        if any(c.startswith("service ") for c in self.controller.queued_commands()):
            # the edit replaces service_config as a whole: it must not undo a queued change
            self.show_error("Service changes are queued for the next loop end; step once, then edit")
            return
        conf = (self.controller.read_config("service_config", {}) or {}).get(sid)
        if conf is None:
            self.show_error(f"No such service '{sid}'")
            return
        static = (self.controller.read_config("static_service_stats", {}) or {}).get(sid, {})
        dialog = EditServiceDialog(sid, conf, static, self)
        if not self._exec(dialog):
            return
        changes = dialog.config_changes()
        if changes:
            full = self.controller.read_config("service_config", {}) or {}
            record = dict(full.get(sid, conf))
            for key, value in changes.items():
                if value is None:
                    record.pop(key, None)
                else:
                    record[key] = value
            full[sid] = record
            self.controller.configure("service_config", full)
        cmd = dialog.stats_command()
        if cmd:
            self.send(cmd)

    def delete_service(self, sid: str) -> None:
        if self.read_only:
            return
        if self._confirm(f"Delete {sid}?", f"Remove {sid} from the HA configuration? The HA stack stops managing it."):
            self.send(f"service {sid} delete")

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _datacenter(self) -> dict:
        dc = self.controller.read_config("datacenter.cfg", {}) or {}
        return dc if isinstance(dc, dict) else {}

    def set_crs_mode(self, mode: str) -> None:
        dc = self._datacenter()
        crs = dict(dc.get("crs") or {})
        if crs.get("ha", "basic") == mode:
            return
        crs["ha"] = mode
        dc["crs"] = crs
        self.controller.configure("datacenter.cfg", dc)

    def set_crs_flag(self, key: str, on: bool) -> None:
        dc = self._datacenter()
        crs = dict(dc.get("crs") or {})
        if on:
            crs[key] = 1
        else:
            crs.pop(key, None)
        dc["crs"] = crs
        self.controller.configure("datacenter.cfg", dc)

    def set_shutdown_policy(self, policy: str) -> None:
        dc = self._datacenter()
        ha = dict(dc.get("ha") or {})
        ha["shutdown_policy"] = policy
        dc["ha"] = ha
        self.controller.configure("datacenter.cfg", dc)

    def _any_node(self) -> str | None:
        snap = self.controller.snapshot
        if snap is None or not snap.nodes:
            return None
        return snap.master or snap.nodes[0].name

    def disarm(self, mode: str) -> None:
        node = self._any_node()
        if node:
            self.send(f"crm {node} disarm-ha {mode}")

    def arm(self) -> None:
        node = self._any_node()
        if node:
            self.send(f"crm {node} arm-ha")

    def edit_rules(self) -> None:
        c = self.controller
        if c.sim is None:
            return
        dialog = RulesDialog(c.read_config("rules_config", "") or "", c.read_config("groups", "") or "",
                             self.nodes(), read_only=self.read_only, parent=self)
        if self._exec(dialog) and not self.read_only:
            for name, text in dialog.changes().items():
                c.configure(name, text)

    def save(self) -> None:
        self.controller.save()

    def open_dir(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a working directory")
        if path:
            self.controller.pause()
            self.controller.open(path)

    def show_shortcuts(self) -> None:
        QMessageBox.information(
            self,
            "Keyboard shortcuts",
            "Space\trun / pause\nS or →\tstep one loop\nN\trun to the next state change\n"
            "+ / -\tfaster / slower\nCtrl+S\tsave\nCtrl+Q\tquit",
        )

    def closeEvent(self, event) -> None:
        self.controller.shutdown()
        super().closeEvent(event)
