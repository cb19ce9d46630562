"""Property-based fuzzing: no input file, command or request produces a traceback.

Every loader either accepts its input or raises the one error type that the
CLI and the window turn into a clear message (InputError, ParameterError, a
refusal text); a
command the real stack rejects ends the simulation with its message
(SimError) — never any other exception.
"""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hasim.admin.parameters import ParameterError
from hasim.admin.requests import HaManagerRequest
from hasim.engine.ha import groups as groups_mod
from hasim.engine.ha import rules as rules_mod
from hasim.errors import InputError
from hasim.workdir.session_file import read_session
from hasim.simulation import Simulation
from hasim.workdir import load_scenario

SETTINGS = settings(
    max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_scalars = st.none() | st.booleans() | st.integers(-5, 200) | st.floats(-1, 1e12, allow_nan=False) | st.text(
    string.ascii_letters + string.digits + ":_- ", max_size=12
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(string.ascii_lowercase + ":0123456789_-", max_size=10), inner, max_size=4),
    max_leaves=12,
)
words = st.sampled_from(
    ["power", "network", "service", "crm", "cfs", "reboot", "shutdown", "restart-lrm", "delay", "skip-round",
     "pve-manager-version", "delnode", "node1", "node2", "node9", "vm:101", "vm:102", "ct:7", "fa:1101", "x:y", "on",
     "off", "started", "stopped", "disabled", "ignored", "migrate", "relocate", "stop", "add", "delete", "lock",
     "unlock", "manual-migrate", "set-static-stats", "set-dynamic-stats", "maxcpu", "mem", "rw", "update", "fail",
     "work", "enable-node-maintenance", "disable-node-maintenance", "disarm-ha", "arm-ha", "freeze", "ignore",
     "set", "5", "0", "abc", "-1", "2.5", ""]
)  # fmt: skip
commands = st.lists(words, min_size=0, max_size=5).map(" ".join)

BASE = {
    "hardware_status": {"node1": {"power": "off", "network": "off"}, "node2": {"power": "off", "network": "off"},
                        "node3": {"power": "off", "network": "off"}},
    "service_config": {"vm:101": {"node": "node1", "state": "started"}, "fa:1101": {"node": "node2", "state": "started"}},
    "manager_status": {},
}  # fmt: skip


def write_dir(path, files):
    path.mkdir(parents=True, exist_ok=True)
    for name in list(path.iterdir()):
        name.unlink()
    for name, value in files.items():
        (path / name).write_text(value if isinstance(value, str) else json.dumps(value))


def run_briefly(path, seconds=400):
    sim = Simulation(load_scenario(path))
    sim.advance(seconds)
    return sim


@SETTINGS
@given(
    name=st.sampled_from(["hardware_status", "service_config", "manager_status", "datacenter.cfg",
                          "static_service_stats", "dynamic_service_stats", "cmdlist", "service_status_node1"]),
    value=json_values,
)  # fmt: skip
def test_any_json_in_any_input_file_is_accepted_or_named(tmp_path, name, value):
    files = dict(BASE, cmdlist=[["power node1 on", "power node2 on", "power node3 on"]])
    files[name] = value
    write_dir(tmp_path / "d", files)
    try:
        run_briefly(tmp_path / "d")
    except InputError as err:
        assert str(err).startswith(name) or name in str(err)


@SETTINGS
@given(name=st.sampled_from(["hardware_status", "service_config", "cmdlist", "manager_status"]), text=st.text(max_size=40))
def test_any_text_in_a_json_file_is_accepted_or_named(tmp_path, name, text):
    files = dict(BASE, cmdlist=[])
    files[name] = text
    write_dir(tmp_path / "d", files)
    try:
        load_scenario(tmp_path / "d")
    except InputError as err:
        assert name in str(err)


@SETTINGS
@given(batches=st.lists(st.lists(commands, max_size=3), max_size=4))
def test_any_command_runs_or_ends_the_simulation_with_the_real_stacks_message(tmp_path, batches):
    files = dict(BASE, cmdlist=[["power node1 on", "power node2 on", "power node3 on"], *batches])
    write_dir(tmp_path / "d", files)
    sim = Simulation(load_scenario(tmp_path / "d"))
    sim.run()  # SimError is turned into the log's exit line; anything else would raise here
    assert sim.finished
    assert sim.log_lines[-1].message.startswith("exit simulation - ") or "exit simulation - " in sim.log_text()


@SETTINGS
@given(text=st.text(alphabet=string.printable, max_size=300))
def test_rules_and_groups_parsers_never_raise(text):
    rules_mod.parse_rules(text)
    rules_mod.validate_rule_text(text)
    groups_mod.parse_groups(text)
    groups_mod.validate_group_text(text)


section_lines = st.lists(
    st.sampled_from(["node-affinity: r1", "resource-affinity: r2", "group: g1", "\tresources vm:101,vm:102",
                     "\tnodes node1:2,node2", "\tnodes bad:x", "\taffinity negative", "\taffinity sideways",
                     "\tstrict 1", "\tdisable", "\tcomment hi", "", "   ", "# c", "\trestricted 1", "\tnofailback 1"]),
    max_size=12,
).map("\n".join)  # fmt: skip


@SETTINGS
@given(text=section_lines)
def test_structured_rule_files_parse_and_compile(text):
    rules = rules_mod.parse_rules(text)
    kept, _messages = rules_mod.check_and_transform(rules, ["node1", "node2", "node3"])
    rules_mod.compile_rules(kept, ["node1", "node2", "node3"])
    groups_mod.groups_to_rules(groups_mod.parse_groups(text), {"vm:101": {"group": "g1", "node": "node1"}})


@SETTINGS
@given(argv=st.lists(st.sampled_from(["add", "set", "remove", "migrate", "relocate", "crm-command", "stop",
                                      "node-maintenance", "enable", "rules", "groupadd", "--state", "started",
                                      "--nodes", "node1", "vm:101", "vm:7", "xx", "--max_restart", "x", "1",
                                      "status", "config", "node-affinity", "r1", "--resources"]), max_size=6))  # fmt: skip
def test_ha_manager_requests_parse_or_are_refused_with_a_message(argv):
    request = HaManagerRequest(argv)
    try:
        _ = request.parsed
    except ParameterError as err:
        assert err.text.endswith("\n") and "400" in err.text or "ERROR:" in err.text
    problem = request.problem(BASE, ["node1", "node2", "node3"])
    if problem is None:
        request.change(BASE, ["node1", "node2", "node3"])
    else:
        assert problem.strip()


@SETTINGS
@given(text=st.text(max_size=200))
def test_session_reader_accepts_or_names_the_line(tmp_path, text):
    sdir = tmp_path / "status" / "session"
    sdir.mkdir(parents=True, exist_ok=True)
    (sdir / "commands").write_text(text)
    try:
        read_session(tmp_path / "status")
    except InputError as err:
        assert "session/commands" in str(err)
