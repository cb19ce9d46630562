"""Fuzzing the import with mutated copies of the sample: byte flips,
truncations, inserted and deleted lines, in the directory and in the
archive.  Whatever the copy holds, the import ends with a result (exit 0 or
2 on the command line), never an exception or a hang, leaves SRC exactly as
it was, and either writes a directory that loads or writes nothing."""

from __future__ import annotations

import signal
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hasim.importer import import_cluster
from tests.importer.support import SAMPLE, copy_sample, make_tar, tree_digest

FILES = sorted(str(p.relative_to(SAMPLE)) for p in SAMPLE.rglob("*") if p.is_file())
CODES = {f"E{i:02d}" for i in range(1, 12)} | {f"W{i:02d}" for i in range(1, 24)}
LINES = [
    "vm: 100", "ct: 104", "vm: 7", "\tstate error", "\tgroup nosuch", "\tnodes pve9:x,pve1", "\taffinity negative",
    "\tauto-rebalance 0", "node-affinity: na1", "group: g1", "[snap]", "[PENDING]", "memory: current=1,x=2",
    "cores: 0", "vcpus: 99999999999999", "lock: backup", "template: 1", "crs: ha=dynamic,ha-auto-rebalance=1",
    "crs:", "ha: shutdown_policy=sideways", "node {", "}", "{", "quorum_votes: 3", "device {", "two_node: 1",
    "name: pve_bad", '{"node_status":{"pve1":"fence"}}', '[{"type":"node","node":"pve1","maxcpu":1e999}]',
    "\x00", "\r", "0", "#", "  ", "é", "\udcff",
]  # fmt: skip

flip = st.tuples(st.just("flip"), st.sampled_from(FILES), st.integers(0, 5000), st.integers(1, 255))
truncate = st.tuples(st.just("truncate"), st.sampled_from(FILES), st.integers(0, 5000), st.just(0))
insert = st.tuples(st.just("insert"), st.sampled_from(FILES), st.integers(0, 60),
                   st.one_of(st.sampled_from(LINES), st.text(max_size=30)))  # fmt: skip
delete = st.tuples(st.just("delete"), st.sampled_from(FILES), st.integers(0, 60), st.just(0))
MUTATIONS = st.lists(st.one_of(flip, truncate, insert, delete), min_size=1, max_size=4)


def mutate(data: bytes, kind: str, where: int, what) -> bytes:
    if kind == "flip":
        if not data:
            return data
        i = where % len(data)
        return data[:i] + bytes([data[i] ^ what]) + data[i + 1 :]
    if kind == "truncate":
        return data[: where % (len(data) + 1)]
    lines = data.split(b"\n")
    i = where % (len(lines) + 1)
    if kind == "insert":
        return b"\n".join([*lines[:i], what.encode("utf-8", "surrogateescape"), *lines[i:]])
    return b"\n".join(lines[:i] + lines[i + 1 :])


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang("the import took longer than 30 s")


def import_once(src: Path, tmp: Path) -> None:
    """One import under a watchdog, with every property checked."""
    before = tree_digest(src)
    dst = tmp / "out"
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(30)
    try:
        result = import_cluster(src, dst)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert tree_digest(src) == before
    assert {d.code for d in result.diagnostics} <= CODES
    for diagnostic in result.diagnostics:
        diagnostic.render().encode("utf-8")  # printable on any terminal
    if result.ok:
        assert result.written and sorted(p.name for p in dst.iterdir()) == sorted(result.files)
    else:
        assert not dst.exists()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MUTATIONS)
def test_mutated_directory_copies(mutations):
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        src = copy_sample(tmp)
        for kind, rel, where, what in mutations:
            path = src / rel
            path.write_bytes(mutate(path.read_bytes(), kind, where, what))
        import_once(src, tmp)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["w", "w:gz"]), st.lists(st.one_of(flip, truncate), min_size=1, max_size=3))
def test_mutated_archives(mode, mutations):
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        (tmp / "copy").mkdir()
        archive = make_tar(SAMPLE, tmp / "copy" / "c.tar", mode)
        for kind, _, where, what in mutations:
            archive.write_bytes(mutate(archive.read_bytes(), kind, where * 7, what))
        import_once(archive, tmp)
