"""Input fields that refuse bad values out loud.

A spin box keeps its value in range by itself: typed -3 became 3 and 99999
became 9, and nobody was told.  A `NumberField` takes what is typed and
says what is wrong with it (`problem`), in the dialog, before OK; the node
choice marks the nodes a service should not go to and never picks one of
them by itself.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit

from hasim.snapshot import NodeView
from ui.natural import natural_key
from ui.style import node_display_state


def number_text(value: float) -> str:
    """4.0 -> '4', 2.5 -> '2.5' (as a person writes it, and as the tester's commands take it)."""
    return str(int(value)) if float(value) == int(value) else str(value)


class NumberField(QLineEdit):
    """A number typed as text, checked against its range: `problem()` says
    why it is not acceptable (None: it is), `value()` is the number."""

    def __init__(self, name: str, label: str, value: float, *, minimum: float, maximum: float | None = None,
                 integer: bool = True, above: bool = False, unit: str = "", why: str = "") -> None:  # fmt: skip
        super().__init__(number_text(value))
        self.setObjectName(name)
        self.label, self.minimum, self.maximum = label, minimum, maximum
        self.integer, self.above, self.unit, self.why = integer, above, unit, why
        self.setPlaceholderText("a whole number" if integer else "a number")
        bounds = f"more than {number_text(minimum)}" if above else f"at least {number_text(minimum)}"
        if maximum is not None:
            bounds += f", at most {number_text(maximum)}"
        self.setToolTip(f"{label}: {bounds}{' ' + unit if unit else ''}")

    def value(self) -> float:
        text = self.text().strip()
        return int(text) if self.integer else float(text)

    def problem(self) -> str | None:
        text = self.text().strip()
        try:
            value = self.value()
        except ValueError:
            kind = "a whole number" if self.integer else "a number"
            return f"{self.label} must be {kind}, not '{text}'" if text else f"Enter {self.label}"
        if value != value or value in (float("inf"), float("-inf")):
            return f"{self.label} must be a number, not '{text}'"
        unit = f" {self.unit}" if self.unit else ""
        if self.above and value <= self.minimum:
            return f"{self.label} must be more than {number_text(self.minimum)}{unit}{self.why}, not {text}"
        if value < self.minimum:
            return f"{self.label} must be at least {number_text(self.minimum)}{unit}{self.why}, not {text}"
        if self.maximum is not None and value > self.maximum:
            return f"{self.label} must be at most {number_text(self.maximum)}{unit}{self.why}, not {text}"
        return None


def node_trouble(node: NodeView) -> str | None:
    """Why a service should not be sent to `node` now (None: it can go there)."""
    state = node_display_state(node)
    if node.power != "on":
        return "offline: powered off" if state in ("off", "unknown") else f"offline: powered off, {state}"
    if state == "fence":
        return "being fenced"
    if state in ("unknown", "gone"):
        return f"offline: {state} to the manager"
    if not node.online:
        return "offline: not in the quorate partition"
    if state == "maintenance":
        return "in maintenance"
    return None


class NodeChoice(QComboBox):
    """The nodes in natural order, each one a service should not go to marked
    with why; the first node without trouble is chosen (none: no choice made)."""

    def __init__(self, name: str, nodes: list[NodeView], exclude: str | None = None) -> None:
        super().__init__()
        self.setObjectName(name)
        self.trouble: dict[str, str] = {}
        for node in sorted(nodes, key=lambda n: natural_key(n.name)):
            if node.name == exclude:
                continue
            trouble = node_trouble(node)
            self.addItem(node.name if trouble is None else f"{node.name} — {trouble}", node.name)
            if trouble is not None:
                self.trouble[node.name] = trouble
        usable = [i for i in range(self.count()) if self.itemData(i) not in self.trouble]
        self.setCurrentIndex(usable[0] if usable else -1)

    def node(self) -> str:
        return self.currentData() or ""

    def warning(self) -> str | None:
        """What choosing the current node means, when it has trouble."""
        node = self.node()
        return f"{node} is {self.trouble[node]}" if node in self.trouble else None
