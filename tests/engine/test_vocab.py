"""The vocabulary: one definition of ids, exit codes and the loop length."""

from __future__ import annotations

import pytest

from hasim.engine.ha import lrm
from hasim.vocab import ExitCode, exit_code_label, is_node_name, is_sid, loop_length, paired_steps


@pytest.mark.parametrize("sid", ["vm:101", "ct:1", "fa:999999999"])
def test_service_ids_the_real_ha_manager_accepts(sid):
    assert is_sid(sid)


@pytest.mark.parametrize(
    "sid",
    ["vm:101\n", "vm:", "vm:1a", "qm:101", "vm:\u0661\u0662", "vm:" + "1" * 70, " vm:101", "vm:1000000000", 101, None],
)
def test_service_ids_refused(sid):
    assert not is_sid(sid)


@pytest.mark.parametrize("name", ["node1", "pve-2", "a", "n.example_1"])
def test_node_names(name):
    assert is_node_name(name)


@pytest.mark.parametrize("name", ["node1\n", "", "-node", "nöde", "n" * 65, "node 1"])
def test_node_names_refused(name):
    assert not is_node_name(name)


def test_loop_length_follows_the_real_tester_to_29_nodes_and_pairs_steps_from_30():
    assert [loop_length(n) for n in (1, 3, 10, 11, 29)] == [20, 20, 20, 22, 58]
    assert [loop_length(n) for n in (30, 31, 32)] == [30, 31, 32]
    assert not paired_steps(29) and paired_steps(30) and paired_steps(32) and not paired_steps(33)
    assert loop_length(33) == 66  # the real tester's growth (and its refusal) again


def test_exit_code_labels_follow_spec_03():
    assert [exit_code_label(c) for c in (0, 1, 2, 3, 7, 8, -1, 42, None)] == [
        "ok (0)", "error (1)", "try again (2)", "wrong node (3)", "unknown service (7)", "ignored (8)",
        "execution failed (-1)", "42", "",
    ]


def test_the_lrm_answers_with_the_shared_codes():
    # an ignored rebalance-on-start is 8 in the LRM and "ignored" in every label
    assert ExitCode.IGNORED == 8 and ExitCode(8).label == "ignored"
    assert lrm.ExitCode is ExitCode
