"""Legacy HA groups (spec 02 §12): reading, failback translation, generated
node-affinity rules, and the version gate of the migration."""

import os
from pathlib import Path

import pytest

from hasim.engine.ha.groups import (
    Group,
    group_failback,
    groups_to_rules,
    parse_groups,
    validate_group_text,
    version_at_least,
    with_referenced,
)
from hasim.engine.ha.rules import Rule, check_and_transform, format_rules, parse_rules

SHARED = Path(os.environ.get("HASIM_SHARED", Path(__file__).resolve().parents[3] / "shared"))

# the groups file of test-group-migrate1
MIGRATE1 = "group: group1\n\tnodes node1\n\trestricted 1\n\ngroup: group2\n\tnodes node2:2,node3\n\tnofailback 1\n"


def test_groups_file_of_test_group_migrate1():
    assert parse_groups(MIGRATE1) == {
        "group1": Group("group1", {"node1": 0}, restricted=True),
        "group2": Group("group2", {"node2": 2, "node3": 0}, nofailback=True),
    }


def test_a_missing_groups_file_reads_as_no_groups():
    assert parse_groups("") == {}


def test_a_group_needs_a_valid_nodes_list():
    text = (
        "group: none\n\trestricted 1\n\n"
        "group: bad\n\tnodes node1:high\n\n"
        "node-affinity: other\n\tnodes node1\n\n"
        "group: good\n\tnodes node1\n\tcomment my group\n"
    )
    assert parse_groups(text) == {"good": Group("good", {"node1": 0}, comment="my group")}
    assert validate_group_text(text) == [
        "groups: group 'none': missing required property 'nodes' (line 1)",
        "groups: group 'bad': invalid value for 'nodes': value 'node1:high' does not look like "
        "a valid ha group node (line 4)",
        "groups: group 'other': unknown section type 'node-affinity' (line 7)",
    ]


def test_group_booleans_accept_only_zero_or_one():
    groups = parse_groups("group: g1\n\tnodes n1\n\trestricted yes\n\tnofailback\n")
    assert (groups["g1"].restricted, groups["g1"].nofailback) == (False, True)


def test_every_shared_groups_file_parses_completely():
    paths = sorted(SHARED.glob("*/*/groups"))
    if not paths:
        pytest.skip("shared scenarios not available")
    for path in paths:
        text = path.read_text()
        assert validate_group_text(text) == [], path
        assert len(parse_groups(text)) == text.count("group:"), path


# ---------------------------------------------------------------------------
# failback translation (§12.2)

SERVICES = {
    "vm:101": {"node": "node1", "state": "started", "group": "group1"},
    "vm:102": {"node": "node2", "state": "started", "group": "group2", "failback": 1},
    "vm:103": {"node": "node3", "state": "started", "group": "group2"},
    "vm:104": {"node": "node3", "state": "started", "group": "nosuchgroup", "failback": 0},
    "vm:105": {"node": "node3", "state": "started", "failback": 0},
}


def test_grouped_services_fail_back_unless_their_group_says_nofailback():
    # the group's value overrides the service's own; a missing group fails back
    assert group_failback(parse_groups(MIGRATE1), SERVICES) == {
        "vm:101": 1,
        "vm:102": 0,
        "vm:103": 0,
        "vm:104": 1,
    }


def test_an_empty_group_name_is_no_group():
    services = {"vm:1": {"node": "n1", "group": ""}}
    assert group_failback(parse_groups(MIGRATE1), services) == {}
    assert groups_to_rules(parse_groups(MIGRATE1), services) == []


# ---------------------------------------------------------------------------
# groups as node-affinity rules (§12.2)


def test_each_referenced_group_becomes_an_ha_group_rule():
    assert groups_to_rules(parse_groups(MIGRATE1), SERVICES) == [
        Rule(
            "node-affinity",
            "ha-group-group1",
            resources=("vm:101",),
            nodes={"node1": 0},
            strict=True,
            comment="Generated from HA group 'group1'.",
        ),
        Rule(
            "node-affinity",
            "ha-group-group2",
            resources=("vm:102", "vm:103"),
            nodes={"node2": 2, "node3": 0},
            strict=False,
            comment="Generated from HA group 'group2'.",
        ),
        # vm:104 names a group that does not exist: the real failback read
        # autovivifies an empty entry, which the migration turns into a rule
        # with no nodes (pve-ha-manager 5.2.0)
        Rule(
            "node-affinity",
            "ha-group-nosuchgroup",
            resources=("vm:104",),
            nodes={},
            strict=False,
            comment="Generated from HA group 'nosuchgroup'.",
        ),
    ]


def test_the_persistent_migration_sees_only_groups_that_exist():
    rules = groups_to_rules(parse_groups(MIGRATE1), SERVICES, missing=False)
    assert [r.id for r in rules] == ["ha-group-group1", "ha-group-group2"]


def test_without_a_groups_file_every_referenced_group_becomes_an_empty_rule():
    services = {"vm:1": {"node": "n1", "group": "b"}, "vm:2": {"node": "n2", "group": "a"},
                "vm:3": {"node": "n2", "group": "a"}, "vm:4": {"node": "n2", "group": "0"}}  # fmt: skip
    assert with_referenced({}, services) == {"a": Group("a"), "b": Group("b")}
    rules = groups_to_rules(parse_groups(""), services)
    assert [(r.id, r.resources, dict(r.nodes), r.strict, r.comment) for r in rules] == [
        ("ha-group-a", ("vm:2", "vm:3"), {}, False, "Generated from HA group 'a'."),
        ("ha-group-b", ("vm:1",), {}, False, "Generated from HA group 'b'."),
    ]
    assert group_failback({}, services) == {"vm:1": 1, "vm:2": 1, "vm:3": 1}


def test_unreferenced_groups_make_no_rule_and_the_group_comment_is_kept():
    groups = parse_groups("group: used\n\tnodes n1\n\tcomment hand made\n\ngroup: idle\n\tnodes n2\n")
    [rule] = groups_to_rules(groups, {"vm:1": {"node": "n1", "group": "used"}})
    assert (rule.id, rule.comment) == ("ha-group-used", "hand made")


def test_group_rules_take_part_in_the_checks():
    # vm:101 is in a user rule and in group1's rule: both are dropped
    user = parse_rules("node-affinity: mine\n\tnodes node2\n\tresources vm:101\n")
    rules = user + groups_to_rules(parse_groups(MIGRATE1), SERVICES)
    kept, messages = check_and_transform(rules, ["node1", "node2", "node3"])
    assert messages == [
        "Drop rule 'ha-group-group1', because resource 'vm:101' is already used in another node affinity rule.",
        "Drop rule 'mine', because resource 'vm:101' is already used in another node affinity rule.",
    ]
    assert [r.id for r in kept] == ["ha-group-group2", "ha-group-nosuchgroup"]


def test_the_migrated_rules_file_reads_back_with_the_group_rules():
    user = parse_rules("resource-affinity: apart\n\tresources vm:101,vm:102\n\taffinity negative\n")
    generated = groups_to_rules(parse_groups(MIGRATE1), SERVICES, missing=False)
    text = format_rules(user + generated)
    assert parse_rules(text) == user + generated
    assert text.endswith(
        "node-affinity: ha-group-group2\n"
        "\tcomment Generated from HA group 'group2'.\n"
        "\tnodes node2:2,node3\n"
        "\tresources vm:102,vm:103\n\n"
    )


# ---------------------------------------------------------------------------
# the version gate of the migration (§12.3)


@pytest.mark.parametrize("version", ["9.0.0~16", "9.0.0~17", "9.0.0", "9.0.1", "9.1.2", "10.0.0~1"])
def test_versions_from_9_0_0_rev_16_on_may_migrate(version):
    assert version_at_least(version, "9.0.0~16")


@pytest.mark.parametrize("version", ["8.4.1", "7.4-4", "9.0.0~15", "9.0.0~2", "", "nine", "9.0"])
def test_older_or_unreadable_versions_may_not_migrate(version):
    assert not version_at_least(version, "9.0.0~16")


def test_version_parts_compare_numerically():
    assert version_at_least("9.0.10", "9.0.9")
    assert not version_at_least("9.0.0~9", "9.0.0~10")
