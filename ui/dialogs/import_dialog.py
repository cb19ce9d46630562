"""File → Import cluster…: a copy of a real cluster's /etc/pve becomes a working directory.

The admin picks the copy (a folder, or a .tar/.tar.gz/.tgz archive, as the
README's collection command makes it) and a new, empty target folder.
**Check** reads the copy without writing anything and lists what the import
would say; **Import** does it (`hasim.importer.import_cluster`).  Errors
(E01–E11) refuse the import: nothing is written, the messages stay in the list
and the dialog stays open to fix the choice.  Warnings (W01–W23) are shown
and the import goes on; the dialog then offers **Open** for the new
directory, so the admin reads the warnings before the cluster appears.
`imported_dir` holds the directory once the dialog is accepted.

File → Import cluster… (MainWindow.import_cluster) runs it and opens the
new directory after the window's `may_discard` question.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hasim.importer import ImportResult, import_cluster, plan_import

ARCHIVES = "Archives (*.tar *.tar.gz *.tgz);;All files (*)"
ERROR_COLOR, WARNING_COLOR = "#ffc9c9", "#fff3bf"


class ImportDialog(QDialog):
    imported = Signal(str)  # the new working directory

    def __init__(self, parent=None, *, source: str = "", target: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle("Import a cluster")
        self.resize(820, 520)
        self.imported_dir: Path | None = None
        self.last_result: ImportResult | None = None
        intro = QLabel(
            "Turn a copy of a real cluster's <tt>/etc/pve</tt> into a working directory, to try "
            "<i>what happens to my cluster if…</i> Collect the copy as the README says "
            "(<tt>hasim-cluster.tar.gz</tt>); secrets are not in it."
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.source = QLineEdit(source)
        self.source.setObjectName("importSource")
        self.source.setPlaceholderText("a folder with etc/pve, or a .tar.gz of it")
        self.target = QLineEdit(target)
        self.target.setObjectName("importTarget")
        self.target.setPlaceholderText("a new, empty folder")
        folder = QPushButton("Folder…")
        folder.clicked.connect(self._pick_source_folder)
        archive = QPushButton("Archive…")
        archive.clicked.connect(self._pick_source_archive)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._pick_target)
        grid = QGridLayout()
        grid.addWidget(QLabel("Copy of /etc/pve:"), 0, 0)
        grid.addWidget(self.source, 0, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(folder)
        buttons.addWidget(archive)
        holder = QWidget()
        holder.setLayout(buttons)
        buttons.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(holder, 0, 2)
        grid.addWidget(QLabel("New working directory:"), 1, 0)
        grid.addWidget(self.target, 1, 1)
        grid.addWidget(browse, 1, 2)
        self.status = QLabel("Choose the copy and a new folder, then Check or Import.")
        self.status.setObjectName("importStatus")
        self.status.setWordWrap(True)
        self.messages = QListWidget()
        self.messages.setObjectName("importMessages")
        self.messages.setWordWrap(True)
        self.messages.setSpacing(2)
        self.buttons = QDialogButtonBox()
        self.check_button = self.buttons.addButton("Check", QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button = self.buttons.addButton("Open", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.open_button.setVisible(False)
        self.check_button.clicked.connect(self.check)
        self.import_button.clicked.connect(self.run_import)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.status)
        layout.addWidget(self.messages, 1)
        layout.addWidget(self.buttons)

    # -- choosing ------------------------------------------------------------------------------------
    def _pick_source_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Copy of /etc/pve (a folder)", self.source.text())
        if path:
            self.source.setText(path)

    def _pick_source_archive(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Copy of /etc/pve (an archive)", self.source.text(), ARCHIVES)
        if path:
            self.source.setText(path)

    def _pick_target(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "New working directory", self.target.text())
        if path:
            self.target.setText(path)

    def _paths(self) -> tuple[Path, Path] | None:
        src, dst = self.source.text().strip(), self.target.text().strip()
        if not src or not dst:
            self._say("Choose both the copy of /etc/pve and the new working directory.", error=True)
            return None
        return Path(src), Path(dst)

    # -- acting --------------------------------------------------------------------------------------
    def check(self) -> ImportResult | None:
        """Read the copy and list what the import would say; writes nothing."""
        paths = self._paths()
        if paths is None:
            return None
        result = plan_import(paths[0], dst=paths[1])
        self._show(result)
        if result.ok:
            self._say(f"Ready to import: {result.summary().removeprefix('imported ')}. Nothing written yet.")
        return result

    def run_import(self) -> ImportResult | None:
        paths = self._paths()
        if paths is None:
            return None
        result = import_cluster(*paths)
        self._show(result)
        if result.ok:
            self.imported_dir = paths[1]
            summary = result.summary()
            self._say(f"{summary[:1].upper()}{summary[1:]} into {paths[1]}. Read the warnings, then Open.")
            self.import_button.setEnabled(False)
            self.check_button.setEnabled(False)
            self.open_button.setVisible(True)
            self.open_button.setDefault(True)
            self.imported.emit(str(paths[1]))
        return result

    def _show(self, result: ImportResult) -> None:
        self.last_result = result
        self.messages.clear()
        for d in result.diagnostics:
            item = QListWidgetItem(d.render())
            item.setBackground(QBrush(QColor(ERROR_COLOR if d.is_error else WARNING_COLOR)))
            item.setForeground(QBrush(QColor("#212529")))
            self.messages.addItem(item)
        if not result.ok:
            n = len(result.errors)
            self._say(f"Not imported: {n} error{'s' if n != 1 else ''} (nothing was written): fix the copy or the choice and try again.",
                      error=True)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #c92a2a; font-weight: bold" if error else "")
