"""The explainer says why not: why a service stays where it is, and why a
node in maintenance does not drain.

Each scenario is run by the engine first and its outcome checked (who runs
where, what the manager logged); the explanation must then name the rule or
the partner that decided it, with the words a person reads: the rule's id,
the HA group, the partner service and where it is.  The LRM's *mode*
(maintenance requested) and its *state* (where its state machine is) are told
apart, because they differ: after a maintenance is disabled, an LRM that
still runs services stays in the state 'maintenance' with its mode 'active'.
"""

from __future__ import annotations

from hasim.analysis.explain import explain_node, explain_service
from hasim.analysis.explain.context import Context
from hasim.analysis.explain.eligibility import eligibility
from tests.engine.test_explain import POWER_ON, SIX_VMS, at, make_sim

APART = "resource-affinity: apart\n\tresources vm:101,vm:102,vm:103\n\taffinity negative\n"
# vm:101, vm:102, vm:103 kept apart, one per node; on node2 also vm:105 (pinned there), vm:107 (with
# vm:102), vm:108 (restricted HA group of node2 alone) and vm:109 (free to go)
FOUR_STUCK = {sid: SIX_VMS[sid] for sid in ("vm:101", "vm:102", "vm:103", "vm:105")} | {
    "vm:107": {"node": "node2", "state": "started"},
    "vm:108": {"node": "node2", "state": "started", "group": "only2"},
    "vm:109": {"node": "node2", "state": "started"},
}
FOUR_STUCK_RULES = (
    APART + "\nresource-affinity: together\n\tresources vm:102,vm:107\n\taffinity positive\n\n"
    "node-affinity: pinned\n\tresources vm:105\n\tnodes node2\n\tstrict 1\n"
)
ONLY2 = "group: only2\n\tnodes node2\n\trestricted 1\n"
MAINTENANCE = [POWER_ON, ["crm node2 enable-node-maintenance"]]


def stuck_maintenance(tmp_path, until: int, cmds=MAINTENANCE):
    """node2 put into maintenance at 120 with four services that cannot leave, run until `until`."""
    return at(make_sim(tmp_path, cmds, FOUR_STUCK, rules_config=FOUR_STUCK_RULES, groups=ONLY2), until)


def running(sim) -> dict[str, tuple[str, ...]]:
    return {s.sid: s.running_on for s in sim.snapshot().services}


def node_view(sim, name):
    return next(n for n in sim.snapshot().nodes if n.name == name)


def logged(sim, text: str) -> list[int]:
    return [line.time for line in sim.log_lines if text in line.message]


# -- a maintenance that cannot drain ----------------------------------------------------------------


def test_maintenance_that_cannot_drain_names_every_service_that_cannot_leave_and_why(tmp_path):
    sim = stuck_maintenance(tmp_path, 300)
    # the engine: only vm:109 left node2; four services keep running there, the LRM keeps its lock
    where = running(sim)
    assert where["vm:109"] == ("node1",)
    assert all(where[sid] == ("node2",) for sid in ("vm:102", "vm:105", "vm:107", "vm:108"))
    assert sim.snapshot().manager_status["node_status"]["node2"] == "maintenance"
    assert node_view(sim, "node2").agent_lock_holder == "node2"

    text = explain_node(sim, "node2")
    assert text.startswith("node2: in maintenance, 4 services cannot leave\n")
    assert "only moves services away" not in text
    assert ("Its LRM's mode is 'maintenance' (maintenance is requested) and its state is 'maintenance' too: it keeps "
            "the agent lock and feeds the watchdog while vm:102, vm:105, vm:107 and vm:108 are active here") in text
    assert "Maintenance (requested with 'enable-node-maintenance' at 120) is in force" in text
    assert "the manager has node2 in 'maintenance' since 140" in text
    assert "Moved away: vm:109 (now on node1); it returns when maintenance is disabled." in text
    assert ("vm:102 cannot leave: no other node may take it — node1: vm:101 is there (negative resource affinity "
            "'apart'); node3: vm:103 is there (negative resource affinity 'apart').") in text
    assert ("vm:105 cannot leave: no other node may take it — node1 and node3: strict node affinity 'pinned' "
            "allows only node2.") in text
    # the positive set {vm:102, vm:107} inherits 'apart': the manager's transform, named by its sources
    assert ("vm:107 cannot leave: no other node may take it — node1: vm:101 is there (negative resource affinity, "
            "derived from 'apart' and 'together')") in text
    assert ("vm:108 cannot leave: no other node may take it — node1 and node3: restricted HA group 'only2' allows "
            "only node2.") in text
    assert ("So vm:102, vm:105, vm:107 and vm:108 keep running on node2, which is not empty: its LRM keeps the agent "
            "lock and the watchdog until they leave.") in text


def test_a_service_that_cannot_leave_its_node_in_maintenance_says_why(tmp_path):
    sim = stuck_maintenance(tmp_path, 300)
    text = explain_service(sim, "vm:102")
    assert text.startswith("vm:102: 'started' on node2, running on node2\n")
    assert ("Why it stays on node2: node2 is in maintenance, so the manager would move it away, but no other node "
            "may take it — node1: vm:101 is there (negative resource affinity 'apart'); node3: vm:103 is there "
            "(negative resource affinity 'apart'). It keeps running on node2 and leaves as soon as a node may take "
            "it.") in text
    moved = explain_service(sim, "vm:109")
    assert "It was moved off node2 for maintenance" in moved and "Why it stays" not in moved


def test_the_explanation_follows_the_engine_when_a_partner_leaves(tmp_path):
    """Stop vm:103: node3 becomes free for vm:102 (and vm:107, its positive
    partner) and the manager moves them there; the groups of this scenario
    do not keep the look-ahead from running."""
    sim = stuck_maintenance(tmp_path, 300)
    assert "Next: nothing changes for node2 in the next 360 s unless someone acts." in explain_node(sim, "node2")
    sim.submit("service vm:103 stopped")
    at(sim, 330)
    assert "- at 340 (now): vm:102: 'started' → 'migrate' from node2 to node3" in explain_service(sim, "vm:102")
    at(sim, 400)
    assert running(sim)["vm:102"] == running(sim)["vm:107"] == ("node3",)
    text = explain_node(sim, "node2")
    assert text.startswith("node2: in maintenance, 2 services cannot leave\n")
    assert "Moved away: vm:102 (now on node3), vm:107 (now on node3) and vm:109 (now on node1)" in text
    text = explain_service(sim, "vm:102")
    assert ("If node3 could not keep it (a failure, a maintenance), no other node may take it — node1: vm:101 is "
            "there (negative resource affinity 'apart'); node2: in maintenance") in text


# -- the LRM's mode and its state -------------------------------------------------------------------


def test_maintenance_requested_before_it_is_in_force(tmp_path):
    sim = at(make_sim(tmp_path, MAINTENANCE), 121)
    assert node_view(sim, "node2").lrm_mode == "active"  # the LRM takes the mode at its step (123)
    text = explain_node(sim, "node2")
    assert ("Maintenance was requested with 'enable-node-maintenance' at 120: node2's LRM switches to maintenance "
            "mode at its next step and reports it; at its next round after that the manager puts node2 in "
            "'maintenance' and starts moving the services away.") in text
    assert "- at 123 (in 1 s): node2's LRM: active → maintenance" in text


def test_after_maintenance_is_disabled_the_lrm_state_stays_maintenance_while_services_run(tmp_path):
    cmds = MAINTENANCE + [["crm node2 disable-node-maintenance"]]
    sim = stuck_maintenance(tmp_path, 400, cmds)
    view = node_view(sim, "node2")
    assert (view.lrm_state, view.lrm_mode) == ("maintenance", "active")
    assert sim.snapshot().manager_status["node_status"]["node2"] == "online"
    text = explain_node(sim, "node2")
    assert text.startswith("node2: online\n")
    assert ("Its LRM's mode is 'active' again (maintenance was disabled at 220, the manager has node2 'online'), "
            "but its state is still 'maintenance': an LRM leaves that state only once no service is active on its "
            "node; it keeps the agent lock and feeds the watchdog while vm:102, vm:105, vm:107, vm:108 and vm:109 "
            "are active here") in text


def test_a_drained_node_in_maintenance_is_empty_and_its_lrm_released_the_lock(tmp_path):
    sim = at(make_sim(tmp_path, MAINTENANCE), 200)
    assert node_view(sim, "node2").agent_lock_holder is None
    text = explain_node(sim, "node2")
    assert text.startswith("node2: in maintenance\n")
    assert "no service is active here, so it has released the agent lock and the watchdog" in text
    assert "node2 is empty: no HA service is active here any more." in text
    assert "cannot leave" not in text


# -- recovery that finds no node --------------------------------------------------------------------


def test_fencing_and_recovery_say_why_no_node_may_take_the_service(tmp_path):
    sim = at(make_sim(tmp_path, [POWER_ON, ["power node3 off"]], rules_config=APART), 200)
    text = explain_service(sim, "vm:103")
    assert text.startswith("vm:103: 'fence' on node3, not running\n")
    assert ("then vm:103 goes to 'recovery' and waits there, because as things stand no other node may take it — "
            "node1: vm:101 is there (negative resource affinity 'apart'); node2: vm:102 is there (negative resource "
            "affinity 'apart').") in text
    assert "- at 240 (in 38 s): vm:103 cannot be recovered: no node may take it" in text
    at(sim, 260)
    # the engine: recovery failed, vm:106 (no rule) was recovered
    assert logged(sim, "recovering service 'vm:103' from fenced node 'node3' failed, no recovery node found")
    assert sim.snapshot().manager_status["service_status"]["vm:103"]["state"] == "recovery"
    text = explain_service(sim, "vm:103")
    assert ("Its node node3 has been fenced, but no other node may take it — node1: vm:101 is there (negative "
            "resource affinity 'apart'); node2: vm:102 is there (negative resource affinity 'apart'), so it waits in "
            "'recovery'") in text
    node = explain_node(sim, "node3")
    assert "recovered vm:106 to node1" in node
    assert ("vm:103 found no node it may run on (node1: vm:101 is there (negative resource affinity 'apart'); node2: "
            "vm:102 is there (negative resource affinity 'apart')) and waits in 'recovery' until one may take it."
            ) in node


# -- a service that stays where it is ---------------------------------------------------------------


def test_where_a_service_could_go_if_its_node_failed_is_where_the_engine_recovers_it(tmp_path):
    rules = "resource-affinity: apart\n\tresources vm:101,vm:102\n\taffinity negative\n"
    sim = at(make_sim(tmp_path, [POWER_ON, ["power node1 off"]], rules_config=rules), 100)
    text = explain_service(sim, "vm:101")
    assert ("If node1 could not keep it, it could go to node3, but not to node2: vm:102 is there (negative resource "
            "affinity 'apart').") in text
    at(sim, 300)
    assert logged(sim, "recover service 'vm:101' from fenced node 'node1' to node 'node3'")


def test_a_service_no_other_node_may_take_says_so_before_anything_fails(tmp_path):
    sim = at(make_sim(tmp_path, [POWER_ON], rules_config=APART), 100)
    text = explain_service(sim, "vm:101")
    assert ("If node1 could not keep it (a failure, a maintenance), no other node may take it — node2: vm:102 is "
            "there (negative resource affinity 'apart'); node3: vm:103 is there (negative resource affinity 'apart'): "
            "it would wait in 'recovery' after a failure, and stay on node1 through a maintenance.") in text


def test_without_failback_a_service_stays_off_its_preferred_node(tmp_path):
    services = {"vm:101": {"node": "node1", "state": "started", "failback": 0}}
    rules = "node-affinity: prefer1\n\tresources vm:101\n\tnodes node1:2,node2:1\n"
    cmds = [POWER_ON, ["power node1 off"], [], [], ["power node1 on"]]
    sim = at(make_sim(tmp_path, cmds, services, rules_config=rules), 560)
    assert logged(sim, "recover service 'vm:101' from fenced node 'node1' to node 'node2'")
    assert node_view(sim, "node1").online and running(sim)["vm:101"] == ("node2",)
    text = explain_service(sim, "vm:101")
    assert ("It stays on node2 although its node affinity prefers node1: failback is off, so the manager does not "
            "move a running service to a preferred node.") in text
    assert ("If node2 could not keep it, it could go to node1, but not to node3: not a node of node affinity "
            "'prefer1', which prefers node1 while it is online.") in text
    at(sim, 900)
    assert running(sim)["vm:101"] == ("node2",)


def test_a_rule_the_manager_drops_is_named_with_its_reason(tmp_path):
    rules = "resource-affinity: too-many\n\tresources vm:101,vm:102,vm:103,vm:104\n\taffinity negative\n"
    sim = at(make_sim(tmp_path, [POWER_ON], rules_config=rules), 60)
    assert logged(sim, "Drop rule 'too-many', because rule defines more resources than available nodes.")
    text = explain_service(sim, "vm:101")
    assert ("resource affinity 'too-many' (negative): it never shares a node with vm:102, vm:103 and vm:104 — not in "
            "force: the manager drops it, because rule defines more resources than available nodes.") in text
    assert "If node1 could not keep it" not in text  # a dropped rule keeps it from nothing


def test_a_service_without_rules_gets_no_why_not(tmp_path):
    sim = at(make_sim(tmp_path, [POWER_ON]), 100)
    text = explain_service(sim, "vm:101")
    assert "could not keep it" not in text and "Why it stays" not in text


def test_eligibility_agrees_with_the_managers_node_selection(tmp_path):
    """For every service of the stuck maintenance, 'cannot leave' is exactly
    'node selection finds no node' — and a node it names as possible is one
    node selection may pick."""
    sim = stuck_maintenance(tmp_path, 300)
    ctx = Context.build(sim, None)
    verdicts = {sid: eligibility(ctx, sid) for sid in FOUR_STUCK}
    stuck = sorted(sid for sid, e in verdicts.items() if e.move_to is None and e.current == "node2")
    assert stuck == ["vm:102", "vm:105", "vm:107", "vm:108"]
    assert verdicts["vm:109"].move_to in verdicts["vm:109"].elsewhere
    assert verdicts["vm:109"].stays  # on node1, where the manager put it


def test_on_a_bigger_cluster_nodes_are_counted_not_listed(tmp_path):
    nodes = [f"node{i}" for i in range(1, 8)]
    services = {"vm:101": {"node": "node2", "state": "started"}}
    rules = "node-affinity: pinned\n\tresources vm:101\n\tnodes node2\n\tstrict 1\n"
    cmds = [[f"power {n} on" for n in nodes], ["crm node2 enable-node-maintenance"]]
    sim = at(make_sim(tmp_path, cmds, services, nodes=7, rules_config=rules), 200)
    assert running(sim)["vm:101"] == ("node2",)
    text = explain_service(sim, "vm:101")
    assert "no other node may take it — all 6 other nodes: strict node affinity 'pinned' allows only node2." in text
