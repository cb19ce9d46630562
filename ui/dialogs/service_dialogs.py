"""Add, migrate/relocate and edit a service.

Each dialog checks what is typed as it is typed and says what is wrong
under the fields, with OK disabled until it is right (`CheckedDialog`);
nothing is clamped or corrected behind the user's back.  Node choices mark
the nodes a service should not go to and never pick one by themselves
(ui.dialogs.fields).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from hasim.snapshot import NodeView, ServiceView
from hasim.vocab import NOT_YET_MANAGED, REQUESTED_STATES, is_sid
from ui.dialogs.fields import NodeChoice, NumberField, number_text
from ui.style import BAD_TEXT, WARN_TEXT

MAX_CORES = 1024
MAX_MEMORY_MIB = 16 * 1024 * 1024  # 16 TiB


def _static_stats_fields(prefix: str, cpu: float, memory_mib: int) -> tuple[NumberField, NumberField]:
    """The CPU cores and memory (MiB) of a service's static stats, the same in
    the add and the edit dialog; objects named `<prefix>Cpu`/`<prefix>Memory`.
    A service needs some of both: the scheduler divides by them."""
    cpu_box = NumberField(f"{prefix}Cpu", "CPU cores", cpu, minimum=0, maximum=MAX_CORES, integer=False, above=True)
    memory_box = NumberField(f"{prefix}Memory", "Memory", memory_mib, minimum=0, maximum=MAX_MEMORY_MIB,
                             above=True, unit="MiB")  # fmt: skip
    return cpu_box, memory_box


def _label(name: str, color: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setStyleSheet(f"color: {color}; font-weight: bold")
    label.setWordWrap(True)
    return label


class CheckedDialog(QDialog):
    """A form whose `problem()` (None: fine) shows in red under it and keeps
    OK disabled; `warning()` (None: none) shows in amber and lets OK through."""

    def _finish(self, form: QFormLayout, fields: list) -> None:
        self.error = _label("dialogError", BAD_TEXT)
        self.warning_label = _label("dialogWarning", WARN_TEXT)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        for field in fields:
            signal = field.currentIndexChanged if isinstance(field, QComboBox) else field.textChanged
            signal.connect(self.validate)
        self.validate()

    def problem(self) -> str | None:
        return None

    def warning(self) -> str | None:
        return None

    def validate(self, *args) -> bool:
        problem = self.problem()
        warning = self.warning() if problem is None else None
        self.error.setText(problem or "")
        self.error.setVisible(problem is not None)
        self.warning_label.setText(warning or "")
        self.warning_label.setVisible(warning is not None)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)
        return problem is None

    def _accept(self) -> None:
        if self.validate():
            self.accept()


class AddServiceDialog(CheckedDialog):
    """Type, id, node, requested state, CPU and memory (→ add + set-static-stats)."""

    def __init__(self, nodes: list[NodeView], taken: set[str], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add service")
        self.setMinimumWidth(420)
        self.taken = set(taken)
        self.kind = QComboBox()
        self.kind.setObjectName("addType")
        self.kind.addItems(["vm", "ct", "fa"])
        self.kind.setToolTip("vm: virtual machine, ct: container, fa: a test resource that can be made to fail")
        self.number = QLineEdit()
        self.number.setObjectName("addId")
        self.number.setPlaceholderText("e.g. 107")
        free = 100
        while any(f"{k}:{free}" in self.taken for k in ("vm", "ct", "fa")) or free == 100:
            free += 1
        self.number.setText(str(free))
        self.node = NodeChoice("addNode", nodes)
        self.state = QComboBox()
        self.state.setObjectName("addState")
        self.state.addItems(REQUESTED_STATES)
        self.cpu, self.memory = _static_stats_fields("add", 4.0, 4096)
        form = QFormLayout()
        form.addRow("Type", self.kind)
        form.addRow("ID", self.number)
        form.addRow("Node", self.node)
        form.addRow("Requested state", self.state)
        form.addRow("CPU cores", self.cpu)
        form.addRow("Memory (MiB)", self.memory)
        self._finish(form, [self.kind, self.number, self.node, self.cpu, self.memory])

    @property
    def sid(self) -> str:
        return f"{self.kind.currentText()}:{self.number.text().strip()}"

    def problem(self) -> str | None:
        text = self.number.text().strip()
        if not text:
            return "Enter a numeric ID"
        if not text.isdigit():
            return f"'{text}' is not a valid ID: use digits only (like 107)"
        if not is_sid(self.sid):
            return f"'{self.sid}' is not a valid service id"
        if self.sid in self.taken:
            return f"Service id '{self.sid}' is already taken"
        if not self.node.node():
            return "Choose a node"
        return self.cpu.problem() or self.memory.problem()

    def warning(self) -> str | None:
        trouble = self.node.warning()
        return f"{trouble}: the HA stack cannot start {self.sid} there until it is back" if trouble else None

    def commands(self) -> list[str]:
        return [
            f"service {self.sid} add {self.node.node()} {self.state.currentText()}",
            f"service {self.sid} set-static-stats maxcpu {number_text(self.cpu.value())} maxmem {self.memory.value()}",
        ]


class MigrateDialog(CheckedDialog):
    """Target node; 'stop service (relocate)' queues relocate instead of migrate."""

    def __init__(self, svc: ServiceView, nodes: list[NodeView], relocate: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.sid = svc.sid
        self.setWindowTitle(f"Migrate {svc.sid}")
        self.setMinimumWidth(420)
        self.target = NodeChoice("migrateTarget", nodes, exclude=svc.node)
        self.relocate = QCheckBox("Stop the service and start it on the target (relocate)")
        self.relocate.setObjectName("migrateRelocate")
        self.relocate.setChecked(relocate)
        info = QLabel(f"{svc.sid} is on <b>{svc.node}</b> (state {svc.state or NOT_YET_MANAGED}).")
        form = QFormLayout()
        form.addRow(info)
        form.addRow("Target node", self.target)
        form.addRow(self.relocate)
        self._finish(form, [self.target])

    def problem(self) -> str | None:
        if self.target.count() == 0:
            return "There is no other node to move to"
        if not self.target.node():
            return "Choose a target node"
        return None

    def warning(self) -> str | None:
        trouble = self.target.warning()
        return f"{trouble}: the manager will not move {self.sid} there (\"node not online\")" if trouble else None

    def command(self) -> str:
        action = "relocate" if self.relocate.isChecked() else "migrate"
        return f"service {self.sid} {action} {self.target.node()}"


def _count(conf: dict, key: str) -> float:
    try:
        return float(conf.get(key, 1))
    except (TypeError, ValueError):
        return 1


class EditServiceDialog(CheckedDialog):
    """max_restart, max_relocate, failback, comment; static CPU and memory."""

    def __init__(self, sid: str, conf: dict, static: dict, parent=None) -> None:
        super().__init__(parent)
        self.sid = sid
        self.conf = dict(conf)
        self.static = dict(static)
        self.setWindowTitle(f"Edit {sid}")
        self.setMinimumWidth(420)
        why = " (as ha-manager requires)"
        self.max_restart = NumberField("editMaxRestart", "Max. restart", _count(conf, "max_restart"), minimum=0,
                                       why=why)  # fmt: skip
        self.max_relocate = NumberField("editMaxRelocate", "Max. relocate", _count(conf, "max_relocate"), minimum=0,
                                        why=why)  # fmt: skip
        self.failback = QCheckBox("Move back to the preferred node when it is back")
        self.failback.setObjectName("editFailback")
        self.failback.setChecked(bool(_count(conf, "failback")))
        self.comment = QLineEdit(conf.get("comment") or "")
        self.cpu, self.memory = _static_stats_fields(
            "edit", float(static.get("maxcpu", 4.0)), int(static.get("maxmem", 4294967296)) // 1048576)
        form = QFormLayout()
        form.addRow("Max. restart", self.max_restart)
        form.addRow("Max. relocate", self.max_relocate)
        form.addRow("Failback", self.failback)
        form.addRow("Comment", self.comment)
        form.addRow("CPU cores (static)", self.cpu)
        form.addRow("Memory (static, MiB)", self.memory)
        self._finish(form, [self.max_restart, self.max_relocate, self.cpu, self.memory])

    def problem(self) -> str | None:
        for field in (self.max_restart, self.max_relocate, self.cpu, self.memory):
            problem = field.problem()
            if problem:
                return problem
        return None

    def config_changes(self) -> dict:
        """The service_config record fields that differ from what was there."""
        new = {
            "max_restart": self.max_restart.value(),
            "max_relocate": self.max_relocate.value(),
            "failback": int(self.failback.isChecked()),
        }
        changes = {}
        for key, value in new.items():
            old = self.conf.get(key, 1)
            try:
                same = float(old) == float(value)
            except (TypeError, ValueError):
                same = False
            if not same:
                changes[key] = value
        comment = self.comment.text().strip()
        if comment != (self.conf.get("comment") or ""):
            changes["comment"] = comment or None
        return changes

    def stats_command(self) -> str | None:
        cpu, mem = self.cpu.value(), self.memory.value()
        old_cpu = float(self.static.get("maxcpu", 4.0))
        old_mem = int(self.static.get("maxmem", 4294967296)) // 1048576
        if cpu == old_cpu and mem == old_mem:
            return None
        return f"service {self.sid} set-static-stats maxcpu {number_text(cpu)} maxmem {mem}"
