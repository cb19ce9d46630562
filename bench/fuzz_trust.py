"""Fuzz every way a user hands hasim data, as a user does: one `hasim`
process per attempt, and count what goes wrong.

    python bench/fuzz_trust.py [--repo PATH] [--examples N] [--timeout S] [--only CLASS]

Each class below builds a working directory (or argument list), runs the
real command in a subprocess with a time limit and classifies the outcome:

* traceback — "Traceback (most recent call last)" on stderr;
* hang      — still running after the time limit (killed);
* modified  — the user's input files changed although the command refused
  (exit status not 0), or changed into something hasim cannot load again
  (an accepted edit that corrupted the directory), or a file outside the
  working directory changed.

`--repo` points at the checkout to test (default: this one), so the same
script measures the code before and after a change.  Draws are
derandomized: two runs over the same code give the same counts.  It prints
one line per class and asserts nothing (it is a measurement, not a test).

Measured on 2026-12-06 (977 attempts; tracebacks / hangs / modified), on the
code before the data-safety work (bfdbc40) and after it:

    class         before          after
    json-inputs   14 / 0 / 0      0 / 0 / 0
    rules-groups   0 / 0 / 0      0 / 0 / 0   (skipped sections are now named)
    file-kinds     2 / 18 / 0     0 / 0 / 0
    lock           0 / 0 / 3      0 / 0 / 0
    session       29 / 11 / 0     0 / 0 / 0
    ha-manager    48 / 0 / 46     0 / 0 / 0
    options        8 / 5 / 0      0 / 0 / 0
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HERE = Path(__file__).resolve().parent.parent
NODES = {f"node{i}": {"power": "off", "network": "off"} for i in (1, 2, 3)}
SERVICES = {"vm:101": {"node": "node1", "state": "started"}, "vm:102": {"node": "node2", "state": "started"}}
BASE = {
    "hardware_status": json.dumps(NODES),
    "service_config": json.dumps(SERVICES),
    "manager_status": "{}",
    "cmdlist": json.dumps([["power node1 on", "power node2 on", "power node3 on"]]),
}
JSON_FILES = ("hardware_status", "service_config", "manager_status", "cmdlist", "datacenter.cfg",
              "static_service_stats", "dynamic_service_stats", "service_status_node1")  # fmt: skip
TEXT_FILES = ("rules_config", "groups")


# Permission errors as a user meets them.  The interpreter lives below /root
# (mode 700), which another uid cannot reach; root without the capabilities
# that bypass permission bits sees them as any user does.
WITHOUT_ROOTS_POWERS = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
MEMORY_LIMIT = 8 << 30  # a process reading /dev/zero must not take the machine down


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


class Runner:
    def __init__(self, repo: Path, timeout: float) -> None:
        self.repo = repo
        self.timeout = timeout
        self.stats: dict[str, Counter] = {}
        self.examples: dict[str, list[str]] = {}
        self.root = Path(tempfile.mkdtemp(prefix="hasim-fuzz-"))
        os.chmod(self.root, 0o755)
        self.outside = self.root / "outside-file"
        self.outside.write_text("not hasim's\n")
        self.counter = 0

    def fresh_dir(self, files: dict[str, str | bytes] | None = None) -> Path:
        self.counter += 1
        d = self.root / f"d{self.counter}"
        d.mkdir()
        for name, value in (BASE if files is None else files).items():
            p = d / name
            p.write_bytes(value if isinstance(value, bytes) else value.encode())
        return d

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(self.repo)
        env["QT_QPA_PLATFORM"] = "offscreen"
        return env

    def run(self, cls: str, argv: list[str], watch: Path | None, *, user: bool = False,
            must_load: bool = False, label: str = "") -> None:
        """Run `hasim argv`; `watch` is the directory whose inputs must not
        change on a refusal.  `must_load`: an accepted change must leave a
        directory that still loads."""
        before = digest(watch) if watch is not None else None
        outside = self.outside.read_bytes()
        cmd = [sys.executable, "-m", "hasim", *argv]
        if user:
            cmd = [*WITHOUT_ROOTS_POWERS, *cmd]
        stats = self.stats.setdefault(cls, Counter())
        stats["attempts"] += 1
        start = time.monotonic()
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                    env=self.env(), cwd=self.root, start_new_session=True, preexec_fn=_limit_memory)
            try:
                _, err = proc.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.communicate()
                stats["hangs"] += 1
                self.note(cls, f"hang: {label or argv}")
                return
        finally:
            stats["seconds"] += time.monotonic() - start
        text = err.decode(errors="replace")
        if "Traceback (most recent call last)" in text:
            stats["tracebacks"] += 1
            last = [line for line in text.splitlines() if line.strip()][-1:]
            self.note(cls, f"traceback {last} for {label or argv}")
        modified = False
        if watch is not None:
            after = digest(watch)
            if proc.returncode != 0 and after != before:
                modified = True
            elif proc.returncode == 0 and after != before and must_load and not self.loads(watch):
                modified = True
        if self.outside.read_bytes() != outside:
            modified = True
            self.outside.write_text("not hasim's\n")
        if modified:
            stats["modified"] += 1
            self.note(cls, f"modified: {label or argv} (exit {proc.returncode})")

    def loads(self, d: Path) -> bool:
        """The directory loads again, and hasim's own edit left no section
        that the HA stack would skip."""
        probe = [sys.executable, "-c", PROBE, str(d)]
        return subprocess.run(probe, env=self.env(), capture_output=True, timeout=60).returncode == 0

    def note(self, cls: str, text: str) -> None:
        seen = self.examples.setdefault(cls, [])
        if len(seen) < 6:
            seen.append(text[:300])


PROBE = """
import sys
from pathlib import Path
from hasim.workdir import load_scenario
from hasim.engine.ha.rules import validate_rule_text
from hasim.engine.ha.groups import validate_group_text
files = load_scenario(sys.argv[1]).files
assert not validate_rule_text(files.get("rules_config") or "")
assert not validate_group_text(files.get("groups") or "")
"""


def digest(d: Path) -> dict[str, str]:
    """Hash of every input file (not status/, not the lock): a file that
    cannot be read is hashed as its kind."""
    out = {}
    for p in sorted(d.iterdir()):
        if p.name in ("status", ".hasim.lock"):
            continue
        try:
            st_ = os.lstat(p)
            if stat.S_ISREG(st_.st_mode):
                out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
            else:
                out[p.name] = f"kind {stat.S_IFMT(st_.st_mode)}"
        except OSError as err:
            out[p.name] = f"error {err.errno}"
    return out


# -- strategies -------------------------------------------------------------------------------------

ids = st.sampled_from(["vm:101", "vm:102", "node1", "node2", "ct:7", "fa:1101", "vm:101\n", "node1\n", "vm:\u0661\u0662",
                       "node\u0663", "vm:" + "9" * 80, "n" * 100, "", " ", "vm:0", "x\x00y", "\u00e9t\u00e9"])
scalars = (st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(max_size=8) | ids)  # fmt: skip
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6) | ids, inner, max_size=4),
                      max_leaves=10)  # fmt: skip
SPECIAL_TEXTS = [
    "[" * 100000 + "]" * 100000,
    '{"a":' * 50000 + "1" + "}" * 50000,
    "1" * 5000,
    '{"node1": {"power": "on", "network": "on", "maxmem": ' + "9" * 6000 + "}}",
    "NaN", "Infinity", "-Infinity", '{"node1": {"power": "off", "network": "off", "maxcpu": NaN}}',
    '{"node1": {"power": "off", "network": "off"}, "node1": {"power": "on", "network": "on"}}',
    '{"vm:101": {"node": "node1"}, "vm:101": {"node": "node2"}}',
    '{"vm:101\\n": {"node": "node1"}}', '{"node1\\n": {"power": "off", "network": "off"}}',
    '{"vm:\u0661\u0662": {"node": "node1"}}', '{"' + "n" * 70 + '": {"power": "off", "network": "off"}}',
    '[["power node1\\non"]]', '[["service vm:101\\n started"]]', '[["delay ' + "9" * 30 + '"]]',
    '[["skip-round crm ' + "9" * 30 + '"]]', "", "   ", "\ufeff{}", '{"a": 1e999}',
]
json_texts = (values.map(json.dumps) | st.sampled_from(SPECIAL_TEXTS) | st.binary(max_size=40).map(lambda b: b.decode("latin-1"))
              | st.sampled_from([b"\xff\xfe{}", b'{"vm:101": {"node": "node1", "comment": "\xe9"}}']))  # fmt: skip

section_lines = st.sampled_from([
    "node-affinity: r1", "resource-affinity: r2", "group: g1", "bogus: x", "node-affinity: 1bad", "node-affinity: r1",
    "\tresources vm:101,vm:102", "\tnodes node1:2,node2", "\tnodes node9", "\tstrict 1", "\tstrict yes",
    "\taffinity negative", "\taffinity sideways", "\trestricted 1", "\tnofailback 0", "\tcomment x\r", "", "# c",
    "\tresources vm:" + "9" * 50, "\tnodes " + "n" * 80, "0",
])  # fmt: skip
section_texts = st.lists(section_lines, max_size=12).map("\n".join) | st.text(max_size=60)

word = st.sampled_from(["vm:101", "vm:102", "vm:107", "vm:101\n", "vm:\u0661", "node1", "node2", "node9", "node1\n", "g1",
                        "g\n1", "r1", "r\n1", "1", "0", "-1", "99999999999999999999999", "9" * 5000, "", "x" * 200,
                        "--state", "--node", "--group", "--comment", "--nodes", "--resources", "--max_restart",
                        "--failback", "--strict", "--affinity", "--type", "started", "stopped", "negative",
                        "node1:2,node2", "vm:101,vm:102", "a\nb", "enable", "freeze", "--verbose", "-h"])  # fmt: skip
actions = st.sampled_from(["status", "config", "add", "set", "remove", "migrate", "relocate", "crm-command", "rules",
                           "groupadd", "groupset", "groupremove", "groupconfig", "bogus"])  # fmt: skip
sub_actions = st.sampled_from(["", "add", "set", "remove", "list", "config", "node-affinity", "resource-affinity",
                               "migrate", "stop", "node-maintenance", "disarm-ha", "arm-ha"])  # fmt: skip
loose_requests = st.tuples(actions, sub_actions, st.lists(word, max_size=6)).map(lambda t: [t[0], *([t[1]] if t[1] else []), *t[2]])
odd = st.sampled_from(["ok-id", "g\n1", "r\n1", "a\rb", "x" * 300, "1bad", "vm:101", "node1:2,node2", "node1\n", "ünï",
                       "\u0661", "tab\there", "", "99999999999999999999"])  # fmt: skip
structured_requests = st.one_of(
    st.tuples(odd, odd, odd).map(lambda t: ["groupadd", t[0], "--nodes", t[1], "--comment", t[2]]),
    st.tuples(odd, odd, odd).map(lambda t: ["rules", "add", "node-affinity", t[0], "--resources", "vm:101",
                                            "--nodes", t[1], "--comment", t[2]]),
    st.tuples(odd, odd).map(lambda t: ["rules", "add", "resource-affinity", t[0], "--resources", f"vm:101,{t[1]}",
                                       "--affinity", "negative"]),
    st.tuples(odd, odd, odd).map(lambda t: ["add", t[0], "--node", t[1], "--comment", t[2]]),
    st.tuples(odd, odd).map(lambda t: ["set", "vm:101", "--group", t[0], "--comment", t[1]]),
    st.tuples(odd, odd).map(lambda t: ["add", "vm:150", "--max_restart", t[0], "--state", t[1]]),
)  # fmt: skip
requests = loose_requests | structured_requests


def mutate_session(text: str, ops: list[tuple[int, int, str]]) -> str:
    lines = text.split("\n")
    for kind, pos, new in ops:
        i = pos % max(1, len(lines))
        if kind == 0:
            lines[i] = new
        elif kind == 1:
            lines.insert(i, new)
        elif kind == 2 and lines:
            del lines[i]
        else:
            lines[i] = lines[i][: pos % 7]
    return "\n".join(lines)


session_line = st.sampled_from([
    "999999999999999999 command power node1 on", "20 end closed steps=99999999999999", "20 end done",
    "20 end closed steps=abc", "99999999999 end done", "40 config service_config {", "40 config nofile {}",
    "40 config service_config [1]", "40 ha-manager add vm:109", "40 ha-manager bogus", "40 command bogus x",
    "x y z", "40 cmdlist delay 99999999999999", "\u0664\u0660 command power node1 on", "40 end closed steps=-1",
    "40 config service_config " + "[" * 5000, "40 command power node1 on",
])  # fmt: skip
session_ops = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 100), session_line), min_size=1, max_size=4)


# -- classes ----------------------------------------------------------------------------------------

def settings_for(n: int):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))  # fmt: skip


def fuzz_json_inputs(r: Runner, n: int) -> None:
    @settings_for(n)
    @given(st.sampled_from(JSON_FILES), json_texts)
    def one(name, text):
        files = dict(BASE)
        files[name] = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
        d = r.fresh_dir(files)
        r.run("json-inputs", ["run", "-q", str(d)], d, label=f"{name}={str(text)[:60]!r}")

    one()


def fuzz_text_inputs(r: Runner, n: int) -> None:
    @settings_for(n)
    @given(st.sampled_from(TEXT_FILES), section_texts)
    def one(name, text):
        files = dict(BASE)
        files[name] = text
        d = r.fresh_dir(files)
        r.run("rules-groups", ["run", "-q", str(d)], d, label=f"{name}={text[:60]!r}")

    one()


def fuzz_file_kinds(r: Runner) -> None:
    for name in (*JSON_FILES, *TEXT_FILES):
        for kind in ("fifo", "dev-zero", "directory", "dev-null", "unreadable"):
            d = r.fresh_dir()
            p = d / name
            if p.exists():
                p.unlink()
            if kind == "fifo":
                os.mkfifo(p)
            elif kind == "dev-zero":
                p.symlink_to("/dev/zero")
            elif kind == "dev-null":
                p.symlink_to("/dev/null")
            elif kind == "directory":
                p.mkdir()
            else:
                p.write_text(BASE.get(name, "{}"))
                os.chmod(p, 0)
            r.run("file-kinds", ["run", "-q", str(d)], d, user=kind == "unreadable" and os.geteuid() == 0,
                  label=f"{name} is {kind}")


def fuzz_lock(r: Runner) -> None:
    for kind in ("symlink-outside", "symlink-missing", "directory", "garbage", "fifo", "empty"):
        d = r.fresh_dir()
        lock = d / ".hasim.lock"
        if kind == "symlink-outside":
            lock.symlink_to(r.outside)
        elif kind == "symlink-missing":
            lock.symlink_to(r.root / "created-through-a-link")
        elif kind == "directory":
            lock.mkdir()
        elif kind == "garbage":
            lock.write_bytes(b"\x00\xffnot a pid\n" * 100)
        elif kind == "fifo":
            os.mkfifo(lock)
        else:
            lock.write_text("")
        before = lock.read_bytes() if kind == "garbage" else None
        r.run("lock", ["run", "-q", str(d)], d, label=f".hasim.lock is {kind}")
        if (r.root / "created-through-a-link").exists():
            r.stats["lock"]["modified"] += 1
            r.note("lock", "modified: a file was created through the lock's symlink")
            (r.root / "created-through-a-link").unlink()
        if before is not None and (not lock.exists() or lock.read_bytes() != before):
            r.stats["lock"]["modified"] += 1
            r.note("lock", "modified: a garbage .hasim.lock was overwritten")


def fuzz_session(r: Runner, n: int) -> None:
    base = r.fresh_dir()
    subprocess.run([sys.executable, "-m", "hasim", "run", "-q", str(base)], env=r.env(), check=True, timeout=60)
    session = (base / "status" / "session" / "commands").read_text()

    @settings_for(n)
    @given(session_ops)
    def one(ops):
        r.counter += 1
        d = r.root / f"d{r.counter}"
        shutil.copytree(base, d)
        (d / "status" / "session" / "commands").write_text(mutate_session(session, ops))
        r.run("session", ["replay", "-q", str(d)], d, label=f"ops {ops}")

    one()


def fuzz_ha_manager(r: Runner, n: int) -> None:
    @settings_for(n)
    @given(requests)
    def one(argv):
        d = r.fresh_dir()
        r.run("ha-manager", ["ha-manager", str(d), *argv], d, must_load=True, label=repr(argv)[:120])

    one()


def fuzz_options(r: Runner) -> None:
    d = r.fresh_dir()
    for speed in ("nan", "inf", "-inf", "-1", "0", "-0.0", "1e308", "1e-300"):
        r.run("options", ["run", "-q", "--speed", speed, str(d)], d, label=f"--speed {speed}")
    for runs in ("0", "-1", "10000000000000000000", "999999999"):
        r.run("options", ["explore", "--seed", "1", "--runs", runs, "--out", str(r.root / "explore")], None,
              label=f"--runs {runs}")
    for advance in ("-5", "99999999999999", "9" * 5000):
        r.run("options", ["gui", "--offscreen", "--advance", advance, "--screenshot", str(r.root / "s.png"), str(d)], d,
              label=f"--advance {advance}")
    target = r.root / "a-file"
    target.write_text("x")
    r.run("options", ["new", str(target)], None, label="new onto a file")
    r.run("options", ["new", str(r.outside / "sub")], None, label="new below a file")
    r.run("options", ["new", "/proc/hasim-fuzz"], None, label="new in an unwritable place")
    ran = r.fresh_dir()
    subprocess.run([sys.executable, "-m", "hasim", "run", "-q", str(ran)], env=r.env(), timeout=60)
    r.run("options", ["export", str(ran), str(target)], ran, label="export onto a file")
    r.run("options", ["export", str(ran), "/proc/hasim-fuzz"], ran, label="export to an unwritable place")
    r.run("options", ["export", str(ran), str(r.outside / "sub")], ran, label="export below a file")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repo", default=str(HERE))
    p.add_argument("--examples", type=int, default=150, help="draws per hypothesis class")
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--only", action="append")
    p.add_argument("--json", help="also write the counts here")
    args = p.parse_args()
    r = Runner(Path(args.repo).resolve(), args.timeout)
    classes = {
        "json-inputs": lambda: fuzz_json_inputs(r, args.examples * 2),
        "rules-groups": lambda: fuzz_text_inputs(r, args.examples),
        "file-kinds": lambda: fuzz_file_kinds(r),
        "lock": lambda: fuzz_lock(r),
        "session": lambda: fuzz_session(r, args.examples),
        "ha-manager": lambda: fuzz_ha_manager(r, args.examples * 2),
        "options": lambda: fuzz_options(r),
    }
    try:
        for name, fn in classes.items():
            if args.only and name not in args.only:
                continue
            fn()
            s = r.stats.get(name, Counter())
            print(f"{name:<13} attempts {s['attempts']:>4}  tracebacks {s['tracebacks']:>3}  hangs {s['hangs']:>3}  "
                  f"modified {s['modified']:>3}  ({s['seconds']:.0f} s)", flush=True)
            for example in r.examples.get(name, []):
                print(f"    e.g. {example}", flush=True)
    finally:
        shutil.rmtree(r.root, ignore_errors=True)
    total = sum(r.stats.values(), Counter())
    print(f"{'total':<13} attempts {total['attempts']:>4}  tracebacks {total['tracebacks']:>3}  hangs {total['hangs']:>3}  "
          f"modified {total['modified']:>3}")
    if args.json:
        Path(args.json).write_text(json.dumps({k: dict(v) for k, v in r.stats.items()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
