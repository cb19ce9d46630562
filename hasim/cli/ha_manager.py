"""`hasim ha-manager DIR <command>`: the real ha-manager against a working directory."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hasim.admin.render import format_config, format_status
from hasim.admin.requests import (
    RequestError,
    apply_edit,
    is_read_only,
    needs_crm,
    parse_request,
    validate,
)
from hasim.workdir import JSON_INPUTS, TEXT_INPUTS, DirectoryBusy, DirLock, atomic_write, dump_json

USAGE = """commands (as the real ha-manager):
  status [--verbose] | config [--type vm|ct|fa]
  add <sid> [--state S] [--max_restart N] [--max_relocate N] [--failback 0|1] [--group G] [--comment C] [--node N]
  set <sid> [same options]      remove <sid>
  migrate <sid> <node>          relocate <sid> <node>
  crm-command migrate|relocate <sid> <node> | stop <sid> <timeout>
  crm-command node-maintenance enable|disable <node> | disarm-ha freeze|ignore | arm-ha
  rules list|config | rules add|set node-affinity|resource-affinity <rule> [--resources ..] [--nodes ..]
        [--strict 0|1] [--affinity positive|negative] [--comment ..] [--disable 0|1] | rules remove <rule>
  groupadd <group> --nodes N[:prio],.. [--restricted 0|1] [--nofailback 0|1] | groupset .. | groupremove <group> | groupconfig"""


def _err(msg: str) -> None:
    print(f"hasim ha-manager: {msg}", file=sys.stderr)


def read_files(folder: Path) -> tuple[dict[str, Any], list[str]]:
    """The cluster files of a folder (inputs or status/), without validation."""
    files: dict[str, Any] = {}
    for name in JSON_INPUTS:
        p = folder / name
        if p.exists():
            try:
                files[name] = json.loads(p.read_text())
            except ValueError as err:
                raise RequestError(f"{p}: invalid JSON: {err}") from None
    for name in TEXT_INPUTS:
        p = folder / name
        if p.exists():
            files[name] = p.read_text()
    for p in folder.glob("lrm_status_*"):
        try:
            files[p.name] = json.loads(p.read_text())
        except ValueError:
            pass
    hw = files.get("hardware_status")
    if not isinstance(hw, dict) or not hw:
        raise RequestError(f"{folder}/hardware_status: missing or not a JSON object of nodes")
    return files, sorted(hw)


def cmd_ha_manager(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    if not directory.is_dir():
        _err(f"{directory}: not a directory")
        return 2
    argv = list(args.request)
    if not argv:
        print(USAGE)
        return 2
    try:
        request = parse_request(argv)
    except RequestError as err:
        _err(f"{' '.join(argv)}: {err}")
        return 2
    owner = DirLock(directory).owner()
    running = owner is not None and (directory / "status" / "inbox").is_dir()
    folder = directory / "status" if running else directory
    try:
        files, nodes = read_files(folder)
        if is_read_only(request):
            return _show(request, files, nodes, running)
        validate(request, files, nodes)
    except RequestError as err:
        _err(str(err))
        return 2
    if running:
        from hasim.workdir.inbox import Inbox

        Inbox(directory / "status").put(argv)
        print(f"queued for the running simulation (pid {owner}); it applies the request at its next loop end")
        return 0
    if owner is not None:
        _err(f"{directory}: in use by another hasim (pid {owner}) that accepts no requests")
        return 2
    if needs_crm(request):
        _err(f"no simulation is running in {directory}: '{' '.join(argv)}' needs a running CRM (start `hasim {directory}`)")
        return 2
    try:
        with DirLock(directory):
            changed, _queue = apply_edit(request, files, nodes)
            for name, value in changed.items():
                atomic_write(directory / name, value if isinstance(value, str) else dump_json(value))
    except DirectoryBusy as err:
        _err(str(err))
        return 2
    print(f"updated {', '.join(sorted(changed)) or 'nothing'} in {directory}")
    return 0


def _show(request: argparse.Namespace, files: dict[str, Any], nodes: list[str], running: bool) -> int:
    action = request.action
    if action == "status":
        sys.stdout.write(format_status(files, nodes, running))
        if request.verbose:
            print("full cluster state:")
            print(dump_json(files.get("manager_status") or {}), end="")
    elif action == "config":
        sys.stdout.write(format_config(files, request.type))
    elif action == "groupconfig":
        sys.stdout.write(files.get("groups") or "")
    elif action == "rules":
        text = files.get("rules_config") or ""
        if request.rules_action == "config":
            sys.stdout.write(text)
        else:
            from hasim.engine.ha.rules import parse_rules

            for rule in parse_rules(text):
                detail = (
                    f"nodes {','.join(f'{n}:{p}' if p else n for n, p in sorted(rule.nodes.items()))}"
                    f"{' strict' if rule.strict else ''}"
                    if rule.type == "node-affinity"
                    else f"affinity {rule.affinity}"
                )
                state = "disabled" if rule.disable else "enabled"
                print(f"{rule.type:<18} {rule.id:<24} {state:<8} resources {','.join(rule.resources)} {detail}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ha-manager",
        help="the real ha-manager CLI against a working directory",
        description=USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dir")
    p.add_argument("request", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_ha_manager)
