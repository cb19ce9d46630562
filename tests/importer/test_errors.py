"""Every error code of spec 04 §13 from a hand-made broken copy: the import
stops, names the file (and line), writes nothing and leaves SRC alone."""

from __future__ import annotations

import os
import signal

import pytest

from hasim.importer import source as source_mod
from tests.importer.support import (
    COROSYNC,
    PVE,
    RESOURCES_CFG,
    VM100,
    VM104,
    codes,
    copy_sample,
    edit,
    edit_json,
    hasim_cli,
    run,
    tree_digest,
    with_code,
)


@pytest.fixture(autouse=True)
def no_hang():
    """A FIFO opened by mistake would block forever: fail instead."""
    def expired(signum, frame):
        raise TimeoutError("the import hung")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def failed(src, tmp_path, code, **options):
    """Import, expect `code` among the errors, nothing written, SRC intact."""
    before = tree_digest(src) if src.exists() else None
    dst = tmp_path / "out"
    result = run(src, dst, **options)
    assert not result.ok and not result.written and not result.files
    assert code in codes(result), [d.render() for d in result.diagnostics]
    assert not dst.exists()
    if before is not None:
        assert tree_digest(src) == before
    return with_code(result, code)


# -- E01: SRC unreadable, no root, files that cannot be read -------------------------------------


def test_e01_missing_src(tmp_path):
    (found,) = failed(tmp_path / "nowhere", tmp_path, "E01")
    assert found.file == "-" and "nowhere" in found.message


def test_e01_src_is_a_fifo_and_is_not_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (found,) = failed(tmp_path / "pipe", tmp_path, "E01")
    assert "neither a directory nor a tar archive" in found.message


def test_e01_directory_without_etc_pve(tmp_path):
    (tmp_path / "empty").mkdir()
    (found,) = failed(tmp_path / "empty", tmp_path, "E01")
    assert "no etc/pve root" in found.message


def test_e01_corosync_conf_is_a_fifo(src, tmp_path):
    (src / COROSYNC).unlink()
    os.mkfifo(src / COROSYNC)
    (found,) = failed(src, tmp_path, "E01")
    assert found.file == COROSYNC and "FIFO" in found.message


def test_e01_guest_config_is_a_device_like_fifo(src, tmp_path):
    os.mkfifo(src / f"{PVE}/nodes/pve2/qemu-server/105.conf")
    (found,) = failed(src, tmp_path, "E01")
    assert found.file == f"{PVE}/nodes/pve2/qemu-server/105.conf"


def test_e01_not_utf8_names_file_and_line(src, tmp_path):
    (src / f"{PVE}/ha/groups.cfg").write_bytes(b"group: g1\n\tnodes pve1\n\tcomment caf\xe9\n")
    (found,) = failed(src, tmp_path, "E01")
    assert (found.file, found.line) == (f"{PVE}/ha/groups.cfg", 3) and "UTF-8" in found.message


def test_e01_huge_file_is_not_read(src, tmp_path):
    with open(src / RESOURCES_CFG, "r+b") as handle:
        handle.truncate(source_mod.FILE_LIMIT + 1)  # sparse: cheap
    (found,) = failed(src, tmp_path, "E01")
    assert found.file == RESOURCES_CFG and "larger than" in found.message


def test_e01_symlinked_file_is_refused_not_followed(src, tmp_path):
    (tmp_path / "elsewhere.conf").write_text((src / COROSYNC).read_text())
    (src / COROSYNC).unlink()
    (src / COROSYNC).symlink_to(tmp_path / "elsewhere.conf")
    (found,) = failed(src, tmp_path, "E01")
    assert found.file == COROSYNC and "symbolic link" in found.message


def test_e01_symlinked_etc_pve_is_not_followed(tmp_path):
    real = copy_sample(tmp_path, "real")
    (tmp_path / "src" / "etc").mkdir(parents=True)
    (tmp_path / "src" / "etc" / "pve").symlink_to(real / PVE)
    (found,) = failed(tmp_path / "src", tmp_path, "E01")
    assert "links are not followed" in found.message


# -- E02: corosync.conf does not parse ------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("quorum {", "quorum {\n  provider: x\n}\nquorum {"), 30, "repeated"),
        (("  node {\n    name: pve1", "  node {\n    name pve1"), 8, "missing ':'"),
        (("totem {", "}\ntotem {"), 31, "unexpected '}'"),
        (("  version: 2\n}", "  version: 2\n"), 31, "not closed"),
    ],
)
def test_e02_corosync_syntax(src, tmp_path, change, line, words):
    edit(src, COROSYNC, replace=change)
    (found,) = failed(src, tmp_path, "E02")
    assert found.file == COROSYNC and found.line == line and words in found.message


def test_e02_corosync_not_utf8(src, tmp_path):
    (src / COROSYNC).write_bytes(b"totem {\n\xff\n}\n")
    (found,) = failed(src, tmp_path, "E02")
    assert found.line == 2


# -- E03: node list unusable ----------------------------------------------------------------------


def test_e03_no_node(src, tmp_path):
    edit(src, COROSYNC, "nodelist {\n}\ntotem {\n  version: 2\n}\n")
    (found,) = failed(src, tmp_path, "E03")
    assert "no node" in found.message


def test_e03_repeated_name(src, tmp_path):
    edit(src, COROSYNC, replace=("name: pve2", "name: pve1"))
    (found,) = failed(src, tmp_path, "E03")
    assert found.line == 14 and "pve1 listed twice" in found.message


def test_e03_name_is_not_a_host_label(src, tmp_path):
    edit(src, COROSYNC, replace=("name: pve3", "name: pve_3"))
    (found,) = failed(src, tmp_path, "E03")
    assert "'pve_3'" in found.message


def test_e03_more_than_32_nodes(src, tmp_path):
    extra = "".join(f"  node {{\n    name: n{i}\n  }}\n" for i in range(30))
    edit(src, COROSYNC, replace=("nodelist {\n", "nodelist {\n" + extra))
    (found,) = failed(src, tmp_path, "E03")
    assert "33 nodes" in found.message


def test_e03_standalone_with_several_node_directories(src, tmp_path):
    edit(src, COROSYNC)
    (found,) = failed(src, tmp_path, "E03")
    assert "not exactly one node directory" in found.message and "'pve1', 'pve2', 'pve3'" in found.message


# -- E04 .. E08: HA resources and their guests ----------------------------------------------------


def test_e04_orphan_and_w05_with_drop_orphans(src, tmp_path):
    edit(src, RESOURCES_CFG, append="vm: 150\n\tstate started\n")
    (found,) = failed(src, tmp_path, "E04")
    assert found.file == RESOURCES_CFG and found.line == 22 and "vm:150" in found.message
    result = run(src, tmp_path / "dropped", drop_orphans=True)
    assert result.ok and "vm:150" not in result.services
    assert [d.line for d in with_code(result, "W05")] == [22]


def test_e05_wrong_type(src, tmp_path):
    edit(src, RESOURCES_CFG, replace=("vm: 104", "ct: 104"))
    (found,) = failed(src, tmp_path, "E05")
    assert "ct:104" in found.message and "a VM" in found.message


def test_e06_config_in_two_places(src, tmp_path):
    (src / f"{PVE}/nodes/pve2/qemu-server/100.conf").write_text((src / VM100).read_text())
    (found,) = failed(src, tmp_path, "E06")
    assert "pve1/qemu-server/100.conf" in found.message and "pve2/qemu-server/100.conf" in found.message


def test_e06_vm_and_ct_of_one_vmid(src, tmp_path):
    edit(src, RESOURCES_CFG, append="ct: 100\n\tstate started\n")
    (found,) = failed(src, tmp_path, "E06")
    assert "ct:100 and vm:100" in found.message


def test_e07_ha_guest_in_a_stale_node_directory(src, tmp_path):
    stale = src / f"{PVE}/nodes/pve9/qemu-server"
    stale.mkdir(parents=True)
    (src / VM104).rename(stale / "104.conf")
    (found,) = failed(src, tmp_path, "E07")
    assert found.file == f"{PVE}/nodes/pve9/qemu-server/104.conf" and "vm:104" in found.message


@pytest.mark.parametrize(
    ("change", "key"),
    [(("memory: 8192", "memory: lots"), "memory"), (("cores: 4", "cores: four"), "cores"),
     (("memory: 8192", "memory: current=8192,max=16384"), "memory"), (("sockets: 1", "sockets: -1"), "sockets")],
)  # fmt: skip
def test_e08_guest_cannot_be_sized(src, tmp_path, change, key):
    edit(src, VM100, replace=change)
    (found,) = failed(src, tmp_path, "E08")
    assert found.file == VM100 and f"'{key}'" in found.message
    assert (src / VM100).read_text().split("\n")[found.line - 1].startswith(f"{key}:")


def test_non_ha_guests_are_not_sized(src, tmp_path):
    edit(src, f"{PVE}/nodes/pve2/qemu-server/110.conf", replace=("memory: 16384", "memory: lots"))
    assert run(src, tmp_path / "out").ok


# -- E09, E10: sizes and resources.json -----------------------------------------------------------


def test_e09_static_scheduler_without_node_sizes(src, tmp_path):
    edit(src, "resources.json")
    found = failed(src, tmp_path, "E09")
    assert [d.message.split(":")[0] for d in found] == ["node pve1", "node pve2", "node pve3"]


def test_e09_one_online_node_without_size(src, tmp_path):
    edit_json(src, "resources.json", lambda items: [
        {k: v for k, v in item.items() if k != "maxmem"} if item.get("id") == "node/pve2" else item
        for item in items])  # fmt: skip
    (found,) = failed(src, tmp_path, "E09")
    assert found.file == "resources.json" and "pve2" in found.message


@pytest.mark.parametrize(
    ("data", "words"),
    [(b"[{\"type\": \"node\",", "invalid JSON"), (b"{}", "not a JSON array"), (b"[1, 2]", "not a JSON array"),
     (b"[NaN]", "NaN"), (b"\xff[]", "UTF-8"), (b"[" * 100000 + b"]" * 100000, "nested too deeply")],
)  # fmt: skip
def test_e10_resources_json_unusable(src, tmp_path, data, words):
    (src / "resources.json").write_bytes(data)
    (found,) = failed(src, tmp_path, "E10")
    assert found.file == "resources.json" and words in found.message


def test_e10_resources_option_names_a_missing_file(src, tmp_path):
    (found,) = failed(src, tmp_path, "E10", resources=tmp_path / "none.json")
    assert found.file == str(tmp_path / "none.json")


# -- E11: the command line ------------------------------------------------------------------------


def test_e11_dir_not_empty_is_left_alone(src, tmp_path):
    dst = tmp_path / "out"
    dst.mkdir()
    (dst / "mine").write_text("keep me")
    result = run(src, dst)
    assert [d.code for d in result.errors] == ["E11"] and "not empty" in result.errors[0].message
    assert [p.name for p in dst.iterdir()] == ["mine"] and (dst / "mine").read_text() == "keep me"


def test_an_empty_dir_is_used_and_stays_empty_on_error(src, tmp_path):
    dst = tmp_path / "out"
    dst.mkdir()
    edit(src, COROSYNC, replace=("totem {", "}\ntotem {"))
    assert not run(src, dst).ok and list(dst.iterdir()) == []
    edit(src, COROSYNC, replace=("}\ntotem {", "totem {"))
    assert run(src, dst).written


@pytest.mark.parametrize(
    ("options", "words"),
    [({"node_maxcpu": 8}, "go together"), ({"node_maxcpu": 0, "node_maxmem_gib": 8}, "--node-maxcpu"),
     ({"node_maxcpu": 8, "node_maxmem_gib": -1.0}, "--node-maxmem-gib"),
     ({"rebalance_scale": "permille"}, "--rebalance-scale"), ({"pve_manager_version": "latest"}, "version")],
)  # fmt: skip
def test_e11_bad_option_values(src, tmp_path, options, words):
    (found,) = failed(src, tmp_path, "E11", **options)
    assert words in found.message


def test_e11_dir_inside_src(src, tmp_path):
    before = tree_digest(src)
    result = run(src, src / "out")
    assert "E11" in codes(result) and not (src / "out").exists()
    assert tree_digest(src) == before


def test_all_errors_are_reported_together(src, tmp_path):
    edit(src, RESOURCES_CFG, append="vm: 150\n")
    (src / "resources.json").write_text("{}")
    edit(src, VM100, replace=("cores: 4", "cores: four"))
    result = run(src, tmp_path / "out", node_maxcpu=4)
    assert {"E04", "E08", "E10", "E11"} <= set(codes(result))


def test_cli_error_exit_2_every_diagnostic_on_stderr_no_traceback(src, tmp_path):
    edit(src, RESOURCES_CFG, append="vm: 150\n")
    out = hasim_cli("import", str(src), str(tmp_path / "out"), "--node-maxcpu", "many", "--node-maxmem-gib", "8")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("error[E11] -: --node-maxcpu 'many': not a number")
    out = hasim_cli("import", str(src), str(tmp_path / "out"))
    assert out.returncode == 2 and out.stdout == "" and "Traceback" not in out.stderr
    assert f"error[E04] {RESOURCES_CFG}:22: vm:150" in out.stderr
    assert "warning[W06]" in out.stderr  # warnings too, in the spec's order
    assert not (tmp_path / "out").exists()
