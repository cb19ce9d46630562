"""The explainer pane: what the selected node or service is doing, in plain words.

Click a node card or a service row and this pane shows `hasim.analysis.explain`'s
text for it: the state in one line, what the HA stack is waiting for (with
the numbers that decide it) and what comes next if nobody acts.  The text is
rebuilt when the controller publishes a new snapshot, at most every
`MIN_INTERVAL_MS` (the explainer's look-ahead runs a copy of the engine for a
few minutes of virtual time: ~10 ms at 3 nodes, much more on a big cluster).

On a big cluster, where one look-ahead took longer than `HEAVY_MS`, the pane
shows the present only while time runs (the explainer without the live
simulation) and the full text with the look-ahead whenever time is paused or
stepped; it says so under the text.
"""

from __future__ import annotations

import html
import logging
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from hasim.analysis.explain import explain_node, explain_service
from ui.throttle import Throttle

log = logging.getLogger("hasim.ui.explain")

MIN_INTERVAL_MS = 300  # at most ~3 rebuilds a second
HEAVY_MS = 30  # a look-ahead slower than this is not run while time runs (the tick budget is 40 ms)
PLACEHOLDER = (
    "Click a node card or a service row: this pane tells what it is doing, what the HA stack "
    "is waiting for and what happens next if nobody intervenes."
)


def to_html(text: str) -> str:
    """The explainer's text as simple HTML: the headline bold, paragraphs, lists."""
    lines = text.strip("\n").split("\n")
    head, rest = lines[0], lines[1:]
    out = [f"<p style='font-size:large'><b>{html.escape(head)}</b></p>"]
    in_list = False
    para: list[str] = []

    def flush() -> None:
        if para:
            out.append("<p>" + html.escape(" ".join(para)) + "</p>")
            para.clear()

    for line in rest:
        stripped = line.strip()
        if stripped.startswith("- "):
            flush()
            if not in_list:
                out.append("<ul style='margin-left:-18px'>")
                in_list = True
            out.append(f"<li>{html.escape(stripped[2:])}</li>")
            continue
        if in_list and (not stripped or not line.startswith(" ")):
            out.append("</ul>")
            in_list = False
        if not stripped:
            flush()
        elif line.startswith(" ") and out and out[-1].startswith("<li>"):
            out[-1] = out[-1][: -len("</li>")] + " " + html.escape(stripped) + "</li>"  # a wrapped list item
        else:
            para.append(stripped)
    flush()
    if in_list:
        out.append("</ul>")
    return "".join(out)


class ExplainPane(QWidget):
    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("explainPane")
        self.title = QLabel("<b>Explain</b>")
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.browser = QTextBrowser()
        self.browser.setObjectName("explainText")
        self.browser.setOpenLinks(False)
        # the invitation wraps (a text edit's placeholder is one line, cut in a narrow pane)
        self.invitation = QLabel(PLACEHOLDER)
        self.invitation.setObjectName("explainInvitation")
        self.invitation.setWordWrap(True)
        self.invitation.setStyleSheet("color: #6c757d; padding: 4px")
        self.invitation.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.note = QLabel()
        self.note.setObjectName("explainNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #868e96")
        self.note.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.invitation, 1)
        layout.addWidget(self.browser, 1)
        self.browser.hide()
        layout.addWidget(self.note)
        self.subject: tuple[str, str] | None = None  # ("node", "node2") | ("service", "vm:102")
        self._shown_key = None
        self._plain = ""
        self.heavy = False  # a look-ahead took longer than HEAVY_MS on this simulation
        self.last_cost_ms = 0.0
        self._page: str | None = None  # the HTML shown
        self._throttle = Throttle(MIN_INTERVAL_MS, self._rebuild, self)

    def set_min_interval(self, ms: int) -> None:
        """Rebuild at most every `ms` (the window slows this down over ssh: each new
        page is the whole pane's pixels on the wire)."""
        self._throttle.interval_ms = max(MIN_INTERVAL_MS, ms)

    # -- what to explain ------------------------------------------------------------------------
    def set_subject(self, kind: str | None, name: str | None = None) -> None:
        """Explain a node ("node", name) or a service ("service", sid); None clears."""
        subject = (kind, name) if kind and name else None
        if subject == self.subject:
            return
        self.subject = subject
        self._shown_key = None
        self.update_now()

    def simulation_changed(self) -> None:
        """A new simulation (open, reset): measure the look-ahead again; keep the
        subject if the new cluster has it."""
        self.heavy = False
        self._shown_key = None
        sim = self.controller.sim
        if self.subject is not None and sim is not None:
            kind, name = self.subject
            known = sim.nodes if kind == "node" else [s.sid for s in sim.snapshot().services]
            if name not in known:
                self.subject = None
        self.update_now()

    def snapshot_changed(self) -> None:
        """Rebuild soon: now if the last rebuild is old enough, else when it is."""
        if self.subject is not None:
            self._throttle.request()

    def text(self) -> str:
        """The explanation shown now, as plain text ("" when nothing is selected)."""
        return self._plain

    # -- building the text --------------------------------------------------------------------------
    def _key(self, sim, light: bool):
        return (id(sim), sim.time, len(sim.log_lines), sim.loop_position, sim.pending_count, sim.finished,
                self.subject, light)

    def update_now(self) -> None:
        """Rebuild at once (a rebuild the throttle had scheduled is dropped)."""
        self._throttle.run_now()

    def _rebuild(self) -> None:
        c = self.controller
        sim = c.sim
        if self.subject is None or sim is None or c.snapshot is None:
            self._show(None, "")
            return
        kind, name = self.subject
        light = self.heavy and c.running
        key = self._key(sim, light)
        if key == self._shown_key:
            return
        source = c.snapshot if light else sim
        lines = sim.log_lines if light else None
        t0 = time.perf_counter()
        try:
            if kind == "node":
                text = explain_node(source, name, log_lines=lines)
            else:
                text = explain_service(source, name, log_lines=lines)
        except Exception as err:  # noqa: BLE001 - the explainer must never take the window down
            log.exception("explaining %s %s", kind, name)
            text = f"{name}\n\nThe explainer failed on this state: {err}"
        cost = (time.perf_counter() - t0) * 1000
        if not light:
            self.last_cost_ms = cost
            if cost > HEAVY_MS:
                self.heavy = True
        self._shown_key = key
        note = ""
        if light:
            note = ("Big cluster: while time runs this shows the present only; pause or step to see "
                    "what comes next.")
        self._show(text, note)

    def _show(self, text: str | None, note: str) -> None:
        if text is None:
            self._shown_key = None
            self._plain = ""
            self.title.setText("<b>Explain</b>")
            self._page = None
            self.browser.clear()
            self.browser.hide()
            self.invitation.show()
        else:
            kind, name = self.subject
            self._plain = text
            self.title.setText(f"<b>Explain</b> — {html.escape(name)}")
            self.invitation.hide()
            self.browser.show()
            page = to_html(text)
            if page != self._page:  # a new page repaints the whole pane: only when it differs
                self._page = page
                bar = self.browser.verticalScrollBar()
                pos = bar.value()
                self.browser.setHtml(page)
                bar.setValue(pos)
        self.note.setText(note)
        self.note.setVisible(bool(note))
