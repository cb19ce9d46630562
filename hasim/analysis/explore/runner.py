"""Running explored schedules with every invariant checked after every step,
in one process or several."""

from __future__ import annotations

import contextlib
import random
import sys
from collections.abc import Callable, Iterator

import attrs

from hasim import commands as C
from hasim.analysis.explore.cluster import Cluster, make_cluster
from hasim.analysis.explore.planner import Planner
from hasim.analysis.explore.settings import DEFAULT_DURATION
from hasim.analysis.invariants import Checker, Violation
from hasim.simulation import Simulation


@attrs.frozen
class Outcome:
    violations: tuple[Violation, ...]
    cmdlist: tuple[tuple[str, ...], ...]  # the batches the harness applied
    error: str | None
    end_time: int
    steps: int
    notices: tuple[Violation, ...] = ()  # known gaps of the real stack seen on the way


def execute(
    cluster: Cluster,
    cmdlist: list[list[str]] | None = None,
    planner: Planner | None = None,
    stop: Callable[[list[Violation]], bool] | None = None,
) -> Outcome:
    """Run one schedule with every invariant checked after every step.

    Either `cmdlist` is given (a static replay, exactly as `hasim run` would
    apply it) or `planner` chooses each batch at its slot.  `stop` ends the
    run early once it returns True for the violations found so far.
    """
    sim = Simulation(cluster.scenario([list(b) for b in cmdlist or []]))
    checker = Checker(sim)
    sim.start()
    steps = 0
    while not sim.finished:
        if planner is not None and sim.wants_batch():
            batch = planner.next_batch(sim)
            if batch is not None:
                sim.add_batch([command.render() for command in batch])
        stepped = sim.next_stepper
        sim.step_node()
        steps += 1
        found = checker.observe(stepped)
        if found and stop is not None and stop(checker.violations):
            break
    return Outcome(
        violations=tuple(checker.violations),
        cmdlist=sim.applied_batches,
        error=sim.error,
        end_time=sim.time,
        steps=steps,
        notices=tuple(checker.notices),
    )


@attrs.frozen
class RunSpec:
    seed: int
    index: int
    nodes: int | None = None
    services: int | None = None
    duration: int = DEFAULT_DURATION


@attrs.frozen
class RunResult:
    index: int
    cluster: Cluster
    outcome: Outcome

    @property
    def failed(self) -> bool:
        return bool(self.outcome.violations)

    @property
    def commands(self) -> int:
        return sum(1 for b in self.outcome.cmdlist for c in b if not C.is_delay(c))


def run_rng(seed: int, index: int) -> random.Random:
    return random.Random(f"hasim-explore:{seed}:{index}")


def run_one(spec: RunSpec) -> RunResult:
    rng = run_rng(spec.seed, spec.index)
    cluster = make_cluster(rng, spec.nodes, spec.services)
    outcome = execute(cluster, planner=Planner(rng, cluster, spec.duration))
    return RunResult(spec.index, cluster, outcome)


def mutant(name: str | None) -> contextlib.AbstractContextManager:
    """The broken engine `name` (None: the faithful one).  Mutants are a
    development aid that lives in the checkout (`hasim_testing`), not in an
    installed wheel."""
    if name is None:
        return contextlib.nullcontext()
    from hasim_testing.mutants import mutant as broken

    return broken(name)


def known_mutants() -> tuple[str, ...]:
    try:
        from hasim_testing.mutants import MUTANTS
    except ImportError:
        return ()
    return tuple(MUTANTS)


_WORKER_STACK: contextlib.ExitStack | None = None


def _worker_init(mutant_name: str | None) -> None:
    global _WORKER_STACK
    _WORKER_STACK = contextlib.ExitStack()
    _WORKER_STACK.enter_context(mutant(mutant_name))


def results(specs: list[RunSpec], jobs: int = 1, mutant_name: str | None = None) -> Iterator[RunResult]:
    """Run the specs, yielding results in run order (several processes with jobs > 1)."""
    if jobs <= 1 or len(specs) <= 1:
        with mutant(mutant_name):
            for spec in specs:
                yield run_one(spec)
        return
    import multiprocessing

    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ctx.Pool(jobs, initializer=_worker_init, initargs=(mutant_name,)) as pool:
        yield from pool.imap(run_one, specs, chunksize=4)


@attrs.frozen
class Summary:
    runs: int
    failed: tuple[RunResult, ...]
    errors: tuple[RunResult, ...]
    commands: int
    virtual_time: int
    by_invariant: dict[str, list[int]]
    noticed: tuple[int, ...] = ()  # runs where a known gap of the real stack showed


def explore(
    seed: int,
    runs: int,
    *,
    nodes: int | None = None,
    services: int | None = None,
    duration: int = DEFAULT_DURATION,
    jobs: int = 1,
    mutant_name: str | None = None,
    progress: Callable[[int, int, int], None] | None = None,
    stop_after_failures: int | None = None,
) -> Summary:
    specs = [RunSpec(seed, i, nodes, services, duration) for i in range(runs)]
    failed: list[RunResult] = []
    errors: list[RunResult] = []
    by_invariant: dict[str, list[int]] = {}
    noticed: list[int] = []
    commands = vtime = done = 0
    gen = results(specs, jobs, mutant_name)
    try:
        for result in gen:
            done += 1
            commands += result.commands
            vtime += result.outcome.end_time
            if result.outcome.error is not None:
                errors.append(result)
            if result.outcome.notices:
                noticed.append(result.index)
            if result.failed:
                failed.append(result)
                for name in sorted({v.name for v in result.outcome.violations}):
                    by_invariant.setdefault(name, []).append(result.index)
            if progress is not None:
                progress(done, runs, len(failed))
            if stop_after_failures is not None and len(failed) >= stop_after_failures:
                break
    finally:
        gen.close()
    return Summary(done, tuple(failed), tuple(errors), commands, vtime, by_invariant, tuple(noticed))
