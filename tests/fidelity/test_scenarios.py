"""Fidelity: every scenario of the real stack reproduces its log.expect byte for byte.

The scenarios are not copied into the project.  They are read from
../shared/upstream-tests and ../shared/differential-tests beside the checkout,
or from the folders named by HASIM_UPSTREAM_TESTS / HASIM_DIFFERENTIAL_TESTS
(e.g. a checkout of pve-ha-manager's src/test).  Without either, the tests
skip and say how to get them.
"""

from __future__ import annotations

import pytest

from hasim.engine.ha.service_fsm import TRANSITIONS
from hasim.events import ServiceStateChanged
from hasim.simulation import Simulation
from hasim.workdir import load_scenario
from tests.conftest import scenario_dirs, scenario_root
from tests.fidelity.conftest import record

UPSTREAM = scenario_root("HASIM_UPSTREAM_TESTS", "upstream-tests")
DIFFERENTIAL = scenario_root("HASIM_DIFFERENTIAL_TESTS", "differential-tests")
HOW = (
    "set {var} to a folder of scenario directories (e.g. a checkout of "
    "pve-ha-manager's src/test) or place them in ../shared/{name}"
)


def _params(root, var, name):
    dirs = scenario_dirs(root)
    if not dirs:
        return [pytest.param(None, marks=pytest.mark.skip(reason="no scenarios: " + HOW.format(var=var, name=name)))]
    return [pytest.param(d, id=d.name) for d in dirs]


def _check(path, kind):
    sim = Simulation(load_scenario(path))
    sim.run()
    # every service state change the real scenario makes is an edge of the engine's table
    edges = {(e.old, e.new) for e in (line.event for line in sim.log_lines) if isinstance(e, ServiceStateChanged)}
    assert not edges - {(old, new) for old, targets in TRANSITIONS.items() for new in targets}
    got = sim.log_text()
    want = (path / "log.expect").read_text()
    record(kind, got == want)
    if got != want:
        got_lines, want_lines = got.splitlines(), want.splitlines()
        for i, (a, b) in enumerate(zip(got_lines, want_lines), 1):
            if a != b:
                pytest.fail(f"{path.name}: first difference at line {i}:\n  expected: {b}\n  got:      {a}")
        pytest.fail(f"{path.name}: log has {len(got_lines)} lines, expected {len(want_lines)}")


@pytest.mark.parametrize("path", _params(UPSTREAM, "HASIM_UPSTREAM_TESTS", "upstream-tests"))
def test_upstream_scenario(path):
    _check(path, "upstream")


@pytest.mark.parametrize("path", _params(DIFFERENTIAL, "HASIM_DIFFERENTIAL_TESTS", "differential-tests"))
def test_differential_scenario(path):
    _check(path, "differential")
