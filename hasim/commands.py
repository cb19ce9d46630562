"""Commands as values, defined once: parse, render, check.

A command is what a user (or a scenario) does to the simulated cluster:
`power node1 off`, `service vm:101 migrate node2`, …  in the real tester's
grammar (spec 01 §8).  Each kind is one frozen class here; everything that
gives or reads commands uses these values — the harness applies them through
a dispatch table, the window builds them from its buttons, sessions record
their rendering, the explorer plans them.

* `parse(text)` turns the grammar into a value.  An error names the bad
  token (`CommandError.message`) and also carries the message the real
  tester dies with (`CommandError.tester_message`), so a scenario with a
  broken command still ends exactly as upstream's does.  `strict=False` is
  the tester's leniency (extra tokens ignored), used for scenario files.
* `command.render()` is the grammar again, byte for byte for canonical text.
* `check(command, facts)` says whether the command can apply to the cluster
  as it is now, and if not, why — in the words the window shows.  The real
  tester aborts the whole simulation on such a command; the window refuses it
  before it is queued.

Configuration edits that have no tester grammar (a whole file replaced by a
window dialog, an `ha-manager` request) are `Edit`s: values that say which
files change and which CRM commands are queued, computed against the state
at the moment they apply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

from hasim.values import Value
from hasim.vocab import REQUESTED_STATES, is_node_name, is_sid

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar


class CommandError(Exception):
    """A command that does not parse.

    `message` names the bad token for a person; `tester_message` is the text
    the real tester aborts with (spec 01 §14) for the same command.
    """

    def __init__(self, message: str, tester_message: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.tester_message = tester_message or message


def _shown(token: str | None) -> str:
    """A token as the real tester's messages show it: a missing one (Perl's
    undef) interpolates as the empty string."""
    return "" if token is None else token


# -- the values -----------------------------------------------------------------------------------------


class Command(Value):
    """Base of every command value."""

    def render(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.render()


class NodeCommand(Command):
    node: str


class Power(NodeCommand):
    on: bool

    def render(self) -> str:
        return f"power {self.node} {'on' if self.on else 'off'}"


class Network(NodeCommand):
    on: bool

    def render(self) -> str:
        return f"network {self.node} {'on' if self.on else 'off'}"


class Cfs(NodeCommand):
    """The node's cluster filesystem: `rw` (writes) or `update` (its view)
    works or fails (spec 01 §9.4)."""

    what: str  # "rw" | "update"
    works: bool

    def render(self) -> str:
        return f"cfs {self.node} {self.what} {'work' if self.works else 'fail'}"


class PveManagerVersion(NodeCommand):
    version: str | None

    def render(self) -> str:
        return f"pve-manager-version {self.node} set" + (f" {self.version}" if self.version is not None else "")


class Reboot(NodeCommand):
    def render(self) -> str:
        return f"reboot {self.node}"


class Shutdown(NodeCommand):
    def render(self) -> str:
        return f"shutdown {self.node}"


class RestartLrm(NodeCommand):
    def render(self) -> str:
        return f"restart-lrm {self.node}"


class CrmStop(NodeCommand):
    def render(self) -> str:
        return f"crm {self.node} stop"


class CrmStart(NodeCommand):
    def render(self) -> str:
        return f"crm {self.node} start"


class NodeMaintenance(NodeCommand):
    enable: bool

    def render(self) -> str:
        return f"crm {self.node} {'enable' if self.enable else 'disable'}-node-maintenance"


class DisarmHa(NodeCommand):
    mode: str  # "freeze" | "ignore"

    def render(self) -> str:
        return f"crm {self.node} disarm-ha {self.mode}"


class ArmHa(NodeCommand):
    def render(self) -> str:
        return f"crm {self.node} arm-ha"


class DelNode(NodeCommand):
    """hasim extension: the cluster forgets the node (`pvecm delnode`)."""

    def render(self) -> str:
        return f"delnode {self.node}"


class ServiceCommand(Command):
    sid: str


class SetRequestedState(ServiceCommand):
    state: str  # one of REQUESTED_STATES

    def render(self) -> str:
        return f"service {self.sid} {self.state}"


class Migrate(ServiceCommand):
    target: str

    def render(self) -> str:
        return f"service {self.sid} migrate {self.target}"


class Relocate(ServiceCommand):
    target: str

    def render(self) -> str:
        return f"service {self.sid} relocate {self.target}"


class StopService(ServiceCommand):
    timeout: str  # as given: the manager parses it when it reads the queue

    def render(self) -> str:
        return f"service {self.sid} stop {self.timeout}"


class AddService(ServiceCommand):
    node: str
    state: str | None = None
    running: str | None = None

    def render(self) -> str:
        extra = [t for t in (self.state, self.running) if t is not None]
        return " ".join([f"service {self.sid} add {self.node}", *extra])


class DeleteService(ServiceCommand):
    def render(self) -> str:
        return f"service {self.sid} delete"


class LockService(ServiceCommand):
    lock: str | None = None  # None: the tester's default, 'backup'

    def render(self) -> str:
        return f"service {self.sid} lock" + (f" {self.lock}" if self.lock is not None else "")


class UnlockService(ServiceCommand):
    lock: str | None = None  # None: whatever lock it has

    def render(self) -> str:
        return f"service {self.sid} unlock" + (f" {self.lock}" if self.lock is not None else "")


class ManualMigrate(ServiceCommand):
    target: str

    def render(self) -> str:
        return f"service {self.sid} manual-migrate {self.target}"


STATIC_STATS = {"maxcpu": "cpu", "maxmem": "mem"}
DYNAMIC_STATS = {"cpu": "cpu", "mem": "mem"}


class SetStats(ServiceCommand):
    """`set-static-stats` / `set-dynamic-stats`: key/value pairs as given
    (memory in MiB); the keys are checked when it applies, as the tester does."""

    dynamic: bool
    pairs: tuple[tuple[str, str], ...]

    @property
    def action(self) -> str:
        return "set-dynamic-stats" if self.dynamic else "set-static-stats"

    @property
    def keys(self) -> Mapping[str, str]:
        return DYNAMIC_STATS if self.dynamic else STATIC_STATS

    def render(self) -> str:
        return " ".join([f"service {self.sid} {self.action}", *(f"{k} {v}" for k, v in self.pairs)])


class Delay(Command):
    """Scenario directive: the next batch comes this much later (spec 01 §6.5)."""

    seconds: int

    def render(self) -> str:
        return f"delay {self.seconds}"


class SkipRound(Command):
    """Scenario directive: the CRMs or LRMs skip rounds (spec 01 §6.5)."""

    daemon: str  # "crm" | "lrm"
    count: int | None = None

    def render(self) -> str:
        return f"skip-round {self.daemon}" + (f" {self.count}" if self.count is not None else "")


# -- edits (no tester grammar) --------------------------------------------------------------------------


class Change(Value):
    """What an edit does when it applies: files replaced (None: deleted) and
    lines appended to the CRM command queue (spec 01 §8.3)."""

    files: Mapping[str, Any] = MappingProxyType({})
    crm_commands: tuple[str, ...] = ()


class Edit(Command):
    """A configuration edit, applied at a loop end against the state then."""

    #: the session source under which the edit is recorded
    source: ClassVar[str] = "edit"

    def change(self, files: Mapping[str, Any], nodes: list[str]) -> Change:
        raise NotImplementedError

    def problem(self, files: Mapping[str, Any], nodes: list[str]) -> str | None:
        """Why the edit cannot apply to these files now (None: it can)."""
        return None

    def recorded(self, change: Change) -> list[tuple[str, str]]:
        """The session entries (source, text) that replay this edit exactly:
        by default the files it wrote, as `config` entries."""
        return [(ReplaceConfig.source, ReplaceConfig(name, value).render()) for name, value in change.files.items()]


class ReplaceConfig(Edit):
    """A whole cluster configuration file replaced (a window dialog), or
    deleted with `value=None`."""

    source: ClassVar[str] = "config"
    name: str
    value: Any

    def change(self, files: Mapping[str, Any], nodes: list[str]) -> Change:
        return Change(files={self.name: self.value})

    def render(self) -> str:
        return f"{self.name} {json.dumps(self.value, sort_keys=True)}"


class SetDatacenterOption(Edit):
    """One option of datacenter.cfg's `ha` or `crs` section set (or removed
    with value None), as `pvesh set /cluster/options` changes one key."""

    section: str  # "ha" | "crs"
    key: str
    value: Any = None

    def change(self, files: Mapping[str, Any], nodes: list[str]) -> Change:
        dc = {k: (dict(v) if isinstance(v, dict) else v) for k, v in (files.get("datacenter.cfg") or {}).items()}
        options = dc.setdefault(self.section, {})
        if self.value is None:
            options.pop(self.key, None)
        else:
            options[self.key] = self.value
        return Change(files={"datacenter.cfg": dc})

    def render(self) -> str:
        return f"datacenter.cfg {self.section}.{self.key} = {json.dumps(self.value)}"


class EditService(Edit):
    """Properties of one configured service changed (value None: removed),
    the rest of service_config left as it is when the edit applies."""

    sid: str
    changes: tuple[tuple[str, Any], ...]

    def problem(self, files: Mapping[str, Any], nodes: list[str]) -> str | None:
        if self.sid not in (files.get("service_config") or {}):
            return f"No such service '{self.sid}'"
        return None

    def change(self, files: Mapping[str, Any], nodes: list[str]) -> Change:
        conf = dict(files.get("service_config") or {})
        record = dict(conf.get(self.sid) or {})
        for key, value in self.changes:
            if value is None:
                record.pop(key, None)
            else:
                record[key] = value
        conf[self.sid] = record
        return Change(files={"service_config": conf})

    def render(self) -> str:
        return f"service_config {self.sid} " + json.dumps(dict(self.changes), sort_keys=True)


# -- parsing --------------------------------------------------------------------------------------------

_INT = re.compile(r"[0-9]+", re.ASCII)
# the run loop's own patterns (spec 01 §6.5), kept as the real tester matches them
_DELAY = re.compile(r"^delay\s+(\d+)\s*$")
_SKIP = re.compile(r"^skip-round\s+(crm|lrm)(?:\s+(\d+))?\s*$")


def _need(tokens: list[str], i: int, message: str, tester: str) -> str:
    if len(tokens) <= i:
        raise CommandError(message, tester)
    return tokens[i]


def _on_off(tokens: list[str], kind: str, tester: str) -> bool:
    action = tokens[2] if len(tokens) > 2 else None
    if action not in ("on", "off"):
        raise CommandError(f"{kind} needs 'on' or 'off', not '{_shown(action)}'", tester.format(_shown(action)))
    return action == "on"


def _parse_power(t: list[str]) -> Command:
    return Power(t[1], _on_off(t, "power", "sim_hardware_cmd: unknown action '{}'"))


def _parse_network(t: list[str]) -> Command:
    return Network(t[1], _on_off(t, "network", "sim_hardware_cmd: unknown network action '{}'"))


def _parse_cfs(t: list[str]) -> Command:
    node = t[1]
    action = t[2] if len(t) > 2 else None
    if action not in ("rw", "update"):
        raise CommandError(
            f"cfs needs 'rw' or 'update', not '{_shown(action)}'",
            f"sim_hardware_cmd: unknown cfs action '{_shown(action)}' for node '{node}'",
        )
    param = t[3] if len(t) > 3 else None
    if param not in ("work", "fail"):
        raise CommandError(
            f"cfs {action} needs 'work' or 'fail', not '{_shown(param)}'",
            f"sim_hardware_cmd: unknown cfs command '{_shown(param)}' for '{action}' on node '{node}'",
        )
    return Cfs(node, action, param == "work")


def _parse_version(t: list[str]) -> Command:
    action = t[2] if len(t) > 2 else None
    if action != "set":
        raise CommandError(
            f"pve-manager-version needs 'set', not '{_shown(action)}'",
            f"sim_hardware_cmd: unknown version action '{_shown(action)}'",
        )
    return PveManagerVersion(t[1], t[3] if len(t) > 3 else None)


def _parse_crm(t: list[str]) -> Command:
    node = t[1]
    action = t[2] if len(t) > 2 else None
    simple: dict[str | None, Callable[[str], Command]] = {
        "stop": CrmStop,
        "start": CrmStart,
        "enable-node-maintenance": lambda n: NodeMaintenance(n, True),
        "disable-node-maintenance": lambda n: NodeMaintenance(n, False),
        "arm-ha": ArmHa,
    }
    if action in simple:
        return simple[action](node)
    if action == "disarm-ha":
        mode = t[3] if len(t) > 3 else None
        if mode not in ("freeze", "ignore"):
            raise CommandError(
                f"disarm-ha needs 'freeze' or 'ignore', not '{_shown(mode)}'",
                f"sim_hardware_cmd: unknown resource mode '{_shown(mode)}'",
            )
        return DisarmHa(node, mode)
    raise CommandError(
        f"unknown crm action '{_shown(action)}': use stop, start, enable-node-maintenance, "
        "disable-node-maintenance, disarm-ha freeze|ignore or arm-ha",
        f"sim_hardware_cmd: unknown action '{_shown(action)}'",
    )


def _target(t: list[str], action: str, what: str = "target node") -> str:
    return _need(t, 3, f"{action} needs a {what}", f"sim_hardware_cmd: missing {what} for '{action}' command")


def _parse_service(t: list[str]) -> Command:
    sid = t[1]
    action = t[2] if len(t) > 2 else None
    if action in REQUESTED_STATES:
        return SetRequestedState(sid, action)
    if action == "migrate":
        return Migrate(sid, _target(t, action))
    if action == "relocate":
        return Relocate(sid, _target(t, action))
    if action == "stop":
        return StopService(sid, _target(t, action, "timeout"))
    if action == "add":
        node = _target(t, action)
        return AddService(sid, node, t[4] if len(t) > 4 else None, t[5] if len(t) > 5 else None)
    if action == "delete":
        return DeleteService(sid)
    if action == "lock":
        return LockService(sid, t[3] if len(t) > 3 else None)
    if action == "unlock":
        return UnlockService(sid, t[3] if len(t) > 3 else None)
    if action == "manual-migrate":
        return ManualMigrate(sid, _target(t, action))
    if action in ("set-static-stats", "set-dynamic-stats"):
        params = t[3:]
        if not params:
            raise CommandError(
                f"{action} needs key/value pairs", f"sim_hardware_cmd: missing target stat for '{action}' command"
            )
        if len(params) % 2:
            raise CommandError(
                f"{action}: '{params[-1]}' has no value",
                f"sim_hardware_cmd: missing value for '{action} {params[-1]}' command",
            )
        return SetStats(sid, action == "set-dynamic-stats", tuple(zip(params[::2], params[1::2])))
    raise CommandError(
        f"unknown service action '{_shown(action)}'",
        f"sim_hardware_cmd: unknown service action '{_shown(action)}' - not implemented",
    )


def _node_only(cls: type[NodeCommand]) -> Callable[[list[str]], Command]:
    return lambda t: cls(t[1])


_PARSERS: dict[str, Callable[[list[str]], Command]] = {
    "power": _parse_power,
    "network": _parse_network,
    "cfs": _parse_cfs,
    "pve-manager-version": _parse_version,
    "reboot": _node_only(Reboot),
    "shutdown": _node_only(Shutdown),
    "restart-lrm": _node_only(RestartLrm),
    "crm": _parse_crm,
    "delnode": _node_only(DelNode),
    "service": _parse_service,
}

VERBS = tuple(_PARSERS) + ("delay", "skip-round")


def parse_directive(text: str) -> Command | None:
    """`delay N` / `skip-round crm|lrm [N]` as the run loop reads them, else None."""
    if m := _DELAY.match(text):
        return Delay(int(m.group(1)))
    if m := _SKIP.match(text):
        return SkipRound(m.group(1), int(m.group(2)) if m.group(2) else None)
    return None


def is_delay(text: str) -> bool:
    """Whether a scenario line is a `delay` (it sets timing, it does nothing)."""
    return isinstance(parse_directive(text), Delay)


def parse(text: str, *, strict: bool = True) -> Command:
    """A command value from the real grammar.

    With `strict` (the window, the CLI, a session) every token must be
    meaningful; without (a scenario's cmdlist) extra tokens are ignored as the
    real tester ignores them.  Object names are not checked against a cluster
    here: that is `check`'s job (and the harness's for scenarios).
    """
    if not isinstance(text, str) or not text.strip():
        raise CommandError("empty command", "sim_hardware_cmd: no node or service for command specified")
    directive = parse_directive(text)
    if directive is not None:
        return directive
    if strict and not text.isprintable():
        raise CommandError(f"a command is one line of printable text, not {text!r}")
    t = text.split()
    verb = t[0]
    if verb in ("delay", "skip-round"):
        raise CommandError(f"bad '{verb}': use 'delay <seconds>' or 'skip-round crm|lrm [<count>]'")
    if len(t) < 2:
        raise CommandError(
            f"'{verb}' needs a node or service", "sim_hardware_cmd: no node or service for command specified"
        )
    parser = _PARSERS.get(verb)
    if parser is None:
        raise CommandError(
            f"unknown command '{verb}' (known: {', '.join(VERBS)})", f"sim_hardware_cmd: unknown command '{text}'"
        )
    if strict:
        if verb == "service":
            if not is_sid(t[1]):
                raise CommandError(f"'{t[1]}' is not a valid service id: use vm:<number>, ct:<number> or fa:<number>")
        elif not is_node_name(t[1]):
            raise CommandError(f"'{t[1]}' is not a node name")
    command = parser(t)
    if strict:
        canonical = command.render().split()
        if len(t) > len(canonical):
            raise CommandError(f"unexpected '{t[len(canonical)]}' after '{' '.join(canonical)}'")
        if isinstance(command, StopService) and not _INT.fullmatch(command.timeout):
            raise CommandError(f"stop needs a timeout in whole seconds, not '{command.timeout}'")
        if isinstance(command, AddService):
            if command.state is not None and command.state not in REQUESTED_STATES:
                raise CommandError(f"unknown requested state '{command.state}': use {', '.join(REQUESTED_STATES)}")
            if command.running is not None and command.running not in ("0", "1"):
                raise CommandError(f"running flag must be 0 or 1, not '{command.running}'")
        if isinstance(command, SetStats):
            for key, value in command.pairs:
                if key not in command.keys:
                    raise CommandError(f"unknown statistic '{key}' for {command.action}: use {', '.join(command.keys)}")
                if not _is_number(value):
                    raise CommandError(f"'{value}' is not a number (for {key})")
    return command


def _is_number(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return value == value and value not in (float("inf"), float("-inf"))


# -- checking against the cluster -----------------------------------------------------------------------


class NodeFacts(Value):
    """A node's state as `check` needs it: what runs, what works."""

    power: bool
    network: bool
    crm: bool  # a CRM process runs
    lrm: bool  # an LRM process runs
    cfs_rw: bool = True
    cfs_update: bool = True
    maintenance: bool = False  # in maintenance, or asked to enter it


class Facts(Value):
    """What `check` needs to know of the cluster now (the facade builds it)."""

    nodes: tuple[str, ...]
    services: frozenset[str]  # configured service ids
    pending: tuple[Command, ...] = ()  # queued, not yet applied
    shutting_down: frozenset[str] = frozenset()  # nodes with a reboot/shutdown under way
    finished: str | None = None  # why the simulation ended (None: it runs)
    node_state: Mapping[str, NodeFacts] = MappingProxyType({})  # nodes not here: their state is not checked


def check(command: Command, facts: Facts) -> str | None:
    """Why `command` cannot be applied to the cluster now (None: it can)."""
    if facts.finished is not None:
        return facts.finished
    if isinstance(command, (Delay, SkipRound, Edit)):
        return None
    if isinstance(command, NodeCommand):
        if command.node not in facts.nodes:
            return f"No such node '{command.node}'"
        if isinstance(command, RestartLrm) and command.node in facts.shutting_down:
            return f"{command.node} is shutting down: its LRM cannot be restarted now"
        if isinstance(command, DelNode) and len(facts.nodes) <= 1:
            return "The last node of the cluster cannot be removed"
        state = _after_pending(facts, command.node)
        if state is None:
            return None
        shutting = command.node in facts.shutting_down
        problem = _state_problem(command, state, shutting)
        if problem is not None and _state_problem(command, facts.node_state[command.node], shutting) is None:
            problem += " once the commands queued for it apply"
        return problem
    assert isinstance(command, ServiceCommand)
    adds = {c.sid for c in facts.pending if isinstance(c, AddService)}
    deletes = {c.sid for c in facts.pending if isinstance(c, DeleteService)}
    sid = command.sid
    if isinstance(command, AddService):
        if (sid in facts.services or sid in adds) and sid not in deletes:
            return f"Service id '{sid}' is already taken"
        if command.node not in facts.nodes:
            return f"Unknown node '{command.node}'"
        return None
    if sid not in facts.services and sid not in adds:
        return f"No such service '{sid}'"
    if sid in deletes:
        return f"Service '{sid}' is being deleted"
    if isinstance(command, (Migrate, Relocate, ManualMigrate)) and command.target not in facts.nodes:
        return f"Unknown target node '{command.target}'"
    return None


def _after_pending(facts: Facts, node: str) -> NodeFacts | None:
    """The node's state once the commands queued for it have applied (a
    queued command counts as applied, as for services)."""
    state = facts.node_state.get(node)
    if state is None:
        return None
    fields = {name: getattr(state, name) for name in ("power", "network", "crm", "lrm", "cfs_rw", "cfs_update",
                                                      "maintenance")}  # fmt: skip
    for c in facts.pending:
        if getattr(c, "node", None) != node:
            continue
        if isinstance(c, Power):
            fields.update(power=c.on, network=c.on, crm=c.on, lrm=c.on)
        elif isinstance(c, Network):
            fields["network"] = c.on
        elif isinstance(c, Cfs):
            fields["cfs_rw" if c.what == "rw" else "cfs_update"] = c.works
        elif isinstance(c, (CrmStop, CrmStart)):
            fields["crm"] = isinstance(c, CrmStart)
        elif isinstance(c, NodeMaintenance):
            fields["maintenance"] = c.enable
    return NodeFacts(**fields)


def _state_problem(command: NodeCommand, s: NodeFacts, shutting_down: bool) -> str | None:
    """Why a node command does not apply to the node as it is (None: it does)."""
    node = command.node
    if isinstance(command, Power) and command.on == s.power and command.on == s.network:
        # (power on also brings a cut network back, as in the real tester: not refused then)
        return f"{node} is already powered {'on' if s.power else 'off'}"
    if isinstance(command, Network):
        if command.on and not s.power:
            return f"{node} is powered off: its network comes up when it is powered on"
        if command.on == s.network:
            return f"{node}'s network is already {'on' if s.network else 'off'}"
    if isinstance(command, (Reboot, Shutdown)):
        if not s.power:
            return f"{node} is powered off"
        if shutting_down:
            return f"{node} is already shutting down"
    if isinstance(command, RestartLrm) and not s.lrm:
        return f"{node} runs no LRM to restart"
    if isinstance(command, CrmStop) and not s.crm:
        return f"{node} runs no CRM to stop"
    if isinstance(command, CrmStart):
        if not s.power:
            return f"{node} is powered off"
        if s.crm:
            return f"{node}'s CRM is already running"
    if isinstance(command, NodeMaintenance) and command.enable == s.maintenance:
        return f"{node} is {'already' if s.maintenance else 'not'} in maintenance mode"
    if isinstance(command, Cfs):
        if not s.power:
            return f"{node} is powered off: its cluster filesystem starts working when it is powered on"
        works = s.cfs_rw if command.what == "rw" else s.cfs_update
        if works == command.works:
            what = "writes" if command.what == "rw" else "updates"
            return f"{node}'s cluster filesystem {what} already {'work' if works else 'fail'}"
    return None
