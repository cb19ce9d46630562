"""HA rules (spec 02 §11): reading, feasibility checks, transforms, compilation
and the affinity helpers used by node selection."""

import json
import os
import re
from pathlib import Path

import pytest

from hasim.engine.ha.groups import groups_to_rules, parse_groups
from hasim.engine.ha.rules import (
    CompiledRules,
    Rule,
    check_and_transform,
    compile_rules,
    connected_positive_sets,
    format_rules,
    node_affinity,
    parse_rules,
    resource_affinity,
    validate_rule_text,
)

NODES = ["node1", "node2", "node3"]


def node_rule(rid, resources, nodes, strict=False, **kw):
    return Rule("node-affinity", rid, resources=resources, nodes=nodes, strict=strict, **kw)


def positive(rid, resources, **kw):
    return Rule("resource-affinity", rid, resources=resources, affinity="positive", **kw)


def negative(rid, resources, **kw):
    return Rule("resource-affinity", rid, resources=resources, affinity="negative", **kw)


def drops(rules, nodes=NODES):
    return check_and_transform(rules, nodes)[1]


def ids(rules):
    return [r.id for r in rules]


# ---------------------------------------------------------------------------
# reading rules_config (§11.1)


def test_node_affinity_rule_from_test_basic5():
    text = "node-affinity: vm101-should-be-on-node1\n\tnodes node1\n\tresources vm:101\n"
    assert parse_rules(text) == [
        node_rule("vm101-should-be-on-node1", ["vm:101"], {"node1": 0}, order=1)
    ]


def test_resource_affinity_rule_reads_its_affinity():
    text = "resource-affinity: keep-apart\n\tresources vm:101,vm:103\n\taffinity negative\n"
    assert parse_rules(text) == [negative("keep-apart", ["vm:101", "vm:103"])]


def test_node_priorities_default_to_zero():
    [rule] = parse_rules("node-affinity: r1\n\tnodes node2:2,node3,node1:10\n\tresources vm:1\n")
    assert dict(rule.nodes) == {"node1": 10, "node2": 2, "node3": 0}


def test_a_node_listed_twice_keeps_its_last_priority():
    [rule] = parse_rules("node-affinity: r1\n\tnodes node1:3,node1:1\n\tresources vm:1\n")
    assert dict(rule.nodes) == {"node1": 1}


def test_resources_are_split_on_commas_semicolons_and_blanks_then_sorted():
    [rule] = parse_rules(
        "resource-affinity: r1\n\tresources vm:103;ct:102 vm:101,vm:103\n\taffinity positive\n"
    )
    assert rule.resources == ("ct:102", "vm:101", "vm:103")


def test_one_malformed_resource_entry_drops_the_whole_rule():
    text = (
        "resource-affinity: bad\n\tresources vm:101,101\n\taffinity positive\n\n"
        "resource-affinity: upper\n\tresources VM:101,vm:102\n\taffinity positive\n\n"
        "resource-affinity: good\n\tresources vm:101,vm:102\n\taffinity positive\n"
    )
    assert ids(parse_rules(text)) == ["good"]


def test_one_malformed_node_entry_drops_the_whole_rule():
    text = (
        "node-affinity: bad-prio\n\tnodes node1:x\n\tresources vm:1\n\n"
        "node-affinity: negative-prio\n\tnodes node1:-1\n\tresources vm:1\n\n"
        "node-affinity: good\n\tnodes node1:1\n\tresources vm:1\n"
    )
    assert ids(parse_rules(text)) == ["good"]


def test_rules_missing_a_required_property_are_dropped():
    text = (
        "node-affinity: no-nodes\n\tresources vm:1\n\n"
        "node-affinity: no-resources\n\tnodes node1\n\n"
        "resource-affinity: no-affinity\n\tresources vm:1,vm:2\n\n"
        "resource-affinity: bad-affinity\n\tresources vm:1,vm:2\n\taffinity Positive\n"
    )
    assert parse_rules(text) == []


def test_sections_of_unknown_type_are_skipped():
    text = "group: g1\n\tnodes node1\n\tresources vm:1\n\nlocation: r1\n\tresources vm:1\n"
    assert parse_rules(text) == []


def test_any_valid_disable_key_disables_the_rule_even_with_value_zero():
    text = (
        "resource-affinity: d-one\n\tresources vm:1,vm:2\n\taffinity positive\n\tdisable 1\n\n"
        "resource-affinity: d-zero\n\tresources vm:1,vm:2\n\taffinity positive\n\tdisable 0\n\n"
        "resource-affinity: d-bare\n\tresources vm:1,vm:2\n\taffinity positive\n\tdisable\n\n"
        "resource-affinity: d-yes\n\tresources vm:1,vm:2\n\taffinity positive\n\tdisable yes\n"
    )
    # "yes" fails the boolean check, so that key counts as absent
    assert [(r.id, r.disable) for r in parse_rules(text)] == [
        ("d-one", True),
        ("d-zero", True),
        ("d-bare", True),
        ("d-yes", False),
    ]


def test_strict_defaults_to_false_and_accepts_only_zero_or_one():
    text = (
        "node-affinity: plain\n\tnodes node1\n\tresources vm:1\n\n"
        "node-affinity: bare\n\tnodes node1\n\tresources vm:2\n\tstrict\n\n"
        "node-affinity: yes\n\tnodes node1\n\tresources vm:3\n\tstrict yes\n"
    )
    assert [(r.id, r.strict) for r in parse_rules(text)] == [
        ("plain", False),
        ("bare", True),
        ("yes", False),
    ]


def test_the_first_valid_occurrence_of_a_repeated_key_wins():
    text = "node-affinity: r1\n\tnodes node1:x\n\tnodes node2\n\tnodes node3\n\tresources vm:1\n"
    [rule] = parse_rules(text)
    assert dict(rule.nodes) == {"node2": 0}


def test_keys_of_the_other_rule_type_are_ignored():
    text = "resource-affinity: r1\n\tresources vm:1,vm:2\n\taffinity positive\n\tstrict 1\n\tnodes node1\n"
    [rule] = parse_rules(text)
    assert (rule.strict, dict(rule.nodes)) == (False, {})


def test_a_rule_id_defined_twice_keeps_the_later_section():
    text = (
        "node-affinity: r1\n\tnodes node1\n\tresources vm:1\n\n"
        "node-affinity: r1\n\tnodes node2\n\tresources vm:2\n"
    )
    [rule] = parse_rules(text)
    assert (rule.resources, rule.order) == (("vm:2",), 2)


def test_an_all_separator_list_is_an_empty_but_valid_list():
    [rule] = parse_rules("node-affinity: r1\n\tnodes ,\n\tresources ;\n")
    assert (rule.resources, dict(rule.nodes)) == ((), {})


def test_comment_is_kept():
    [rule] = parse_rules("node-affinity: r1\n\tnodes n1\n\tresources vm:1\n\tcomment keep it here\n")
    assert rule.comment == "keep it here"


def test_parse_never_raises_on_garbage():
    for text in ["", "\x00\xff", ":\n\t:\n", "node-affinity:\n", "a: b c\n\tresources\n", "\r\n" * 3]:
        assert parse_rules(text) == []


def test_format_rules_reads_back_to_equal_rules():
    rules = [
        node_rule("na", ["vm:2", "vm:1"], {"node1": 2, "node2": 0}, strict=True, comment="c c"),
        node_rule("na-loose", ["ct:5"], {"node3": 1}, disable=True),
        positive("together", ["vm:1", "vm:2"]),
        negative("apart", ["vm:1", "vm:3"], disable=True, comment="x"),
        node_rule("empty", [], {}),
    ]
    text = format_rules(rules)
    assert parse_rules(text) == rules
    assert text.startswith(
        "node-affinity: na\n\tcomment c c\n\tnodes node1:2,node2\n\tresources vm:1,vm:2\n\tstrict 1\n\n"
    )


def test_validate_rule_text_names_every_dropped_section():
    text = (
        "node-affinity: 9bad\n\tnodes n1\n\tresources vm:1\n\n"
        "colocation: odd\n\tresources vm:1\n\n"
        "node-affinity: no-nodes\n\tresources vm:1\n\n"
        "node-affinity: bad-res\n\tnodes n1\n\tresources vm:1,x\n\n"
        "node-affinity: fine\n\tnodes n1\n\tresources vm:1\n"
    )
    assert validate_rule_text(text) == [
        "rules_config: rule '9bad': invalid id, it must start with a letter and contain only "
        "letters, digits, '-' and '_' (line 1)",
        "rules_config: rule 'odd': unknown rule type 'colocation' (line 5)",
        "rules_config: rule 'no-nodes': missing required property 'nodes' (line 8)",
        "rules_config: rule 'bad-res': invalid value for 'resources': "
        "value 'x' does not look like a valid ha resource id (line 11)",
    ]
    assert validate_rule_text("node-affinity: fine\n\tnodes n1\n\tresources vm:1\n") == []


# ---------------------------------------------------------------------------
# feasibility checks (§11.4)


def test_a_service_in_two_node_affinity_rules_drops_both_once_per_service():
    rules = [
        node_rule("first", ["vm:101", "vm:102"], {"node1": 0}),
        node_rule("second", ["vm:101", "vm:102", "vm:103"], {"node2": 0}),
        node_rule("third", ["vm:104"], {"node3": 0}),
    ]
    kept, messages = check_and_transform(rules, NODES)
    assert messages == [
        "Drop rule 'first', because resource 'vm:101' is already used in another node affinity rule.",
        "Drop rule 'first', because resource 'vm:102' is already used in another node affinity rule.",
        "Drop rule 'second', because resource 'vm:101' is already used in another node affinity rule.",
        "Drop rule 'second', because resource 'vm:102' is already used in another node affinity rule.",
    ]
    assert ids(kept) == ["third"]


def test_a_resource_affinity_rule_needs_two_resources():
    assert drops([positive("lonely", ["vm:101"]), negative("alone", ["vm:102"])]) == [
        "Drop rule 'alone', because rule is ineffective as there are less than two resources.",
        "Drop rule 'lonely', because rule is ineffective as there are less than two resources.",
    ]


def test_a_negative_rule_may_not_keep_apart_more_services_than_there_are_nodes():
    rules = [negative("four", ["vm:1", "vm:2", "vm:3", "vm:4"]), negative("three", ["vm:5", "vm:6", "vm:7"])]
    assert drops(rules, NODES) == [
        "Drop rule 'four', because rule defines more resources than available nodes."
    ]


def test_two_negative_rules_against_one_positive_rule_print_it_twice():
    # the spec's example: stick-together1 conflicts with two negative rules
    rules = [
        positive("stick-together1", ["vm:101", "vm:102", "vm:103"]),
        negative("keep-apart1", ["vm:101", "vm:102"]),
        negative("keep-apart2", ["vm:102", "vm:103"]),
    ]
    kept, messages = check_and_transform(rules, NODES)
    assert messages == [
        "Drop rule 'keep-apart1', because rule shares two or more resources with a positive resource affinity rule.",
        "Drop rule 'keep-apart2', because rule shares two or more resources with a positive resource affinity rule.",
        "Drop rule 'stick-together1', because rule shares two or more resources with a negative resource affinity rule.",
        "Drop rule 'stick-together1', because rule shares two or more resources with a negative resource affinity rule.",
    ]
    assert kept == []


def test_positive_negative_conflict_is_judged_on_the_connected_positive_set():
    # neither positive rule alone shares two services with `apart`, their set does
    rules = [
        positive("p1", ["vm:1", "vm:2"]),
        positive("p2", ["vm:2", "vm:3"]),
        negative("apart", ["vm:1", "vm:3"]),
    ]
    assert drops(rules) == [
        "Drop rule 'apart', because rule shares two or more resources with a positive resource affinity rule.",
        "Drop rule 'p1', because rule shares two or more resources with a negative resource affinity rule.",
        "Drop rule 'p2', because rule shares two or more resources with a negative resource affinity rule.",
    ]


def test_sharing_one_service_with_a_positive_rule_is_fine():
    rules = [positive("p", ["vm:1", "vm:2"]), negative("n", ["vm:2", "vm:3"])]
    assert drops(rules) == []


def test_resource_affinity_with_a_prioritised_node_affinity_drops_all_involved():
    rules = [
        positive("together", ["vm:1", "vm:2"]),
        node_rule("prio", ["vm:1"], {"node1": 2, "node2": 1}),
        node_rule("flat", ["vm:9", "vm:2"], {"node1": 1, "node3": 1}),
    ]
    # `flat` has one priority but is collected with `prio`, so it goes too;
    # it also shares the positive set with `prio` (check 6)
    assert drops(rules) == [
        "Drop rule 'flat', because resources are in a resource affinity rule and cannot be in a node affinity rule with multiple priorities.",
        "Drop rule 'flat', because at least one resource is in a positive resource affinity rule and there are other resources in at least one other node affinity rule already.",
        "Drop rule 'prio', because resources are in a resource affinity rule and cannot be in a node affinity rule with multiple priorities.",
        "Drop rule 'prio', because at least one resource is in a positive resource affinity rule and there are other resources in at least one other node affinity rule already.",
        "Drop rule 'together', because resources are in node affinity rules with multiple priorities.",
        "Drop rule 'together', because resources are in multiple node affinity rules.",
    ]


def test_a_node_rule_in_two_resource_affinity_rules_gets_the_message_twice():
    rules = [
        negative("apart", ["vm:1", "vm:2"]),
        negative("apart-too", ["vm:1", "vm:3"]),
        node_rule("prio", ["vm:1"], {"node1": 2, "node2": 1, "node3": 0}),
    ]
    assert drops(rules) == [
        "Drop rule 'apart', because resources are in node affinity rules with multiple priorities.",
        "Drop rule 'apart-too', because resources are in node affinity rules with multiple priorities.",
        "Drop rule 'prio', because resources are in a resource affinity rule and cannot be in a node affinity rule with multiple priorities.",
        "Drop rule 'prio', because resources are in a resource affinity rule and cannot be in a node affinity rule with multiple priorities.",
    ]


def test_a_positive_set_may_follow_only_one_node_affinity_rule():
    rules = [
        positive("together", ["vm:1", "vm:2"]),
        node_rule("on-1", ["vm:1"], {"node1": 0}),
        node_rule("on-2", ["vm:2"], {"node2": 0}),
    ]
    assert drops(rules) == [
        "Drop rule 'on-1', because at least one resource is in a positive resource affinity rule and there are other resources in at least one other node affinity rule already.",
        "Drop rule 'on-2', because at least one resource is in a positive resource affinity rule and there are other resources in at least one other node affinity rule already.",
        "Drop rule 'together', because resources are in multiple node affinity rules.",
    ]


def test_services_kept_apart_need_as_many_allowed_nodes_as_they_are():
    rules = [
        negative("apart", ["vm:1", "vm:2", "vm:3"]),
        node_rule("both-on-1", ["vm:1", "vm:2"], {"node1": 0}),  # non-strict counts too
    ]
    assert drops(rules) == [
        "Drop rule 'apart', because two or more resources are restricted to less nodes than available to the resources.",
        "Drop rule 'both-on-1', because at least one resource is in a negative resource affinity rule and this rule would restrict these to less nodes than available to the resources.",
    ]
    # two located services on two allowed nodes are fine
    rules[1] = node_rule("both-on-1", ["vm:1", "vm:2"], {"node1": 0, "node2": 0})
    assert drops(rules) == []


def test_all_checks_see_the_unmodified_rules_and_messages_keep_check_order():
    # `a` and `b` are dropped by check 1, yet still count for check 6
    rules = [
        positive("together", ["vm:1", "vm:2"]),
        node_rule("a", ["vm:1"], {"node1": 0}),
        node_rule("b", ["vm:1", "vm:2"], {"node2": 0}),
    ]
    multi = "at least one resource is in a positive resource affinity rule and there are other resources in at least one other node affinity rule already"
    assert drops(rules) == [
        "Drop rule 'a', because resource 'vm:1' is already used in another node affinity rule.",
        f"Drop rule 'a', because {multi}.",
        "Drop rule 'b', because resource 'vm:1' is already used in another node affinity rule.",
        f"Drop rule 'b', because {multi}.",
        "Drop rule 'together', because resources are in multiple node affinity rules.",
    ]


def test_drop_lines_are_sorted_by_rule_id_bytewise():
    rules = [positive("b-rule", ["vm:1"]), positive("B-rule", ["vm:2"]), positive("a-rule", ["vm:3"])]
    assert [m.split("'")[1] for m in drops(rules)] == ["B-rule", "a-rule", "b-rule"]


def test_disabled_rules_take_no_part_in_checks_and_are_not_returned():
    rules = [
        node_rule("on", ["vm:1"], {"node1": 0}),
        node_rule("off", ["vm:1"], {"node2": 0}, disable=True),
    ]
    kept, messages = check_and_transform(rules, NODES)
    assert (ids(kept), messages) == (["on"], [])


def test_a_later_rule_with_the_same_id_replaces_the_earlier():
    # a generated ha-group-<g> rule appended after the file's rules wins
    rules = [
        node_rule("ha-group-g", ["vm:1"], {"node1": 0}, disable=True),
        node_rule("ha-group-g", ["vm:2"], {"node2": 0}),
    ]
    kept, messages = check_and_transform(rules, NODES)
    assert kept == [node_rule("ha-group-g", ["vm:2"], {"node2": 0})]


# ---------------------------------------------------------------------------
# connected positive sets (§11.6) and transforms (§11.5)


def test_connected_sets_walk_rules_by_smallest_service_then_id():
    rules = [positive("zeta", ["vm:101", "vm:102"]), positive("alpha", ["vm:102", "vm:103"])]
    [(members, resources)] = connected_positive_sets(rules)
    assert ids(members) == ["zeta", "alpha"]
    assert resources == {"vm:101", "vm:102", "vm:103"}


def test_a_rule_bridging_two_sets_joins_only_the_first():
    p1 = positive("p1", ["vm:1", "vm:9"])
    p2 = positive("p2", ["vm:3", "vm:4"])
    p3 = positive("p3", ["vm:4", "vm:9"])  # shares vm:9 with p1 and vm:4 with p2
    sets = connected_positive_sets([p3, p2, p1])
    assert [ids(m) for m, _ in sets] == [["p1", "p3"], ["p2"]]
    kept, _ = check_and_transform([p1, p2, p3], NODES)
    assert kept == [
        positive("_merged-p1-p3", ["vm:1", "vm:4", "vm:9"]),
        positive("p2", ["vm:3", "vm:4"]),
    ]


def test_connected_positive_rules_merge_into_one():
    rules = [positive("zeta", ["vm:101", "vm:102"]), positive("alpha", ["vm:102", "vm:103"])]
    kept, messages = check_and_transform(rules, NODES)
    assert messages == []
    assert kept == [positive("_merged-zeta-alpha", ["vm:101", "vm:102", "vm:103"])]


def test_members_of_a_positive_rule_inherit_each_others_negative_partners():
    rules = [positive("p", ["vm:1", "vm:2", "vm:3"]), negative("n", ["vm:1", "vm:9"])]
    kept, _ = check_and_transform(rules, NODES)
    assert kept == [
        negative("_implicit-negative-p-vm:2-vm:9", ["vm:2", "vm:9"]),
        negative("_implicit-negative-p-vm:3-vm:9", ["vm:3", "vm:9"]),
        negative("n", ["vm:1", "vm:9"]),
        positive("p", ["vm:1", "vm:2", "vm:3"]),
    ]


def test_implicit_negative_rules_are_named_after_the_merged_rule():
    rules = [
        positive("p1", ["vm:1", "vm:2"]),
        positive("p2", ["vm:2", "vm:3"]),
        negative("n", ["vm:3", "vm:9"]),
    ]
    kept, _ = check_and_transform(rules, NODES)
    assert ids(kept) == [
        "_implicit-negative-_merged-p1-p2-vm:1-vm:9",
        "_implicit-negative-_merged-p1-p2-vm:2-vm:9",
        "_merged-p1-p2",
        "n",
    ]


def test_a_positive_set_shares_the_node_affinity_of_its_members():
    rules = [positive("p", ["vm:1", "vm:2"]), node_rule("home", ["vm:1"], {"node1": 0}, strict=True)]
    kept, _ = check_and_transform(rules, NODES)
    assert kept == [
        node_rule("home", ["vm:1", "vm:2"], {"node1": 0}, strict=True),
        positive("p", ["vm:1", "vm:2"]),
    ]


# ---------------------------------------------------------------------------
# compilation (§11.7)


def test_strict_node_affinity_allows_only_the_listed_nodes():
    compiled = compile_rules([node_rule("r", ["vm:1"], {"node1": 1}, strict=True)], NODES)
    assert compiled.node_affinity == {"vm:1": {"node1": 1}}


def test_non_strict_node_affinity_adds_the_other_cluster_nodes_below_every_listed_one():
    compiled = compile_rules([node_rule("r", ["vm:1", "vm:2"], {"node2": 0})], NODES)
    assert compiled.node_affinity == {
        "vm:1": {"node1": -1, "node2": 0, "node3": -1},
        "vm:2": {"node1": -1, "node2": 0, "node3": -1},
    }


def test_resource_affinity_compiles_to_partner_sets():
    compiled = compile_rules(
        [
            positive("p", ["vm:1", "vm:2", "vm:3"]),
            negative("n1", ["vm:1", "vm:4"]),
            negative("n2", ["vm:1", "vm:5"]),
        ],
        NODES,
    )
    assert compiled.positive == {
        "vm:1": frozenset({"vm:2", "vm:3"}),
        "vm:2": frozenset({"vm:1", "vm:3"}),
        "vm:3": frozenset({"vm:1", "vm:2"}),
    }
    assert compiled.negative == {
        "vm:1": frozenset({"vm:4", "vm:5"}),
        "vm:4": frozenset({"vm:1"}),
        "vm:5": frozenset({"vm:1"}),
    }


def test_disabled_rules_are_not_compiled():
    compiled = compile_rules([node_rule("r", ["vm:1"], {"node1": 0}, disable=True)], NODES)
    assert compiled == CompiledRules()


# ---------------------------------------------------------------------------
# affinity helpers (§11.8)


def test_a_service_without_node_affinity_may_run_on_every_online_node():
    assert node_affinity(CompiledRules(), "vm:1", ["node1", "node3"]) == (
        {"node1", "node3"},
        {"node1", "node3"},
    )


def test_preferred_nodes_are_the_online_allowed_ones_of_highest_priority():
    compiled = CompiledRules(node_affinity={"vm:1": {"node1": 2, "node2": 1, "node3": 1, "node4": -1}})
    assert node_affinity(compiled, "vm:1", ["node2", "node3", "node4"]) == (
        {"node2", "node3", "node4"},
        {"node2", "node3"},
    )


def test_priorities_compare_numerically():
    compiled = CompiledRules(node_affinity={"vm:1": {"node1": 10, "node2": 9}})
    assert node_affinity(compiled, "vm:1", ["node1", "node2"])[1] == {"node1"}


def test_strict_rule_without_online_member_leaves_no_node():
    compiled = CompiledRules(node_affinity={"vm:1": {"node1": 0}})
    assert node_affinity(compiled, "vm:1", ["node2", "node3"]) == (set(), set())


def test_together_counts_where_positive_partners_are_or_are_heading():
    compiled = CompiledRules(
        positive={"vm:1": frozenset({"vm:2", "vm:3", "vm:4", "vm:5", "vm:6", "vm:7"})}
    )
    status = {
        "vm:2": {"state": "started", "node": "node1"},
        "vm:3": {"state": "migrate", "node": "node1", "target": "node2"},  # only its target counts
        "vm:4": {"state": "stopped", "node": "node1"},  # placed nowhere
        "vm:5": {"state": "request_start", "node": "node1"},  # placed nowhere
        "vm:6": {"state": "started", "node": "node3"},  # node3 is offline
        # vm:7 has no status entry
    }
    together, separate = resource_affinity(compiled, "vm:1", status, ["node1", "node2"])
    assert together == {"node1": 1, "node2": 1}
    assert separate == set()


def test_separate_is_every_node_a_negative_partner_occupies_or_heads_to():
    compiled = CompiledRules(negative={"vm:1": frozenset({"vm:2", "vm:3"})})
    status = {
        "vm:2": {"state": "relocate", "node": "node1", "target": "node2"},
        "vm:3": {"state": "request_start_balance", "node": "node3", "target": "node3"},
    }
    together, separate = resource_affinity(compiled, "vm:1", status, NODES)
    assert together == {}
    assert separate == {"node1", "node2", "node3"}


# ---------------------------------------------------------------------------
# every shape found in the shared scenarios

SHARED = Path(os.environ.get("HASIM_SHARED", Path(__file__).resolve().parents[3] / "shared"))
SCENARIOS = sorted(
    d for d in SHARED.glob("*/*") if (d / "rules_config").exists() or (d / "groups").exists()
)


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


@pytest.mark.skipif(not SCENARIOS, reason="shared scenarios not available")
def test_every_shared_rules_file_parses_completely():
    for path in sorted(SHARED.glob("*/*/rules_config")):
        text = path.read_text()
        headers = re.findall(r"^\S+:", text, re.M)
        assert validate_rule_text(text) == [], path
        assert len(parse_rules(text)) == len(headers), path
        assert parse_rules(format_rules(parse_rules(text))) == parse_rules(text), path


@pytest.mark.skipif(not SCENARIOS, reason="shared scenarios not available")
def test_drop_messages_match_the_first_recompilation_of_every_shared_scenario():
    """Compare with the real logs: the first block of ``Drop rule`` lines, with
    the node list the master had then (preset node status plus every node
    whose state change was logged before); no block means no message even
    with all nodes."""
    for d in SCENARIOS:
        log = _read(d / "log.expect").splitlines()
        services = json.loads(_read(d / "service_config"))
        manager = json.loads(_read(d / "manager_status") or "{}")
        rules = parse_rules(_read(d / "rules_config"))
        rules += groups_to_rules(parse_groups(_read(d / "groups")), services)
        lines = [(i, line) for i, line in enumerate(log) if "Drop rule" in line]
        if lines:
            first, stamp = lines[0][0], lines[0][1].split()[1]
            expected = [line.split(": ", 1)[1] for _, line in lines if line.split()[1] == stamp]
            nodes = set(manager.get("node_status", {}))
            for line in log[:first]:
                match = re.search(r"node '([^']+)': state changed from", line)
                if match:
                    nodes.add(match.group(1))
        else:
            expected = []
            nodes = set(json.loads(_read(d / "hardware_status")))
        assert check_and_transform(rules, sorted(nodes))[1] == expected, d
