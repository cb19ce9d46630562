"""Files the window loads at run time: icons and the default working directory.

Both work from a checkout and from an installed wheel: icons are package data
(`ui/icons/*.svg`); the default cluster is copied from the checkout's
`working-dirs/default` when it is there and otherwise written from the built-in
description below (the same three nodes and six VMs).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

DEFAULT_HARDWARE = {
    f"node{i}": {"power": "off", "network": "off", "maxcpu": 24, "maxmem": 137438953472} for i in (1, 2, 3)
}
DEFAULT_SERVICES = {f"vm:{101 + i}": {"node": f"node{i % 3 + 1}", "state": "started"} for i in range(6)}


def checkout_default_dir() -> Path | None:
    """The shipped working-dirs/default (checkout or installed wheel)."""
    from hasim.workdir.shipped import workdirs_root

    root = workdirs_root()
    return root / "default" if root is not None else None


def fresh_default_copy(parent: Path | None = None) -> Path:
    """A new, writable copy of the default cluster (the shipped one is never touched)."""
    base = Path(tempfile.mkdtemp(prefix="hasim-", dir=parent))
    target = base / "default"
    source = checkout_default_dir()
    if source is not None:
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("status", "log"))
    else:
        target.mkdir()
        (target / "cmdlist").write_text("[]\n")
        (target / "hardware_status").write_text(json.dumps(DEFAULT_HARDWARE, indent=4, sort_keys=True) + "\n")
        (target / "service_config").write_text(json.dumps(DEFAULT_SERVICES, indent=4, sort_keys=True) + "\n")
        (target / "manager_status").write_text("{}\n")
    return target


@lru_cache(maxsize=None)
def icon_path(name: str) -> str:
    """Filesystem path of icons/<name>.svg (package data)."""
    ref = resources.files("ui") / "icons" / f"{name}.svg"
    with resources.as_file(ref) as p:
        return str(p)


_ICONS: dict[str, object] = {}


def icon(name: str):
    """A cached QIcon for icons/<name>.svg."""
    from PySide6.QtGui import QIcon

    if name not in _ICONS:
        _ICONS[name] = QIcon(icon_path(name))
    return _ICONS[name]
