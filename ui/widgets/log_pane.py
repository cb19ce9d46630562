"""The cluster log: live, coloured by level, filterable, searchable.

It follows the tail unless the user scrolled up (scrolling back to the
bottom resumes following).  Lines arrive in batches; the view scrolls and
paints the new lines only (`LogView`), and the line count repaints only its
changed digits.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from hasim.analysis.invariants import Violation
from ui.models.log_model import LINE_ROLE, LogFilterProxy, LogModel
from ui.natural import natural_sorted
from ui.style import MUTED
from ui.widgets.log_view import LogView
from ui.widgets.text_line import TextLine

LEVELS = (("All levels", None), ("errors", "err"), ("warnings", "warn"), ("notices", "noti"),
          ("info", "info"), ("emails", "emai"))
DAEMONS = (("All sources", None), ("CRM", "crm"), ("LRM", "lrm"), ("harness / commands", "harness"))


class LogPane(QWidget):
    def __init__(self, model: LogModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = LogFilterProxy(self)
        self.proxy.setSourceModel(model)
        self.view = LogView()  # scrolls and paints the new lines only (see ui.widgets.log_view)
        self.view.setObjectName("logView")
        self.view.setModel(self.proxy)
        model.set_font(self.view.font())
        self.node_filter = QComboBox()
        self.node_filter.setObjectName("logNodeFilter")
        self.node_filter.addItem("All nodes", None)
        self.daemon_filter = QComboBox()
        self.daemon_filter.setObjectName("logDaemonFilter")
        for text, value in DAEMONS:
            self.daemon_filter.addItem(text, value)
        self.level_filter = QComboBox()
        self.level_filter.setObjectName("logLevelFilter")
        for text, value in LEVELS:
            self.level_filter.addItem(text, value)
        self.search = QLineEdit()
        self.search.setObjectName("logSearch")
        self.search.setPlaceholderText("Search the log…")
        self.search.setClearButtonEnabled(True)
        self.count = TextLine(reserve="00000 of 00000 lines", color=MUTED)
        self.node_filter.currentIndexChanged.connect(self._filter)
        self.daemon_filter.currentIndexChanged.connect(self._filter)
        self.level_filter.currentIndexChanged.connect(self._filter)
        self.search.textChanged.connect(self._filter)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.node_filter)
        bar.addWidget(self.daemon_filter)
        bar.addWidget(self.level_filter)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self._following = True
        self.view.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.view.verticalScrollBar().rangeChanged.connect(self._range_changed)

    def set_nodes(self, nodes: list[str]) -> None:
        current = self.node_filter.currentData()
        self.node_filter.blockSignals(True)
        self.node_filter.clear()
        self.node_filter.addItem("All nodes", None)
        for n in natural_sorted(nodes):
            self.node_filter.addItem(n, n)
        index = self.node_filter.findData(current)
        self.node_filter.setCurrentIndex(max(0, index))
        self.node_filter.blockSignals(False)

    @property
    def following(self) -> bool:
        return self._following

    def append(self, lines: list) -> None:
        self.model.append(lines)
        self._update_count()

    def clear(self) -> None:
        self.model.clear()
        self._following = True
        self._update_count()

    def _filter(self, *args) -> None:
        self.proxy.set_filter(
            node=self.node_filter.currentData(),
            daemon=self.daemon_filter.currentData(),
            level=self.level_filter.currentData(),
            text=self.search.text(),
        )
        self._update_count()
        if self._following:
            bar = self.view.verticalScrollBar()
            bar.setValue(bar.maximum())

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        noun = "line" if total == 1 else "lines"
        self.count.setText(f"{total} {noun}" if shown == total else f"{shown} of {total} {noun}")

    def _scrolled(self, value: int) -> None:
        bar = self.view.verticalScrollBar()
        self._following = value >= bar.maximum()

    def _range_changed(self, lo: int, hi: int) -> None:
        if self._following:
            self.view.verticalScrollBar().setValue(hi)

    def violation_texts(self) -> list[str]:
        """The highlighted safety-violation lines shown now."""
        return [self.proxy.index(r, 0).data() for r in range(self.proxy.rowCount())
                if isinstance(self.proxy.index(r, 0).data(LINE_ROLE), Violation)]

    def visible_texts(self) -> list[str]:
        return [self.proxy.index(r, 0).data() for r in range(self.proxy.rowCount())]
