"""What happened, as typed values — and the one place their log text is written.

The engine emits an event for everything an observer may want to act on: a
node or a service changing state, a command executed, a node powered off by
its watchdog, a lock taken, a service started, stopped, moved or recovered…
Each event renders its log message here, byte for byte the real stack's
(spec 01 §5.5, 02, 03), so the log is the same as ever while the timeline,
the explainer, the safety checks and the outcome report read the values and
never parse text.  Lines nobody acts on (notices, errors of the CRM's
command parser, …) stay plain text: a `LogLine` whose `event` is None.

To add a log line someone needs to read: add an event class here with its
`message`, emit it where the engine logs it (`Env.emit`, `Harness.emit`),
and match on its type where it is read.
"""

from __future__ import annotations


from hasim.values import Value

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar
    from hasim.commands import Command


class Event(Value):
    """Base of every event; `level` is the real stack's level for its line."""

    level: ClassVar[str] = "info"

    @property
    def message(self) -> str:
        raise NotImplementedError


# -- the harness and the hardware (spec 01 §5.5) ---------------------------------------------------


class SimulationStarted(Event):
    @property
    def message(self) -> str:
        return "starting simulation"


class SimulationEnded(Event):
    """The run ended: `error` None for a normal end, else why it aborted (01 §5.6)."""

    error: str | None = None

    @property
    def level(self) -> str:  # type: ignore[override]
        return "info" if self.error is None else "err"

    @property
    def message(self) -> str:
        return "exit simulation - done" if self.error is None else f"exit simulation - {self.error}\n "


class CommandExecuted(Event):
    """A command applied (from a scenario, the window, the run loop itself).

    `text` is as logged; `command` is its value, None for a scenario line the
    tester runs leniently and that ended the run before it could be read."""

    text: str
    command: Command | None = None

    @property
    def message(self) -> str:
        return f"execute {self.text}"


class WatchdogPoweroff(Event):
    node: str

    @property
    def message(self) -> str:
        return f"server '{self.node}' stopped by poweroff (watchdog)"


class RoundSkipped(Event):
    daemon: str  # "crm" | "lrm"

    @property
    def message(self) -> str:
        return f"skipping {self.daemon.upper()} round"


# -- a daemon's own life (the node and daemon are the line's source) ----------------------------------


class DaemonStateChanged(Event):
    old: str
    new: str

    @property
    def message(self) -> str:
        return f"status change {self.old} => {self.new}"


class KilledByPoweroff(Event):
    @property
    def message(self) -> str:
        return "killed by poweroff"


class DaemonExited(Event):
    @property
    def message(self) -> str:
        return "exit (loop end)"


class LockAcquired(Event):
    """A cluster lock taken anew (`ha_manager_lock`, `ha_agent_<node>_lock`)."""

    lock: str

    @property
    def agent_of(self) -> str | None:
        """The node whose agent lock this is (None: the manager lock)."""
        if self.lock.startswith("ha_agent_") and self.lock.endswith("_lock"):
            return self.lock[len("ha_agent_") : -len("_lock")]
        return None

    @property
    def message(self) -> str:
        return f"got lock '{self.lock}'"


# -- the manager (spec 02) ---------------------------------------------------------------------------


class NodeStateChanged(Event):
    node: str
    old: str
    new: str

    @property
    def message(self) -> str:
        return f"node '{self.node}': state changed from '{self.old}' => '{self.new}'"


class NodeFenced(Event):
    """The master took the node's agent lock: the node is fenced."""

    node: str

    @property
    def message(self) -> str:
        return f"fencing: acknowledged - got agent lock for node '{self.node}'"


class GoneNodeDeleted(Event):
    level: ClassVar[str] = "notice"
    node: str

    @property
    def message(self) -> str:
        return f"deleting gone node '{self.node}', not a cluster member anymore."


class ServiceStateChanged(Event):
    """A service's manager state changed; `params` are the new entry's
    parameters in the line's order (`node`, `target`, …)."""

    sid: str
    old: str
    new: str
    params: tuple[tuple[str, str], ...] = ()

    def param(self, key: str) -> str | None:
        return next((v for k, v in self.params if k == key), None)

    @property
    def message(self) -> str:
        suffix = f"  ({', '.join(f'{k} = {v}' for k, v in self.params)})" if self.params else ""
        return f"service '{self.sid}': state changed from '{self.old}' to '{self.new}'{suffix}"


class ServiceAdded(Event):
    sid: str
    node: str

    @property
    def message(self) -> str:
        return f"adding new service '{self.sid}' on node '{self.node}'"


class CrmCommandReceived(Event):
    """The master took a command from the CRM queue (or gave itself one, for balancing)."""

    text: str

    @property
    def message(self) -> str:
        return f"got crm command: {self.text}"


class ServiceRecovered(Event):
    sid: str
    fenced: str
    target: str

    @property
    def message(self) -> str:
        return f"recover service '{self.sid}' from fenced node '{self.fenced}' to node '{self.target}'"


class ServiceRecoveredBack(Event):
    """Recovered onto the node it was fenced from (it came back first)."""

    sid: str
    fenced: str

    @property
    def target(self) -> str:
        return self.fenced

    @property
    def message(self) -> str:
        return f"recover service '{self.sid}' to previous failed and fenced node '{self.fenced}' again"


class RecoveryFailed(Event):
    level: ClassVar[str] = "err"
    sid: str
    fenced: str

    @property
    def message(self) -> str:
        return f"recovering service '{self.sid}' from fenced node '{self.fenced}' failed, no recovery node found"


class ServiceFailed(Event):
    """The recovery policy gave up: the service enters the error state."""

    level: ClassVar[str] = "err"
    sid: str
    failed_nodes: str  # as the line shows them

    @property
    def message(self) -> str:
        return f"recovery policy for service {self.sid} failed, entering error state. Failed nodes: {self.failed_nodes}"


class StartFailedRelocating(Event):
    level: ClassVar[str] = "warning"
    sid: str
    node: str

    @property
    def message(self) -> str:
        return f"starting service {self.sid} on node '{self.node}' failed, relocating service."


# -- the LRM and the resources (spec 03, 01 §11) ---------------------------------------------------------


class LrmShutdown(Event):
    """What an LRM does with a shutdown request (spec 03 §6).

    `kind`: reboot, shutdown or restart (of the LRM alone); `plan`: freeze
    (stop and freeze its services), stop (stop them, they move), maintenance
    (move them away), keep-maintenance / manual-maintenance (already in
    maintenance mode: nothing changes)."""

    kind: str
    plan: str
    policy: str = ""

    @property
    def freezes(self) -> bool:
        return self.plan == "freeze"

    @property
    def message(self) -> str:
        if self.kind == "restart":
            return "restart LRM, freeze all services"
        if self.plan == "stop":
            return "shutdown LRM, stop all services"
        return {
            "keep-maintenance": f"{self.kind} LRM, ignore maintenance policy, already in maintenance mode",
            "manual-maintenance": f"{self.kind} LRM, ignore {self.policy} policy as manual maintenance mode is enabled",
            "maintenance": f"{self.kind} LRM, doing maintenance, removing this node from active list",
            "freeze": f"{self.kind} LRM, stop and freeze all services",
        }[self.plan]


class ServiceStarting(Event):
    sid: str

    @property
    def message(self) -> str:
        return f"starting service {self.sid}"


class ServiceStatus(Event):
    """The resource agent reports the service 'started' or 'stopped'."""

    sid: str
    state: str

    @property
    def message(self) -> str:
        return f"service status {self.sid} {self.state}"


class ServiceStopping(Event):
    """`detail`: '' plain, 'timeout=<n>' for a graceful stop, 'relocate' for a move."""

    sid: str
    detail: str = ""

    @property
    def message(self) -> str:
        return f"stopping service {self.sid}" + (f" ({self.detail})" if self.detail else "")


class ServiceStartFailed(Event):
    level: ClassVar[str] = "warning"
    sid: str

    @property
    def message(self) -> str:
        return f"unable to start service {self.sid}"


class RestartRetry(Event):
    level: ClassVar[str] = "warning"
    sid: str
    attempt: int

    @property
    def message(self) -> str:
        return f"restart policy: retry number {self.attempt} for service '{self.sid}'"


class RestartsExhausted(Event):
    """The restart policy is used up: the LRM reports the failed start."""

    level: ClassVar[str] = "err"
    sid: str
    tries: int

    @property
    def message(self) -> str:
        return f"unable to start service {self.sid} on local node after {self.tries} retries"


class ServiceMove(Event):
    """A migrate or relocate by the resource agent: `phase` 'start' or 'end'."""

    sid: str
    how: str  # "migrate" | "relocate"
    target: str
    phase: str

    @property
    def message(self) -> str:
        return f"service {self.sid} - {self.phase} {self.how} to node '{self.target}'"
