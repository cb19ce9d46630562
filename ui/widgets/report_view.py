"""The outcome report in the window: a cluster summary, a services table and a
nodes table — or two reports side by side with their differences marked.

    view = ReportView()
    view.show_report(report)          # one run
    view.compare(report_a, report_b)  # e.g. two what-ifs: node1 fails vs node2 fails

What to show comes from `ui.models.report_rows` (plain rows with a tone per
cell); this widget only lays them out: outages amber, services left down,
errors and overloads red, differences between A and B blue.  With many
services, "Only services something happened to" (on by default above 30
services) keeps the table to the ones an admin needs to read.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hasim.analysis.report import Report
from hasim.analysis.report_format import FULL_SERVICE_LIST, header_lines, summary_lines
from ui.models.report_rows import (
    BAD,
    DIFF,
    WARN,
    Rows,
    compare_nodes,
    compare_services,
    node_rows,
    service_rows,
)

TONES = {BAD: "#ffc9c9", WARN: "#ffec99", DIFF: "#d0ebff"}


class ReportView(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("reportView")
        self.reports: tuple[Report, ...] = ()
        self.summary = QLabel()
        self.summary.setObjectName("reportSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.only_eventful = QCheckBox("Only services something happened to")
        self.only_eventful.setObjectName("reportOnlyEventful")
        self.only_eventful.toggled.connect(self._refresh)
        self.services = self._table("reportServices")
        self.nodes = self._table("reportNodes")
        self.note = QLabel()
        self.note.setStyleSheet("color: #868e96")
        services_box = QWidget()
        box = QVBoxLayout(services_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(QLabel("<b>Services</b>"))
        box.addWidget(self.services)
        box.addWidget(self.note)
        nodes_box = QWidget()
        box = QVBoxLayout(nodes_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(QLabel("<b>Nodes</b>"))
        box.addWidget(self.nodes)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(services_box)
        split.addWidget(nodes_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.only_eventful)
        layout.addWidget(split, 1)
        # rows are as tall as their wrapped cells: measured again once the
        # columns have their final widths (a table filled while hidden is narrow)
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.timeout.connect(self._fit_rows)
        for table in (self.services, self.nodes):
            table.horizontalHeader().sectionResized.connect(lambda *_: self._fit_timer.start(0))

    @staticmethod
    def _table(name: str) -> QTableWidget:
        table = QTableWidget()
        table.setObjectName(name)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().setVisible(False)
        table.setWordWrap(True)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        return table

    # -- what to show --------------------------------------------------------------------------------
    def show_report(self, report: Report) -> None:
        self.reports = (report,)
        self._default_filter(len(report.services))
        self.summary.setText(_summary_html(report))
        self._refresh()

    def compare(self, a: Report, b: Report) -> None:
        """Two reports side by side: (A) and (B) columns, differences in blue."""
        self.reports = (a, b)
        self._default_filter(max(len(a.services), len(b.services)))
        cells = "".join(
            f"<td style='padding-right:24px; vertical-align:top'><b>{label}</b> {_summary_html(r)}</td>"
            for label, r in (("A", a), ("B", b))
        )
        self.summary.setText(f"<table><tr>{cells}</tr></table>")
        self._refresh()

    def _default_filter(self, services: int) -> None:
        self.only_eventful.blockSignals(True)
        self.only_eventful.setChecked(services > FULL_SERVICE_LIST)
        self.only_eventful.blockSignals(False)

    def _refresh(self) -> None:
        if len(self.reports) == 2:
            a, b = self.reports
            services = compare_services(a, b, only_changed=self.only_eventful.isChecked())
            nodes = compare_nodes(a, b)
        elif self.reports:
            (report,) = self.reports
            services = service_rows(report, self.only_eventful.isChecked())
            nodes = node_rows(report)
        else:
            return
        _fill(self.services, services)
        _fill(self.nodes, nodes)
        self.note.setText(services.note)
        self.note.setVisible(bool(services.note))

    def _fit_rows(self) -> None:
        for table in (self.services, self.nodes):
            table.resizeRowsToContents()


def _summary_html(report: Report) -> str:
    title = f"<b>{escape(report.title)}</b><br>" if report.title else ""
    meta = "<br>".join(escape(line) for line in header_lines(report))
    items = "".join(f"<li>{escape(line)}</li>" for line in summary_lines(report))
    return f"{title}<span style='color:#495057'>{meta}</span><ul style='margin:2px'>{items}</ul>"


def _fill(table: QTableWidget, rows: Rows) -> None:
    table.setUpdatesEnabled(False)
    table.clear()
    table.setColumnCount(len(rows.headers))
    table.setHorizontalHeaderLabels(list(rows.headers))
    table.setRowCount(len(rows.rows))
    for r, row in enumerate(rows.rows):
        for c, cell in enumerate(row):
            item = QTableWidgetItem(cell.text)
            if cell.tone is not None:
                item.setBackground(QBrush(QColor(TONES[cell.tone])))
                item.setForeground(QBrush(QColor("#212529")))
                item.setToolTip({BAD: "needs attention", WARN: "something happened", DIFF: "A and B differ"}[cell.tone])
            table.setItem(r, c, item)
    table.resizeRowsToContents()
    table.setUpdatesEnabled(True)
