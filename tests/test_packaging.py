"""What the wheel ships: every package of the engine and the window, and not
the development aids."""

from __future__ import annotations

import tomllib

from tests.conftest import REPO


def shipped() -> set[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    return set(config["tool"]["setuptools"]["packages"])


def test_every_package_of_hasim_and_ui_is_shipped():
    packages = {
        ".".join(p.parent.relative_to(REPO).parts)
        for top in ("hasim", "ui")
        for p in (REPO / top).rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert packages <= shipped(), sorted(packages - shipped())


def test_the_development_aids_are_not_shipped():
    assert not any(name == "hasim_testing" or name.startswith("hasim_testing.") for name in shipped())
    assert (REPO / "hasim_testing" / "mutants.py").is_file()
