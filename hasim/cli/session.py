"""`hasim new`, `hasim replay`, `hasim export`: working directories and sessions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hasim.cli.output import error
from hasim.errors import InputError
from hasim.workdir.files import read_text


def cmd_new(args: argparse.Namespace) -> int:
    from hasim.workdir.create import new_workdir

    template = None
    if args.from_scenario:
        template = Path(args.from_scenario)
        if not template.is_dir():
            from hasim.workdir.shipped import workdirs_root

            root = workdirs_root()
            if root is not None and (root / args.from_scenario).is_dir():
                template = root / args.from_scenario
    try:
        new_workdir(Path(args.dir), args.nodes, template)
    except InputError as err:
        error(str(err))
        return 2
    except OSError as err:
        error(_os_problem(args.dir, err))
        return 2
    print(f"created {args.dir}")
    return 0


def session_folder(workdir: Path, branch: str | None) -> Path:
    """Where a session lives: DIR/status, or DIR/branches/NAME (InputError if absent)."""
    if branch is None:
        return workdir / "status"
    from hasim.session.branch import branch_path, list_branches

    folder = branch_path(workdir, branch)
    if branch not in list_branches(workdir):
        known = ", ".join(list_branches(workdir)) or "none"
        raise InputError("branches", f"no branch named '{branch}' (saved branches: {known})")
    return folder


def cmd_branches(args: argparse.Namespace) -> int:
    """List the saved branches: name, how far the session went, its entries."""
    from hasim.session.branch import branches_dir, describe

    workdir = Path(args.dir)
    branches = describe(workdir)
    if not branches:
        print(f"no branches in {branches_dir(workdir)}")
        return 0
    for b in branches:
        if b.problem is not None:
            print(f"{b.name:24} unreadable: {b.problem}")
        else:
            print(f"{b.name:24} up to {b.last:>6} s, {b.entries} entries")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from hasim.session.replay import replay

    try:
        status = session_folder(Path(args.dir), args.branch)
    except InputError as err:
        return error(f"{args.dir}/{err}")
    try:
        sim = replay(status)
    except InputError as err:
        return error(f"{status}/{err}")
    text = sim.log_text()
    if not args.quiet:
        sys.stdout.write(text)
    recorded = status / "log"
    try:
        original = read_text(recorded)
    except FileNotFoundError:
        original = None
    except OSError as err:
        error(str(err))
        return 2
    if original is not None:
        if original == text:
            print(f"replay: identical to {recorded} ({len(text.splitlines())} lines)", file=sys.stderr)
            return 0
        a, b = original.splitlines(), text.splitlines()
        line = next((i for i, (x, y) in enumerate(zip(a, b), 1) if x != y), min(len(a), len(b)) + 1)
        error(f"replay differs from {recorded} at line {line}")
        return 1
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from hasim.session.export import export

    status = Path(args.dir) / "status"
    out = Path(args.out)
    try:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            return error(f"{out}: exists and is not an empty directory")
        report = export(status, out)
    except InputError as err:
        return error(f"{status}/{err}")
    except OSError as err:
        return error(_os_problem(out, err))
    for m in report.moved:
        print(f"moved: '{m.command}' from t={m.recorded} to t={m.exported} (the nearest time the tester can express)")
    print(f"exported {out} (cmdlist, inputs, log.expect); check it with: hasim compare {out}")
    at = f"at t={report.export.time}"
    if not report.differences:
        print(f"outcome: the same as the session's {at} (fenced nodes, where each service ends and its state)")
        return 0
    print(f"outcome: DIFFERENT from the session's {at}" + (", because commands moved:" if report.moved else ":"))
    for line in report.differences:
        print(f"  - {line}")
    return 1


COMMANDS = ('new', 'replay', 'export', 'branches')  # the subcommands `register` adds


def _os_problem(path, err: OSError) -> str:
    """One line for a failed write: the file it names, else `path`."""
    if err.filename:
        return str(err) if type(err).__str__ is not OSError.__str__ else f"{err.filename}: {err.strerror}"
    return f"{path}: {err.strerror or err}"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("branches", help="list the saved branches of DIR (sessions kept when going back in time)")
    p.add_argument("dir")
    p.set_defaults(func=cmd_branches)
    p = sub.add_parser("new", help="create a working directory")
    p.add_argument("dir")
    p.add_argument("--nodes", type=int, default=3, help="number of nodes, 1-32 (default 3)")
    p.add_argument("--from", dest="from_scenario", metavar="SCENARIO", help="copy a scenario directory (or a shipped one by name)")
    p.set_defaults(func=cmd_new)
    p = sub.add_parser("replay", help="re-run the recorded session of DIR headless")
    p.add_argument("dir")
    p.add_argument("--branch", metavar="NAME", help="a saved branch (DIR/branches/NAME) instead of the last session")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_replay)
    p = sub.add_parser("export", help="write DIR's session as a scenario directory for the real tester")
    p.add_argument("dir")
    p.add_argument("out")
    p.set_defaults(func=cmd_export)
