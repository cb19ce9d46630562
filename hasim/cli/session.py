"""`hasim new`, `hasim replay`, `hasim export`: working directories and sessions."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hasim.errors import InputError


def _err(msg: str) -> None:
    print(f"hasim: {msg}", file=sys.stderr)


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
        _err(str(err))
        return 2
    print(f"created {args.dir}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from hasim.session.replay import replay

    status = Path(args.dir) / "status"
    try:
        sim = replay(status)
    except InputError as err:
        _err(f"{status}/{err}")
        return 2
    text = sim.log_text()
    if not args.quiet:
        sys.stdout.write(text)
    recorded = status / "log"
    if recorded.exists():
        original = recorded.read_text()
        if original == text:
            print(f"replay: identical to {recorded} ({len(text.splitlines())} lines)", file=sys.stderr)
            return 0
        a, b = original.splitlines(), text.splitlines()
        line = next((i for i, (x, y) in enumerate(zip(a, b), 1) if x != y), min(len(a), len(b)) + 1)
        _err(f"replay differs from {recorded} at line {line}")
        return 1
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from hasim.session.export import export

    status = Path(args.dir) / "status"
    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        _err(f"{out}: exists and is not empty")
        return 2
    try:
        report = export(status, out)
    except InputError as err:
        _err(f"{status}/{err}")
        return 2
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


COMMANDS = ('new', 'replay', 'export')  # the subcommands `register` adds


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("new", help="create a working directory")
    p.add_argument("dir")
    p.add_argument("--nodes", type=int, default=3, help="number of nodes, 1-32 (default 3)")
    p.add_argument("--from", dest="from_scenario", metavar="SCENARIO", help="copy a scenario directory (or a shipped one by name)")
    p.set_defaults(func=cmd_new)
    p = sub.add_parser("replay", help="re-run the recorded session of DIR headless")
    p.add_argument("dir")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_replay)
    p = sub.add_parser("export", help="write DIR's session as a scenario directory for the real tester")
    p.add_argument("dir")
    p.add_argument("out")
    p.set_defaults(func=cmd_export)
