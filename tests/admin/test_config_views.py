"""`ha-manager config`, `groupconfig`, `rules list|config` against spec 05 §3-§4."""

from __future__ import annotations

import pytest

from hasim.admin.cluster import Cluster
from hasim.admin.config_views import (
    ViewRefused,
    config_view,
    groupconfig_view,
    rules_view,
)
from hasim.admin.tables import TableStyle, format_table, locale_is_utf8

ON = {"power": "on", "network": "on"}
HW = {"node1": ON, "node2": ON, "node3": ON}


def cluster(**files) -> Cluster:
    return Cluster({"hardware_status": HW, **files}, sorted(HW))


def test_config_shows_stored_keys_only_and_an_empty_line_after_each():
    conf = {
        "vm:101": {"node": "node1", "state": "stopped"},
        "ct:201": {"node": "node2", "state": "started", "max_restart": 2, "comment": "web frontend", "type": "ct",
                   "name": "201", "lock": "backup"},
    }  # fmt: skip
    view = config_view(cluster(service_config=conf), None)
    assert view.stdout == "ct:201\n\tcomment web frontend\n\tmax_restart 2\n\tstate started\n\nvm:101\n\tstate stopped\n\n"
    assert config_view(cluster(service_config=conf), "vm").stdout == "vm:101\n\tstate stopped\n\n"
    assert config_view(cluster(service_config={"vm:7": {"node": "node1"}}), None).stdout == "vm:7\n\n"
    assert config_view(cluster(service_config={}), None).stdout == ""


def test_config_shows_group_only_while_groups_exist_and_flags_a_missing_one():
    conf = {"vm:101": {"node": "node1", "state": "enabled", "group": "g1"},
            "vm:102": {"node": "node1", "group": "g9"}}  # fmt: skip
    view = config_view(cluster(service_config=conf), None)
    assert view.stdout == "vm:101\n\tstate enabled\n\nvm:102\n\n"  # values as stored; no groups: no group line
    view = config_view(cluster(service_config=conf, groups="group: g1\n\tnodes node1\n"), None)
    assert view.stdout == "vm:101\n\tgroup g1\n\tstate enabled\n\nvm:102\n\tgroup g9\n\n"
    assert view.stderr == "error: property 'group' - group 'g9' does not exist\n"


def test_groupconfig_example_and_refusal_after_migration():
    text = "group: g1\n\tnodes node1:2,node2\n\trestricted 1\n\ngroup: a0\n\tcomment x y\n\tnodes node3\n\tnofailback 0\n"
    assert groupconfig_view(cluster(groups=text)).stdout == (
        "group: a0\n\tcomment x y\n\tnodes node3\n\tnofailback 0\n\ngroup: g1\n\tnodes node1:2,node2\n\trestricted 1\n\n"
    )
    for files in ({}, {"groups": ""}, {"groups": "# only a comment\n"}):
        with pytest.raises(ViewRefused, match="^cannot index groups: ha groups have been migrated to rules$"):
            groupconfig_view(cluster(**files))


SPEC_RULES = (
    "node-affinity: keep-on-1\n\tnodes node1\n\tresources vm:101\n\n"
    "resource-affinity: apart\n\tcomment keep apart\n\tdisable\n\taffinity negative\n\tresources vm:102,vm:101\n"
)
SPEC_CONF = {"vm:101": {"node": "node1"}, "vm:102": {"node": "node2"}}


def test_rules_config_and_list_tables_of_the_spec():
    c = cluster(rules_config=SPEC_RULES, service_config=SPEC_CONF)
    assert rules_view(c, "rules config", {}, utf8=True).stdout == (
        "┌─────────┬────────┬───────────┬───────────────────┬───────────────┬────────────┐\n"
        "│ enabled │ state  │ rule      │ type              │ resources     │ comment    │\n"
        "╞═════════╪════════╪═══════════╪═══════════════════╪═══════════════╪════════════╡\n"
        "│ 0       │ in use │ apart     │ resource-affinity │ vm:101,vm:102 │ keep apart │\n"
        "├─────────┼────────┼───────────┼───────────────────┼───────────────┼────────────┤\n"
        "│ 1       │ in use │ keep-on-1 │ node-affinity     │ vm:101        │            │\n"
        "└─────────┴────────┴───────────┴───────────────────┴───────────────┴────────────┘\n"
    )
    assert rules_view(c, "rules list", {}, utf8=True).stdout == (
        "┌───────────┐\n│ rule      │\n╞═══════════╡\n│ apart     │\n├───────────┤\n│ keep-on-1 │\n└───────────┘\n"
    )


def test_ascii_tables_and_the_one_column_quirk():
    c = cluster(rules_config=SPEC_RULES, service_config=SPEC_CONF)
    assert rules_view(c, "rules list", {}, utf8=False).stdout == (
        "+-----------+\n| rule      |\n+===========\n| apart     |\n+-----------+\n| keep-on-1 |\n+-----------+\n"
    )
    assert format_table(("a", "bb"), [("x", "y")], TableStyle(utf8=False)) == (
        "+---+----+\n| a | bb |\n+===+====+\n| x | y  |\n+---+----+\n"
    )


def test_noborder_noheader_quiet():
    c = cluster(rules_config=SPEC_RULES, service_config=SPEC_CONF)
    assert rules_view(c, "rules config", {"noborder": 1}, utf8=True).stdout == (
        "enabled state  rule      type              resources     comment\n"
        "0       in use apart     resource-affinity vm:101,vm:102 keep apart\n"
        "1       in use keep-on-1 node-affinity     vm:101        \n"
    )
    assert rules_view(c, "rules list", {"noheader": 1}, utf8=True).stdout == (
        "┌───────────┐\n│ apart     │\n├───────────┤\n│ keep-on-1 │\n└───────────┘\n"
    )
    assert rules_view(c, "rules list", {"noheader": 1, "noborder": 1}, utf8=True).stdout == "apart\nkeep-on-1\n"
    assert rules_view(c, "rules config", {"quiet": 1}, utf8=True).stdout == ""
    assert rules_view(cluster(), "rules config", {}, utf8=True).stdout == ""  # no rules: no output at all


def test_multi_line_cells_span_lines():
    assert format_table(("a", "b"), [("x\ny", "z")], TableStyle(border=False)) == "a b\nx z\ny \n"


def test_rules_from_groups_and_conflicts_and_filters():
    rules = "node-affinity: pin\n\tnodes node2\n\tresources vm:101\n\nresource-affinity: pair\n\taffinity positive\n\tresources vm:102,vm:103\n"
    conf = {"vm:101": {"node": "node1", "group": "g1"}, "vm:102": {"node": "node1", "group": "ghost"},
            "vm:103": {"node": "node1"}}  # fmt: skip
    c = cluster(rules_config=rules, groups="group: g1\n\tnodes node1\n\tcomment mine\n", service_config=conf)
    out = rules_view(c, "rules config", {"noborder": 1}, utf8=True).stdout.splitlines()
    assert out == [
        "enabled state               rule           type              resources     comment",
        "1       ignored (conflicts) pin            node-affinity     vm:101        ",
        "1       in use              pair           resource-affinity vm:102,vm:103 ",
        "1       ignored (conflicts) ha-group-g1    node-affinity     vm:101        mine",
        "1       in use              ha-group-ghost node-affinity     vm:102        Generated from HA group 'ghost'.",
    ]
    out = rules_view(c, "rules list", {"noborder": 1, "noheader": 1, "type": "resource-affinity"}, utf8=True)
    assert out.stdout == "pair\n"
    out = rules_view(c, "rules list", {"noborder": 1, "noheader": 1, "resource": "vm:101"}, utf8=True)
    assert out.stdout == "ha-group-g1\npin\n"


@pytest.mark.parametrize(
    "env, utf8",
    [({"LANG": "C.UTF-8"}, True), ({"LANG": "de_DE.utf8"}, True), ({"LANG": "C"}, False), ({}, False),
     ({"LC_ALL": "C", "LANG": "en_US.UTF-8"}, False), ({"LANG": "C", "LC_CTYPE": "C.UTF-8"}, False),
     ({"LANG": "en_US.UTF-8", "LC_CTYPE": "C.UTF-8"}, True), ({"LANG": "en_US.ISO-8859-1"}, False)],
)  # fmt: skip
def test_box_characters_follow_the_locale(env, utf8):
    assert locale_is_utf8(env) is utf8


def test_the_simulation_writes_back_only_what_was_stored(tmp_path):
    """`config` shows what resources.cfg holds: the engine does not persist the read defaults (spec 05 §8)."""
    from hasim.simulation import Simulation
    from hasim.workdir import load_scenario
    from tests.engine.test_batch_cli import POWER_ON, write_scenario

    services = {"vm:101": {"node": "node1", "state": "started", "max_restart": 2},
                "vm:102": {"node": "node2", "state": "started"}}  # fmt: skip
    d = write_scenario(tmp_path / "s", [POWER_ON, ["service vm:101 stopped", "service vm:102 lock"]], services)
    sim = Simulation(load_scenario(d))
    sim.run()
    assert "service 'vm:101': state changed from 'request_stop' to 'stopped'" in sim.log_text()
    assert sim.files["service_config"] == {"vm:101": {"node": "node1", "state": "stopped", "max_restart": 2},
                                           "vm:102": {"node": "node2", "state": "started", "lock": "backup"}}  # fmt: skip
    view = config_view(Cluster(sim.files, sim.nodes), None)
    assert view.stdout == "vm:101\n\tmax_restart 2\n\tstate stopped\n\nvm:102\n\tstate started\n\n"
