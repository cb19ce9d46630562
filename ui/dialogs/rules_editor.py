"""View and edit HA rules (node/resource affinity) and legacy groups.

Each tab is the section-config text as the cluster stores it.  As you type,
the engine's own parsers check it: every problem is listed under the editor
and its line is highlighted, and the rules are also checked against the
cluster's nodes and HA resources (the "Drop rule …" messages the manager would log).  Apply
writes the file at the next loop end.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QFontDatabase, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from hasim.engine.ha.groups import parse_groups, validate_group_text
from hasim.engine.ha.rules import check_and_transform, parse_rules, validate_rule_text

LINE_RE = re.compile(r"\(line (\d+)\)|at line (\d+)")
RULE_ID_RE = re.compile(r"(?:rule|group) '([^']+)'")

RULES_EXAMPLE = """# example:
# node-affinity: vm101-prefers-node1
# \tnodes node1:2,node2
# \tresources vm:101
# \tstrict 0
#
# resource-affinity: keep-apart
# \tresources vm:101,vm:102
# \taffinity negative
"""
GROUPS_EXAMPLE = """# example:
# group: prefer-node1
# \tnodes node1:2,node2,node3
# \trestricted 0
# \tnofailback 0
"""


def _header_line(text: str, section_id: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        head, sep, rest = line.partition(":")
        if sep and not line[:1].isspace() and rest.strip() == section_id:
            return number
    return None


def _unknown(text: str, rule_id: str, names, known, what: tuple[str, str]) -> list[str]:
    """'rules_config: rule 'r': vm:999 is not an HA resource of this cluster (line 3)', if any is unknown."""
    unknown = sorted(set(names) - set(known))
    if not unknown:
        return []
    line = _header_line(text, rule_id)
    where = f" (line {line})" if line else ""
    return [f"rules_config: rule '{rule_id}': {', '.join(unknown)} {what[len(unknown) > 1]} of this cluster{where}"]


def rule_problems(text: str, nodes: list[str], resources: list[str] | None = None) -> list[str]:
    """What the HA stack would skip or drop, and the nodes and resources
    (None: not checked) this cluster does not have — `ha-manager rules add`
    refuses those ("cannot use unmanaged resource(s)")."""
    problems = list(validate_rule_text(text))
    try:
        rules = parse_rules(text)
        for rule in rules:
            problems += _unknown(text, rule.id, rule.nodes or {}, nodes, ("is not a node", "are not nodes"))
            if resources is not None:
                problems += _unknown(text, rule.id, rule.resources, resources,
                                     ("is not an HA resource", "are not HA resources"))  # fmt: skip
        _, dropped = check_and_transform(rules, nodes)
        problems += dropped
    except Exception as err:  # noqa: BLE001 - a checker bug must not close the editor
        problems.append(f"rules_config: cannot check rules: {err}")
    return problems


def group_problems(text: str, nodes: list[str]) -> list[str]:
    problems = list(validate_group_text(text))
    for gid, group in parse_groups(text).items():
        unknown = sorted(set(getattr(group, "nodes", {}) or {}) - set(nodes))
        if unknown:
            problems.append(f"groups: group '{gid}': unknown node(s) {', '.join(unknown)}")
    return problems


def _nodes_text(nodes) -> str:
    return ", ".join(f"{n}:{p}" if p else n for n, p in sorted((nodes or {}).items(), key=lambda kv: (-kv[1], kv[0])))


def rule_rows(text: str) -> list[tuple[str, ...]]:
    """What the HA stack reads from a rules text: one row per rule."""
    rows = []
    for r in parse_rules(text):
        if r.type == "node-affinity":
            detail = f"nodes {_nodes_text(r.nodes)}" + (" (strict)" if r.strict else " (preferred)")
        else:
            detail = f"{r.affinity or '?'}: {'keep together' if r.affinity == 'positive' else 'keep apart'}"
        rows.append((r.id, r.type, ", ".join(r.resources), detail, "disabled" if r.disable else "enabled"))
    return rows


def group_rows(text: str) -> list[tuple[str, ...]]:
    rows = []
    for gid, g in parse_groups(text).items():
        flags = [f for f, on in (("restricted", g.restricted), ("nofailback", g.nofailback)) if on]
        rows.append((gid, _nodes_text(g.nodes), ", ".join(flags) or "—", g.comment or ""))
    return rows


def strip_example(text: str, example: str) -> str:
    return "" if text.strip() == example.strip() else text


class ConfigEditor(QWidget):
    def __init__(self, name: str, text: str, example: str, check, rows, headers, parent=None) -> None:
        super().__init__(parent)
        self.name = name
        self.example = example
        self.check = check
        self.rows = rows
        self.summary = QTableWidget(0, len(headers))
        self.summary.setObjectName(f"{name}Summary")
        self.summary.setHorizontalHeaderLabels(headers)
        self.summary.verticalHeader().setVisible(False)
        self.summary.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.summary.horizontalHeader().setStretchLastSection(True)
        self.summary.setMaximumHeight(130)
        self.original = text
        self.edit = QPlainTextEdit()
        self.edit.setObjectName(f"{name}Edit")
        self.edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.edit.setTabStopDistance(4 * self.edit.fontMetrics().horizontalAdvance(" "))
        self.edit.setPlainText(text or example)
        self.problems = QListWidget()
        self.problems.setObjectName(f"{name}Problems")
        self.problems.setMaximumHeight(110)
        self.problems.setWordWrap(True)
        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("What the HA stack reads:"))
        layout.addWidget(self.summary)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.problems)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.validate)
        self.edit.textChanged.connect(self._timer.start)
        self.validate()

    def text(self) -> str:
        return strip_example(self.edit.toPlainText(), self.example)

    def changed(self) -> bool:
        return self.text() != (self.original or "")

    def validate(self) -> list[str]:
        problems = self.check(self.text())
        rows = self.rows(self.text())
        dropped = {m.group(1) for p in problems if p.startswith("Drop rule") and (m := RULE_ID_RE.search(p))}
        self.summary.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if c == len(row) - 1 and row[0] in dropped and self.name == "rules":
                    value = "dropped by the manager"
                item = QTableWidgetItem(value)
                if row[0] in dropped:
                    item.setForeground(QColor("#e03131"))
                self.summary.setItem(r, c, item)
        self.summary.resizeColumnsToContents()
        self.problems.clear()
        self.problems.addItems(problems)
        selections = []
        text = self.edit.toPlainText()
        for p in problems:
            m = LINE_RE.search(p)
            if m:
                line = int(m.group(1) or m.group(2))
            elif (rid := RULE_ID_RE.search(p)) and (found := _header_line(text, rid.group(1))):
                line = found
            else:
                continue
            block = self.edit.document().findBlockByNumber(line - 1)
            if not block.isValid():
                continue
            sel = QTextEdit.ExtraSelection()
            sel.format.setBackground(QColor("#ffe3e3"))
            sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            sel.cursor = QTextCursor(block)
            selections.append(sel)
        self.edit.setExtraSelections(selections)
        if problems:
            self.status.setText(f"<span style='color:#e03131'><b>{len(problems)} problem(s)</b></span>"
                                " — sections the HA stack cannot read are ignored by it")
        else:
            self.status.setText("<span style='color:#2f9e44'>No problems</span>")
        return problems


class RulesDialog(QDialog):
    def __init__(self, rules_text: str, groups_text: str, nodes: list[str], read_only: bool = False,
                 parent=None, resources: list[str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("HA rules and groups")
        self.resize(820, 640)
        self.tabs = QTabWidget()
        self.rules = ConfigEditor("rules", rules_text, RULES_EXAMPLE, lambda t: rule_problems(t, nodes, resources), rule_rows,
                                  ["Rule", "Type", "Resources", "What it asks", "State"])
        self.groups = ConfigEditor("groups", groups_text, GROUPS_EXAMPLE, lambda t: group_problems(t, nodes),
                                   group_rows, ["Group", "Nodes (priority)", "Flags", "Comment"])
        self.tabs.addTab(self.rules, "Rules (node / resource affinity)")
        self.tabs.addTab(self.groups, "Groups (legacy)")
        note = QLabel("Changes are written to the cluster at the next loop end; the manager reads them in its next round.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #495057")
        buttons = QDialogButtonBox()
        if read_only:
            buttons.addButton(QDialogButtonBox.StandardButton.Close)
            for ed in (self.rules, self.groups):
                ed.edit.setReadOnly(True)
        else:
            buttons.addButton(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.accept)
            buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def changes(self) -> dict[str, str | None]:
        """File name -> new text (None: delete the file) for what was edited."""
        out = {}
        for name, ed in (("rules_config", self.rules), ("groups", self.groups)):
            if ed.changed():
                text = ed.text()
                out[name] = text if text.strip() else None
        return out
