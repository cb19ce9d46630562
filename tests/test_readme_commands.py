"""The README's two commands work with Debian's own Python (PEP 668).

`.ci/run` runs both, as written, with /usr/bin/python3 in fresh clones (the
full install takes PySide6's 80 MB, too much for a unit test).  Here: the
commands have the form `.ci/run` reads (one line under their heading), never
call a bare `pip` (on Debian 12/13 and Proxmox VE it stops with
`externally-managed-environment`), and the virtual environment they start
with works on this machine's Debian Python where a plain pip is refused.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

DEBIAN_PYTHON = Path("/usr/bin/python3")


def readme_command(heading: str) -> str:
    """The one line of the ```sh block under `## heading` (as .ci/run reads it)."""
    text = (REPO / "README.md").read_text()
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"^```sh\n(.*?)^```$", section, re.S | re.M)
    assert block, f"no ```sh block under '## {heading}'"
    lines = block.group(1).strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("heading", ["Install and run", "Install and test"])
def test_the_commands_install_into_a_virtual_environment_never_with_a_bare_pip(heading):
    steps = [step.strip() for step in readme_command(heading).split("&&")]
    assert steps[0] == "python3 -m venv .venv"
    assert all(not re.match(r"(python3? -m )?pip3? ", step) for step in steps), steps
    assert steps[1].startswith(".venv/bin/pip install ")
    assert all(step.startswith(".venv/bin/") for step in steps[1:]), steps


def test_the_run_command_ends_by_starting_the_window():
    assert readme_command("Install and run").endswith("&& .venv/bin/hasim")
    assert readme_command("Install and test").endswith("&& .venv/bin/python -m pytest -q")


def _externally_managed() -> bool:
    if not DEBIAN_PYTHON.exists():
        return False
    stdlib = subprocess.run([str(DEBIAN_PYTHON), "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
                            capture_output=True, text=True).stdout.strip()
    return (Path(stdlib) / "EXTERNALLY-MANAGED").exists()


@pytest.mark.skipif(not _externally_managed(), reason="no PEP 668 Debian Python at /usr/bin/python3")
def test_the_first_step_gives_debians_python_a_pip_that_installs(tmp_path):
    refused = subprocess.run([str(DEBIAN_PYTHON), "-m", "pip", "install", "--dry-run", "attrs"],
                             capture_output=True, text=True)
    if "No module named pip" not in refused.stderr:
        assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr
    first = readme_command("Install and run").split("&&")[0].strip()
    env = {"PATH": f"{DEBIAN_PYTHON.parent}:/bin", "HOME": str(tmp_path)}
    made = subprocess.run(["bash", "-c", first], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    if made.returncode != 0 and "ensurepip is not available" in made.stdout + made.stderr:
        pytest.skip("python3-venv is not installed (apt install python3-venv, as the README says)")
    assert made.returncode == 0, made.stderr
    venv_python = tmp_path / ".venv" / "bin" / "python"
    inside = subprocess.run([str(venv_python), "-c", "import sys; print(sys.prefix != sys.base_prefix)"],
                            capture_output=True, text=True)
    assert inside.stdout.strip() == "True"
    pip = subprocess.run([str(tmp_path / ".venv" / "bin" / "pip"), "--version"], capture_output=True, text=True)
    assert pip.returncode == 0 and str(tmp_path / ".venv") in pip.stdout  # the venv's own pip: PEP 668 is not in the way
