"""Where the shipped working directories (the default cluster and the
workshop scenarios) live: the checkout's `working-dirs/`, or, in an installed
wheel, the package `hasim_workdirs` that pyproject.toml maps onto it."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import attrs


def workdirs_root() -> Path | None:
    checkout = Path(__file__).resolve().parents[2] / "working-dirs"
    if (checkout / "default" / "cmdlist").is_file():
        return checkout
    # a data-only (namespace) package: look through its search locations
    spec = importlib.util.find_spec("hasim_workdirs")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location)
        if (path / "default" / "cmdlist").is_file():
            return path
    return None


@attrs.frozen
class ShippedDir:
    name: str
    path: Path
    readme: str  # the directory's README.md (markdown), "" if none

    @property
    def title(self) -> str:
        for line in self.readme.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
        return self.name


def shipped_dirs() -> list[ShippedDir]:
    """The default cluster first, then the scenarios by name."""
    root = workdirs_root()
    if root is None:
        return []
    out = []
    for p in sorted(root.iterdir(), key=lambda p: (p.name != "default", p.name)):
        if p.is_dir() and (p / "cmdlist").is_file():
            readme = p / "README.md"
            out.append(ShippedDir(p.name, p, readme.read_text() if readme.is_file() else ""))
    return out


def copy_shipped(name: str, parent: Path) -> Path:
    """A fresh, writable copy of a shipped directory (the original is never touched)."""
    match = next((d for d in shipped_dirs() if d.name == name), None)
    if match is None:
        raise FileNotFoundError(f"no shipped working directory named '{name}'")
    target = Path(parent) / name
    shutil.copytree(match.path, target, ignore=shutil.ignore_patterns("status", ".hasim.lock", "__pycache__"))
    return target
