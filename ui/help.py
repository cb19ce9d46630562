"""Help → First ten minutes, Help → Scenario guide, Help → Keyboard shortcuts.

The window's own help, one page each, in the window (no browser, works over
ssh -X): a guided first session, the README of the open scenario (the
workshop's instructions, also for a directory of the user's that has one),
and the keys — which the menus show beside their actions as well.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

from hasim.workdir.files import ReadError, read_text
from hasim.workdir.shipped import shipped_dirs

FIRST_TEN_MINUTES = """\
# The first ten minutes

hasim runs a small Proxmox VE cluster — three nodes and six VMs by default —
and the real HA stack's logic on it: quorum, the cluster resource manager
(CRM) that decides, the local resource managers (LRM) that act, and the
watchdog that fences a node which lost the cluster.  Time is virtual: it
runs only when you let it.

## 1. Switch the nodes on (minute 1)

Each **node card** has a **Power** and a **Network** switch.  Click *Power*
on node1, node2 and node3.  Commands apply at the next *loop end*, as in the
real tester: the card says *queued* until then.  Press **Space** (Run) —
or **S** to step one loop at a time.

## 2. Watch the HA stack start (minutes 2–3)

One CRM becomes the **master** (★ on its card), every LRM takes its agent
lock and goes *active*, and the services table goes from *queued* (the
manager has not seen them yet) through *request_start* to **started**.
The **cluster log** below says every step in the real stack's words.

## 3. Break something (minutes 4–7)

Switch node1's **Network** off.  node1 loses quorum, its watchdog is no
longer fed and fires after 60 s (*watchdog fires in …* on the card); the
master marks node1 *unknown*, waits for the fence delay (*fence in …*),
fences it and **recovers** its VMs on node2 and node3.  The **timeline**
shows every state over time: hover it for the details, drag to look back.

## 4. Ask why (minutes 8–9)

Click a node card or a service row: the **Explain** pane says what the stack
is doing with it and what it waits for.  **Next change** (N) runs until
something changes state.  The **Safety** indicator in the status bar checks
the HA guarantees after every step.

## 5. Keep it (minute 10)

**File → Save** (Ctrl+S) keeps the session: opening the directory again —
File → Open, or `hasim DIR` — resumes at exactly this moment.  **Save as
scenario** makes the current state the directory's start; **Reset** (Ctrl+R)
starts it again from the start.  **File → Open scenario…** has workshop
scenarios with their guides (Help → Scenario guide).

Services: **Add…**, **Migrate…**, **Edit…** above the table; click a
*Requested* box to start, stop, disable or ignore a service.  Rules and
groups: **Rules…** in the toolbar.
"""


class TextDialog(QDialog):
    """A page of text with a Close button (non-modal; Escape closes it too):
    the help pages, the safety checks."""

    def __init__(self, name: str, title: str, height: int, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}Dialog")
        self.setWindowTitle(title)
        self.resize(720, height)
        self.text = QTextBrowser()
        self.text.setObjectName(f"{name}Text")
        self.text.setOpenLinks(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)

    def plain_text(self) -> str:
        return self.text.toPlainText()


class HelpDialog(TextDialog):
    """One page of help (markdown)."""

    def __init__(self, title: str, markdown: str, parent=None) -> None:
        super().__init__("help", title, 640, parent)
        self.text.setMarkdown(markdown)


def scenario_guide(source: str | None, path: Path | None) -> tuple[str, str] | None:
    """(title, markdown) of the open scenario's README: the shipped one a
    fresh copy came from, else the directory's own README.md (None: none)."""
    if source is not None:
        match = next((d for d in shipped_dirs() if d.name == source), None)
        if match is not None and match.readme:
            return match.title, match.readme
    if path is not None:
        try:
            text = read_text(Path(path) / "README.md")
        except (FileNotFoundError, ReadError):
            return None
        title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), Path(path).name)
        return title, text
    return None


def shortcuts_text(actions) -> str:
    """'Space  Run / pause' … from the actions themselves, so the list is what the keys do."""
    lines = []
    for act in actions:
        keys = " or ".join(k.toString() for k in act.shortcuts())
        if keys:
            lines.append(f"{keys}\t{act.text().replace('&', '')}")
    return "\n".join(lines)
