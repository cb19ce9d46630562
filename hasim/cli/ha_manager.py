"""`hasim ha-manager DIR <command>`: the real ha-manager against a working directory."""

from __future__ import annotations

import argparse
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
from hasim.errors import InputError, one_line
from hasim.workdir import JSON_INPUTS, TEXT_INPUTS, DirectoryBusy, DirLock, dump_json
from hasim.workdir.files import write_files
from hasim.workdir.scenario import parse_json, read_input

EDIT_WAIT = 5.0  # seconds an idle edit waits for another edit of the same directory to finish

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
    """The cluster files of a folder (inputs or status/), without validation;
    only regular files are read, JSON strictly (`hasim.workdir.scenario`)."""
    files: dict[str, Any] = {}
    try:
        for name in JSON_INPUTS:
            text = read_input(folder / name, name)
            if text is not None:
                files[name] = parse_json(text, name)
        for name in TEXT_INPUTS:
            text = read_input(folder / name, name)
            if text is not None:
                files[name] = text
        for p in sorted(folder.glob("lrm_status_*")):
            try:
                text = read_input(p, p.name)
                files[p.name] = parse_json(text, p.name) if text is not None else None
            except InputError:
                pass  # a node's LRM status only decorates `status`
    except InputError as err:
        raise RequestError(f"{folder}/{err}") from None
    except OSError as err:
        raise RequestError(f"{folder}: cannot read: {err.strerror or err}") from None
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
        _err(f"{one_line(' '.join(argv))}: {err}")
        return 2
    owner = DirLock(directory).owner()
    running = owner is not None and (directory / "status" / "inbox").is_dir()
    if running or is_read_only(request) or needs_crm(request):
        return _look_or_queue(directory, argv, request, owner if running else None)
    return _edit_idle(directory, request)


def _read_and_check(folder: Path, request: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    """The folder's files and nodes; RequestError when the request is refused."""
    files, nodes = read_files(folder)
    if not is_read_only(request):
        validate(request, files, nodes)
    return files, nodes


def _look_or_queue(directory: Path, argv: list[str], request: argparse.Namespace, owner: str | None) -> int:
    """Show a directory, or queue a request for its running owner: nothing
    of the user's is written, so no lock is needed."""
    try:
        files, nodes = _read_and_check(directory / "status" if owner is not None else directory, request)
    except RequestError as err:
        _err(str(err))
        return 2
    if is_read_only(request):
        return _show(request, files, nodes, owner is not None)
    if owner is None:
        _err(f"no simulation is running in {directory}: '{' '.join(argv)}' needs a running CRM (start `hasim {directory}`)")
        return 2
    from hasim.workdir.inbox import Inbox

    try:
        Inbox(directory / "status").put(argv)
    except OSError as err:
        _err(f"{err}; the request was not sent")
        return 2
    print(f"queued for the running simulation (pid {owner}); it applies the request at its next loop end")
    return 0


def _edit_idle(directory: Path, request: argparse.Namespace) -> int:
    """Read, change and write an idle directory's inputs under its lock, so
    that two edits at the same time cannot lose one of them."""
    lock = DirLock(directory)
    try:
        lock.acquire(wait=EDIT_WAIT)
    except DirectoryBusy as err:
        _err(f"{err} (it accepts no requests)")
        return 2
    except OSError as err:
        _err(str(err))
        return 2
    try:
        files, nodes = _read_and_check(directory, request)
        changed, _queue = apply_edit(request, files, nodes)
        write_files(directory, {n: v if isinstance(v, str) else dump_json(v) for n, v in changed.items()})
    except RequestError as err:
        _err(str(err))
        return 2
    except OSError as err:
        _err(f"{err}; nothing changed")
        return 2
    finally:
        lock.release()
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
