"""File → Open scenario…: the workshop scenarios with their README.

The list shows every shipped working directory (`hasim.workdir.shipped`: the default
cluster, then the scenarios by name) under the title of its README; the
right side renders the selected README (markdown).  Open (or a double click)
accepts; the window then opens a *fresh copy* of the chosen directory — the
shipped one is never run or written.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
)

from hasim.workdir.shipped import ShippedDir, shipped_dirs

NAME_ROLE = Qt.ItemDataRole.UserRole + 1


def title_of(d: ShippedDir) -> str:
    """'node-failure — a node loses power…' -> 'a node loses power…' (the name is shown anyway)."""
    title = d.title
    prefix = f"{d.name} — "
    return title[len(prefix):] if title.startswith(prefix) else title


class ScenarioPicker(QDialog):
    def __init__(self, parent=None, *, dirs: list[ShippedDir] | None = None, current: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scenarioPicker")
        self.setWindowTitle("Open a workshop scenario")
        self.resize(1100, 680)
        self.dirs = list(shipped_dirs() if dirs is None else dirs)
        intro = QLabel("Each scenario is a small cluster with a script of faults and a README: what it shows, "
                       "what to try, what to watch for. <b>Open</b> starts a fresh copy of it; "
                       "<i>Simulation → Reset</i> starts it again.")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.list = QListWidget()
        self.list.setObjectName("scenarioList")
        self.list.setMinimumWidth(300)
        self.list.setSpacing(2)
        for d in self.dirs:
            item = QListWidgetItem(f"{d.name}\n    {title_of(d)}")
            item.setData(NAME_ROLE, d.name)
            item.setToolTip(str(d.path))
            self.list.addItem(item)
        self.readme = QTextBrowser()
        self.readme.setObjectName("scenarioReadme")
        self.readme.setOpenExternalLinks(False)
        self.readme.setOpenLinks(False)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.list)
        split.addWidget(self.readme)
        split.setStretchFactor(1, 1)
        split.setSizes([330, 770])
        split.setChildrenCollapsible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        self.open_button = self.buttons.button(QDialogButtonBox.StandardButton.Open)
        self.open_button.setObjectName("openScenario")
        self.open_button.setText("Open a fresh copy")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(split, 1)
        layout.addWidget(self.buttons)
        self.list.currentItemChanged.connect(self._show)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        names = [d.name for d in self.dirs]
        start = names.index(current) if current in names else (names.index("node-failure") if "node-failure" in names else 0)
        if self.dirs:
            self.list.setCurrentRow(start)
        else:
            self.readme.setPlainText("No scenarios found: neither a checkout's working-dirs/ nor the installed "
                                     "package hasim_workdirs is there.")
        self._show()

    def selected_name(self) -> str | None:
        item = self.list.currentItem()
        return item.data(NAME_ROLE) if item is not None else None

    def _show(self, *_args) -> None:
        name = self.selected_name()
        self.open_button.setEnabled(name is not None)
        d = next((d for d in self.dirs if d.name == name), None)
        if d is None:
            return
        self.readme.setMarkdown(d.readme or f"# {d.name}\n\n(no README)")
        self.readme.verticalScrollBar().setValue(0)
