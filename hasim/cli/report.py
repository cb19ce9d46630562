"""`hasim report DIR`: the outcome of a directory's run, for an admin.

The run is the directory's recorded session (`status/session`, replayed in
memory: what was done in the window or by `hasim run`), or — when there is
none, or with `--scenario` — its scenario run in memory.  Nothing in the
directory is written; `-o FILE` writes the report (and, for Markdown, the
timeline picture beside it as FILE's name + `-timeline.svg`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hasim.cli.output import error, one_line_errors
from hasim.errors import InputError

COMMANDS = ("report",)
PROG = "hasim report"


def recorded_run(path: Path, scenario_only: bool = False, branch: str | None = None):
    """(RunRecord, what it is) of DIR's session (or of a saved branch), or of its scenario."""
    from hasim.analysis.recording import RunWatch, record_session
    from hasim.cli.session import session_folder
    from hasim.simulation import Simulation
    from hasim.workdir import load_scenario
    from hasim.workdir.session_file import SESSION_DIR

    status = session_folder(path, branch)
    if branch is not None or not scenario_only and (status / SESSION_DIR / "commands").is_file():
        try:
            record = record_session(status)
        except InputError as err:
            raise InputError(f"{status.relative_to(path)}/{err.file}", err.problem, err.place) from None
        what = f"branch {branch} (replayed)" if branch is not None else "the recorded session (status/session, replayed)"
        return record, what
    sim = Simulation(load_scenario(path))
    watch = RunWatch(sim)
    sim.run()
    return watch.record(), "its scenario (cmdlist), run in memory"


def write_output(report, fmt: str, out: str | None, text: str | None = None) -> None:
    """The report (or a ready `text`) to stdout, or to `out` (Markdown with
    its picture beside it: hasim.analysis.report_files)."""
    if out is None:
        if text is None:
            from hasim.analysis.report_files import render

            text = render(report, fmt)
        sys.stdout.write(text)
        return
    target = Path(out)
    if text is not None:
        from hasim.workdir import atomic_write

        atomic_write(target, text)
        written = [target]
    else:
        from hasim.analysis.report_files import write_report

        written = write_report(report, target, fmt)
    print(f"wrote {target}" + "".join(f" and {p.name}" for p in written[1:]), file=sys.stderr)


def output(prog: str, args: argparse.Namespace, report=None, text: str | None = None) -> int:
    """`write_output` as a command's last step: 0, or 2 and one line naming the file."""
    try:
        write_output(report, args.format, args.output, text)
    except OSError as err:
        return error(f"{args.output}: cannot write: {err.strerror or err}", prog)
    return 0


def add_output_arguments(p: argparse.ArgumentParser) -> None:
    from hasim.analysis.report_files import FORMATS

    p.add_argument("--format", choices=FORMATS, default="text", help="text (default), markdown or html")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


def cmd_report(args: argparse.Namespace) -> int:
    from hasim.analysis.report import build_report

    path = Path(args.dir)
    if not path.is_dir():
        return error(f"{path}: not a directory", PROG)
    try:
        record, what = recorded_run(path, args.scenario, args.branch)
    except InputError as err:
        return error(f"{path}/{err}", PROG)
    return output(PROG, args, build_report(record, f"{path.name} — {what}"))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="what a directory's run did to each service and node")
    one_line_errors(p)
    p.add_argument("dir")
    add_output_arguments(p)
    p.add_argument("--scenario", action="store_true", help="report the scenario's run even if a session was recorded")
    p.add_argument("--branch", metavar="NAME", help="report a saved branch (DIR/branches/NAME)")
    p.set_defaults(func=cmd_report)
