"""The nodes panel: one card per node, a view over `NodesModel`.

A card shows the node's state as the manager sees it (coloured chip), whether
it is the master, its CRM and LRM states, what the stack is waiting for on it
(countdowns), and the switches a person uses: power, network and a menu with
every other node action of the engine (reboot, shutdown, restart LRM,
maintenance, CRM stop/start, cluster-filesystem failures).  Switches send
commands through the controller; the card itself only shows the snapshot.
Clicking a card (anywhere but its buttons) selects the node: the card gets a
blue border and the explainer pane explains it (`nodeSelected`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hasim.snapshot import NodeView
from ui.models.nodes_model import NodesModel, daemon_text
from ui.resources import icon
from ui.style import DARK_TEXT, GOOD_TEXT, MUTED, WARN_TEXT, node_display_state, state_color, text_color_on
from ui.widgets.text_line import TextLine
from ui.zoom import scaled_font

NODE_ACTIONS = (
    ("Reboot", "reboot {node}"),
    ("Shutdown", "shutdown {node}"),
    ("Restart LRM", "restart-lrm {node}"),
    None,
    ("Enable maintenance mode", "crm {node} enable-node-maintenance"),
    ("Disable maintenance mode", "crm {node} disable-node-maintenance"),
    None,
    ("Stop CRM", "crm {node} stop"),
    ("Start CRM", "crm {node} start"),
    None,
    ("Cluster filesystem: fail writes", "cfs {node} rw fail"),
    ("Cluster filesystem: writes work", "cfs {node} rw work"),
    ("Cluster filesystem: fail updates", "cfs {node} update fail"),
    ("Cluster filesystem: updates work", "cfs {node} update work"),
)

TITLE_SCALE = 1.15  # the node's name, a little larger than the text

TOGGLE_STYLE = """
QToolButton { border: 1px solid #adb5bd; border-radius: 4px; padding: 2px 6px; background: #f1f3f5; }
QToolButton:checked { background: #d3f9d8; border-color: #2f9e44; }
QToolButton:disabled { color: #868e96; }
"""


class StateChip(QLabel):
    """The coloured state chip, painted directly.

    Its colour changes with the node's state; a style sheet per change
    re-polishes the widget (32 nodes powering on at once cost ~20 ms that
    way), painting a rounded rectangle costs nothing."""

    def __init__(self, text: str = "", parent=None) -> None:
        super().__init__(text, parent)
        self._color = QColor("#adb5bd")
        self.setContentsMargins(10, 2, 10, 2)
        self.setFont(scaled_font(bold=True))

    @property
    def color(self) -> str:
        return self._color.name()

    def set_state(self, text: str, color: str) -> None:
        if text != self.text():
            self.setText(text)
        if QColor(color) != self._color:
            self._color = QColor(color)
            pal = self.palette()
            pal.setColor(QPalette.ColorRole.WindowText, QColor(text_color_on(color)))
            self.setPalette(pal)
            self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._color)
        r = QRectF(self.rect())
        painter.drawRoundedRect(r, r.height() / 2, r.height() / 2)
        painter.end()
        super().paintEvent(event)


# One background whatever the node's power: a card greyed when its node was
# off repainted every pixel of it (its buttons and texts too) on each power
# change, ~120 KB a time over ssh -X; the chip ("off"), the Power switch and
# the daemons line already say it.
CARD_BACKGROUND = "#ffffff"


class NodeCard(QFrame):
    command = Signal(str)
    clicked = Signal(str)  # the node's name

    def __init__(self, name: str, parent=None) -> None:
        super().__init__(parent)
        self.name = name
        self.selected = False
        self.setObjectName(f"node-{name}")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"Click to explain {name} (right pane)")
        self.setFrameShape(QFrame.Shape.NoFrame)  # border and background: paintEvent
        self.title = QLabel(f"<b>{name}</b>")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setFont(scaled_font(TITLE_SCALE))
        icon_label = QLabel()
        icon_label.setPixmap(icon("node").pixmap(QSize(20, 20)))
        self.chip = StateChip("off")
        self.chip.setObjectName("stateChip")
        self.chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.chip.setMinimumWidth(84)
        self.power = self._toggle("Power", "power")
        self.power.setObjectName("powerSwitch")
        self.network = self._toggle("Network", "network")
        self.network.setObjectName("networkSwitch")
        self.power.clicked.connect(lambda checked: self._switch("power", checked))
        self.network.clicked.connect(lambda checked: self._switch("network", checked))
        self.more = QToolButton()
        self.more.setObjectName("nodeMenu")
        self.more.setText("Actions")
        self.more.setToolTip(f"More actions on {name}")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more.setStyleSheet("QToolButton { padding: 2px 6px; }")
        menu = QMenu(self.more)
        menu.setToolTipsVisible(True)  # a disabled action's tooltip says why
        menu.aboutToShow.connect(self.refresh_actions)
        self.checker = None  # command text -> why it cannot apply now (None: it can); the engine's check
        self.actions_by_command: dict[str, QAction] = {}
        for entry in NODE_ACTIONS:
            if entry is None:
                menu.addSeparator()
                continue
            text, template = entry
            cmd = template.format(node=name)
            act = menu.addAction(text)
            act.triggered.connect(lambda _=False, c=cmd: self.command.emit(c))
            self.actions_by_command[cmd] = act
        self.more.setMenu(menu)
        # every line is always there, empty or not: the card never changes its
        # height, so nothing below it moves under the pointer (a queued action
        # shows in the last line, inside the card)
        self.daemons = TextLine(color=DARK_TEXT)
        self.daemons.setObjectName("daemons")
        # the countdown changes every step while the stack waits: it takes the
        # room left (its length never re-lays the card out); the queued command
        # and the rest change on clicks only and take what they need
        self.waits = TextLine(color=WARN_TEXT, bold=True)
        self.waits.setObjectName("countdown")
        self.waits.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.extra = TextLine(color=MUTED)
        self.extra.setObjectName("cardExtra")
        self.extra.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.icon_label = icon_label

        top = QHBoxLayout()
        top.addWidget(icon_label)
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.chip)
        switches = QHBoxLayout()
        switches.addWidget(self.power)
        switches.addWidget(self.network)
        switches.addStretch(1)
        switches.addWidget(self.more)
        status = QHBoxLayout()
        status.setSpacing(8)
        status.addWidget(self.waits, 1)
        status.addWidget(self.extra)
        grid = QVBoxLayout(self)
        grid.setContentsMargins(8, 4, 8, 4)
        grid.setSpacing(2)
        grid.addLayout(top)
        grid.addLayout(switches)
        grid.addWidget(self.daemons)
        grid.addLayout(status)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._fit_icons()

    def _fit_icons(self) -> None:
        """Icons follow the font (zoom): about one and a quarter lines high."""
        px = max(16, round(self.fontMetrics().height() * 1.2))
        self.icon_label.setPixmap(icon("node").pixmap(QSize(px, px)))
        small = max(16, round(self.fontMetrics().height()))
        for b in (self.power, self.network):
            b.setIconSize(QSize(small, small))

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._fit_icons()
        super().changeEvent(event)

    def follow_zoom(self) -> None:
        """The application font changed (ui.zoom): the title and the chip have fonts of their own."""
        self.title.setFont(scaled_font(TITLE_SCALE))
        self.chip.setFont(scaled_font(bold=True))

    def paintEvent(self, event) -> None:
        """Border and background drawn here, not by a style sheet: a sheet on the
        card re-polishes every child widget whenever it changes."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = 2 if self.selected else 1
        painter.setPen(QPen(QColor("#1c7ed6" if self.selected else "#dee2e6"), width))
        painter.setBrush(QColor(CARD_BACKGROUND))
        half = width / 2
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(half, half, -half, -half), 6, 6)
        painter.end()

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.name)
            event.accept()
            return
        super().mousePressEvent(event)

    def _toggle(self, text: str, icon_name: str) -> QToolButton:
        b = QToolButton()
        b.setText(text)
        b.setIcon(icon(icon_name))
        b.setIconSize(QSize(16, 16))
        b.setCheckable(True)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        b.setStyleSheet(TOGGLE_STYLE)
        return b

    def _switch(self, what: str, on: bool) -> None:
        self.command.emit(f"{what} {self.name} {'on' if on else 'off'}")

    def set_read_only(self, read_only: bool) -> None:
        for w in (self.power, self.network, self.more):
            w.setEnabled(not read_only)

    def refresh_actions(self) -> None:
        """Enable each action of the menu only where it applies to the node as
        it is (queued commands counted), by the engine's own check: what the
        menu offers, the engine accepts; a disabled one's tooltip says why."""
        for cmd, act in self.actions_by_command.items():
            problem = self.checker(cmd) if self.checker is not None else None
            act.setEnabled(problem is None)
            act.setToolTip(problem or act.text())

    def show_node(self, node: NodeView, waits: tuple[str, ...], pending: list[str]) -> None:
        state = node_display_state(node)
        color = state_color(state)
        self.chip.set_state(state, color)
        title = f"<b>{node.name}</b>" + (f" <span style='color:{GOOD_TEXT}'>★ master</span>" if node.master else "")
        if title != self.title.text():
            self.title.setText(title)
        self.power.setChecked(node.power == "on")
        self.network.setChecked(node.network == "on")
        self.power.setToolTip(f"Power is {node.power}: click to switch it {'off' if node.power == 'on' else 'on'}")
        self.network.setToolTip(f"Network is {node.network}: click to switch it {'off' if node.network == 'on' else 'on'}")
        if node.power == "off" and node.crm_state is None and node.lrm_state is None:
            self.daemons.setText("Powered off: no CRM or LRM")
        else:
            self.daemons.setText(f"CRM: {daemon_text(node.crm_state)}   LRM: {daemon_text(node.lrm_state, node.lrm_mode)}")
        self.waits.setText(" · ".join(waits))
        extra = []
        if node.shutdown:
            extra.append(f"{node.shutdown} in progress")
        if not node.cfs_rw:
            extra.append("cfs writes failing")
        if not node.cfs_update:
            extra.append("cfs updates failing")
        if pending:
            extra.append("queued: " + "; ".join(pending))
        text = " · ".join(extra)
        self.extra.setText(text)
        self.extra.setToolTip(text)


class NodesPanel(QScrollArea):
    command = Signal(str)
    nodeSelected = Signal(str)  # a card was clicked

    def __init__(self, model: NodesModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.cards: dict[str, NodeCard] = {}
        self._pending: dict[str, list[str]] = {}
        self._read_only = False
        self._checker = None
        self.selected: str | None = None
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # cards fit the width
        self.inner = QWidget()
        self.box = QVBoxLayout(self.inner)
        self.box.setContentsMargins(4, 4, 4, 4)
        self.box.setSpacing(6)
        self.box.addStretch(1)
        self.setWidget(self.inner)
        model.modelReset.connect(self._rebuild)
        model.dataChanged.connect(self._changed)
        self._rebuild()

    def minimumSizeHint(self) -> QSize:
        """As narrow as a card can be (every switch whole), plus room for the scroll bar."""
        card = NodeCard("node00")
        width = card.minimumSizeHint().width() + 8 + self.verticalScrollBar().sizeHint().width()
        card.deleteLater()
        return QSize(width, card.sizeHint().height() + 8)

    def cards_height(self) -> int:
        """The height that shows every card without scrolling."""
        return self.inner.sizeHint().height()

    def card(self, name: str) -> NodeCard:
        return self.cards[name]

    def select(self, name: str | None) -> None:
        """Highlight the card of `name` (None: no card)."""
        self.selected = name
        for card_name, card in self.cards.items():
            card.set_selected(card_name == name)
        if name in self.cards:
            self.ensureWidgetVisible(self.cards[name])

    def _clicked(self, name: str) -> None:
        self.select(name)
        self.nodeSelected.emit(name)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for card in self.cards.values():
            card.set_read_only(read_only)

    def set_checker(self, checker) -> None:
        """`checker(command text)`: why it cannot apply now (None: it can) — for the Actions menus."""
        self._checker = checker
        for card in self.cards.values():
            card.checker = checker

    def set_pending(self, pending: dict[str, list[str]]) -> None:
        if pending != self._pending:
            changed = set(pending) | set(self._pending)
            self._pending = pending
            for row in range(self.model.rowCount()):
                if self.model.node(row).name in changed:
                    self._show(row)

    def _rebuild(self) -> None:
        for card in self.cards.values():
            card.setParent(None)
            card.deleteLater()
        self.cards = {}
        for row in range(self.model.rowCount()):
            name = self.model.node(row).name
            card = NodeCard(name)
            card.command.connect(self.command)
            card.clicked.connect(self._clicked)
            card.set_read_only(self._read_only)
            card.checker = self._checker
            card.set_selected(name == self.selected)
            self.cards[name] = card
            self.box.insertWidget(self.box.count() - 1, card)
            self._show(row)

    def _changed(self, top: QModelIndex, bottom: QModelIndex, roles=()) -> None:
        for row in range(top.row(), bottom.row() + 1):
            self._show(row)

    def _show(self, row: int) -> None:
        node = self.model.node(row)
        card = self.cards.get(node.name)
        if card is not None:
            card.show_node(node, self.model.waits(row), self._pending.get(node.name, []))

