"""The house keeps its shape: no import loops, nothing imports from a layer
above it, the engine never sees Qt, and a batch run loads only what it needs.

The layers are those of docs/design.md, bottom to top.  A module may import
from its own layer and any layer below; imports inside `if TYPE_CHECKING:`
count too (a loop for the type checker is a loop for the reader).
"""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.conftest import REPO

LAYERS = [
    ("hasim.vocab", "hasim.values", "hasim.errors", "hasim.jsondata"),
    ("hasim.commands", "hasim.events", "hasim.log", "hasim.scenario", "hasim.formats"),
    ("hasim.engine",),
    ("hasim.simulation", "hasim.snapshot"),
    ("hasim.clock",),
    ("hasim.workdir",),
    ("hasim.admin",),
    ("hasim.session",),
    ("hasim.importer",),
    ("hasim.analysis",),
    ("hasim.cli", "hasim.__main__", "hasim"),
]


def layer_of(module: str) -> int:
    best = None
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    assert best is not None, f"{module} belongs to no layer of docs/design.md"
    return best[0]


def modules() -> dict[str, set[str]]:
    """hasim module -> the hasim modules it imports (anywhere in the file)."""
    out: dict[str, set[str]] = {}
    for path in sorted((REPO / "hasim").rglob("*.py")):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        name = ".".join(parts)
        package = name if is_package else ".".join(parts[:-1])
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                found.add(base)
                found |= {f"{base}.{alias.name}" for alias in node.names}
        out[name] = found
    known = set(out) - {"hasim"}  # the root package runs with every import; it is nobody's dependency
    return {m: {i for i in imports if i in known and i != m} for m, imports in out.items()}


def test_nothing_imports_from_a_layer_above():
    graph = modules()
    upward = sorted(
        f"{m} -> {i}" for m, imports in graph.items() for i in imports
        if layer_of(i) > layer_of(m) and not m.startswith("hasim.cli") and m != "hasim"
    )  # fmt: skip
    assert upward == []


def test_no_import_loops():
    graph = modules()
    state: dict[str, int] = {}
    loops: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue  # a package and its own modules
            if state.get(nxt) == 1:
                loops.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert loops == []


def test_the_engine_never_imports_qt_or_the_window():
    for path in (REPO / "hasim").rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {n for n in names if n.split(".")[0] in ("PySide6", "pyqtgraph", "ui")}, path


CLOCK_READERS = {"time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns", "sleep",
                 "localtime", "ctime", "now", "today", "utcnow"}


def test_only_the_command_line_reads_the_wall_clock():
    """Virtual time only below hasim/cli: what waits on another process is
    handed a clock (hasim.clock.WaitClock), the paced run its real time."""
    for path in (REPO / "hasim").rglob("*.py"):
        if path.relative_to(REPO).parts[1] == "cli":
            continue
        tree = ast.parse(path.read_text())
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module in ("time", "datetime")
                    for a in n.names}
        assert not imported & (CLOCK_READERS | {"datetime", "date"}), path
        reads = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                 and n.value.id in ("time", "datetime", "date") and n.attr in CLOCK_READERS}
        assert not reads, f"{path} reads the wall clock: {sorted(reads)}"


@pytest.mark.parametrize("scenario", ["test-basic1"])
def test_a_batch_run_loads_only_the_engine(tmp_path, scenario):
    source = REPO.parent / "shared" / "upstream-tests" / scenario
    if not source.is_dir():
        pytest.skip("shared/upstream-tests not present")
    import shutil

    d = tmp_path / scenario
    shutil.copytree(source, d)
    probe = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "from hasim.cli.main import main\n"
        f"assert main(['run', '-q', {str(d)!r}]) == 0\n"
        "print(' '.join(sorted(set(sys.modules) - before)))\n"
    )
    loaded = set(subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
                 .stdout.split())  # fmt: skip
    light = {"hasim.admin"}  # its docstring and the request maker's name
    heavy = [m for m in loaded - light
             if m.split(".")[0] in ("attr", "attrs", "PySide6", "pyqtgraph", "ui")
             or m.startswith(("hasim.analysis", "hasim.admin", "hasim.importer", "hasim.session", "hasim.snapshot",
                              "hasim.clock", "hasim.workdir.saved"))
             or (m.startswith("hasim.cli.") and m not in BATCH_CLI)]  # fmt: skip
    assert heavy == []
    # the standard library a batch run has no use for (argparse asks shutil the terminal's width, saving
    # hashes with hashlib, a look-ahead deep-copies): each costs a start more than a step of the engine
    assert sorted(loaded & {"shutil", "hashlib", "copy", "threading", "typing", "bz2", "lzma", "uuid"}) == []


# what `hasim run` itself needs of the command line package: main, its own module and helpers
BATCH_CLI = {"hasim.cli.main", "hasim.cli.run", "hasim.cli.output", "hasim.cli.values", "hasim.cli.stop"}
