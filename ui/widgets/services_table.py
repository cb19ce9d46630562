"""The services table with its actions (add, migrate/relocate, edit, delete).

The "Requested" column is a combo (started, stopped, disabled, ignored) like
the real simulator's per-service selector: every cell is drawn as one, and a
click opens it; a change becomes a `service <sid> <state>` command.  Row actions work on the selected row, from
the buttons above the table, the context menu or a double click.  Selecting
a row also asks the explainer pane to explain that service (`serviceSelected`).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionComboBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hasim.vocab import REQUESTED_STATES
from ui.models.services_model import COL_REQUESTED, COL_SID, ServicesModel
from ui.resources import icon

ROW_HEIGHT = 26  # pixels at zoom 1
TYPICAL = ("vm:1000", "started", "recovery", "node10", "node10", "error (1)")  # what a column shows


class CompactButton(QToolButton):
    """A tool button that can do with its icon alone: the table shows the
    buttons' icons only when the row is too narrow for their text (1024×768,
    a large zoom), so they stay whole and in reach, their text in the tooltip."""

    def minimumSizeHint(self) -> QSize:
        return QSize(self.iconSize().width() + 12, super().minimumSizeHint().height())

    def text_width(self) -> int:
        return self.iconSize().width() + self.fontMetrics().horizontalAdvance(self.text()) + 24


class RequestedStateDelegate(QStyledItemDelegate):
    """A combo for the requested state; choosing a value sends the command.

    Every cell is *painted* as a combo box (a thousand real widgets would
    cost their memory and repaints); the real combo opens on a click."""

    requested = Signal(str, str)  # sid, state

    def paint(self, painter, option, index) -> None:
        if not self.parent().model().flags(index) & Qt.ItemFlag.ItemIsEditable:
            super().paint(painter, option, index)  # read-only: plain text
            return
        style = option.widget.style() if option.widget else QApplication.style()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        box = QStyleOptionComboBox()
        box.rect = option.rect.adjusted(2, 2, -2, -2)
        box.state = option.state | QStyle.StateFlag.State_Enabled
        box.palette = option.palette
        box.currentText = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        box.editable = False
        style.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, box, painter, option.widget)
        style.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, box, painter, option.widget)

    def createEditor(self, parent, option, index):
        combo = QComboBox(parent)
        combo.setObjectName("requestedCombo")
        combo.addItems(REQUESTED_STATES)
        combo.activated.connect(lambda _i, c=combo: self.commitData.emit(c))
        return combo

    def setEditorData(self, editor, index):
        editor.setCurrentText(index.data(Qt.ItemDataRole.EditRole))

    def setModelData(self, editor, model, index):
        value = editor.currentText()
        if value != index.data(Qt.ItemDataRole.EditRole):
            sid = index.siblingAtColumn(COL_SID).data()
            self.requested.emit(sid, value)


class ServicesTable(QWidget):
    command = Signal(str)
    addRequested = Signal()
    migrateRequested = Signal(str, bool)  # sid, relocate
    editRequested = Signal(str)
    deleteRequested = Signal(str)
    serviceSelected = Signal(str)  # a row was selected (by click, keyboard or `select`)

    def __init__(self, model: ServicesModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.view = QTableView()
        self.view.setObjectName("servicesTable")
        self.view.setModel(model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.SelectedClicked | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.view.clicked.connect(self._clicked)  # one click on a "Requested" combo opens it
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # `_fit_columns` shares the width out
        header.setMinimumSectionSize(20)
        header.setHighlightSections(False)
        self.delegate = RequestedStateDelegate(self.view)
        self.delegate.requested.connect(lambda sid, state: self.command.emit(f"service {sid} {state}"))
        self.view.setItemDelegateForColumn(COL_REQUESTED, self.delegate)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(self._double_clicked)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        model.rowsRemoved.connect(lambda *_: self._update_buttons())

        self.buttons: dict[str, QToolButton] = {}
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        title = self.title = QLabel("<b>Services</b>")
        bar.addWidget(title)
        bar.addSpacing(8)
        for key, text, icon_name, slot in (
            ("add", "Add…", "add", self.addRequested.emit),
            ("migrate", "Migrate…", "migrate", lambda: self._with_sid(lambda s: self.migrateRequested.emit(s, False))),
            ("relocate", "Relocate…", "relocate", lambda: self._with_sid(lambda s: self.migrateRequested.emit(s, True))),
            ("edit", "Edit…", "edit", lambda: self._with_sid(self.editRequested.emit)),
            ("delete", "Delete", "delete", lambda: self._with_sid(self.deleteRequested.emit)),
        ):
            b = CompactButton()
            b.setObjectName(f"service-{key}")
            b.setText(text)
            b.setToolTip(text.rstrip("…"))
            b.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            b.setIcon(icon(icon_name))
            b.setIconSize(QSize(16, 16))
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.clicked.connect(slot)
            self.buttons[key] = b
            bar.addWidget(b)
        self.hint = QLabel("Click a “Requested” box to change it")
        self.hint.setStyleSheet("color: #868e96")
        # shown when there is room (the explainer pane shares the row)
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar.addWidget(self.hint, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self._read_only = False
        self._update_buttons()

    def _column_minimums(self) -> list[int]:
        """Each column as wide as its title or a typical value, whichever is wider."""
        fm = self.view.horizontalHeader().fontMetrics()
        out = []
        for c in range(self.model.columnCount()):
            title = str(self.model.headerData(c, Qt.Orientation.Horizontal))
            out.append(max(fm.horizontalAdvance(title), fm.horizontalAdvance(TYPICAL[c])) + 16)
        return out

    def _fit_columns(self) -> None:
        """Never narrower than the minimums (the table scrolls sideways rather than cut
        "Requested"); extra room is shared evenly."""
        mins = self._column_minimums()
        extra = max(0, self.view.viewport().width() - sum(mins))
        header = self.view.horizontalHeader()
        for c, w in enumerate(mins):
            header.resizeSection(c, w + extra // len(mins) + (1 if c < extra % len(mins) else 0))

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        width = sum(self._column_minimums()) + 2 * self.view.frameWidth() + 4
        return QSize(max(hint.width(), width), hint.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_columns()
        self._fit_buttons()

    def _buttons_with_text(self) -> int:
        return sum(b.text_width() for b in self.buttons.values()) + self.title.sizeHint().width() + 24

    def _fit_buttons(self) -> None:
        """All buttons with their text if it fits, else all with their icon only."""
        style = (Qt.ToolButtonStyle.ToolButtonTextBesideIcon if self.width() >= self._buttons_with_text()
                 else Qt.ToolButtonStyle.ToolButtonIconOnly)
        for b in self.buttons.values():
            if b.toolButtonStyle() != style:
                b.setToolButtonStyle(style)
        self._fit_hint()

    def _fit_hint(self) -> None:
        """The hint only where it fits whole, beside the buttons with their text."""
        needed = self._buttons_with_text() + self.hint.sizeHint().width() + 24
        self.hint.setVisible(not self._read_only and self.width() >= needed)

    def set_zoom(self, factor: float) -> None:
        """Rows and icons follow the window's zoom (the text follows the application font)."""
        self.updateGeometry()
        self._fit_columns()
        self.view.verticalHeader().setDefaultSectionSize(max(20, round(ROW_HEIGHT * factor)))
        for b in self.buttons.values():
            b.setIconSize(QSize(round(16 * factor), round(16 * factor)))

    def selected_sid(self) -> str | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        svc = self.model.service(rows[0].row())
        return svc.sid if svc else None

    def select(self, sid: str) -> None:
        row = self.model.row_of(sid)
        if row >= 0:
            self.view.selectRow(row)

    def clear_selection(self) -> None:
        self.view.clearSelection()

    def _selection_changed(self, *_args) -> None:
        self._update_buttons()
        sid = self.selected_sid()
        if sid is not None:
            self.serviceSelected.emit(sid)

    def _with_sid(self, fn) -> None:
        sid = self.selected_sid()
        if sid is not None:
            fn(sid)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.model.editable = not read_only
        self._fit_hint()
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.selected_sid() is not None
        self.buttons["add"].setEnabled(not self._read_only)
        for key in ("migrate", "relocate", "edit", "delete"):
            self.buttons[key].setEnabled(has and not self._read_only)

    def _clicked(self, index) -> None:
        if index.column() == COL_REQUESTED and not self._read_only:
            self.view.edit(index)

    def _double_clicked(self, index) -> None:
        if index.column() != COL_REQUESTED and not self._read_only:
            self._with_sid(self.editRequested.emit)

    def _context_menu(self, pos) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid() or self._read_only:
            return
        self.view.selectRow(index.row())
        sid = self.selected_sid()
        menu = QMenu(self)
        for state in REQUESTED_STATES:
            act = menu.addAction(f"Request {state}")
            act.triggered.connect(lambda _=False, s=state: self.command.emit(f"service {sid} {s}"))
        menu.addSeparator()
        menu.addAction(icon("migrate"), "Migrate…").triggered.connect(lambda: self.migrateRequested.emit(sid, False))
        menu.addAction(icon("relocate"), "Relocate…").triggered.connect(lambda: self.migrateRequested.emit(sid, True))
        menu.addAction(icon("edit"), "Edit…").triggered.connect(lambda: self.editRequested.emit(sid))
        menu.addSeparator()
        menu.addAction(icon("delete"), "Delete…").triggered.connect(lambda: self.deleteRequested.emit(sid))
        menu.popup(self.view.viewport().mapToGlobal(pos))
