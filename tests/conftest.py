"""Shared test configuration: where the real stack's scenarios are."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def scenario_root(env_var: str, shared_name: str) -> Path | None:
    """The folder of scenario directories: $env_var, else ../shared/<name>."""
    value = os.environ.get(env_var)
    if value:
        return Path(value)
    candidate = SHARED / shared_name
    return candidate if candidate.is_dir() else None


def scenario_dirs(root: Path | None) -> list[Path]:
    if root is None or not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "cmdlist").exists() and (p / "log.expect").exists())
