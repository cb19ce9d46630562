"""`hasim explore`: seeded random fault schedules over small clusters, every
run checked against the HA invariants; failing schedules are shrunk and saved
as scenarios."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from hasim.analysis.explore.settings import DEFAULT_DURATION, SHRINK_BUDGET
from hasim.cli.output import error
from hasim.cli.values import MAX_RUNS


def _progress_bar(stream) -> Callable[[int, int, int], None]:
    last = [-1]

    def show(done: int, total: int, failed: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        if filled == last[0] and done != total and done % 50:
            return
        last[0] = filled
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} runs, {failed} violations")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


def cmd_explore(args: argparse.Namespace) -> int:
    from hasim.analysis.explore.runner import explore, known_mutants, mutant
    from hasim.analysis.explore.save import save_scenario
    from hasim.analysis.explore.shrink import commands_of, shrink

    def bad(msg: str) -> int:
        return error(msg, "hasim: explore")

    if not 1 <= args.runs <= MAX_RUNS:
        return bad(f"--runs must be between 1 and {MAX_RUNS}")
    if args.nodes is not None and not 1 <= args.nodes <= 10:
        return bad("--nodes must be between 1 and 10")
    if args.services is not None and not 1 <= args.services <= 20:
        return bad("--services must be between 1 and 20")
    if args.duration < 0 or args.duration > 6000:
        return bad("--duration must be between 0 and 6000 seconds")
    if args.jobs < 1:
        return bad("--jobs must be at least 1")
    if args.mutant is not None and args.mutant not in known_mutants():
        if not known_mutants():
            return bad("--mutant needs the development aids of a checkout (hasim_testing), not installed here")
        return bad(f"unknown mutant '{args.mutant}' (known: {', '.join(known_mutants())})")
    out = sys.stdout
    nodes = f"{args.nodes} nodes" if args.nodes else "3-5 nodes"
    services = f"{args.services} services" if args.services else "3-8 services"
    engine = f", mutant {args.mutant}" if args.mutant else ""
    print(
        f"hasim explore: seed {args.seed}, {args.runs} runs of {nodes}, {services}, "
        f"{args.duration} s of faults then healing{engine}",
        file=out,
    )
    out.flush()
    progress = None if args.quiet else _progress_bar(sys.stderr)
    summary = explore(
        args.seed, args.runs, nodes=args.nodes, services=args.services, duration=args.duration,
        jobs=args.jobs, mutant_name=args.mutant, progress=progress,
    )  # fmt: skip
    for result in summary.errors:
        print(f"run {result.index}: simulation ended with an error: {result.outcome.error}", file=out)
    shrunk_names: set[str] = set()
    with mutant(args.mutant):
        for result in summary.failed:
            first = result.outcome.violations[0]
            print(f"run {result.index}: {first.name} at {first.time} s: {first.detail}", file=out)
            if first.name in shrunk_names or len(shrunk_names) >= 3:
                continue
            shrunk_names.add(first.name)
            cluster, cmdlist, best, replays = shrink(
                result.cluster, [list(b) for b in result.outcome.cmdlist], first.name, args.shrink_budget
            )
            violation = next(v for v in best.violations if v.name == first.name)
            path = Path(args.out) / f"{first.name}-seed{args.seed}-run{result.index}"
            n_cmds = len(commands_of(cmdlist))
            note = (
                f"Found by: hasim explore --seed {args.seed} (run {result.index})"
                f"{' --mutant ' + args.mutant if args.mutant else ''}; shrunk from "
                f"{result.commands} to {n_cmds} commands and {len(cluster.services)} services in {replays} replays."
            )
            save_scenario(path, cluster, cmdlist, violation, note)
            print(f"  shrunk to {n_cmds} commands, {len(cluster.services)} services: {violation.detail}", file=out)
            print(f"  saved {path} (replay: hasim run {path})", file=out)
    print(
        f"{summary.commands} commands applied, {summary.virtual_time} s of virtual time, "
        f"{len(summary.errors)} runs ended in a simulation error",
        file=out,
    )
    if summary.noticed:
        print(f"known gaps of the real stack seen (notices, not violations): runs {summary.noticed}", file=out)
    if summary.by_invariant:
        for name in sorted(summary.by_invariant):
            idx = summary.by_invariant[name]
            print(f"  {name}: {len(idx)} runs (first: run {idx[0]})", file=out)
    print(f"{summary.runs} runs, {len(summary.failed)} violations", file=out)
    return 1 if summary.failed else 0


COMMANDS = ('explore',)  # the subcommands `register` adds


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "explore",
        help="random fault schedules, every run checked against the HA invariants",
        description="Run seeded random fault schedules over small clusters and check the HA "
        "invariants after every step; shrink and save failing schedules as scenarios.",
        epilog="The last line reads 'N runs, V violations' (V: runs that violated an invariant). "
        "Exit status: 0 no violation, 1 violations, 2 bad arguments.",
    )
    p.add_argument("--seed", type=int, required=True, help="seed of the schedules (same seed, same runs)")
    p.add_argument("--runs", type=int, required=True, help="number of runs")
    p.add_argument("--nodes", type=int, help="cluster size (default: 3-5, drawn per run)")
    p.add_argument("--services", type=int, help="number of services (default: 3-8, drawn per run)")
    p.add_argument("--duration", type=int, default=DEFAULT_DURATION,
                   help=f"seconds of faults before healing (default {DEFAULT_DURATION})")  # fmt: skip
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--out", default="explore-failures",
                   help="where failing scenarios are saved (default: explore-failures)")  # fmt: skip
    p.add_argument("--mutant", help="run a deliberately broken engine (a checkout's hasim_testing.mutants)")
    p.add_argument("--shrink-budget", type=int, default=SHRINK_BUDGET, help="replays allowed per shrink")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_explore)
