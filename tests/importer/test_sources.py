"""The shapes SRC comes in - a directory, the etc/pve root itself, tar
archives - and what is never done with them: following a link, opening a
FIFO, extracting a member, changing a byte of SRC."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile

import pytest

from hasim.importer import source as source_mod
from hasim.importer import source_tar
from tests.importer.support import (
    PVE,
    SAMPLE,
    add_member,
    codes,
    copy_sample,
    make_tar,
    run,
    tree_digest,
    with_code,
)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The files of the plain directory import, README aside."""
    result = run(SAMPLE, tmp_path_factory.mktemp("ref") / "dir")
    return {name: text for name, text in result.files.items() if name != "README"}


def same_files(result, reference):
    assert result.ok, [d.render() for d in result.diagnostics]
    assert {name: text for name, text in result.files.items() if name != "README"} == reference
    assert codes(result) == ["W06", "W13"]


# -- archives -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "mode"), [("c.tar", "w"), ("c.tar.gz", "w:gz"), ("c.tgz", "w:gz"), ("c.tar.xz", "w:xz")])
def test_archives_import_like_the_directory(tmp_path, reference, name, mode):
    (tmp_path / "copy").mkdir()
    archive = make_tar(SAMPLE, tmp_path / "copy" / name, mode)
    before = tree_digest(tmp_path / "copy")
    result = run(archive, tmp_path / "out")
    same_files(result, reference)
    assert f"Source: {archive}" in result.files["README"]
    assert tree_digest(tmp_path / "copy") == before


@pytest.mark.skipif(shutil.which("tar") is None, reason="needs the tar tool")
def test_the_collect_recipe_archive(tmp_path, reference):
    """The archive exactly as spec 04 §2.2 makes it, by the tar tool."""
    members = ["etc/pve/corosync.conf", "etc/pve/datacenter.cfg", "etc/pve/ha/resources.cfg", "etc/pve/ha/groups.cfg",
               "etc/pve/ha/rules.cfg", "etc/pve/ha/manager_status", "etc/pve/ha/no-such-file"]  # fmt: skip
    members += sorted(str(p.relative_to(SAMPLE)) for p in SAMPLE.glob("etc/pve/nodes/*/qemu-server"))
    members += sorted(str(p.relative_to(SAMPLE)) for p in SAMPLE.glob("etc/pve/nodes/*/lxc"))
    subprocess.run(["tar", "--ignore-failed-read", "-czf", str(tmp_path / "hasim-cluster.tar.gz"), *members,
                    "resources.json"], cwd=SAMPLE, check=True, capture_output=True)  # fmt: skip
    same_files(run(tmp_path / "hasim-cluster.tar.gz", tmp_path / "out"), reference)


def test_archive_of_single_files_and_dot_slash_names(tmp_path, reference):
    """The recipe's archive has no directory members; `tar -C dir .` writes ./ names."""
    with tarfile.open(tmp_path / "c.tgz", "w:gz") as archive:
        for path in sorted(SAMPLE.rglob("*")):
            if path.is_file():
                archive.add(path, arcname="./" + str(path.relative_to(SAMPLE)))
    same_files(run(tmp_path / "c.tgz", tmp_path / "out"), reference)


def test_unsafe_members_are_skipped_never_extracted(tmp_path, reference):
    archive_path = make_tar(SAMPLE, tmp_path / "c.tar", "w")
    with tarfile.open(archive_path, "a") as archive:
        add_member(archive, "../escaped", b"x")
        add_member(archive, "/tmp/absolute-escape", b"x")
        add_member(archive, "etc/pve/../../escaped2", b"x")
    result = run(archive_path, tmp_path / "out")
    same_files(result, reference)
    assert "Archive members outside the archive, skipped: 3" in result.files["README"]
    assert not (tmp_path.parent / "escaped").exists() and not (tmp_path / "escaped2").exists()
    assert not os.path.exists("/tmp/absolute-escape")


def test_archive_with_only_unsafe_members_names_them(tmp_path):
    with tarfile.open(tmp_path / "c.tar", "w") as archive:
        add_member(archive, "../etc/pve/corosync.conf", b"totem {\n}\n")
    (found,) = with_code(run(tmp_path / "c.tar", tmp_path / "out"), "E01")
    assert "no etc/pve root" in found.message and "'../etc/pve/corosync.conf'" in found.message


def test_links_in_an_archive_are_ignored_or_refused(tmp_path, reference):
    archive_path = make_tar(SAMPLE, tmp_path / "c.tar", "w")
    with tarfile.open(archive_path, "a") as archive:
        add_member(archive, f"{PVE}/local", kind=tarfile.SYMTYPE, link="nodes/pve1")
        add_member(archive, f"{PVE}/qemu-server", kind=tarfile.SYMTYPE, link="nodes/pve1/qemu-server")
        add_member(archive, f"{PVE}/nodes/pve2/lxc/301.conf", kind=tarfile.SYMTYPE, link="/etc/shadow")
    (found,) = run(archive_path, tmp_path / "out").errors
    assert (found.code, found.file) == ("E01", f"{PVE}/nodes/pve2/lxc/301.conf")
    assert "symbolic link" in found.message


def test_fifo_and_device_members_where_a_file_is_expected(tmp_path):
    archive_path = make_tar(SAMPLE, tmp_path / "c.tar", "w")
    with tarfile.open(archive_path, "a") as archive:
        add_member(archive, f"{PVE}/nodes/pve1/qemu-server/100.conf", kind=tarfile.FIFOTYPE)
        add_member(archive, f"{PVE}/datacenter.cfg", kind=tarfile.CHRTYPE)
    found = run(archive_path, tmp_path / "out").errors
    assert [(d.code, d.file) for d in found] == [
        ("E01", f"{PVE}/datacenter.cfg"), ("E01", f"{PVE}/nodes/pve1/qemu-server/100.conf")]  # fmt: skip


@pytest.mark.parametrize("mode", ["w", "w:gz"])
def test_truncated_archive(tmp_path, mode):
    data = make_tar(SAMPLE, tmp_path / "c", mode).read_bytes()
    (tmp_path / "cut.tgz").write_bytes(data[: len(data) // 2])
    (found,) = run(tmp_path / "cut.tgz", tmp_path / "out").errors
    assert found.code == "E01" and ("not a readable tar archive" in found.message or "truncated" in found.message)


def test_a_file_that_is_no_archive(tmp_path):
    (tmp_path / "notes.tgz").write_bytes(os.urandom(4096))
    (found,) = run(tmp_path / "notes.tgz", tmp_path / "out").errors
    assert found.code == "E01" and "not a readable tar archive" in found.message


def test_unpacked_size_limit_stops_a_bomb(tmp_path, monkeypatch):
    monkeypatch.setattr(source_tar, "ARCHIVE_BYTES_LIMIT", 64 * 1024)
    with tarfile.open(tmp_path / "bomb.tgz", "w:gz") as archive:
        add_member(archive, "etc/pve/padding", bytes(1024 * 1024))
    (found,) = run(tmp_path / "bomb.tgz", tmp_path / "out").errors
    assert found.code == "E01" and "bytes unpacked" in found.message


def test_oversized_member_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(source_mod, "FILE_LIMIT", 100)
    archive = make_tar(SAMPLE, tmp_path / "c.tgz")
    files = {d.file for d in run(archive, tmp_path / "out").errors}
    assert f"{PVE}/corosync.conf" in files and f"{PVE}/ha/manager_status" in files


# -- directories ----------------------------------------------------------------------------------


def test_real_cluster_symlinks_are_not_followed(tmp_path, reference):
    src = copy_sample(tmp_path)
    (src / PVE / "local").symlink_to("nodes/pve1")
    (src / PVE / "qemu-server").symlink_to("nodes/pve1/qemu-server")
    (src / PVE / "lxc").symlink_to("nodes/pve3/lxc")
    (src / PVE / "nodes" / "pve4").symlink_to("pve1")  # would duplicate every pve1 guest
    (src / PVE / "nodes" / "pve2" / "lxc").symlink_to("../pve3/lxc")
    same_files(run(src, tmp_path / "out"), reference)


def test_priv_is_never_read(tmp_path, reference):
    src = copy_sample(tmp_path)
    (src / PVE / "priv").mkdir()
    os.mkfifo(src / PVE / "priv" / "authkey.key")  # reading it would hang
    (src / PVE / "nodes" / "pve1" / "priv").mkdir()
    os.mkfifo(src / PVE / "nodes" / "pve1" / "priv" / "lock")
    (src / PVE / "ha" / "fence.cfg").write_bytes(b"\xff secret")
    same_files(run(src, tmp_path / "out"), reference)


def test_src_that_is_the_etc_pve_root_itself(tmp_path, reference):
    src = copy_sample(tmp_path)
    result = run(src / PVE, tmp_path / "out", resources=src / "resources.json")
    same_files(result, reference)
    assert [d.file for d in result.diagnostics] == ["-", "ha/groups.cfg"]
    (found,) = with_code(run(src / PVE, tmp_path / "again"), "E09")[:1]
    assert found.file == "-"


def test_src_given_as_a_link_is_used(tmp_path, reference):
    (tmp_path / "link").symlink_to(SAMPLE)
    same_files(run(tmp_path / "link", tmp_path / "out"), reference)


def test_read_text_reports_fifo_without_opening(tmp_path):
    tree = source_mod.SourceTree("x", {"a": source_mod.Entry(source_mod.Kind.OTHER)})
    with pytest.raises(source_mod.Unreadable, match="FIFO"):
        tree.read_bytes("a")


def test_wanted_paths_are_the_layout_only():
    wanted = source_mod.wanted_file
    assert wanted(("etc", "pve", "nodes", "pve1", "qemu-server", "100.conf"))
    assert wanted(("nodes", "pve1", "lxc", "7.conf")) and wanted(("resources.json",))
    assert not wanted(("etc", "pve", "nodes", "pve1", "qemu-server", "100.conf.tmp.4711"))
    assert not wanted(("etc", "pve", "priv", "authkey.key")) and not wanted(("etc", "pve", "ha", "fence.cfg"))
    assert not wanted(("etc", "pve", "nodes", "pve1", "pve-ssl.key"))


def test_a_directory_that_cannot_be_listed_is_an_error_not_silence(tmp_path, monkeypatch):
    from hasim.importer import source_dir

    real = source_dir._open_dir

    def open_dir(top, parts):
        if parts == ("etc", "pve", "ha"):
            raise PermissionError(13, "Permission denied")
        return real(top, parts)

    monkeypatch.setattr(source_dir, "_open_dir", open_dir)
    (found,) = run(SAMPLE, tmp_path / "out").errors
    assert (found.code, found.file, found.message) == ("E01", f"{PVE}/ha", "cannot list: Permission denied")
