"""Item 7: every bad input gets a message, exit 2, no traceback, no hang,
and the user's files stay as they were.

Each case below was, before, a traceback (RecursionError, ValueError past
Python's int-string limit, OverflowError from `--speed inf`), a hang (a FIFO
or /dev/zero read to the end, a negative speed, `--runs 10**19`, a session
time of 10**18) or a silent acceptance that broke a later line (an id with
a final line feed splits the log and the session file).
"""

from __future__ import annotations

import json
import os

import pytest

from hasim.cli import main as cli
from hasim.workdir.live import LiveDirectory
from hasim.workdir.create import new_workdir
from tests.trust_support import as_user_available, inputs_of, one_clean_line, run_hasim

NODES = {f"node{i}": {"power": "off", "network": "off"} for i in (1, 2, 3)}


@pytest.fixture
def workdir(tmp_path):
    new_workdir(tmp_path / "w", 3)
    return tmp_path / "w"


def refused(capsys, argv, *fragments, code=2):
    """Run `hasim argv` in this process: exit 2 and one line naming the problem."""
    try:
        status = cli.main(argv)
    except SystemExit as exc:  # argparse refusing an option value
        status = exc.code
    err = capsys.readouterr().err
    assert status == code, err
    text = err if "usage:" in err else one_clean_line(err)
    assert "Traceback" not in text
    for fragment in fragments:
        assert fragment in text, text
    return text


BAD_FILES = [
    ("hardware_status", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("manager_status", '{"a":' * 40 + "{}" + "}" * 40, "nested too deeply"),
    ("service_config", '{"vm:101": {"node": "node1", "max_restart": ' + "1" * 5000 + "}}", "too large"),
    ("hardware_status", json.dumps({"n" * 70: {"power": "off", "network": "off"}}), "at most 64 characters"),
    ("hardware_status", json.dumps({"node1\n": {"power": "off", "network": "off"}}), "'node1\\n'"),
    ("service_config", json.dumps({"vm:\u0661\u0662": {"node": "node1"}}), "service id must look like"),
    ("hardware_status", '{"node1": {"power": "off", "network": "off", "maxcpu": NaN}}', "NaN is not a JSON number"),
    ("static_service_stats", '{"vm:101": {"maxcpu": Infinity, "maxmem": 1}}', "Infinity is not a JSON number"),
    ("hardware_status", '{"node1": {"power": "off", "network": "off"}, "node1": {"power": "on", "network": "on"}}',
     "duplicate key 'node1'"),
    ("service_config", b'{"vm:101": {"node": "node1", "comment": "caf\xe9"}}', "not valid UTF-8 text"),
    ("manager_status", json.dumps({"node_status": {"node1\n": "online"}}), "node names are"),
    ("manager_status", json.dumps({"service_status": {"vm:1x": {"state": "started", "node": "node1"}}}), "service id"),
    ("manager_status", json.dumps({"master_node": "node1\n"}), "node names are"),
    ("static_service_stats", json.dumps({"vm:101\n": {"maxcpu": 1}}), "service id"),
    ("service_status_node1", json.dumps({"vm:101 ": 1}), "service id"),
    ("cmdlist", json.dumps([["power node1\non"]]), "one line of printable text"),
    ("service_config", json.dumps({"vm:101": {"node": "node1", "group": "g\n1"}}), "one line of printable text"),
]  # fmt: skip


@pytest.mark.parametrize("name, content, fragment", BAD_FILES, ids=[f"{c[0]}-{c[2][:24]}" for c in BAD_FILES])
def test_a_bad_input_file_is_named_and_changes_nothing(capsys, workdir, name, content, fragment):
    path = workdir / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = inputs_of(workdir)
    line = refused(capsys, ["run", "-q", str(workdir)], f"{workdir}/{name}", fragment)
    assert "\n" not in line
    assert inputs_of(workdir) == before and not (workdir / "status").exists()
    assert not (workdir / ".hasim.lock").exists()


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory", "link"])
@pytest.mark.parametrize("name", ["service_config", "rules_config"])
def test_only_regular_files_are_read(tmp_path, workdir, kind, name):
    path = workdir / name
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    else:
        (tmp_path / "elsewhere").write_text("{}")
        path.symlink_to(tmp_path / "elsewhere")
    res = run_hasim("run", "-q", str(workdir), timeout=20)  # before: a FIFO or /dev/zero never ended
    assert res.returncode == 2
    line = one_clean_line(res.stderr)
    assert f"{workdir}/{name}" in line and "hasim reads only regular files" in line


@pytest.mark.skipif(not as_user_available(), reason="needs root and setpriv to act as a user without root's powers")
def test_an_unreadable_file_is_named(workdir):
    (workdir / "service_config").chmod(0)
    res = run_hasim("run", "-q", str(workdir), user=True)
    assert res.returncode == 2
    assert f"{workdir}/service_config: cannot read: Permission denied" in one_clean_line(res.stderr)


@pytest.mark.skipif(not as_user_available(), reason="needs root and setpriv to act as a user without root's powers")
def test_an_unwritable_directory_is_named(workdir):
    workdir.chmod(0o555)
    res = run_hasim("run", "-q", str(workdir), user=True)
    workdir.chmod(0o755)
    assert res.returncode == 2
    assert "Permission denied" in one_clean_line(res.stderr)


@pytest.mark.skipif(not as_user_available(), reason="needs root and setpriv to act as a user without root's powers")
def test_ha_manager_names_an_unreadable_file(workdir):
    (workdir / "service_config").chmod(0)
    res = run_hasim("ha-manager", str(workdir), "config", user=True)
    assert res.returncode == 2
    assert f"{workdir}/service_config: cannot read: Permission denied" in one_clean_line(res.stderr)


@pytest.mark.skipif(not as_user_available(), reason="needs root and setpriv to act as a user without root's powers")
def test_ha_manager_in_a_read_only_directory_changes_nothing(workdir):
    before = inputs_of(workdir)
    workdir.chmod(0o555)
    try:
        res = run_hasim("ha-manager", str(workdir), "add", "vm:300", user=True)
    finally:
        workdir.chmod(0o755)
    assert res.returncode == 2
    assert "Permission denied" in one_clean_line(res.stderr)
    assert "updated" not in res.stdout and inputs_of(workdir) == before


@pytest.mark.parametrize("argv, fragment", [
    (["run", "--speed", "nan"], "finite"),
    (["run", "--speed", "inf"], "finite"),
    (["run", "--speed", "-1"], "between"),
    (["run", "--speed", "0"], "between"),
    (["gui", "--advance", "99999999999999"], "between"),
    (["gui", "--speed", "nan"], "finite"),
])  # fmt: skip
def test_option_values_are_bounded(capsys, workdir, argv, fragment):
    refused(capsys, [*argv, str(workdir)], fragment)
    assert not (workdir / "status").exists()


def test_explore_runs_are_bounded(capsys):
    refused(capsys, ["explore", "--seed", "1", "--runs", "10000000000000000000"], "--runs must be between 1 and")


@pytest.mark.parametrize("where", ["a-file", "below-a-file", "/proc/hasim-test"])
def test_new_and_export_refuse_files_and_unwritable_places(capsys, tmp_path, workdir, where):
    (tmp_path / "a-file").write_text("mine\n")
    target = {"a-file": tmp_path / "a-file", "below-a-file": tmp_path / "a-file" / "sub"}.get(where, where)
    refused(capsys, ["new", str(target)], str(target).split("/sub")[0] if where == "below-a-file" else str(target))
    assert cli.main(["run", "-q", str(workdir)]) == 0
    capsys.readouterr()
    refused(capsys, ["export", str(workdir), str(target)])
    assert (tmp_path / "a-file").read_text() == "mine\n"


# -- damaged session files --------------------------------------------------------------------------

DAMAGED = [
    ("999999999999999999 command power node1 on", "cannot parse"),
    ("99999999 end done\n10 command power node1 on", "before the previous entry"),
    ("\u00b2\u00b9 command power node1 on", "cannot parse"),
    ("40 bogus power node1 on", "unknown source"),
    ("40 config service_config {", "invalid JSON"),
    ("40 config service_config " + "[" * 5000, "nested too deeply"),
    ("40 config service_config [1]", "expected a JSON object"),
    ("40 config hardware_status {}", "unknown configuration file"),
    ("40 ha-manager bogus", "ha-manager request"),
    ("40 ha-manager set vm:999 --state stopped", "no such resource"),
    ("40 end closed steps=abc", "cannot parse the end line"),
]  # fmt: skip


@pytest.mark.parametrize("line, fragment", DAMAGED, ids=[d[1] for d in DAMAGED])
def test_a_damaged_session_is_named_not_replayed_for_ever(capsys, workdir, line, fragment):
    assert cli.main(["run", "-q", str(workdir)]) == 0
    capsys.readouterr()
    commands = workdir / "status" / "session" / "commands"
    text = commands.read_text().replace("\n", "\n" + line + "\n", 1)
    commands.write_text(text.split(" end ")[0].rsplit("\n", 1)[0] + "\n" + line + "\n" if "end" in line else text)
    refused(capsys, ["replay", "-q", str(workdir)], "session/commands", fragment)


def test_a_huge_step_count_stops_at_the_end_lines_time(capsys, workdir):
    live = LiveDirectory.start(workdir, interactive=True)
    live.sim.advance(300)
    live.close()  # as the window closes: "end closed steps=N"
    commands = workdir / "status" / "session" / "commands"
    lines = commands.read_text().splitlines()
    lines[-1] = lines[-1].split(" end ")[0] + " end closed steps=999999999999"
    commands.write_text("\n".join(lines) + "\n")
    assert lines[-1].startswith("3")
    assert cli.main(["replay", "-q", str(workdir)]) in (0, 1)  # it ends: not 10**12 steps


# -- ha-manager arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize("request_args, fragment", [
    (["groupadd", "g\n1", "--nodes", "node1"], "invalid configuration ID"),
    (["groupadd", "g1", "--nodes", "node1", "--comment", "a\nb"], "ha groups have been migrated to rules"),
    (["rules", "add", "node-affinity", "r1", "--resources", "vm:101", "--nodes", "node1:high"],
     "does not look like a valid ha group node"),
    (["rules", "add", "resource-affinity", "r1", "--resources", "vm:101,x", "--affinity", "negative"],
     "does not look like a valid ha resource id"),
    (["rules", "add", "node-affinity", "r1", "--resources", "vm:101", "--nodes", "node1", "--comment", "x" * 5000],
     "may only be 4096 characters long"),
    (["rules", "add", "node-affinity", "1r", "--resources", "vm:101", "--nodes", "node1"], "invalid configuration ID '1r'"),
    (["add", "vm:101\n"], "does not look like a valid ha resource id"),
])  # fmt: skip
def test_ha_manager_refuses_what_it_could_not_write_back(capsys, workdir, request_args, fragment):
    """Refused as the real ha-manager refuses (spec 05 §6: the 400 block or
    the refusal line, exit 255), nothing written."""
    before = inputs_of(workdir)
    status = cli.main(["ha-manager", str(workdir), *request_args])
    err = capsys.readouterr().err
    assert status == 255 and fragment in err and "Traceback" not in err
    assert inputs_of(workdir) == before


# -- rules and groups the real stack skips ----------------------------------------------------------------


def test_run_names_skipped_rules_and_groups_and_logs_as_the_real_stack(capsys, workdir):
    assert cli.main(["run", "-q", str(workdir)]) == 0
    clean_log = (workdir / "status" / "log").read_text()
    capsys.readouterr()
    (workdir / "rules_config").write_text("node-affinity: keep\n\tresources vm:101\n\nnode-affinity: 9bad\n\tnodes node1\n")
    (workdir / "groups").write_text("group: g1\n\tnodes node1:high\n")
    assert cli.main(["run", "-q", str(workdir)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"hasim: {workdir}/rules_config: rule 'keep': missing required property 'nodes' (line 1): "
        "skipped, as the real stack does",
        f"hasim: {workdir}/rules_config: rule '9bad': invalid id, it must start with a letter and contain only "
        "letters, digits, '-' and '_' (line 4): skipped, as the real stack does",
        f"hasim: {workdir}/groups: group 'g1': invalid value for 'nodes': value 'node1:high' does not look like "
        "a valid ha group node (line 1): skipped, as the real stack does",
    ]
    assert (workdir / "status" / "log").read_text() == clean_log  # what the simulation logs is unchanged
