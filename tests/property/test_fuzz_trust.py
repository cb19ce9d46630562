"""Fuzzing the user's data paths in-process (derandomized, a few seconds):
strict JSON, ha-manager edits of an idle directory and damaged sessions end
in a value or a named error, and an accepted edit leaves a directory that
loads again with nothing the HA stack would skip.  The large run with
counts per class is `bench/fuzz_trust.py` (one process per attempt).
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hasim.cli import main as cli
from hasim.errors import InputError
from hasim.jsondata import JSONError, loads_strict
from hasim.workdir.session_file import read_session
from hasim.session.replay import check_entry
from hasim.workdir import load_scenario
from hasim.workdir.create import new_workdir
from hasim.workdir.scenario import skipped_sections
from tests.trust_support import inputs_of

SETTINGS = settings(max_examples=80, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip

json_texts = st.one_of(
    st.text(alphabet='[]{}":,0123456789.eE-+ntrufalsNIiy \n\\', max_size=60),
    st.recursive(st.none() | st.integers() | st.floats() | st.text(max_size=5),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                 max_leaves=8).map(lambda v: json.dumps(v, allow_nan=True)),
)  # fmt: skip


@SETTINGS
@given(json_texts)
def test_strict_json_is_a_value_or_a_named_error(text):
    try:
        loads_strict(text)
    except JSONError as err:
        assert str(err) and "\n" not in str(err)


odd = st.sampled_from(["ok-id", "g\n1", "x" * 300, "1bad", "vm:101", "vm:150", "node1:2,node2", "node1", "node9",
                       "\u0661", "tab\there", "", "99999999999999999999", "node1:x", "vm:101,x"])  # fmt: skip
requests = st.one_of(
    st.tuples(odd, odd, odd).map(lambda t: ["groupadd", t[0], "--nodes", t[1], "--comment", t[2]]),
    st.tuples(odd, odd, odd).map(lambda t: ["rules", "add", "node-affinity", t[0], "--resources", t[1], "--nodes", t[2]]),
    st.tuples(odd, odd).map(lambda t: ["rules", "add", "resource-affinity", t[0], "--resources", t[1],
                                       "--affinity", "negative"]),
    st.tuples(odd, odd, odd).map(lambda t: ["add", t[0], "--node", t[1], "--comment", t[2]]),
    st.tuples(odd, odd).map(lambda t: ["set", t[0], "--group", t[1]]),
    st.tuples(odd).map(lambda t: ["remove", t[0]]),
)  # fmt: skip


@SETTINGS
@given(requests)
def test_ha_manager_edits_are_whole_or_refused(tmp_path_factory, capsys, argv):
    d = tmp_path_factory.mktemp("w")
    new_workdir(d / "w", 3)
    d = d / "w"
    before = inputs_of(d)
    code = cli.main(["ha-manager", str(d), *argv])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    if code == 0:
        files = load_scenario(d).files
        assert skipped_sections(files) == []
    else:  # refused as the real CLI refuses (255, spec 05 §6) or as hasim's own error (2): nothing changed
        assert code in (2, 255) and out.err.strip()
        assert inputs_of(d) == before


session_lines = st.sampled_from([
    "999999999999999999 command power node1 on", "20 end closed steps=99999999999999", "20 end done", "x y z",
    "40 config service_config {", "40 config nofile {}", "40 config service_config [1]", "40 ha-manager bogus",
    "\u0664\u0660 command power node1 on", "40 command power node1 on", "40 config groups \"group: g1\"",
    "40 config datacenter.cfg {\"ha\": 1}", "60 cmdlist power node1\ton",
])  # fmt: skip


@SETTINGS
@given(st.lists(session_lines, max_size=5))
def test_a_damaged_session_reads_or_is_named(tmp_path_factory, lines):
    d = tmp_path_factory.mktemp("s")
    (d / "session").mkdir()
    (d / "session" / "commands").write_text("# hasim session 1\n" + "\n".join(lines) + "\n")
    try:
        _, entries = read_session(d)
        for entry in entries:
            if entry.source != "end":
                check_entry(entry, ["node1", "node2", "node3"])
    except InputError as err:
        assert "\n" not in str(err)
