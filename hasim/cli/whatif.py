"""`hasim whatif DIR --fail NODE | --each-node`: a node fails, what happens?

    hasim whatif DIR --fail pve2 [--how power|network|reboot|shutdown|maintenance] [--at T] [--for S]
    hasim whatif DIR --each-node [--how …] [--jobs N]

Runs from the directory's state (`hasim.analysis.whatif`) in memory —
nothing in DIR is written — and prints the outcome report of the one fault,
or the N+1 table of every node failing in turn.  `--format markdown|html`
gives a handout.  A progress line goes to stderr while the runs go on, only
when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from hasim.cli.output import error, one_line_errors
from hasim.cli.report import add_output_arguments, output
from hasim.errors import InputError

COMMANDS = ("whatif",)
PROG = "hasim whatif"


def _seconds(text: str | None, option: str) -> int | None:
    from hasim.analysis.whatif import WhatIfError

    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise WhatIfError(option, f"'{text}' is not a whole number of seconds") from None


def _jobs(text: str | None) -> int:
    from hasim.analysis.whatif import WhatIfError

    if text is None:
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise WhatIfError("--jobs", f"'{text}' is not a number of processes (1 or more)")
    return jobs


class Progress:
    """`whatif: 12/32 runs done (node12)` rewritten in place on a terminal."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.shown = self.stream.isatty()

    def __call__(self, done: int, total: int, node: str) -> None:
        if self.shown:
            self.stream.write(f"\rwhatif: {done}/{total} runs done ({node})\x1b[K")
            self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _each_node_output(path: Path, base, rows, how: str, fmt: str) -> str:
    from hasim.analysis.report_format import text_table
    from hasim.analysis.whatif_table import failure_table, verdict

    table = failure_table(rows)
    services = rows[0].services if rows else 0
    title = f"What if each node fails ({how}): {path.name}, {len(base.sim.nodes)} nodes, {services} HA services"
    notes = list(base.notes) + ["times are seconds after each fault; each run goes on until the cluster is quiet"]
    if fmt == "markdown":
        from hasim.analysis.report_markdown import markdown_table

        body = markdown_table(table)
        return "\n".join([f"# {title}", "", *(f"*{n}*  " for n in notes), "", *body, "", f"**{verdict(rows)}**"]) + "\n"
    if fmt == "html":
        from html import escape

        from hasim.analysis.report_html import STYLE, html_table

        parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>",
                 f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>",
                 *(f"<p class='meta'>{escape(n)}</p>" for n in notes), html_table(table),
                 f"<p><b>{escape(verdict(rows))}</b></p></body></html>"]
        return "\n".join(parts) + "\n"
    return "\n".join([title, *(f"  {n}" for n in notes), "", *text_table(table), "", verdict(rows)]) + "\n"


def cmd_whatif(args: argparse.Namespace) -> int:
    from hasim.analysis import whatif as what_if
    from hasim.workdir import load_scenario

    path = Path(args.dir)
    if not path.is_dir():
        return error(f"{path}: not a directory", PROG)
    if (args.fail is None) == (not args.each_node):
        return error("--fail NODE or --each-node: say which node fails, or ask for each in turn", PROG)
    try:
        at = _seconds(args.at, "--at") or 0
        duration = _seconds(args.for_, "--for")
        what_if.check_fault(args.how, at, duration)
        jobs = _jobs(args.jobs)
        scenario = load_scenario(path)
        start = what_if.starting_point(scenario)
        if args.fail is not None:
            if args.fail not in scenario.nodes:
                raise what_if.WhatIfError("--fail", f"no node '{args.fail}' in {path} (nodes: {', '.join(scenario.nodes)})")
            if args.fail not in start.up:
                raise what_if.WhatIfError("--fail", f"{args.fail} is off in {path}'s state: there is nothing to fail")
    except what_if.WhatIfError as err:
        return error(str(err), PROG)
    except InputError as err:
        return error(f"{path}/{err}", PROG)
    base = what_if.settle(start)
    if base.sim.error is not None:
        return error(f"{path}: the cluster cannot be simulated: {base.sim.error.strip()}", PROG)
    if args.fail is not None:
        return output(PROG, args, what_if.run_fault(base, what_if.Fault(args.fail, args.how, at, duration)))
    from hasim.analysis.whatif_table import summarize

    faults = [what_if.Fault(node, args.how, at, duration) for node in start.up]
    progress = Progress()
    try:
        rows = what_if.each_node(base, faults, summarize, jobs=jobs, progress=progress)
    finally:
        progress.close()
    return output(PROG, args, text=_each_node_output(path, base, rows, args.how, args.format))


def register(sub: argparse._SubParsersAction) -> None:
    from hasim.analysis.whatif import HOWS

    p = sub.add_parser("whatif", help="what happens to DIR's cluster if a node fails (or each node in turn)")
    one_line_errors(p)
    p.add_argument("dir")
    p.add_argument("--fail", metavar="NODE", help="the node that fails")
    p.add_argument("--each-node", action="store_true", help="fail every node in turn and print the N+1 table")
    p.add_argument("--how", default="power", metavar="|".join(HOWS), help="how it fails (default power)")
    p.add_argument("--at", metavar="T", help="seconds after the cluster settled (default 0: right away)")
    p.add_argument("--for", dest="for_", metavar="S", help="heal after S seconds (default: never within the run)")
    p.add_argument("--jobs", metavar="N", help="worker processes for --each-node (default: the available cores)")
    add_output_arguments(p)
    p.set_defaults(func=cmd_whatif)
