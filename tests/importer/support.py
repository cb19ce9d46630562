"""Shared helpers of the import tests: a writable copy of the sample,
broken copies made from it, archives, tree hashes, the CLI in a subprocess."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

from hasim.importer import ImportOptions, ImportResult, import_cluster
from tests.conftest import REPO, SHARED

# read from ../shared like the scenarios, never copied into the project
SAMPLE = SHARED / "import-samples" / "small-3node"
PVE = "etc/pve"
COROSYNC = f"{PVE}/corosync.conf"
DATACENTER = f"{PVE}/datacenter.cfg"
RESOURCES_CFG = f"{PVE}/ha/resources.cfg"
GROUPS_CFG = f"{PVE}/ha/groups.cfg"
RULES_CFG = f"{PVE}/ha/rules.cfg"
MANAGER_STATUS = f"{PVE}/ha/manager_status"
VM100 = f"{PVE}/nodes/pve1/qemu-server/100.conf"
VM104 = f"{PVE}/nodes/pve3/qemu-server/104.conf"


def copy_sample(tmp_path: Path, name: str = "src") -> Path:
    """A writable copy of the sample to break on purpose."""
    dst = tmp_path / name
    shutil.copytree(SAMPLE, dst)
    for path in [dst, *dst.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return dst


def edit(src: Path, rel: str, text: str | None = None, *, append: str = "", replace: tuple[str, str] | None = None) -> Path:
    """Change one file of a copy: new text, appended text or one replacement
    (which must apply); None removes the file."""
    path = src / rel
    if text is None and not append and replace is None:
        path.unlink()
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    current = path.read_text() if path.exists() else ""
    if replace is not None:
        assert replace[0] in current, f"{replace[0]!r} not in {rel}"
        current = current.replace(replace[0], replace[1], 1)
    path.write_text((text if text is not None else current) + append)
    return path


def edit_json(src: Path, rel: str, change) -> None:
    path = src / rel
    value = json.loads(path.read_text())
    path.write_text(json.dumps(change(value)))


def run(src: Path, dst: Path, **options) -> ImportResult:
    return import_cluster(src, dst, ImportOptions(**options))


def codes(result: ImportResult) -> list[str]:
    return [d.code for d in result.diagnostics]


def with_code(result: ImportResult, code: str) -> list:
    return [d for d in result.diagnostics if d.code == code]


def tree_digest(root: Path) -> str:
    """Names, kinds, modes and contents below `root`, links not followed."""
    digest = hashlib.sha256()
    for path in sorted([root, *root.rglob("*")]):
        st = path.lstat()
        digest.update(f"{path.relative_to(root)}|{st.st_mode}|{st.st_mtime_ns}\n".encode())
        if stat.S_ISREG(st.st_mode):
            digest.update(path.read_bytes())
        elif stat.S_ISLNK(st.st_mode):
            digest.update(os.readlink(path).encode())
    return digest.hexdigest()


def make_tar(src: Path, out: Path, mode: str = "w:gz", prefix: str = "") -> Path:
    """An archive of the copy as the collect recipe lays it out."""
    with tarfile.open(out, mode) as archive:
        for path in sorted(src.rglob("*")):
            archive.add(path, arcname=prefix + str(path.relative_to(src)), recursive=False)
    return out


def add_member(archive: tarfile.TarFile, name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE,
               link: str = "") -> None:  # fmt: skip
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    archive.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def hasim_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "hasim", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)  # fmt: skip
