"""The real refusals of spec 05 §6.2, row by row, and what accepted writers change (§5)."""

from __future__ import annotations

import pytest

from hasim.admin.cluster import Cluster
from hasim.admin.edits import change
from hasim.admin.motion import motion_notes
from hasim.admin.parameters import parse
from hasim.admin.refusals import refusal
from hasim.admin.requests import HaManagerRequest
from hasim.engine.ha.rules import parse_rules

ON = {"power": "on", "network": "on"}
HW = {"node1": ON, "node2": ON, "node3": {"power": "on", "network": "off"}}
CONF = {
    "vm:101": {"node": "node1", "state": "started"},
    "vm:102": {"node": "node2", "state": "started"},
    "ct:150": {"node": "node2", "state": "started"},
    "vm:103": {"node": "node1", "state": "ignored"},
    "vm:104": {"node": "node1", "state": "started", "group": "g1"},
}
MS = {"service_status": {"vm:102": {"node": "node2", "state": "error"}},
      "node_status": {"node1": "online", "node2": "online", "node3": "online"}}  # fmt: skip
GROUPS = "group: g1\n\tnodes node1\n"
RULES = "node-affinity: r1\n\tnodes node1\n\tresources vm:101\n"


def files(groups: bool = False, **extra):
    base = {"hardware_status": HW, "service_config": CONF, "manager_status": MS, "rules_config": RULES}
    if groups:
        base["groups"] = GROUPS
    return {**base, **extra}


def refused(*argv, groups=False, typed_on=None, **extra):
    return refusal(parse(list(argv)), Cluster(files(groups, **extra), sorted(HW)), typed_on)


@pytest.mark.parametrize(
    "argv, groups, message",
    [
        (["add", "vm:1"], False, "invalid VMID"),
        (["add", "vm:0101"], False, "invalid VMID"),
        (["add", "fa:x1"], False, "invalid VMID 'x1'"),
        (["add", "xx:100"], False, "unknown section type 'xx'"),
        (["add", "107"], False, "unable to detect SID from VMID - VM/CT 107 does not exist"),
        (["set", "107", "--state", "stopped"], False, "unable to detect SID from VMID - VM/CT 107 does not exist"),
        (["add", "101"], False, "create resource failed: resource ID 'vm:101' already defined"),
        (["add", "vm:101"], False, "create resource failed: resource ID 'vm:101' already defined"),
        (["add", "vm:200", "--type", "ct"], False, "types does not match"),
        (["set", "vm:999", "--state", "stopped"], False, "update resources config failed: no such resource 'vm:999'"),
        (["remove", "vm:999"], False, "cannot delete service 'vm:999', not HA managed!"),
        (["migrate", "vm:999", "node2"], False, "resource 'vm:999' is not HA managed"),
        (["relocate", "vm:103", "node2"], False, "resource 'vm:103' is not HA managed"),
        (["crm-command", "stop", "vm:103", "0"], False, "resource 'vm:103' is not HA managed"),
        (["set", "vm:102", "--state", "started"], False, "service 'vm:102' in error state, must be disabled and fixed first"),
        (["set", "vm:102", "--comment", "x"], False, "service 'vm:102' in error state, must be disabled and fixed first"),
        (["migrate", "102", "node1"], False, "service 'vm:102' in error state, must be disabled and fixed first"),
        (["crm-command", "stop", "vm:102", "10"], False, "service 'vm:102' in error state, must be disabled and fixed first"),
        (["crm-command", "node-maintenance", "enable", "node9"], False, "no such cluster node 'node9'"),
        (["add", "vm:200", "--group", "g1"], False, "invalid parameter 'group': ha groups have been migrated to rules"),
        (["set", "vm:101", "--group", "g1"], False, "invalid parameter 'group': ha groups have been migrated to rules"),
        (["set", "vm:101", "--group", "g9"], True, "HA group 'g9' does not exist"),
        (["groupadd", "g2", "--nodes", "node1"], False, "cannot create group: ha groups have been migrated to rules"),
        (["groupset", "g1", "--nodes", "node1"], False, "cannot update group: ha groups have been migrated to rules"),
        (["groupremove", "g1"], False, "cannot delete group: ha groups have been migrated to rules"),
        (["groupadd", "g1", "--nodes", "node1"], True, "create ha group failed: ha group ID 'g1' already defined"),
        (["groupset", "g9", "--restricted", "1"], True, "update ha group failed: no such ha group 'g9'"),
        (["groupremove", "g1"], True, "delete ha group failed: ha group is used by service 'vm:104'"),
        (["rules", "add", "node-affinity", "r2", "--resources", "vm:102", "--nodes", "node1"], True,
         "cannot create ha rule: ha groups have not been migrated yet"),
        (["rules", "set", "node-affinity", "r1", "--nodes", "node2"], True,
         "cannot update ha rule: ha groups have not been migrated yet"),
        (["rules", "add", "node-affinity", "r1", "--resources", "vm:102", "--nodes", "node1"], False,
         "create ha rule failed: HA rule 'r1' already defined"),
        (["rules", "set", "node-affinity", "r9", "--nodes", "node1"], False,
         "update HA rules failed: HA rule 'r9' does not exist"),
        (["rules", "add", "node-affinity", "r2", "--resources", "vm:998,vm:999,vm:102", "--nodes", "node1"], False,
         "create ha rule failed: cannot use unmanaged resource(s) vm:998, vm:999."),
        (["rules", "add", "node-affinity", "r2", "--resources", "vm:102", "--nodes", "node9:2,node1"], False,
         "create ha rule failed: cannot use non-existent node(s) node9."),
        (["rules", "set", "node-affinity", "r1", "--nodes", "node8"], False,
         "update HA rules failed: cannot use non-existent node(s) node8."),
        (["rules", "add", "node-affinity", "r2", "--resources", "vm:102"], False,
         "missing value for required option 'nodes'"),
        (["rules", "add", "resource-affinity", "r2", "--resources", "vm:102,vm:101"], False,
         "missing value for required option 'affinity'"),
        (["rules", "add", "node-affinity", "r2", "--resources", "vm:101", "--nodes", "node2"], False,
         "create ha rule failed: 400 Rule 'r2' is invalid.\n"
         "resources: resource 'vm:101' is already used in another node affinity rule"),
        (["rules", "add", "resource-affinity", "r2", "--resources", "vm:101,vm:102", "--affinity", "positive",
          "--strict", "1"], False, "create ha rule failed: unexpected property 'strict'"),
        (["rules", "set", "node-affinity", "r1", "--affinity", "positive"], False,
         "update HA rules failed: unexpected property 'affinity'"),
        (["rules", "add", "resource-affinity", "r2", "--resources", "vm:101", "--affinity", "positive"], False,
         "create ha rule failed: 400 Rule 'r2' is invalid.\nresources: rule is ineffective as there are less than two resources"),
    ],
)  # fmt: skip
def test_refusal_rows(argv, groups, message):
    assert refused(*argv, groups=groups) == message


@pytest.mark.parametrize(
    "argv",
    [
        ["groupremove", "nosuch"],
        ["rules", "remove", "nosuch"],
        ["migrate", "vm:101", "node9"],  # queued: the CRM says `node not online`
        ["migrate", "vm:101", "node1"],  # queued: the CRM says `already on target node`
        ["add", "vm:200", "--group", "g9"],  # accepted; `config` flags it later
        ["set", "vm:102", "--state", "disabled"],
        ["rules", "add", "node-affinity", "r2", "--resources", "vm:102", "--nodes", "node2:1,node1", "--strict", "1"],
        ["rules", "add", "resource-affinity", "r2", "--resources", "vm:101,vm:102", "--affinity", "negative",
         "--disable", "1"],  # a disabled rule is not checked
    ],
)  # fmt: skip
def test_not_refused(argv):
    assert refused(*argv, groups=argv[0] in ("groupremove", "add")) is None


def test_without_quorum_on_the_typing_node():
    assert refused("add", "vm:200", typed_on="node3") == "cluster not ready - no quorum?"
    assert refused("rules", "add", "node-affinity", "r2", "--resources", "vm:102", "--nodes", "node2",
                   typed_on="node3") == "cluster not ready - no quorum?"  # fmt: skip
    assert refused("set", "vm:101", "--state", "stopped", typed_on="node3") == (
        "update resources config failed: cfs-lock 'domain-ha' error: no quorum!"
    )
    assert refused("migrate", "vm:101", "node2", typed_on="node3") == "cfs-lock 'domain-ha' error: no quorum!"
    assert refused("crm-command", "arm-ha", typed_on="node3") == "cfs-lock 'domain-ha' error: no quorum!"
    assert refused("groupset", "g1", "--nofailback", "1", groups=True, typed_on="node3") == (
        "update ha group failed: cfs-lock 'domain-ha' error: no quorum!"
    )
    assert refused("set", "vm:101", "--state", "stopped", typed_on="node1") is None
    # the configuration checks come first
    assert refused("remove", "vm:999", typed_on="node3") == "cannot delete service 'vm:999', not HA managed!"


def test_disarm_in_ignore_mode_makes_every_resource_unmanaged():
    ms = {**MS, "disarm": {"mode": "ignore", "state": "disarmed"}}
    assert refused("migrate", "vm:101", "node2", manager_status=ms) == "resource 'vm:101' is not HA managed"


def test_a_line_feed_is_refused_as_the_real_writer_refuses_it():
    assert refused("add", "vm:200", "--comment", "a\nb") == "create resource failed: property 'comment' contains a line feed"
    assert refused("rules", "add", "node-affinity", "r2", "--resources", "vm:102", "--nodes", "node1",
                   "--comment", "a\nb") == "create ha rule failed: property 'comment' contains a line feed"  # fmt: skip


def _change(*argv, **extra):
    return change(parse(list(argv)), Cluster(files(**extra), sorted(HW)))


def test_writers_change_files_and_queue_crm_commands():
    assert _change("migrate", "101", "node2").crm_commands == ("migrate vm:101 node2",)
    assert _change("crm-command", "relocate", "vm:101", "node2").crm_commands == ("relocate vm:101 node2",)
    assert _change("crm-command", "stop", "vm:101", "0").crm_commands == ("stop vm:101 0",)
    assert _change("crm-command", "node-maintenance", "disable", "node2").crm_commands == ("disable-node-maintenance node2",)
    assert _change("crm-command", "disarm-ha", "freeze").crm_commands == ("disarm-ha freeze",)
    assert _change("crm-command", "arm-ha").crm_commands == ("arm-ha",)
    added = _change("add", "vm:200", "--node", "node2", "--failback", "no", "--max_relocate", "0")
    assert added.files["service_config"]["vm:200"] == {"node": "node2", "state": "started", "failback": 0,
                                                       "max_relocate": 0}  # fmt: skip
    assert "vm:200" not in CONF  # the input is never modified
    edited = _change("set", "vm:101", "--state", "enabled", "--comment", "hi")
    assert edited.files["service_config"]["vm:101"] == {"node": "node1", "state": "enabled", "comment": "hi"}


def test_remove_purges_the_resource_from_rules_unless_told_not_to():
    rules = RULES + "\nresource-affinity: pair\n\taffinity positive\n\tresources vm:101,vm:102\n"
    purged = _change("remove", "vm:101", rules_config=rules).files["rules_config"]
    assert [(r.id, r.resources) for r in parse_rules(purged)] == [("pair", ("vm:102",))]  # r1 left empty: deleted
    assert "rules_config" not in _change("remove", "vm:101", "--purge", "0", rules_config=rules).files


def test_rules_set_keeps_what_it_does_not_change_and_disable_is_the_keys_presence():
    text = _change("rules", "set", "node-affinity", "r1", "--nodes", "node2:2,node1", "--strict", "1").files["rules_config"]
    [rule] = parse_rules(text)
    assert (dict(rule.nodes), rule.resources, rule.strict) == ({"node1": 0, "node2": 2}, ("vm:101",), True)
    [rule] = parse_rules(_change("rules", "set", "node-affinity", "r1", "--disable", "0").files["rules_config"])
    assert rule.disable  # the CRM reads any `disable` key as disabled (02 §11.1)
    disabled = RULES + "\tdisable 0\n"
    text = _change("rules", "set", "node-affinity", "r1", "--delete", "disable", rules_config=disabled).files["rules_config"]
    [rule] = parse_rules(text)
    assert not rule.disable


def test_a_request_checked_again_when_it_applies():
    request = HaManagerRequest(["add", "vm:200", "--node", "node2"])
    assert request.problem(files(), sorted(HW)) is None
    later = files(service_config={**CONF, "vm:200": {"node": "node1"}})
    assert request.problem(later, sorted(HW)) == "create resource failed: resource ID 'vm:200' already defined"
    assert HaManagerRequest(["status"]).problem(files(), sorted(HW)) == "'ha-manager status' changes nothing"
    assert HaManagerRequest(["add"]).problem(files(), sorted(HW)).startswith("400 not enough arguments")


def test_migrate_notes_for_positive_and_negative_partners():
    rules = ("resource-affinity: with\n\taffinity positive\n\tresources vm:101,ct:150\n\n"
             "resource-affinity: apart\n\taffinity negative\n\tresources vm:101,vm:102\n")  # fmt: skip
    ms = {"node_status": MS["node_status"],
          "service_status": {"ct:150": {"node": "node1", "state": "started"},
                             "vm:102": {"node": "node2", "state": "started"}}}  # fmt: skip
    c = Cluster(files(rules_config=rules, manager_status=ms), sorted(HW))
    notes = motion_notes(parse(["migrate", "vm:101", "node3"]), c)
    assert (notes.stdout, notes.stderr) == (
        "also migrate resource 'ct:150' in positive affinity with resource 'vm:101' to target node 'node3'\n", "")
    notes = motion_notes(parse(["relocate", "vm:101", "node2"]), c)
    assert (notes.stdout, notes.stderr) == ("", "cannot relocate resource 'vm:101' to node 'node2':\n\n"
                                            "- resource 'vm:102' on target node 'node2' in negative affinity with "
                                            "resource 'vm:101'\n")  # fmt: skip
    ms["service_status"]["vm:102"]["target"] = "node3"  # moving away: no longer in the way
    assert motion_notes(parse(["relocate", "vm:101", "node2"]), c).stderr == ""
    assert motion_notes(parse(["crm-command", "stop", "vm:101", "0"]), c).stdout == ""


def test_groupset_changes_and_deletes_keys():
    groups = "group: g1\n\tcomment old\n\tnodes node1\n\trestricted 1\n"
    text = _change("groupset", "g1", "--nofailback", "1", "--delete", "comment,restricted", groups=groups).files["groups"]
    assert text == "group: g1\n\tnodes node1\n\tnofailback 1\n\n"
    assert _change("groupremove", "g1", groups=groups).files["groups"] == ""
