"""Add, migrate/relocate and edit a service."""

from __future__ import annotations


from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
)

from hasim.snapshot import ServiceView
from hasim.vocab import NOT_YET_MANAGED, REQUESTED_STATES, is_sid



def _static_stats_fields(prefix: str, cpu: float, memory_mib: int) -> tuple[QDoubleSpinBox, QSpinBox]:
    """The CPU cores and memory (MiB) boxes of a service's static stats, the
    same in the add and the edit dialog; objects named `<prefix>Cpu`/`<prefix>Memory`."""
    cpu_box = QDoubleSpinBox()
    cpu_box.setObjectName(f"{prefix}Cpu")
    cpu_box.setRange(0.0, 1024.0)
    cpu_box.setDecimals(1)
    cpu_box.setValue(cpu)
    memory_box = QSpinBox()
    memory_box.setObjectName(f"{prefix}Memory")
    memory_box.setRange(0, 16 * 1024 * 1024)
    memory_box.setSingleStep(512)
    memory_box.setSuffix(" MiB")
    memory_box.setValue(memory_mib)
    return cpu_box, memory_box


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("dialogError")
    label.setStyleSheet("color: #e03131; font-weight: bold")
    label.setWordWrap(True)
    return label


class AddServiceDialog(QDialog):
    """Type, id, node, requested state, CPU and memory (→ add + set-static-stats)."""

    def __init__(self, nodes: list[str], taken: set[str], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add service")
        self.setMinimumWidth(380)
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
        self.node = QComboBox()
        self.node.setObjectName("addNode")
        self.node.addItems(nodes)
        self.state = QComboBox()
        self.state.setObjectName("addState")
        self.state.addItems(REQUESTED_STATES)
        self.cpu, self.memory = _static_stats_fields("add", 4.0, 4096)
        self.error = _error_label()
        form = QFormLayout()
        form.addRow("Type", self.kind)
        form.addRow("ID", self.number)
        form.addRow("Node", self.node)
        form.addRow("Requested state", self.state)
        form.addRow("CPU cores", self.cpu)
        form.addRow("Memory", self.memory)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.kind.currentIndexChanged.connect(self.validate)
        self.number.textChanged.connect(self.validate)
        self.validate()

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
        if not self.node.currentText():
            return "Choose a node"
        return None

    def validate(self, *args) -> bool:
        problem = self.problem()
        self.error.setText(problem or "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)
        return problem is None

    def _accept(self) -> None:
        if self.validate():
            self.accept()

    def commands(self) -> list[str]:
        cpu = self.cpu.value()
        cpu_text = str(int(cpu)) if cpu == int(cpu) else str(cpu)
        return [
            f"service {self.sid} add {self.node.currentText()} {self.state.currentText()}",
            f"service {self.sid} set-static-stats maxcpu {cpu_text} maxmem {self.memory.value()}",
        ]


class MigrateDialog(QDialog):
    """Target node; 'stop service (relocate)' queues relocate instead of migrate."""

    def __init__(self, svc: ServiceView, nodes: list[str], relocate: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.sid = svc.sid
        self.setWindowTitle(f"Migrate {svc.sid}")
        self.target = QComboBox()
        self.target.setObjectName("migrateTarget")
        others = [n for n in nodes if n != svc.node]
        self.target.addItems(others)
        self.relocate = QCheckBox("Stop the service and start it on the target (relocate)")
        self.relocate.setObjectName("migrateRelocate")
        self.relocate.setChecked(relocate)
        info = QLabel(f"{svc.sid} is on <b>{svc.node}</b> (state {svc.state or NOT_YET_MANAGED}).")
        form = QFormLayout()
        form.addRow(info)
        form.addRow("Target node", self.target)
        form.addRow(self.relocate)
        self.error = _error_label()
        if not others:
            self.error.setText("There is no other node to move to")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(others))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def command(self) -> str:
        action = "relocate" if self.relocate.isChecked() else "migrate"
        return f"service {self.sid} {action} {self.target.currentText()}"


class EditServiceDialog(QDialog):
    """max_restart, max_relocate, failback, comment; static CPU and memory."""

    def __init__(self, sid: str, conf: dict, static: dict, parent=None) -> None:
        super().__init__(parent)
        self.sid = sid
        self.conf = dict(conf)
        self.static = dict(static)
        self.setWindowTitle(f"Edit {sid}")
        self.max_restart = QSpinBox()
        self.max_restart.setObjectName("editMaxRestart")
        self.max_restart.setRange(0, 10)
        self.max_restart.setValue(int(float(conf.get("max_restart", 1))))
        self.max_relocate = QSpinBox()
        self.max_relocate.setObjectName("editMaxRelocate")
        self.max_relocate.setRange(0, 10)
        self.max_relocate.setValue(int(float(conf.get("max_relocate", 1))))
        self.failback = QCheckBox("Move back to the preferred node when it is back")
        self.failback.setObjectName("editFailback")
        self.failback.setChecked(bool(int(float(conf.get("failback", 1)))))
        self.comment = QLineEdit(conf.get("comment") or "")
        self.cpu, self.memory = _static_stats_fields(
            "edit", float(static.get("maxcpu", 4.0)), int(static.get("maxmem", 4294967296)) // 1048576)
        form = QFormLayout()
        form.addRow("Max. restart", self.max_restart)
        form.addRow("Max. relocate", self.max_relocate)
        form.addRow("Failback", self.failback)
        form.addRow("Comment", self.comment)
        form.addRow("CPU cores (static)", self.cpu)
        form.addRow("Memory (static)", self.memory)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

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
        cpu_text = str(int(cpu)) if cpu == int(cpu) else str(cpu)
        return f"service {self.sid} set-static-stats maxcpu {cpu_text} maxmem {mem}"
