"""`hasim report` and `hasim whatif` from the command line: output, files, errors."""

from __future__ import annotations

import shutil

import pytest

from hasim.cli.main import main

from .support import WORKING_DIRS, write_cluster


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as end:  # argparse's own checks (a bad --format)
        code = end.code
    out, err = capsys.readouterr()
    return code, out, err


def test_report_of_a_scenario_and_of_its_recorded_session(tmp_path, capsys):
    d = tmp_path / "nf"
    shutil.copytree(WORKING_DIRS / "node-failure", d, ignore=shutil.ignore_patterns("status"))
    code, scenario_out, _ = run(capsys, "report", str(d))
    assert code == 0 and "its scenario" in scenario_out and "120..241 2m01s: node2 lost power" in scenario_out
    assert not (d / "status").exists()  # a report writes nothing into the directory
    assert run(capsys, "run", "-q", str(d))[0] == 0
    code, session_out, _ = run(capsys, "report", str(d))
    assert code == 0 and "recorded session" in session_out
    assert session_out.split("\n", 1)[1] == scenario_out.split("\n", 1)[1]


def test_report_markdown_file_with_its_picture(tmp_path, capsys):
    out = tmp_path / "handout.md"
    code, _, err = run(capsys, "report", str(WORKING_DIRS / "node-failure"), "--scenario", "--format", "markdown", "-o", str(out))
    assert code == 0 and "wrote" in err
    assert "![Timeline](handout-timeline.svg)" in out.read_text()
    assert (tmp_path / "handout-timeline.svg").read_text().startswith("<svg")


def test_whatif_one_node(tmp_path, capsys):
    d = write_cluster(tmp_path / "c")
    code, out, err = run(capsys, "whatif", str(d), "--fail", "node2")
    assert code == 0 and err == ""
    assert "Outcome: node2 loses power, not back (at t=60)" in out
    assert "+0..+121 2m01s: node2 lost power" in out and "fenced: node2 at +120" in out


def test_whatif_each_node_table(tmp_path, capsys):
    d = write_cluster(tmp_path / "c")
    code, out, err = run(capsys, "whatif", str(d), "--each-node", "--jobs", "2")
    assert code == 0 and err == ""  # no progress line: stderr is no terminal
    lines = out.splitlines()
    assert lines[0] == "What if each node fails (power): c, 3 nodes, 6 HA services"
    rows = [line.split()[0] for line in lines if line.startswith(("  node", " !node"))]
    assert rows == ["node1", "node2", "node3"]
    assert "vm:102 -> node1 (recovery)" in out and "2m03s vm:105" in out
    assert lines[-1].startswith("N+1: the cluster survives")
    code, md, _ = run(capsys, "whatif", str(d), "--each-node", "--jobs", "1", "--format", "markdown")
    assert code == 0 and "| node2 | vm:102 -> node1 (recovery)<br>vm:105 -> node3 (recovery) |" in md


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--fail", "node9"], "--fail: no node 'node9'"),
        (["--fail", "node1", "--how", "fire"], "--how: 'fire' is not one of"),
        (["--fail", "node1", "--for", "-5"], "--for: -5: must be more than 0 seconds"),
        (["--fail", "node1", "--at", "soon"], "--at: 'soon' is not a whole number of seconds"),
        (["--each-node", "--jobs", "none"], "--jobs:"),
        ([], "--fail NODE or --each-node"),
        (["--fail", "node1", "--format", "pdf"], "argument --format: invalid choice"),
    ],
)
def test_whatif_bad_arguments_one_line_exit_2(tmp_path, capsys, args, says):
    d = write_cluster(tmp_path / "c")
    code, out, err = run(capsys, "whatif", str(d), *args)
    assert code == 2
    assert out == "" and err.count("\n") == 1 and says in err


def test_whatif_missing_or_broken_directory(tmp_path, capsys):
    code, _, err = run(capsys, "whatif", str(tmp_path / "nope"), "--each-node")
    assert code == 2 and err == f"hasim whatif: {tmp_path / 'nope'}: not a directory\n"
    d = write_cluster(tmp_path / "c")
    (d / "service_config").write_text("{broken")
    code, _, err = run(capsys, "whatif", str(d), "--each-node")
    assert code == 2 and err.startswith(f"hasim whatif: {d}/service_config:") and err.count("\n") == 1
    code, _, err = run(capsys, "report", str(d))
    assert code == 2 and "service_config" in err and err.count("\n") == 1


def test_whatif_refuses_a_node_that_is_off(tmp_path, capsys):
    d = write_cluster(tmp_path / "c", cmdlist=[["power node1 on", "power node2 on"]])
    code, _, err = run(capsys, "whatif", str(d), "--fail", "node3")
    assert code == 2 and "node3 is off" in err



def test_progress_line_only_on_a_terminal():
    import io

    from hasim.cli.whatif import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    pipe, tty = io.StringIO(), Terminal()
    for stream in (pipe, tty):
        progress = Progress(stream)
        progress(1, 3, "node1")
        progress(3, 3, "node3")
        progress.close()
    assert pipe.getvalue() == ""
    assert "\rwhatif: 1/3 runs done (node1)" in tty.getvalue() and tty.getvalue().endswith("\r\x1b[K")
