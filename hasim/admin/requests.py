"""`ha-manager`, the real stack's admin CLI, against a working directory.

Trainees practise the real commands.  A request is parsed and validated
first (bad input: one clear line, nothing changed), then turned into a
deterministic edit of the cluster configuration or into a CRM command, the
two ways the real `ha-manager` reaches the HA stack:

* configuration (`add`, `remove`, `set`, `rules ...`, `group...`): the
  service/rules/groups files, read by the CRM at its next round;
* CRM commands (`migrate`, `relocate`, `crm-command ...`): appended to the
  CRM command queue, consumed by the master at its next round.

Against a running simulation the request travels through its inbox and is
applied by the owner at its next loop end (`submit_request`); against an idle
directory the same edit is applied to its input files (`apply_to_directory`).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from hasim.errors import one_line
from hasim.formats.section_config import Section, format_section_config, valid_id
from hasim.engine.ha import groups as groups_mod
from hasim.engine.ha import rules as rules_mod

from hasim.vocab import REQUESTED_STATES, is_sid

if TYPE_CHECKING:
    from hasim.engine.harness import Harness

CRM_QUEUE_ACTIONS = {"migrate", "relocate", "crm-command"}


class RequestError(Exception):
    """A request the real ha-manager would refuse; str() is the message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # never exit: report as RequestError
        raise RequestError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ha-manager", add_help=False)
    sub = p.add_subparsers(dest="action", parser_class=_Parser)
    sub.required = True
    sub.add_parser("status").add_argument("--verbose", action="store_true")
    c = sub.add_parser("config")
    c.add_argument("--type", choices=("vm", "ct", "fa"))
    for name in ("add", "set"):
        a = sub.add_parser(name)
        a.add_argument("sid")
        a.add_argument("--state", choices=REQUESTED_STATES)
        a.add_argument("--max_restart", type=int)
        a.add_argument("--max_relocate", type=int)
        a.add_argument("--failback", type=int, choices=(0, 1))
        a.add_argument("--group")
        a.add_argument("--comment")
        if name == "add":
            a.add_argument("--node", help="hasim: the node the guest lives on (default: first node)")
    sub.add_parser("remove").add_argument("sid")
    for name in ("migrate", "relocate"):
        m = sub.add_parser(name)
        m.add_argument("sid")
        m.add_argument("node")
    crm = sub.add_parser("crm-command")
    csub = crm.add_subparsers(dest="crm_action", parser_class=_Parser)
    csub.required = True
    for name in ("migrate", "relocate"):
        m = csub.add_parser(name)
        m.add_argument("sid")
        m.add_argument("node")
    s = csub.add_parser("stop")
    s.add_argument("sid")
    s.add_argument("timeout", type=int)
    nm = csub.add_parser("node-maintenance")
    nm.add_argument("mode", choices=("enable", "disable"))
    nm.add_argument("node")
    d = csub.add_parser("disarm-ha")
    d.add_argument("mode", choices=("freeze", "ignore"))
    csub.add_parser("arm-ha")
    r = sub.add_parser("rules")
    rsub = r.add_subparsers(dest="rules_action", parser_class=_Parser)
    rsub.required = True
    rsub.add_parser("list")
    rsub.add_parser("config")
    for name in ("add", "set"):
        ra = rsub.add_parser(name)
        ra.add_argument("type", choices=("node-affinity", "resource-affinity"))
        ra.add_argument("rule")
        ra.add_argument("--resources")
        ra.add_argument("--nodes")
        ra.add_argument("--strict", type=int, choices=(0, 1))
        ra.add_argument("--affinity", choices=("positive", "negative"))
        ra.add_argument("--comment")
        ra.add_argument("--disable", type=int, choices=(0, 1))
    rsub.add_parser("remove").add_argument("rule")
    for name in ("groupadd", "groupset"):
        g = sub.add_parser(name)
        g.add_argument("group")
        g.add_argument("--nodes", required=(name == "groupadd"))
        g.add_argument("--restricted", type=int, choices=(0, 1))
        g.add_argument("--nofailback", type=int, choices=(0, 1))
        g.add_argument("--comment")
    sub.add_parser("groupremove").add_argument("group")
    sub.add_parser("groupconfig")
    return p


def parse_request(argv: list[str]) -> argparse.Namespace:
    """Parse a request; every argument must be one line of printable text
    (a line feed would split the recorded session's line and the files'
    sections)."""
    for arg in argv:
        if not isinstance(arg, str) or not arg.isprintable():
            raise RequestError(f"argument {one_line(str(arg))} is not one line of printable text")
    return build_parser().parse_args(argv)


def is_read_only(args: argparse.Namespace) -> bool:
    if args.action in ("status", "config", "groupconfig"):
        return True
    return args.action == "rules" and args.rules_action in ("list", "config")


def needs_crm(args: argparse.Namespace) -> bool:
    return args.action in CRM_QUEUE_ACTIONS


# -- validation against the current state -------------------------------------------------------


def _check_sid(sid: str) -> None:
    if not is_sid(sid):
        raise RequestError(f"invalid service id '{sid}': expected vm:<id>, ct:<id> or fa:<id> with a numeric id")


def _check_config_id(ident: str, what: str) -> None:
    if not valid_id(ident):
        raise RequestError(
            f"invalid {what} id '{ident}': it must start with a letter and contain only letters, digits, '-' and '_'"
        )


def validate(args: argparse.Namespace, files: dict[str, Any], nodes: list[str]) -> None:
    """Refuse what the real ha-manager would refuse (raise RequestError)."""
    conf = files.get("service_config") or {}
    action = args.action
    if action in ("add", "set", "remove", "migrate", "relocate"):
        _check_sid(args.sid)
    if action == "add":
        if args.sid in conf:
            raise RequestError(f"resource ID '{args.sid}' already defined")
        if args.node is not None and args.node not in nodes:
            raise RequestError(f"no such node '{args.node}'")
    if action in ("set", "remove", "migrate", "relocate") and args.sid not in conf:
        raise RequestError(f"no such resource '{args.sid}'")
    if action in ("migrate", "relocate") and args.node not in nodes:
        raise RequestError(f"no such node '{args.node}'")
    if action == "crm-command":
        ca = args.crm_action
        if ca in ("migrate", "relocate", "stop"):
            _check_sid(args.sid)
            if args.sid not in conf:
                raise RequestError(f"no such resource '{args.sid}'")
        if ca in ("migrate", "relocate", "node-maintenance") and args.node not in nodes:
            raise RequestError(f"no such node '{args.node}'")
        if ca == "stop" and args.timeout < 0:
            raise RequestError("timeout must be >= 0")
    if action in ("add", "set") and args.group:
        groups = groups_mod.parse_groups(files.get("groups") or "")
        if args.group not in groups:
            raise RequestError(f"group '{args.group}' does not exist")
    if action == "rules" and args.rules_action in ("add", "set", "remove"):
        _check_config_id(args.rule, "rule")
        existing = {r.id: r for r in rules_mod.parse_rules(files.get("rules_config") or "")}
        if args.rules_action == "add":
            if args.rule in existing:
                raise RequestError(f"rule '{args.rule}' already exists")
            if not args.resources:
                raise RequestError("missing property 'resources'")
            if args.type == "node-affinity" and not args.nodes:
                raise RequestError("missing property 'nodes'")
            if args.type == "resource-affinity" and not args.affinity:
                raise RequestError("missing property 'affinity'")
        elif args.rule not in existing:
            raise RequestError(f"no such rule '{args.rule}'")
        if args.rules_action in ("add", "set"):
            _rule_from_args(args, existing.get(args.rule))  # raises on bad values
    if action in ("groupadd", "groupset", "groupremove"):
        _check_config_id(args.group, "group")
        groups = groups_mod.parse_groups(files.get("groups") or "")
        if action == "groupadd" and args.group in groups:
            raise RequestError(f"group '{args.group}' already exists")
        if action in ("groupset", "groupremove") and args.group not in groups:
            raise RequestError(f"no such group '{args.group}'")
        if action == "groupremove":
            users = sorted(s for s, c in conf.items() if isinstance(c, dict) and c.get("group") == args.group)
            if users:
                raise RequestError(f"group '{args.group}' is still used by {', '.join(users)}")
        if action in ("groupadd", "groupset"):
            _group_from_args(args, groups.get(args.group))


def _decoded(decode, raw: str, what: str):
    """A property value as the HA stack reads it back, or a RequestError:
    what is written must be what the stack reads (never a skipped section)."""
    try:
        return decode(raw)
    except ValueError as err:
        raise RequestError(f"invalid {what} '{raw}': {err}") from None


def _nodes_of(raw: str):
    nodes = _decoded(rules_mod.decode_nodes, raw, "nodes list")
    if not nodes:
        raise RequestError(f"invalid nodes list '{raw}' (expected node[:priority],...)")
    return nodes


def _comment_of(args: argparse.Namespace, old) -> str | None:
    if args.comment is None:
        return old.comment if old else None
    return _decoded(rules_mod.decode_comment, args.comment, "comment")


def _rule_from_args(args: argparse.Namespace, old: rules_mod.Rule | None) -> rules_mod.Rule:
    resources = old.resources if old else ()
    if args.resources is not None:
        resources = _decoded(rules_mod.decode_resources, args.resources, "resources list")
        if not resources:
            raise RequestError(f"invalid resources list '{args.resources}'")
    nodes = dict(old.nodes) if old else {}
    if args.nodes is not None:
        nodes = _nodes_of(args.nodes)
    try:
        return rules_mod.Rule(
            type=args.type,
            id=args.rule,
            resources=resources,
            nodes=nodes if args.type == "node-affinity" else {},
            strict=bool(args.strict) if args.strict is not None else (old.strict if old else False),
            affinity=args.affinity or (old.affinity if old else None),
            comment=_comment_of(args, old),
            disable=bool(args.disable) if args.disable is not None else (old.disable if old else False),
        )
    except (ValueError, TypeError) as err:
        raise RequestError(str(err)) from None


def _group_from_args(args: argparse.Namespace, old: groups_mod.Group | None) -> groups_mod.Group:
    nodes = dict(old.nodes) if old else {}
    if args.nodes is not None:
        nodes = _nodes_of(args.nodes)
    return groups_mod.Group(
        id=args.group,
        nodes=nodes,
        restricted=bool(args.restricted) if args.restricted is not None else (old.restricted if old else False),
        nofailback=bool(args.nofailback) if args.nofailback is not None else (old.nofailback if old else False),
        comment=_comment_of(args, old),
    )


def format_groups(groups: dict[str, groups_mod.Group]) -> str:
    sections = []
    for i, gid in enumerate(sorted(groups), 1):
        g = groups[gid]
        props: dict[str, str] = {}
        if g.comment:
            props["comment"] = g.comment
        props["nodes"] = ",".join(f"{n}:{p}" if p else n for n, p in sorted(g.nodes.items()))
        if g.nofailback:
            props["nofailback"] = "1"
        if g.restricted:
            props["restricted"] = "1"
        sections.append(Section(type="group", id=gid, order=i, props=props))
    return format_section_config(sections)


# -- applying an edit ------------------------------------------------------------------------------


def apply_edit(args: argparse.Namespace, files: dict[str, Any], nodes: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The configuration changes and CRM-queue lines a request makes.

    Returns (changed files, crm command lines); `files` is not modified.
    """
    from hasim.jsondata import jcopy

    conf = jcopy(files.get("service_config") or {})
    changed: dict[str, Any] = {}
    queue: list[str] = []
    action = args.action
    if action == "add":
        rec: dict[str, Any] = {"node": args.node or nodes[0], "state": args.state or "started"}
        for key in ("max_restart", "max_relocate", "failback", "group", "comment"):
            value = getattr(args, key)
            if value is not None:
                rec[key] = value
        conf[args.sid] = rec
        changed["service_config"] = conf
    elif action == "set":
        rec = conf[args.sid]
        for key in ("state", "max_restart", "max_relocate", "failback", "group", "comment"):
            value = getattr(args, key)
            if value is not None:
                rec[key] = value
        changed["service_config"] = conf
    elif action == "remove":
        del conf[args.sid]
        changed["service_config"] = conf
    elif action in ("migrate", "relocate"):
        queue.append(f"{action} {args.sid} {args.node}")
    elif action == "crm-command":
        ca = args.crm_action
        if ca in ("migrate", "relocate"):
            queue.append(f"{ca} {args.sid} {args.node}")
        elif ca == "stop":
            queue.append(f"stop {args.sid} {args.timeout}")
        elif ca == "node-maintenance":
            queue.append(f"{args.mode}-node-maintenance {args.node}")
        elif ca == "disarm-ha":
            queue.append(f"disarm-ha {args.mode}")
        elif ca == "arm-ha":
            queue.append("arm-ha")
    elif action == "rules":
        rules = rules_mod.parse_rules(files.get("rules_config") or "")
        existing = {r.id: r for r in rules}
        if args.rules_action == "remove":
            rules = [r for r in rules if r.id != args.rule]
        else:
            new = _rule_from_args(args, existing.get(args.rule))
            rules = [new if r.id == args.rule else r for r in rules]
            if args.rule not in existing:
                rules.append(new)
        changed["rules_config"] = rules_mod.format_rules(rules)
    elif action in ("groupadd", "groupset", "groupremove"):
        groups = dict(groups_mod.parse_groups(files.get("groups") or ""))
        if action == "groupremove":
            del groups[args.group]
        else:
            groups[args.group] = _group_from_args(args, groups.get(args.group))
        changed["groups"] = format_groups(groups)
    return changed, queue


def submit_request(harness: Harness, argv: list[str]) -> None:
    """Queue a request from the inbox for this loop end (validated again)."""
    try:
        args = parse_request(argv)
        if is_read_only(args):
            return
        validate(args, harness.world.files, harness.world.nodes)
    except RequestError:
        return  # the CLI validated it; the state changed meanwhile: like a lost race, drop it
    harness.submit_call(lambda h: apply_request(h, argv), "ha-manager", " ".join(argv))


def apply_request(harness: Harness, argv: list[str]) -> None:
    """Apply a validated request to a running simulation (no log line: the
    real ha-manager writes files; the CRM's own lines show the effect)."""
    args = parse_request(argv)
    world = harness.world
    changed, queue = apply_edit(args, world.files, world.nodes)
    for name, value in changed.items():
        world.write(name, value)
    for line in queue:
        world.queue_crm_command(line)
