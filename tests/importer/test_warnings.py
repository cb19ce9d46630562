"""Every warning code of spec 04 §13 from a hand-made odd copy: the import
goes ahead, says what it did, and the written files show it."""

from __future__ import annotations

import json
import shutil

import pytest

from hasim.simulation import Simulation
from hasim.workdir import load_scenario
from tests.importer.support import (
    COROSYNC,
    DATACENTER,
    GROUPS_CFG,
    MANAGER_STATUS,
    PVE,
    RESOURCES_CFG,
    RULES_CFG,
    VM100,
    codes,
    edit,
    edit_json,
    run,
    with_code,
)


def warned(src, tmp_path, code, **options):
    """Import; it must succeed with `code` among its warnings."""
    dst = tmp_path / "out"
    result = run(src, dst, **options)
    assert result.ok and result.written, [d.render() for d in result.diagnostics]
    found = with_code(result, code)
    assert found, [d.render() for d in result.diagnostics]
    return found, dst


def read(dst, name):
    text = (dst / name).read_text()
    return text if name in ("groups", "rules_config", "README") else json.loads(text)


# -- section config: W01 .. W03 -------------------------------------------------------------------


def test_w01_unknown_key_dropped(src, tmp_path):
    edit(src, RESOURCES_CFG, replace=("vm: 101\n", "vm: 101\n\tcolour blue\n"))
    (found,), dst = warned(src, tmp_path, "W01")
    assert (found.file, found.line) == (RESOURCES_CFG, 6) and "'colour'" in found.message
    assert "colour" not in read(dst, "service_config")["vm:101"]


def test_w02_invalid_value_default_applies(src, tmp_path):
    edit(src, RESOURCES_CFG, replace=("max_restart 2", "max_restart two"))
    (found,), dst = warned(src, tmp_path, "W02")
    assert found.line == 9 and "default 1 applies" in found.message
    assert read(dst, "service_config")["vm:102"]["max_restart"] == 1


def test_w02_first_valid_occurrence_of_a_repeated_key_wins(src, tmp_path):
    edit(src, RESOURCES_CFG, replace=("max_restart 2", "max_restart -1\n\tmax_restart 3\n\tmax_restart 4"))
    (found,), dst = warned(src, tmp_path, "W02")
    assert found.line == 9
    assert read(dst, "service_config")["vm:102"]["max_restart"] == 3


@pytest.mark.parametrize(
    ("change", "words"),
    [(("vm: 101\n", "vm: 1\n"), "invalid vmid"), (("vm: 101\n", "fa: 101\n"), "unknown type 'fa'"),
     (("vm: 101\n", "vm: 10.1\n"), "invalid id")],
)  # fmt: skip
def test_w03_resource_section_skipped(src, tmp_path, change, words):
    edit(src, RESOURCES_CFG, replace=change)
    edit_json(src, "resources.json", lambda items: items)
    (found,), dst = warned(src, tmp_path, "W03", drop_orphans=True)
    assert found.line == 5 and words in found.message
    assert "vm:101" not in read(dst, "service_config")


def test_w03_group_without_nodes_is_skipped(src, tmp_path):
    edit(src, GROUPS_CFG, append="group: empty\n\tcomment no nodes\n")
    found, _ = warned(src, tmp_path, "W03")
    assert [(d.file, d.line) for d in found] == [(GROUPS_CFG, 4)] and "'nodes'" in found[0].message


def test_w03_crlf_file_runs_its_sections_together(src, tmp_path):
    text = (src / RESOURCES_CFG).read_text()
    (src / RESOURCES_CFG).write_text(text.replace("\n", "\r\n"))
    found, dst = warned(src, tmp_path, "W03", drop_orphans=True)
    assert [d.line for d in found] == [5, 8, 12, 15, 18] and "'vm: 100'" in found[0].message
    assert list(read(dst, "service_config")) == ["vm:100"]  # as the real parser reads it


def test_w03_repeated_section_the_later_wins(src, tmp_path):
    edit(src, RESOURCES_CFG, append="vm: 101\n\tstate stopped\n")
    (found,), dst = warned(src, tmp_path, "W03")
    assert found.line == 22 and "line 5" in found.message
    assert read(dst, "service_config")["vm:101"]["state"] == "stopped"


# -- W04: newer settings --------------------------------------------------------------------------


def test_w04_resource_auto_rebalance_0(src, tmp_path):
    edit(src, RESOURCES_CFG, replace=("vm: 101\n", "vm: 101\n\tauto-rebalance 0\n"))
    (found,), dst = warned(src, tmp_path, "W04")
    assert found.line == 6 and "vm:101" in found.message
    assert "auto-rebalance" not in read(dst, "service_config")["vm:101"]


def test_w04_auto_rebalance_1_is_dropped_silently(src, tmp_path):
    edit(src, RESOURCES_CFG, replace=("vm: 101\n", "vm: 101\n\tauto-rebalance 1\n"))
    assert "W04" not in codes(run(src, tmp_path / "out"))


NEGATIVE = "node-affinity: not-on-pve1\n\taffinity negative\n\tcomment keep off\n\tnodes pve1\n\tresources vm:104\n\tstrict 1\n\n"


def test_w04_negative_node_affinity_becomes_the_positive_rule_of_the_other_nodes(src, tmp_path):
    edit(src, RULES_CFG, append=NEGATIVE + "node-affinity: keep\n\taffinity positive\n\tnodes pve3\n\tresources ct:200\n")
    found, dst = warned(src, tmp_path, "W04")
    assert [d.line for d in found] == [6, 13]
    assert "rewritten as a strict rule for the other nodes pve2,pve3" in found[0].message
    assert read(dst, "rules_config") == (
        "resource-affinity: web-apart\n\taffinity negative\n\tresources vm:101,vm:102\n\n"
        "node-affinity: not-on-pve1\n\tcomment keep off\n\tnodes pve2,pve3\n\tresources vm:104\n\tstrict 1\n\n"
        "node-affinity: keep\n\taffinity positive\n\tnodes pve3\n\tresources ct:200\n"
    )


def test_w04_negative_node_affinity_over_every_node_is_dropped(src, tmp_path):
    edit(src, RULES_CFG, append=NEGATIVE.replace("nodes pve1", "nodes pve1,pve2,pve3"))
    (found,), dst = warned(src, tmp_path, "W04")
    assert "dropped" in found.message
    assert read(dst, "rules_config") == (src / RULES_CFG).read_text().split("node-affinity")[0]


def test_w04_unknown_crs_key_dropped_alone(src, tmp_path):
    edit(src, DATACENTER, replace=("ha-rebalance-on-start=1", "ha-rebalance-on-start=1,ha-magic=3"))
    (found,), dst = warned(src, tmp_path, "W04")
    assert (found.file, found.line) == (DATACENTER, 1)
    assert read(dst, "datacenter.cfg")["crs"] == {"ha": "static", "ha-rebalance-on-start": 1}


# -- W05 .. W09: guests ---------------------------------------------------------------------------


def test_w05_orphan_left_out(src, tmp_path):
    (src / VM100).unlink()
    (found,), dst = warned(src, tmp_path, "W05", drop_orphans=True)
    assert "vm:100" in found.message and "vm:100" not in read(dst, "service_config")


def test_w06_lists_non_ha_guests_sorted_and_marks_the_running_ones(src, tmp_path):
    (src / f"{PVE}/nodes/pve1/lxc").mkdir()
    (src / f"{PVE}/nodes/pve1/lxc/9.conf").write_text("memory: 512\n")
    (src / f"{PVE}/nodes/pve1/qemu-server/100.conf.tmp.4711").write_text("memory: 1\n")  # no guest
    (found,), _ = warned(src, tmp_path, "W06")
    assert found.message.startswith("non-HA guests not modelled: 9, 110 (running);")


def test_w07_non_ha_guest_in_stale_directory_and_twice(src, tmp_path):
    stale = src / f"{PVE}/nodes/old/qemu-server"
    stale.mkdir(parents=True)
    (stale / "300.conf").write_text("memory: 512\n")
    (src / f"{PVE}/nodes/pve3/qemu-server/110.conf").write_text("memory: 512\n")
    found, _ = warned(src, tmp_path, "W07")
    assert [d.file for d in found] == [f"{PVE}/nodes/old/qemu-server/300.conf", f"{PVE}/nodes/pve2/qemu-server/110.conf"]
    result = run(src, tmp_path / "again")
    assert "W06" not in codes(result)  # both ignored, nothing left to list


def test_w08_lock_kept_or_dropped(src, tmp_path):
    edit(src, VM100, replace=("agent: 1\n", "agent: 1\nlock: backup\n"))
    (found,), dst = warned(src, tmp_path, "W08")
    assert (found.file, found.line) == (VM100, 3) and "kept" in found.message
    assert read(dst, "service_config")["vm:100"]["lock"] == "backup"
    (found,), dst = warned(src, tmp_path / "x", "W08", drop_locks=True)
    assert "--drop-locks" in found.message and "lock" not in read(dst, "service_config")["vm:100"]


def test_w09_template(src, tmp_path):
    edit(src, VM100, append="template: 1\n")
    (found,), _ = warned(src, tmp_path, "W09")
    assert found.file == VM100 and "template" in found.message


def test_snapshot_pending_and_special_sections_never_size_a_guest(src, tmp_path):
    edit(src, VM100, append="\n[PENDING]\nmemory: 999999\ncores: 64\n[special:cloudinit]\nmemory: 1\n")
    result = run(src, tmp_path / "out")
    assert result.ok and json.loads(result.files["static_service_stats"])["vm:100"] == {"maxcpu": 4.0, "maxmem": 8589934592}


# -- W10 .. W14: groups and rules -----------------------------------------------------------------


def test_w10_group_and_rule_nodes_outside_the_cluster(src, tmp_path):
    edit(src, GROUPS_CFG, replace=("pve1:2,pve2", "pve1:2,pve2,pve7"))
    edit(src, RULES_CFG, append="node-affinity: aa\n\tnodes pve8\n\tresources vm:104\n")
    found, _ = warned(src, tmp_path, "W10")
    assert [(d.file, d.line) for d in found] == [(GROUPS_CFG, 2), (RULES_CFG, 6)]
    assert "'pve7'" in found[0].message and "'pve8'" in found[1].message


def test_w11_unused_group_and_undefined_group(src, tmp_path):
    edit(src, GROUPS_CFG, append="group: spare\n\tnodes pve3\n")
    edit(src, RESOURCES_CFG, replace=("vm: 101\n", "vm: 101\n\tgroup nosuch\n"))
    found, _ = warned(src, tmp_path, "W11")
    assert [(d.file, d.line) for d in found] == [(GROUPS_CFG, 4), (RESOURCES_CFG, 6)]


def test_w12_rule_resource_not_imported(src, tmp_path):
    edit(src, RULES_CFG, replace=("vm:101,vm:102", "vm:101,vm:102,vm:999"))
    (found,), _ = warned(src, tmp_path, "W12")
    assert found.line == 3 and "'vm:999'" in found.message


def test_w13_with_a_version_that_allows_the_migration(src, tmp_path):
    (found,), dst = warned(src, tmp_path, "W13", pve_manager_version="9.0.0~16")
    assert "hasim migrates them too" in found.message
    assert {rec["pve-manager-version"] for rec in read(dst, "hardware_status").values()} == {"9.0.0~16"}


def test_w14_is_exactly_what_the_simulated_crm_logs(src, tmp_path):
    edit(src, RULES_CFG, append="resource-affinity: apart\n\taffinity negative\n\tresources vm:100,vm:104\n")
    found, dst = warned(src, tmp_path, "W14")
    assert [(d.file, d.line) for d in found] == [(GROUPS_CFG, 1), (RULES_CFG, 5)]
    assert found[1].message == "Drop rule 'apart', because resources are in node affinity rules with multiple priorities."
    sim = Simulation(load_scenario(dst))
    sim.run()
    log = sim.log_text()
    assert all(d.message in log for d in found)


# -- W15: quorum ----------------------------------------------------------------------------------


def test_w15_node_votes_qdevice_and_options(src, tmp_path):
    edit(src, COROSYNC, replace=("name: pve3\n    nodeid: 3\n    quorum_votes: 1", "name: pve3\n    nodeid: 3\n    quorum_votes: 2"))
    edit(src, COROSYNC, replace=("quorum {\n", "quorum {\n  two_node: 1\n  device {\n    model: net\n"
                                 "    net {\n      algorithm: lms\n    }\n  }\n"))  # fmt: skip
    found, _ = warned(src, tmp_path, "W15")
    assert [d.line for d in found] == [22, 28, 29]
    assert "pve3 has 2 votes" in found[0].message
    # lms: node votes 4 - 1 = 3; expected 7, quorum 4: one node (pve3, 2 votes) + QDevice, 3 nodes without
    assert "expected votes 7, quorum 4, nodes needed 1 with the QDevice, 3 without; hasim needs 2 of 3" in found[2].message


def test_w15_standalone_host(src, tmp_path):
    edit(src, COROSYNC)
    for node in ("pve2", "pve3"):
        shutil.rmtree(src / f"{PVE}/nodes/{node}")
    edit(src, RESOURCES_CFG, "vm: 100\n\tstate started\n")
    (found,), dst = warned(src, tmp_path, "W15")
    assert "standalone host pve1" in found.message
    assert list(read(dst, "hardware_status")) == ["pve1"]


# -- W16 .. W18: resources.json -------------------------------------------------------------------


def _node_status(node, status):
    def change(items):
        for item in items:
            if item.get("id") == f"node/{node}":
                item.clear()
                item.update({"id": f"node/{node}", "type": "node", "node": node, "status": status})
        return items

    return change


def test_w16_offline_node_stays_off_w17_default_size(src, tmp_path):
    edit_json(src, "resources.json", _node_status("pve3", "offline"))
    (found,), dst = warned(src, tmp_path, "W16")
    assert "pve3 is offline" in found.message and "ct:200, vm:104" in found.message
    assert read(dst, "cmdlist") == [["power pve1 on", "power pve2 on"]]
    assert read(dst, "hardware_status")["pve3"]["maxcpu"] == 24


def test_w17_flags_size_unsized_nodes(src, tmp_path):
    edit(src, "resources.json")
    found, dst = warned(src, tmp_path, "W17", node_maxcpu=12, node_maxmem_gib=48)
    assert len(found) == 3
    assert {(r["maxcpu"], r["maxmem"]) for r in read(dst, "hardware_status").values()} == {(12, 48 * 1073741824)}


def test_without_resources_json_the_fallbacks_of_6_3(src, tmp_path):
    edit(src, "resources.json")
    edit(src, DATACENTER, replace=("ha=static", "ha=basic"))
    found, dst = warned(src, tmp_path, "W17")
    assert len(found) == 3 and read(dst, "cmdlist") == [["power pve1 on", "power pve2 on", "power pve3 on"]]
    assert read(dst, "dynamic_service_stats")["vm:100"] == {"cpu": 4.0, "mem": 8589934592}  # worst case
    assert read(dst, "dynamic_service_stats")["vm:103"] == {"cpu": 0.0, "mem": 0}  # stopped
    assert read(dst, "service_status_pve2") == {"vm:102": 1}


def test_w18_other_node_and_missing_entry(src, tmp_path):
    def change(items):
        for item in items:
            if item.get("vmid") == 101:
                item["node"] = "pve2"
        return [item for item in items if item.get("vmid") != 104]

    edit_json(src, "resources.json", change)
    found, dst = warned(src, tmp_path, "W18")
    assert ["vm:101: resources.json places it on pve2" in found[0].message, "vm:104: no qemu entry" in found[1].message] == [True, True]
    assert read(dst, "service_config")["vm:101"]["node"] == "pve1"
    assert read(dst, "dynamic_service_stats")["vm:104"] == {"cpu": 2.0, "mem": 2147483648}


# -- W19, W20: datacenter.cfg ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("crs", "words"),
    [("ha=fast", "not one of"), ("ha=static,ha=basic", "repeated"), ("ha-auto-rebalance-threshold=20", "requires"),
     ("ha-auto-rebalance=1,ha-auto-rebalance-margin=120", "between"), ("", "empty")],
)  # fmt: skip
def test_w19_invalid_crs_is_dropped_as_a_whole(src, tmp_path, crs, words):
    edit(src, DATACENTER, replace=("crs: ha=static,ha-rebalance-on-start=1", f"crs: {crs}"))
    edit(src, "resources.json")  # basic scheduler: no sizes needed
    (found,), dst = warned(src, tmp_path, "W19")
    assert found.line == 1 and words in found.message
    assert read(dst, "datacenter.cfg") == {"ha": {"shutdown_policy": "migrate"}}


def test_datacenter_example_of_9_1_and_w20(src, tmp_path):
    edit(src, DATACENTER, "crs: ha=static,ha-auto-rebalance=1,ha-auto-rebalance-threshold=25\nha: shutdown_policy=migrate\n")
    result = run(src, tmp_path / "a")
    assert json.loads(result.files["datacenter.cfg"]) == {
        "crs": {"ha": "static", "ha-auto-rebalance": 1, "ha-auto-rebalance-threshold": 0.25},
        "ha": {"shutdown_policy": "migrate"}}  # fmt: skip
    edit(src, DATACENTER, "crs: ha-auto-rebalance=yes,ha-auto-rebalance-margin=0.5\n")
    (found,), dst = warned(src, tmp_path, "W20")
    assert read(dst, "datacenter.cfg") == {"crs": {"ha-auto-rebalance": 1, "ha-auto-rebalance-margin": 0.005}}
    result = run(src, tmp_path / "b", rebalance_scale="fraction")
    assert "W20" not in codes(result)
    assert json.loads(result.files["datacenter.cfg"])["crs"]["ha-auto-rebalance-margin"] == 0.5


# -- W21, W22: manager_status ---------------------------------------------------------------------


def test_w21_w22_sanitised_manager_status(src, tmp_path):
    def change(status):
        status["node_status"].update({"pve3": "maintenance", "pve9": "online"})
        status["node_request"] = {"pve3": {"maintenance": 1}, "pve9": {}}
        status["service_status"]["vm:102"].update({"state": "migrate", "target": "pve1"})
        status["service_status"]["vm:103"]["state"] = "error"
        status["service_status"]["vm:104"]["node"] = "pve1"
        status["service_status"]["vm:999"] = {"state": "started", "node": "pve1"}
        status["disarm"] = {"mode": "freeze", "state": "disarmed"}
        return status

    edit_json(src, MANAGER_STATUS, change)
    found, dst = warned(src, tmp_path, "W21")
    assert len(found) == 5  # pve9 status, pve9 request, vm:102 migrate, vm:104 elsewhere, vm:999
    assert len(with_code(run(src, tmp_path / "again"), "W22")) == 3  # maintenance, error, disarm
    status = read(dst, "manager_status")
    assert status["node_status"] == {"pve1": "online", "pve2": "online", "pve3": "maintenance"}
    assert status["node_request"] == {"pve3": {"maintenance": 1}}
    assert sorted(status["service_status"]) == ["ct:200", "vm:100", "vm:101", "vm:103"]
    assert status["service_status"]["vm:103"]["state"] == "error"
    assert status["disarm"] == {"mode": "freeze", "state": "disarmed"}


def test_w21_manager_status_not_json_and_no_manager_status(src, tmp_path):
    edit(src, MANAGER_STATUS, '{"master_node": ')
    (found,), dst = warned(src, tmp_path, "W21")
    assert "treated as absent" in found.message and read(dst, "manager_status") == {}
    result = run(src, tmp_path / "b", manager_status=False)
    assert "W21" not in codes(result) and json.loads(result.files["manager_status"]) == {}


# -- W23 ------------------------------------------------------------------------------------------


def test_w23_no_ha_resources(src, tmp_path):
    edit(src, RESOURCES_CFG, "")
    edit(src, GROUPS_CFG)
    edit(src, RULES_CFG)
    edit(src, MANAGER_STATUS)
    (found,), dst = warned(src, tmp_path, "W23")
    assert read(dst, "service_config") == {}
    assert sorted(codes(run(src, tmp_path / "b"))) == ["W06", "W23"]
