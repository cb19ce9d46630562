"""Recorded session entries in the real tester's grammar, where the grammar has them.

A session records what a user did: scenario lines and window commands (the
tester's grammar already), `ha-manager` requests and window dialogs that
replaced a configuration file.  Many of those have an exact scenario
equivalent — `ha-manager migrate vm:101 node2` queues the same CRM command as
`service vm:101 migrate node2`, `set vm:101 --state stopped` writes the same
state as `service vm:101 stopped` — and some do not (rules, groups, options
the grammar lacks).  Some translations depend on the cluster at the moment
the entry applied (a VMID typed as digits, the rules a `remove` purges), so
they are made while the session is replayed: `Translating` stands in for a
recorded edit, and reports the tester's commands, or why there are none,
when it applies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from hasim.admin.cluster import Cluster
from hasim.admin.parameters import ParameterError, Parsed
from hasim.admin.requests import HaManagerRequest
from hasim.commands import (
    Change,
    Command,
    CommandError,
    DelNode,
    Edit,
    ReplaceConfig,
    parse,
)
from hasim.engine.ha import rules as rules_mod
from hasim.vocab import REQUESTED_STATES


class NotExpressible(Exception):
    """An entry the tester's grammar cannot say; str() says why."""


def for_command(text: str) -> list[str]:
    """A recorded command line (scenario or window) as scenario lines."""
    try:
        command = parse(text, strict=False)
    except CommandError:
        return [text]  # it ran as written; it will run as written
    if isinstance(command, DelNode):
        raise NotExpressible("'delnode' is hasim's: the real tester cannot remove a node")
    return [text]


def _only(request: Parsed, allowed: tuple[str, ...], what: str) -> None:
    extra = sorted(set(request.params) - set(allowed))
    if extra:
        raise NotExpressible(f"{what} has no option {', '.join('--' + k for k in extra)} in the tester's grammar")


def for_request(argv: tuple[str, ...], cluster: Cluster) -> list[str]:
    """An applied `ha-manager` request as scenario lines, judged against the
    cluster files as they were when it applied."""
    try:
        request = HaManagerRequest(argv).parsed
    except ParameterError:
        raise NotExpressible("the request does not parse") from None
    command = request.command
    sid = cluster.guest_sid(request.get("sid") or "") or request.get("sid")
    if command in ("crm-command migrate", "crm-command relocate"):
        return [f"service {sid} {request.path[-1]} {request.get('node')}"]
    if command == "crm-command stop":
        return [f"service {sid} stop {request.get('timeout')}"]
    if command.startswith("crm-command node-maintenance "):
        return [f"crm {request.get('node')} {request.path[-1]}-node-maintenance"]
    if command == "crm-command disarm-ha":
        return [f"crm {cluster.nodes[0]} disarm-ha {request.get('resource-mode')}"]  # queued whatever the node
    if command == "crm-command arm-ha":
        return [f"crm {cluster.nodes[0]} arm-ha"]
    if command == "set":
        _only(request, ("sid", "state"), "'set'")
        if request.get("state") is None:
            return []
        return [f"service {sid} {'started' if request.get('state') == 'enabled' else request.get('state')}"]
    if command == "add":
        _only(request, ("sid", "node", "state", "type"), "'add'")
        state = request.get("state")
        return [f"service {sid} add {request.get('node') or cluster.nodes[0]}" + (f" {state}" if state else "")]
    if command == "remove":
        users = [r.id for r in rules_mod.parse_rules(cluster.rules_text) if sid in r.resources]
        if request.get("purge", 1) and users:
            raise NotExpressible(f"'remove' also takes {sid} out of rule(s) {', '.join(users)}; "
                                 "the tester's 'delete' leaves rules alone")  # fmt: skip
        return [f"service {sid} delete"]
    raise NotExpressible(f"'{command}' changes {'rules' if command.startswith('rules') else 'groups'}, "
                         "which the tester's grammar cannot")  # fmt: skip


def for_config(name: str, value: Any, cluster: Cluster) -> list[str]:
    """A file replaced by a window dialog as scenario lines: only requested
    states of existing services changing have a grammar."""
    if name != "service_config" or not isinstance(value, Mapping):
        raise NotExpressible(f"a window dialog replaced {name}, which the tester's grammar cannot change")
    before = cluster.service_config
    lines = []
    for sid in sorted(set(before) | set(value)):
        old, new = before.get(sid), value.get(sid)
        if old == new:
            continue
        if old is None or not isinstance(new, Mapping):
            raise NotExpressible(f"a window dialog {'added' if old is None else 'removed'} {sid} with its configuration")
        changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        if changed != ["state"] or new.get("state") not in REQUESTED_STATES:
            raise NotExpressible(f"a window dialog changed {', '.join(changed)} of {sid}; the grammar sets only states")
        lines.append(f"service {sid} {new['state']}")
    return lines


@attrs.frozen(eq=False)
class Translating(Edit):
    """A recorded edit that, when it applies during a replay, tells `report`
    its scenario lines (or the NotExpressible reason) and then applies as recorded."""

    inner: Edit
    report: Callable[[list[str] | NotExpressible], None]

    @property
    def source(self) -> str:  # type: ignore[override]
        return self.inner.source

    def change(self, files: Mapping[str, Any], nodes: list[str]) -> Change:
        cluster = Cluster(files, nodes)
        try:
            if isinstance(self.inner, HaManagerRequest):
                self.report(for_request(self.inner.argv, cluster))
            elif isinstance(self.inner, ReplaceConfig):
                self.report(for_config(self.inner.name, self.inner.value, cluster))
            else:
                raise NotExpressible(f"'{self.inner.render()}' has no scenario form")
        except NotExpressible as err:
            self.report(err)
        return self.inner.change(files, nodes)

    def render(self) -> str:
        return self.inner.render()


def translating(report: Callable[[Command, list[str] | NotExpressible], None]) -> Callable[[Any, Command], Command]:
    """A `wrap` for `hasim.session.replay.replay`: every recorded edit reports
    its translation as it applies."""
    return lambda entry, command: Translating(command, lambda result: report(entry, result))  # type: ignore[arg-type]
