"""The main window: time controls, nodes, services, explainer, timeline, log, manager status.

Layout (ui.window_layout): a toolbar with the time controls and the virtual
clock; nodes, services and the explainer (click a node card or a service row
to explain it), the timeline, and the log and manager-status tabs — the log
at the bottom, or full height on the right (View menu).  The status bar
carries the safety indicator (the invariant checks; click it for the list).
The window opens fitted to the screen, remembers its size, splitters, zoom
and layout (ui.settings), and zooms for a projector (ui.zoom).  It refreshes
from the controller's snapshot at most ~10 times a second (twice a second
over ssh: ui.display) and only touches what changed.
"""

from __future__ import annotations

import html
import logging
import os

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hasim import commands as C
from hasim.analysis.invariants import INVARIANTS
from hasim.snapshot import Snapshot
from ui.branch_actions import BranchActions
from ui.controller import SPEEDS, Controller
from ui.dialogs.import_dialog import ImportDialog
from ui.dialogs.rules_editor import RulesDialog
from ui.dialogs.scenario_picker import ScenarioPicker
from ui.dialogs.service_dialogs import (
    AddServiceDialog,
    EditServiceDialog,
    MigrateDialog,
)
from ui.display import refresh_interval_ms
from ui.help import (
    FIRST_TEN_MINUTES,
    HelpDialog,
    TextDialog,
    scenario_guide,
    shortcuts_text,
)
from ui.models import LogModel, NodesModel, ServicesModel
from ui.natural import natural_sorted
from ui.report_actions import ReportActions
from ui.resources import icon
from ui.save_resume import SaveActions
from ui.settings import Settings
from ui.style import BAD_TEXT, BLUE_TEXT, GOOD_TEXT, MUTED, WARN_TEXT, format_time
from ui.throttle import Throttle
from ui.widgets.explain_pane import ExplainPane
from ui.widgets.log_pane import LogPane
from ui.widgets.status_bar import StatusBar
from ui.widgets.manager_status import ManagerStatusPane
from ui.widgets.nodes_panel import NodesPanel
from ui.widgets.services_table import ServicesTable
from ui.widgets.text_line import TextLine
from ui.widgets.timeline import Timeline
from ui.window_layout import arrange, fitting_size
from ui.zoom import Zoom

log = logging.getLogger("hasim.ui.window")

CRS_MODES = ("basic", "static", "dynamic")
SAFE_STYLE = ("QToolButton#safetyIndicator { color: white; background: #2b7a3b; border: none; border-radius: 8px;"
              " padding: 1px 10px; font-weight: bold; }")
UNSAFE_STYLE = ("QToolButton#safetyIndicator { color: white; background: #c92a2a; border: none; border-radius: 8px;"
                " padding: 1px 10px; font-weight: bold; }")
UNCHECKED_STYLE = ("QToolButton#safetyIndicator { color: #495057; background: #e9ecef; border: none;"
                   " border-radius: 8px; padding: 1px 10px; }")
SHUTDOWN_POLICIES = ("conditional", "freeze", "failover", "migrate")
PENDING = "{n} change(s) queued for the next loop end"


class MainWindow(QMainWindow):
    def __init__(self, controller: Controller, *, interactive_errors: bool = True, settings: Settings | None = None,
                 scale: float | None = None) -> None:
        super().__init__()
        self.controller = controller
        self.read_only = controller.read_only
        self.interactive_errors = interactive_errors  # False: errors go to the status bar only
        self.last_error: str | None = None
        self.settings = settings or Settings()
        self.zoom = Zoom(scale if scale else self.settings.zoom())
        self.setWindowTitle("hasim — Proxmox VE HA simulator")
        self.setWindowIcon(icon("node"))
        self.resize(1280, 800)
        self.setStatusBar(StatusBar())  # its message repaints only the pixels that change (ssh -X)
        self.mutating: list = []  # every widget/action that changes the cluster
        self.saving = SaveActions(self)
        self.reports = ReportActions(self)
        self.branches = BranchActions(self)

        self.nodes_model = NodesModel(self)
        self.services_model = ServicesModel(self)
        self.log_model = LogModel(self)

        self.nodes_panel = NodesPanel(self.nodes_model)
        self.nodes_panel.command.connect(self.send)
        self.nodes_panel.set_checker(lambda cmd: self.controller.check_command(cmd))
        self.services = ServicesTable(self.services_model)
        self.services.command.connect(self.send)
        self.services.addRequested.connect(self.add_service)
        self.services.migrateRequested.connect(self.migrate_service)
        self.services.editRequested.connect(self.edit_service)
        self.services.deleteRequested.connect(self.delete_service)
        self.timeline = Timeline(controller.history)
        self.timeline.goBackRequested.connect(lambda t: self.branches.go_back(preset=t))
        self.log_pane = LogPane(self.log_model)
        self.manager_pane = ManagerStatusPane()
        self.explain_pane = ExplainPane(controller)
        self.explain_pane.setMinimumWidth(200)
        self.nodes_panel.nodeSelected.connect(self.explain_node)
        self.services.serviceSelected.connect(self.explain_service)
        self.safety_dialog: SafetyDialog | None = None
        self.help_dialog: HelpDialog | None = None

        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.setObjectName("bottomTabs")
        self.bottom_tabs.addTab(self.log_pane, "Cluster log")
        self.bottom_tabs.addTab(self.manager_pane, "Manager status")
        self.bottom_tabs.currentChanged.connect(lambda _i: self._refresh_manager_status())
        central = QWidget()
        self._central_layout = QVBoxLayout(central)
        self._central_layout.setContentsMargins(6, 4, 6, 4)
        self.setCentralWidget(central)
        self.layout_name = ""
        self._shown_once = False
        self.splitters: dict[str, QSplitter] = {}
        self.set_layout(self.settings.layout())

        self._build_toolbar()
        self._build_menus()
        self._build_statusbar()
        self._build_shortcuts()
        self.services.set_zoom(self.zoom.factor)

        # views refresh from the published snapshot; over a remote display at most
        # every `refresh_ms` (each refresh costs its repainted pixels on the wire)
        self._lines: list = []
        self._first_snapshot_due = True  # a new simulation's first snapshot is shown at once
        self.refresh_ms = refresh_interval_ms(self.settings.refresh(), os.environ)
        self._view_throttle = Throttle(self.refresh_ms, self._refresh_views, self)
        self.explain_pane.set_min_interval(2 * self.refresh_ms)
        self.log_pane.view.compare_pixels = self.refresh_ms > 0  # a remote display: send only changed pixels
        controller.snapshotChanged.connect(self._snapshot_published)
        controller.logLines.connect(self._lines_published)
        controller.runningChanged.connect(self._running_changed)
        controller.speedChanged.connect(self._speed_changed)
        controller.paceChanged.connect(self._show_run_state)
        controller.searchingChanged.connect(self._searching_changed)
        controller.errorOccurred.connect(self.show_error)
        controller.message.connect(lambda m: self.statusBar().showMessage(m, 5000))
        controller.simulationChanged.connect(self._simulation_changed)
        controller.violationsFound.connect(self._violations_found)
        self._set_read_only(self.read_only)
        self._simulation_changed()
        if controller.snapshot is not None:
            self.show_snapshot(controller.snapshot)

    # -- layout, zoom, refresh rate -------------------------------------------------------------------
    def set_layout(self, name: str) -> None:
        """Arrange the panes as `name` (ui.window_layout.LAYOUTS); splitter positions are kept per layout."""
        if name == self.layout_name:
            return
        if self.layout_name:
            self._remember_splitters()
        old = self.splitters.get("mainSplitter")
        root, self.splitters = arrange(name, self.nodes_panel, self.services, self.explain_pane, self.timeline,
                                       self.bottom_tabs, max(self.width(), 800), max(self.height(), 600))
        self._central_layout.addWidget(root)
        if old is not None:
            old.setParent(None)
            old.deleteLater()
        self.layout_name = name
        self.top_splitter = self.splitters["topSplitter"]
        for key, splitter in self.splitters.items():
            state = self.settings.splitter(f"{name}/{key}")
            if state is not None:
                splitter.restoreState(state)
        for act in getattr(self, "layout_actions", {}).values():
            act.setChecked(act.data() == name)
        if self._shown_once:
            self._fit_splitters()

    def _fit_splitters(self) -> None:
        """First sizes of a layout nobody has arranged yet: the cards whole, the
        timeline's lanes, the rest for the log."""
        if any(self.settings.splitter(f"{self.layout_name}/{k}") is not None for k in self.splitters):
            return
        cards = self.nodes_panel.cards_height() + 4
        lanes = self.timeline.sizeHint().height()
        if self.layout_name == "log-right":
            left = self.splitters["leftSplitter"]
            total = sum(left.sizes())
            top = min(cards, total // 2)
            left.setSizes([top, total - top])
            return
        self._fit_top_row()
        main = self.splitters["mainSplitter"]
        total = sum(main.sizes())
        top = min(cards, total // 2)
        timeline = min(lanes, (total - top) * 60 // 100)
        main.setSizes([top, timeline, total - top - timeline])

    def _fit_top_row(self) -> None:
        """Nodes as narrow as a whole card, the table wide enough for its headers, the explainer the rest."""
        top = self.splitters["topSplitter"]
        total = sum(top.sizes())
        nodes = self.nodes_panel.minimumSizeHint().width()
        table = self.services.minimumSizeHint().width()
        explain = max(self.explain_pane.minimumWidth(), (total - nodes - table) * 45 // 100)
        top.setSizes([nodes, total - nodes - explain, explain][:top.count()])

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            QTimer.singleShot(0, self._fit_splitters)  # once the window has its size

    def reset_pane_sizes(self) -> None:
        """The first sizes again (pane sizes are remembered: one squashed by
        mistake stayed so in every later window)."""
        for key in self.splitters:
            self.settings.forget_splitter(f"{self.layout_name}/{key}")
        self._fit_splitters()

    def _remember_splitters(self) -> None:
        for key, splitter in self.splitters.items():
            self.settings.set_splitter(f"{self.layout_name}/{key}", splitter.saveState())

    def fit_to_screen(self) -> None:
        """The first window's size: the remembered one, else 1280×800 within the available screen."""
        geometry = self.settings.geometry()
        if geometry is not None and self.restoreGeometry(geometry):
            return
        screen = self.screen() or QApplication.primaryScreen()
        if screen is not None:
            available = screen.availableGeometry()
            size = fitting_size(available, self.zoom.factor)
            self.resize(size)
            self.move(available.center() - self.rect().center())

    def set_zoom(self, factor: float) -> None:
        if self.zoom.set(factor):
            self._zoomed()

    def zoom_step(self, direction: int) -> None:
        if self.zoom.step(direction):
            self._zoomed()

    def _zoomed(self) -> None:
        z = self.zoom
        self.time_toolbar.setIconSize(QSize(z.px(20), z.px(20)))
        self.services.set_zoom(z.factor)
        self.settings.set_zoom(z.factor)
        self.statusBar().showMessage(f"Zoom {round(z.factor * 100)} % (Ctrl + / Ctrl − / Ctrl 0)", 3000)

    def set_refresh(self, choice: str) -> None:
        self.settings.set_refresh(choice)
        self.refresh_ms = refresh_interval_ms(choice, os.environ)
        self._view_throttle.interval_ms = self.refresh_ms
        self.explain_pane.set_min_interval(2 * self.refresh_ms)
        self.log_pane.view.compare_pixels = self.refresh_ms > 0
        for act in self.refresh_actions.values():
            act.setChecked(act.data() == choice)

    def _snapshot_published(self, snap) -> None:
        first = snap is not None and self._first_snapshot_due
        if first:
            self._first_snapshot_due = False
        if self.refresh_ms <= 0:
            self._refresh_views()
        elif first:
            # a new directory's cards, rows and lanes at once: the log line
            # published just before would otherwise hold them back a whole
            # interval, and the first window's panes were sized without them
            # (over ssh the top row opened squashed to one card)
            self._view_throttle.run_now()
        else:
            self._view_throttle.request()

    def _lines_published(self, lines: list) -> None:
        self._lines.extend(lines)
        self._snapshot_published(None)

    def _refresh_views(self) -> None:
        if self._lines:
            lines, self._lines = self._lines, []
            self.log_pane.append(lines)
        if self.controller.snapshot is not None:
            self.show_snapshot(self.controller.snapshot)

    # -- building -------------------------------------------------------------------------------
    def _choice_menu(self, menu, values, choose) -> tuple[QActionGroup, dict[str, QAction]]:
        """One checkable action per value in `menu`, exclusive; choosing one
        calls `choose(value)` (a configuration change: disabled when read-only)."""
        group = QActionGroup(self)
        actions = {}
        for value in values:
            act = QAction(value, self, checkable=True)
            act.triggered.connect(lambda _=False, v=value: choose(v))
            group.addAction(act)
            menu.addAction(act)
            actions[value] = act
            self.mutating.append(act)
        return group, actions

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
        tb.setIconSize(QSize(self.zoom.px(20), self.zoom.px(20)))
        self.time_toolbar = tb
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(tb)
        c = self.controller
        # the time keys are the actions' own shortcuts, so the menus show them beside the actions
        self.play_action = self._action("Run", c.toggle, "play", "Run / pause virtual time (Space)",
                                        shortcut="Space")
        self.step_action = self._action("Step", c.step, "step", "Run to the end of the current loop (S or →)")
        self.step_action.setShortcuts([QKeySequence("S"), QKeySequence("Right")])
        self.next_action = self._action("Next change", c.find_next_change, "next",
                                        "Run until a node or service changes state (N); again to stop looking",
                                        shortcut="N")
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
        # the clock and the run state repaint only the characters that change
        self.clock = TextLine(reserve="t = 00:00:00  (000000 s)", bold=True, scale=1.35, whole=True)
        self.clock.setObjectName("clock")
        self.clock.setToolTip("Virtual time (seconds since the start, as in the log)")
        tb.addWidget(self.clock)
        self.run_state = TextLine(reserve="  running", whole=True)
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
        self.save_action = self._action("Save", self.saving.save, "save",
                                        "Save the session: opening the directory again resumes here (Ctrl+S)",
                                        mutating=True, shortcut="Ctrl+S")
        tb.addAction(self.save_action)
        self.read_only_badge = QLabel("  READ-ONLY  ")
        self.read_only_badge.setObjectName("readOnlyBadge")
        self.read_only_badge.setStyleSheet("background: #fff3bf; color: #9c4d00; font-weight: bold; border-radius: 4px")
        self.read_only_badge.setToolTip("Started with --read-only: you can watch and drive time, nothing changes the cluster")
        self.read_only_badge_action = tb.addWidget(self.read_only_badge)

    def _build_menus(self) -> None:
        c = self.controller
        mb = self.menuBar()
        file_menu = mb.addMenu("&File")
        self.open_scenario_action = self._action(
            "Open &scenario…", self.open_scenario, "open",
            "Open a fresh copy of a workshop scenario (with its README)", shortcut="Ctrl+Shift+O")
        self.reset_action = self._action(
            "&Reset to the start", self.reset, tip="Start the current scenario again from the beginning (Ctrl+R)",
            shortcut="Ctrl+R")
        file_menu.addAction(self.open_scenario_action)
        file_menu.addAction(self._action("&Open working directory…", self.open_dir, "open", shortcut="Ctrl+O"))
        self.import_action = self._action(
            "&Import cluster…", self.import_cluster, "open", shortcut="Ctrl+I",
            tip="Turn a copy of a real cluster's /etc/pve into a working directory and open it")
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.reset_action)
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        self.save_as_action = self._action(
            "Save &as…", self.saving.save_as, tip="Copy the directory with the session to a new folder and go on there",
            mutating=True, shortcut="Ctrl+Shift+S")
        self.save_scenario_action = self._action(
            "Save as s&cenario", self.saving.save_as_scenario, mutating=True,
            tip="Make the live state the directory's start, with an empty command list (the real simulator's Save)")
        file_menu.addAction(self.save_as_action)
        file_menu.addAction(self.save_scenario_action)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, shortcut="Ctrl+Q"))
        sim = mb.addMenu("&Simulation")
        for act in (self.play_action, self.step_action, self.next_action):
            sim.addAction(act)
        self.faster_action = self._action("Faster", c.faster, tip="Double the speed (+)")
        self.faster_action.setShortcuts([QKeySequence(k) for k in ("+", "=", "Shift++")])
        self.slower_action = self._action("Slower", c.slower, tip="Halve the speed (-)", shortcut="-")
        sim.addAction(self.faster_action)
        sim.addAction(self.slower_action)
        sim.addSeparator()
        sim.addAction(self.reset_action)
        sim.addSeparator()
        self.go_back_action = self._action(
            "&Go back to an earlier moment…", lambda: self.branches.go_back(), shortcut="Ctrl+B", mutating=True,
            tip="Replay this session to an earlier loop end and go on from there; the session so far is kept "
                "as a branch (also: right-click the timeline)")
        self.branches_action = self._action(
            "&Branches…", self.branches.show_branches, shortcut="Ctrl+Shift+B",
            tip="The branches kept in this directory: report one, compare two side by side")
        sim.addAction(self.go_back_action)
        sim.addAction(self.branches_action)
        sim.addSeparator()
        self.report_action = self._action(
            "Re&port…", lambda: self.reports.show_report(), shortcut="Ctrl+Shift+R",
            tip="The outcome of the run so far: outages, moves, fencing, quorum (as hasim report); export it")
        sim.addAction(self.report_action)
        self.safety_action = self._action("Safety checks…", self.show_safety,
                                          tip="The HA guarantees checked after every engine step")
        sim.addAction(self.safety_action)
        dc = mb.addMenu("&Datacenter")
        self.policy_group, self.policy_actions = self._choice_menu(
            dc.addMenu("HA shutdown policy"), SHUTDOWN_POLICIES, self.set_shutdown_policy)
        self.crs_group, self.crs_actions = self._choice_menu(dc.addMenu("CRS mode"), CRS_MODES, self.set_crs_mode)
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
        self._build_view_menu(mb.addMenu("&View"))
        helpm = mb.addMenu("&Help")
        self.first_steps_action = self._action("&First ten minutes…", self.show_first_steps,
                                               tip="A guided first session, one page", shortcut="F1")
        self.guide_action = self._action("Scenario &guide…", self.show_guide,
                                         tip="The open scenario's README: what it shows, what to try")
        helpm.addAction(self.first_steps_action)
        helpm.addAction(self.guide_action)
        helpm.addAction(self._action("&Keyboard shortcuts", self.show_shortcuts))

    def _build_view_menu(self, view) -> None:
        """Zoom (presentation), layout, and how often the views refresh."""
        view.addAction(self._action("Zoom &in", lambda: self.zoom_step(+1), shortcut="Ctrl++"))
        view.addAction(self._action("Zoom &out", lambda: self.zoom_step(-1), shortcut="Ctrl+-"))
        view.addAction(self._action("&Actual size", lambda: self.set_zoom(1.0), shortcut="Ctrl+0"))
        for keys, direction in ((("Ctrl+=", "Ctrl+Shift++"), +1), (("Ctrl+Shift+_",), -1)):
            for key in keys:
                sc = QShortcut(QKeySequence(key), self)
                sc.activated.connect(lambda d=direction: self.zoom_step(d))
        view.addSeparator()
        self.layout_actions = {}
        group = QActionGroup(self)
        for name, text in (("classic", "Log at the &bottom"), ("log-right", "Log &full height (as pve-ha-simulator)")):
            act = QAction(text, self, checkable=True)
            act.setData(name)
            act.setChecked(name == self.layout_name)
            act.triggered.connect(lambda _=False, n=name: self._choose_layout(n))
            group.addAction(act)
            view.addAction(act)
            self.layout_actions[name] = act
        self.reset_panes_action = self._action("&Reset pane sizes", self.reset_pane_sizes,
                                               tip="Forget the remembered pane sizes of this layout: "
                                                   "the cards whole, the lanes, the rest for the log")
        view.addAction(self.reset_panes_action)
        view.addSeparator()
        refresh = view.addMenu("&Refresh rate")
        self.refresh_actions = {}
        group = QActionGroup(self)
        choice = self.settings.refresh()
        for name, text in (("auto", "Automatic (twice a second over ssh, else every tick)"),
                           ("fast", "Every tick (ten times a second)"), ("remote", "Twice a second"),
                           ("slow", "Once a second")):
            act = QAction(text, self, checkable=True)
            act.setData(name)
            act.setChecked(name == choice)
            act.triggered.connect(lambda _=False, n=name: self.set_refresh(n))
            group.addAction(act)
            refresh.addAction(act)
            self.refresh_actions[name] = act

    def _choose_layout(self, name: str) -> None:
        self.set_layout(name)
        self.settings.set_layout(name)

    def _build_statusbar(self) -> None:
        sb = self.statusBar()
        self.quorum_label = TextLine(reserve="no quorum", whole=True, reserve_bold=True)  # bold when lost
        self.quorum_label.setObjectName("quorumLabel")
        self.master_label = TextLine(reserve="master: node10", whole=True)
        self.pending_label = TextLine(reserve=PENDING.format(n=99), whole=True)  # appears and goes: room kept
        self.pending_label.setObjectName("pendingLabel")
        self.safety_indicator = QToolButton()
        self.safety_indicator.setObjectName("safetyIndicator")
        self.safety_indicator.setCursor(Qt.CursorShape.PointingHandCursor)
        self.safety_indicator.clicked.connect(self.show_safety)
        self.dir_label = TextLine(color=MUTED)  # elided: the full path is its tooltip
        self.dir_label.setMaximumWidth(self.dir_label.fontMetrics().horizontalAdvance("M" * 22))  # the message comes first
        for w in (self.pending_label, self.master_label, self.quorum_label, self.safety_indicator, self.dir_label):
            sb.addPermanentWidget(w)
        self._show_safety_state()

    def _build_shortcuts(self) -> None:
        """The time keys belong to their actions (toolbar and Simulation menu,
        which shows them); the actions live in the menus, so they work while
        the window is active wherever the focus is."""
        for act in (self.play_action, self.step_action, self.next_action, self.faster_action, self.slower_action):
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)

    # -- read-only ------------------------------------------------------------------------------
    def _set_read_only(self, read_only: bool) -> None:
        """Enable what can act: nothing changes the cluster when read-only or
        when no directory is open (a bad one was given), and time stands."""
        self.read_only = read_only
        closed = self.controller.sim is None
        for w in self.mutating:
            w.setEnabled(not read_only and not closed)
        for act in (self.play_action, self.step_action, self.next_action, self.report_action,
                    self.branches_action):
            act.setEnabled(not closed)
        self.timeline.set_going_back(self.controller.going_back_problem())
        self.nodes_panel.set_read_only(read_only or closed)
        self.services.set_read_only(read_only or closed)
        self.read_only_badge_action.setVisible(read_only)
        self.import_action.setEnabled(not read_only)  # it writes a new directory; needs none open
        title = "hasim — Proxmox VE HA simulator"
        if self.controller.source is not None:
            title += f" — scenario {self.controller.source}"
        elif self.controller.path is not None:
            title += f" — {self.controller.path}"
        self.setWindowTitle(title + (" (read-only)" if read_only else ""))

    # -- refresh --------------------------------------------------------------------------------
    def _simulation_changed(self) -> None:
        self._lines = []  # lines of the simulation before, not shown yet (remote refresh)
        self._first_snapshot_due = True
        guide = scenario_guide(self.controller.source, self.controller.path)
        self.guide_action.setEnabled(guide is not None)
        self.guide_action.setText(f"Scenario &guide: {guide[0]}…" if guide else "Scenario &guide…")
        self.timeline.set_history(self.controller.history)
        self.log_pane.clear()
        sim = self.controller.sim
        if sim is not None:
            self.log_pane.set_nodes(sim.nodes)
            source = self.controller.source
            self.dir_label.setText(f"{source} (fresh copy in {self.controller.path})" if source
                                   else str(self.controller.path))
            self.dir_label.setToolTip(str(self.controller.path))
        self._set_read_only(self.read_only)
        self._running_changed(self.controller.running)
        self._show_safety_state()
        self.explain_pane.simulation_changed()
        self.reports.simulation_changed()
        if self.explain_pane.subject is None:
            self.nodes_panel.select(None)

    def show_snapshot(self, snap: Snapshot) -> None:
        c = self.controller
        self.clock.setText(f"t = {format_time(snap.time)}  ({snap.time} s)")
        self.nodes_model.update(snap, c.fence_deadlines)
        self.services_model.update(snap)
        self.nodes_panel.set_pending(self._pending_by_node())
        self.timeline.refresh()
        self._refresh_manager_status()
        self.explain_pane.snapshot_changed()
        self.quorum_label.setText("quorate" if snap.quorate else "no quorum")
        self.quorum_label.set_style(GOOD_TEXT if snap.quorate else BAD_TEXT, bold=not snap.quorate)
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
        self.pending_label.setText(PENDING.format(n=pending) if pending else "")
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
            self.run_state.set_style(BAD_TEXT, bold=True)

    # -- explainer ----------------------------------------------------------------------------------
    def explain_node(self, name: str) -> None:
        """Explain node `name` (a click on its card does this)."""
        self.nodes_panel.select(name)
        self.services.clear_selection()
        self.explain_pane.set_subject("node", name)

    def explain_service(self, sid: str) -> None:
        """Explain service `sid` (selecting its row does this)."""
        self.nodes_panel.select(None)
        self.explain_pane.set_subject("service", sid)

    # -- safety -------------------------------------------------------------------------------------
    def _show_safety_state(self) -> None:
        c = self.controller
        button = self.safety_indicator
        count = len(c.violations)
        if c.sim is None or c.monitor is None and not count:
            button.setText("Safety: not checked")
            button.setToolTip("The HA safety checks run when a working directory is open")
            style = UNCHECKED_STYLE
        elif count:
            last = c.violations[-1]
            button.setText(f"⚠ Safety: {count} violation{'s' if count != 1 else ''}")
            button.setToolTip(f"Last: at {last.time} s, {last.name}: {last.detail}\nClick for the explanation.")
            style = UNSAFE_STYLE
        else:
            button.setText(f"✔ Safety: OK — {c.check_count} checks")
            button.setToolTip("The HA guarantees hold so far (checked after every engine step):\n"
                              + "\n".join(f"• {inv.title}" for inv in INVARIANTS.values())
                              + "\nClick for details.")
            style = SAFE_STYLE
        if button.styleSheet() != style:
            button.setStyleSheet(style)
        if self.safety_dialog is not None and self.safety_dialog.isVisible():
            self.safety_dialog.show_violations(c.violations, checked=c.monitor is not None)

    def _violations_found(self, found: list) -> None:
        self._show_safety_state()
        v = found[0]
        self.statusBar().showMessage(f"Safety violation at {v.time} s: {v.name}: {v.detail}", 15000)

    def show_safety(self) -> None:
        """The safety indicator was clicked: list the violations with their explanation."""
        if self.safety_dialog is None:
            self.safety_dialog = SafetyDialog(self)
        self.safety_dialog.show_violations(self.controller.violations, checked=self.controller.monitor is not None)
        self.safety_dialog.show()
        self.safety_dialog.raise_()

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
            if isinstance(cmd, C.NodeCommand):
                words = cmd.render().split()
                out.setdefault(cmd.node, []).append(" ".join(words[:1] + words[2:]))
        return out

    def _running_changed(self, running: bool) -> None:
        self.play_action.setText("Pause" if running else "Run")
        self.play_action.setIcon(icon("pause" if running else "play"))
        self._show_run_state()

    def _searching_changed(self, searching: bool) -> None:
        self.next_action.setText("Stop looking" if searching else "Next change")
        self._show_run_state()

    def _show_run_state(self, *_args) -> None:
        c = self.controller
        if c.snapshot and c.snapshot.finished:
            return  # show_snapshot says how it ended
        pace = c.pace if c.running else 0.0
        if c.searching:
            text, color = "  looking for the next state change…", BLUE_TEXT
        elif pace:
            text, color = f"  running at {pace:g}× (the engine cannot keep up with {c.speed:g}×)", WARN_TEXT
        elif c.running:
            text, color = "  running", GOOD_TEXT
        else:
            text, color = "  paused", MUTED
        self.run_state.setText(text)
        self.run_state.set_style(color)

    def _speed_changed(self, speed: float) -> None:
        self.timeline.set_speed(speed)
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
        return natural_sorted(sim.nodes) if sim is not None else []

    def _exec(self, dialog) -> bool:
        """Run a dialog (tests replace this to fill and accept dialogs)."""
        return bool(dialog.exec())

    def add_service(self) -> None:
        snap = self.controller.snapshot
        if snap is None or self.read_only:
            return
        taken = {s.sid for s in snap.services}
        taken |= {c.sid for c in self.controller.queued_commands() if isinstance(c, C.AddService)}
        dialog = AddServiceDialog(list(snap.nodes), taken, self)
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
        dialog = MigrateDialog(snap.service(sid), list(snap.nodes), relocate, self)
        if self._exec(dialog):
            self.send(dialog.command())

    def edit_service(self, sid: str) -> None:
        if self.read_only:
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
        if changes:  # applied to service_config as it is then: queued changes stay
            self.controller.submit(C.EditService(sid, tuple(sorted(changes.items()))))
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
        if (self._datacenter().get("crs") or {}).get("ha", "basic") != mode:
            self.controller.submit(C.SetDatacenterOption("crs", "ha", mode))

    def set_crs_flag(self, key: str, on: bool) -> None:
        self.controller.submit(C.SetDatacenterOption("crs", key, 1 if on else None))

    def set_shutdown_policy(self, policy: str) -> None:
        self.controller.submit(C.SetDatacenterOption("ha", "shutdown_policy", policy))

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
                             self.nodes(), read_only=self.read_only, parent=self,
                             resources=sorted(c.read_config("service_config", {}) or {}))
        if self._exec(dialog) and not self.read_only:
            for name, text in dialog.changes().items():
                c.configure(name, text)

    def may_discard(self, what: str) -> bool:
        """Ask before `what` replaces or ends a session with unsaved work
        (Save / Discard / Cancel); True: go ahead.  Every action that does
        so calls this first (Open, Reset, Import, Quit)."""
        return self.saving.may_discard(what)

    def open_dir(self) -> None:
        if not self.may_discard("Opening another directory"):
            return
        path = QFileDialog.getExistingDirectory(self, "Open a working directory")
        if path:
            self.open_path(path)

    def open_path(self, path) -> bool:
        """Make `path` the open working directory (Open working directory, Import)."""
        self.controller.pause()
        return self.controller.open(path)

    def import_cluster(self) -> None:
        """File → Import cluster…: the dialog imports (and shows every warning
        while the open cluster stays); its Open makes the new directory the
        open one, once unsaved work was saved or given up."""
        if self.read_only:
            self.show_error("Read-only mode: importing writes a new working directory, so it is disabled")
            return
        dialog = ImportDialog(self)
        if not self._exec(dialog) or dialog.imported_dir is None:
            return
        if not self.may_discard("Importing a cluster"):
            self.statusBar().showMessage(f"The imported cluster is in {dialog.imported_dir}: File → Open working "
                                         "directory opens it", 15000)
            return
        self.open_path(dialog.imported_dir)

    def open_scenario(self) -> None:
        """File → Open scenario…: pick a shipped scenario, open a fresh copy of it."""
        dialog = ScenarioPicker(self, current=self.controller.source)
        if self._exec(dialog):
            name = dialog.selected_name()
            if name and self.may_discard(f"Opening the scenario '{name}'"):
                self.controller.open_shipped(name)

    def reset(self) -> None:
        """Simulation → Reset: the current scenario from its start."""
        if self.may_discard("Reset"):
            self.controller.reset()

    def show_shortcuts(self) -> None:
        keyed = [a for menu in self.menuBar().findChildren(QMenu) for a in menu.actions() if a.shortcuts()]
        unique = list(dict.fromkeys(keyed))
        self._show_help("Keyboard shortcuts", "```\n" + shortcuts_text(unique).replace("\t", "   ") + "\n```")

    def show_first_steps(self) -> None:
        """Help → First ten minutes."""
        self._show_help("The first ten minutes", FIRST_TEN_MINUTES)

    def show_guide(self) -> None:
        """Help → Scenario guide: the open scenario's README."""
        guide = scenario_guide(self.controller.source, self.controller.path)
        if guide is None:
            self.statusBar().showMessage("This directory has no README.md: no guide to show", 5000)
            return
        self._show_help(guide[0], guide[1])

    def _show_help(self, title: str, markdown: str) -> None:
        if self.help_dialog is not None:
            self.help_dialog.close()
        self.help_dialog = HelpDialog(title, markdown, self)
        self.help_dialog.show()

    def closeEvent(self, event) -> None:
        if not self.may_discard("Quitting"):
            event.ignore()
            return
        self.settings.set_geometry(self.saveGeometry())
        self._remember_splitters()
        self.settings.set_layout(self.layout_name)
        self.settings.sync()
        self.controller.shutdown()
        super().closeEvent(event)


class SafetyDialog(TextDialog):
    """The safety checks and every violation so far, in plain words (non-modal)."""

    def __init__(self, parent=None) -> None:
        super().__init__("safety", "Safety checks", 520, parent)

    def show_violations(self, violations: list, checked: bool = True) -> None:
        esc = html.escape
        out = []
        if violations:
            n = len(violations)
            out.append(f"<h3 style='color:#e03131'>{n} violation{'s' if n != 1 else ''} of the HA guarantees</h3>")
            for v in violations:
                title = INVARIANTS[v.name].title if v.name in INVARIANTS else v.name
                out.append(f"<p><b>at {v.time} s — {esc(title)}</b> <code>{esc(v.name)}</code><br>"
                           f"<span style='color:#c92a2a'>{esc(v.detail)}</span><br>{esc(v.explanation)}</p>")
        elif checked:
            out.append("<h3 style='color:#2f9e44'>No violation so far</h3>")
        else:
            out.append("<h3>The safety checks are not running</h3>")
        out.append("<p><b>What is checked</b> after every engine step (one node's CRM and LRM, or a loop end):</p><ul>")
        for inv in INVARIANTS.values():
            out.append(f"<li><b>{esc(inv.title)}</b> <code>{esc(inv.name)}</code><br>{esc(inv.explanation)}</li>")
        out.append("</ul>")
        self.text.setHtml("".join(out))
