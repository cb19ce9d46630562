"""`hasim ha-manager [--node NODE] DIR <command>`: the real ha-manager against a working directory.

What the real command prints goes to stdout and stderr byte for byte, with
its exit status (0, or 255 for a refusal), the simulation's clock standing in
for the local time (spec 05).  hasim's own messages — a bad DIR, a busy
directory, a request that waits for a paused simulation or was not applied —
go to stderr prefixed `hasim ha-manager: `, with exit status 2 for errors.

Against a running simulation a writer travels through its inbox: the CLI
first refuses what the real command would refuse, then waits a few seconds
for the owner's answer (applied at its next loop end, or refused there),
as the real command returns once the cluster file system took the change.
Against an idle directory a writer edits the input files.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from hasim.admin.cli_tree import EXE, help_text
from hasim.admin.cluster import Cluster, default_node
from hasim.admin.config_views import (
    NotModelled,
    ViewRefused,
    config_view,
    groupconfig_view,
    rules_view,
)
from hasim.admin.edits import change
from hasim.admin.motion import motion_notes
from hasim.admin.parameters import EXIT_REFUSED, ParameterError, Parsed, parse
from hasim.admin.refusals import is_writer, refusal
from hasim.admin.status import status_report
from hasim.admin.tables import cut_to_width, locale_is_utf8
from hasim.clock import WaitClock
from hasim.errors import InputError
from hasim.workdir import JSON_INPUTS, TEXT_INPUTS, DirectoryBusy, DirLock, dump_json
from hasim.workdir.files import write_files
from hasim.workdir.scenario import parse_json, read_input
from hasim.workdir.inbox import APPLIED, ENDED, QUEUED, REFUSED, Inbox

#: how long the CLI waits for a running simulation to apply a request (seconds)
WAIT_SECONDS = float(os.environ.get("HASIM_HA_MANAGER_WAIT", "5"))
HASIM_ERROR = 2


class HasimError(Exception):
    """One of hasim's own errors (not the real CLI's): exit status 2."""


def _note(message: str) -> None:
    print(f"hasim ha-manager: {message}", file=sys.stderr)


def read_files(folder: Path) -> tuple[dict[str, Any], list[str]]:
    """The cluster files of a folder (inputs, or status/ of a running
    simulation): only regular files are read, JSON strictly."""
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
                if text is not None:
                    files[p.name] = parse_json(text, p.name)
            except InputError:
                pass  # a node's LRM status only decorates `status`
    except InputError as err:
        raise HasimError(f"{folder}/{err}") from None
    except OSError as err:
        raise HasimError(f"{folder}: cannot read: {err.strerror or err}") from None
    hw = files.get("hardware_status")
    if not isinstance(hw, dict) or not hw:
        raise HasimError(f"{folder}/hardware_status: missing or not a JSON object of nodes")
    return files, sorted(hw)


def _now(folder: Path, cluster: Cluster, running: bool) -> int:
    """The simulation's clock (running), else the manager's last write (spec 05 §1)."""
    clock = 0
    if running:
        try:
            clock = int((folder / "clock").read_text())
        except (OSError, ValueError):
            clock = 0
        return max([clock, *cluster.timestamps()])
    timestamp = cluster.manager_status.get("timestamp")
    return int(timestamp) if isinstance(timestamp, int) else 0


def _typing_node(cluster: Cluster, node: str | None, running: bool) -> str:
    if node is None:
        return default_node(cluster)
    if node not in cluster.nodes:
        raise HasimError(f"--node {node}: no such node (the cluster has {', '.join(cluster.nodes)})")
    if running and not cluster.powered(node):
        raise HasimError(f"--node {node}: the node is powered off; type the command on a running node")
    return node


# -- read-only commands -------------------------------------------------------------------------------


def _show(request: Parsed, cluster: Cluster, now: int, node: str) -> int:
    command = request.command
    if command == "status":
        report = status_report(cluster, now, node, bool(request.get("verbose")))
        sys.stderr.write(report.stderr)
        sys.stdout.write(report.stdout)
        return 0
    if command == "help":
        if request.get("extra-args"):
            raise HasimError("'help <command>' is not modelled; 'ha-manager help' lists every command")
        sys.stdout.write(help_text())
        return 0
    try:
        if command == "config":
            view = config_view(cluster, request.get("type"))
        elif command == "groupconfig":
            view = groupconfig_view(cluster)
        else:
            view = rules_view(cluster, command, request.params, locale_is_utf8())
    except ViewRefused as err:
        print(err, file=sys.stderr)
        return EXIT_REFUSED
    except NotModelled as err:
        raise HasimError(str(err)) from None
    sys.stderr.write(view.stderr)
    text = view.stdout
    if text and command.startswith("rules") and sys.stdout.isatty():
        text = cut_to_width(text, shutil.get_terminal_size().columns)
    sys.stdout.write(text)
    return 0


# -- writers ----------------------------------------------------------------------------------------------


EDIT_WAIT = 5.0  # seconds an idle edit waits for another edit of the same directory to finish


def _edit_inputs(directory: Path, request: Parsed, clock: WaitClock) -> int:
    """An idle directory: the change goes into its input files, read, checked
    and written under the directory's lock (two edits at the same time cannot
    lose one of them), all files or none."""
    lock = DirLock(directory)
    try:
        lock.acquire(wait=EDIT_WAIT, clock=clock)
    except DirectoryBusy as err:
        raise HasimError(f"{err} (it accepts no requests)") from None
    except OSError as err:
        raise HasimError(str(err)) from None
    try:
        cluster = Cluster(*read_files(directory))  # what is changed is what is there now
        text = refusal(request, cluster)
        if text is not None:
            print(text, file=sys.stderr)
            return EXIT_REFUSED
        changed = change(request, cluster).files
        write_files(directory, {n: (v if v is None or isinstance(v, str) else dump_json(v)) for n, v in changed.items()})
    except OSError as err:
        raise HasimError(f"{err}; nothing changed") from None
    finally:
        lock.release()
    return 0


def _send(directory: Path, owner: str, argv: list[str], clock: WaitClock) -> tuple[int, str | None]:
    """Queue a request for the running simulation and wait briefly for its answer.

    Returns (exit status, the real refusal text or None)."""
    inbox = Inbox(directory / "status")
    try:
        request_id = inbox.put(argv, clock.stamp())
    except OSError:
        raise HasimError("not applied: the simulation ended") from None
    lock = DirLock(directory)
    deadline = clock.now() + WAIT_SECONDS
    answer = None
    while True:
        answer = inbox.read_answer(request_id)
        if answer is not None and answer.final:
            inbox.forget(request_id)
            break
        if lock.owner() is None:  # the simulation is gone: did it answer?
            answer = inbox.read_answer(request_id)
            if answer is not None and answer.final:
                inbox.forget(request_id)
                break
            if inbox.withdraw(request_id) or answer is None or answer.state == QUEUED:
                raise HasimError("not applied: the simulation ended")
        if clock.now() >= deadline:
            break
        clock.sleep(0.05)
    if answer is None:
        _note(f"the simulation (pid {owner}) has not taken the request yet (is it paused?); "
              "it stays queued and applies at the simulation's next loop end")  # fmt: skip
        return 0, None
    if answer.state == QUEUED:
        _note(f"queued: the simulation (pid {owner}) applies it at its next loop end (t={answer.at})")
        return 0, None
    if answer.state == APPLIED:
        return 0, None
    if answer.state == REFUSED:
        return EXIT_REFUSED, answer.reason or ""
    assert answer.state == ENDED
    raise HasimError("not applied: the simulation ended")


def _write(directory: Path, request: Parsed, argv: list[str], cluster: Cluster, owner: str | None, node: str,
           clock: WaitClock) -> int:
    if owner is None:
        if request.path[0] == "crm-command":
            raise HasimError(f"no simulation is running in {directory}: '{EXE} {' '.join(argv)}' needs a running "
                             f"CRM (start `hasim {directory}` or `hasim run --interactive --speed 10 {directory}`)")  # fmt: skip
        return _edit_inputs(directory, request, clock)
    text = refusal(request, cluster, typed_on=node)
    if text is not None:
        print(text, file=sys.stderr)
        return EXIT_REFUSED
    notes = motion_notes(request, cluster)
    status, refused = _send(directory, owner, argv, clock)
    if refused is not None:
        print(refused, file=sys.stderr)
        return status
    sys.stdout.write(notes.stdout)
    sys.stderr.write(notes.stderr)
    return EXIT_REFUSED if notes.stderr else status


def cmd_ha_manager(args: argparse.Namespace, clock: WaitClock) -> int:
    """`clock`: the real one (hasim.cli.ha_manager), for the waits on the lock and on the answer."""
    directory = Path(args.dir)
    argv = list(args.request)
    try:
        if not directory.is_dir():
            raise HasimError(f"{directory}: not a directory")
        try:
            request = parse(argv)
        except ParameterError as err:
            sys.stderr.write(err.text)
            return EXIT_REFUSED
        owner = DirLock(directory).owner()
        if owner is not None and not (directory / "status" / "inbox").is_dir():
            # not a running simulation (an edit, `hasim new`): a writer waits for its lock, a reader reads the inputs
            owner = None
        folder = directory / "status" if owner is not None else directory
        cluster = Cluster(*read_files(folder))
        node = _typing_node(cluster, args.node, owner is not None)
        if not is_writer(request):
            return _show(request, cluster, _now(folder, cluster, owner is not None), node)
        return _write(directory, request, argv, cluster, owner, node, clock)
    except HasimError as err:
        _note(str(err))
        return HASIM_ERROR
