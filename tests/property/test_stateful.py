"""Hypothesis stateful test: an administrator's worst day, checked step by step.

The rules are the user actions the window offers - power a node off or on,
cut or restore its network, reboot or shut it down, restart its LRM, put it
in maintenance, migrate or relocate a service, let time pass - and the
invariants are the HA guarantees of `hasim.analysis.invariants`, checked after every
engine step by an attached `InvariantMonitor`.  At the end the cluster is
healed and left alone long enough for the liveness check.

Derandomized (the same examples on every run, no example database), so CI is
reproducible; a failure prints the sequence of actions that led to it.  The
same machine run on a broken engine must fail.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from hasim.analysis.explore.cluster import Cluster
from hasim.analysis.invariants import LIVENESS_BOUND, InvariantMonitor
from hasim_testing.mutants import mutant
from hasim.simulation import Simulation

SERVICES = {
    "vm:101": {"node": "node1", "state": "started"},
    "vm:102": {"node": "node2", "state": "started"},
    "ct:103": {"node": "node3", "state": "started"},
    "fa:114": {"node": "node1", "state": "started"},  # the first start attempt fails
    "vm:105": {"node": "node2", "state": "stopped"},
}
NODE = st.integers(min_value=0, max_value=3)
SID = st.sampled_from(sorted(SERVICES))

SETTINGS = settings(
    derandomize=True,
    database=None,
    max_examples=150,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class HACluster(RuleBasedStateMachine):
    """A 3- or 4-node cluster under random user actions."""

    def __init__(self) -> None:
        super().__init__()
        self.sim: Simulation | None = None
        self.nodes: list[str] = []
        self.maintenance: set[str] = set()

    # -- setup -------------------------------------------------------------------------------------
    @initialize(count=st.sampled_from([3, 4]), policy=st.sampled_from(["conditional", "freeze", "failover", "migrate"]))
    def boot(self, count: int, policy: str) -> None:
        self.nodes = [f"node{i}" for i in range(1, count + 1)]
        cluster = Cluster(
            nodes=tuple(self.nodes),
            hardware={n: {"power": "off", "network": "off"} for n in self.nodes},
            services=SERVICES,
            datacenter={"ha": {"shutdown_policy": policy}},
        )
        self.sim = Simulation(cluster.scenario([]), interactive=True)
        self.monitor = InvariantMonitor(self.sim)
        for n in self.nodes:
            self.sim.submit(f"power {n} on")
        self.sim.advance(100)

    # -- what the actions may touch ------------------------------------------------------------------
    def node(self, i: int) -> str:
        return self.nodes[i % len(self.nodes)]

    def hw(self, node: str) -> dict:
        return self.sim.kernel.world.hw[node]

    def steady(self, node: str) -> bool:
        """Powered, daemons running, no shutdown or LRM restart under way."""
        d = self.sim.kernel.nodes[node]
        rec = self.hw(node)
        return (
            rec.get("power") == "on"
            and not rec.get("shutdown")
            and not d.lrm_restart
            and d.lrm is not None
            and d.crm is not None
        )

    def act(self, command: str) -> None:
        self.sim.submit(command)
        self.sim.step_loop()  # applied at the end of the current loop

    # -- the rules: user actions ------------------------------------------------------------------------
    @rule(i=NODE)
    def power_off(self, i: int) -> None:
        n = self.node(i)
        if self.hw(n).get("power") == "on":
            self.act(f"power {n} off")

    @rule(i=NODE)
    def power_on(self, i: int) -> None:
        n = self.node(i)
        if self.hw(n).get("power") != "on":
            self.act(f"power {n} on")

    @rule(i=NODE)
    def cut_network(self, i: int) -> None:
        n = self.node(i)
        if self.hw(n).get("power") == "on" and self.hw(n).get("network") == "on":
            self.act(f"network {n} off")

    @rule(i=NODE)
    def restore_network(self, i: int) -> None:
        n = self.node(i)
        if self.hw(n).get("power") == "on" and self.hw(n).get("network") != "on":
            self.act(f"network {n} on")

    @rule(i=NODE, kind=st.sampled_from(["reboot", "shutdown", "restart-lrm"]))
    def restart(self, i: int, kind: str) -> None:
        n = self.node(i)
        if self.steady(n):
            self.act(f"{kind} {n}")

    @rule(i=NODE)
    def toggle_maintenance(self, i: int) -> None:
        n = self.node(i)
        if not self.steady(n):
            return
        if n in self.maintenance:
            self.maintenance.discard(n)
            self.act(f"crm {n} disable-node-maintenance")
        else:
            self.maintenance.add(n)
            self.act(f"crm {n} enable-node-maintenance")

    @rule(sid=SID, i=NODE, kind=st.sampled_from(["migrate", "relocate"]))
    def move(self, sid: str, i: int, kind: str) -> None:
        self.act(f"service {sid} {kind} {self.node(i)}")

    @rule(sid=SID, state=st.sampled_from(["started", "stopped"]))
    def request(self, sid: str, state: str) -> None:
        self.act(f"service {sid} {state}")

    @rule(seconds=st.sampled_from([20, 60, 140, 300]))
    def wait(self, seconds: int) -> None:
        self.sim.advance(self.sim.time + seconds)

    # -- the invariants: HA guarantees ---------------------------------------------------------------------
    @invariant()
    def ha_guarantees_hold(self) -> None:
        if self.sim is None:
            return
        new = self.monitor.check()
        assert not new, "\n".join(v.render() for v in new)

    def teardown(self) -> None:
        if self.sim is None or self.sim.finished:
            # a run can end in an error exit where the real tester's does too (e.g. an
            # LRM regaining quorum exactly 61 s after its last watchdog feed, 01 §9.6)
            return
        # heal: every node on and connected, no maintenance; then leave it alone
        for _ in range(3):
            for n in self.nodes:
                rec = self.hw(n)
                if rec.get("power") != "on":
                    self.sim.submit(f"power {n} on")
                elif rec.get("network") != "on" and not rec.get("shutdown"):
                    self.sim.submit(f"network {n} on")
            for n in sorted(self.maintenance):
                self.sim.submit(f"crm {n} disable-node-maintenance")
            self.maintenance.clear()
            self.sim.advance(self.sim.time + 200)
        self.sim.advance(self.sim.time + LIVENESS_BOUND + 100)
        new = self.monitor.check()
        assert not new, "\n".join(v.render() for v in new)


HACluster.TestCase.settings = SETTINGS
test_ha_cluster = HACluster.TestCase


@pytest.mark.parametrize(
    "name, invariant_name",
    [
        ("watchdog-never-fires", "watchdog-reset"),
        ("two-masters", "single-manager"),
        ("recovery-without-fencing", "recovery-after-fencing"),
    ],
)
def test_the_same_machine_fails_on_a_broken_engine(name, invariant_name):
    quick = settings(SETTINGS, max_examples=40, phases=[Phase.generate])  # no shrinking: it only has to fail
    with mutant(name):
        with pytest.raises(AssertionError, match=invariant_name):
            run_state_machine_as_test(HACluster, settings=quick)
