"""Explaining a service: where it is, why it is in its state, what comes next."""

from __future__ import annotations

from hasim import events as E
from hasim.analysis.explain.context import Context
from hasim.analysis.explain.eligibility import eligibility
from hasim.analysis.explain.lookahead import next_events
from hasim.analysis.explain.node import freeze_reason
from hasim.analysis.explain.phrases import ago, within, listing
from hasim.vocab import FENCE_DELAY, NOT_YET_MANAGED


def rules_for(ctx: Context, sid: str) -> list[str]:
    """Describe the rules (and HA groups) that name `sid`; a rule the
    manager drops says so, with the manager's reason."""
    rules = ctx.rules
    if rules is None:
        return []
    out: list[str] = []
    failback = rules.service(sid).get("failback", 1)
    for rule in rules.enabled:
        if sid not in rule.resources:
            continue
        others = [r for r in rule.resources if r != sid]
        if rule.type == "node-affinity":
            ranked = sorted(rule.nodes.items(), key=lambda kv: (-kv[1], kv[0]))
            nodes = ", ".join(f"{n}" + (f" (priority {p})" if p else "") for n, p in ranked)
            if rule.strict:
                text = f"node affinity '{rule.id}' (strict): it may run only on {nodes}"
            else:
                text = f"node affinity '{rule.id}': it prefers {nodes}, but may run elsewhere"
            if str(failback) in ("0", "False", "false"):
                text += " (no failback: it stays where it is when a preferred node comes back)"
            else:
                text += " (failback: it moves back when a preferred node comes back)"
        elif rule.affinity == "positive":
            text = f"resource affinity '{rule.id}' (positive): it is kept on the same node as {listing(others)}"
        else:
            text = f"resource affinity '{rule.id}' (negative): it never shares a node with {listing(others)}"
        if rule.id in rules.dropped:
            reasons = "; ".join(dict.fromkeys(rules.dropped[rule.id]))
            text += f" — not in force: the manager drops it, because {reasons}"
        out.append(text)
    return out


class ServiceExplainer:
    def __init__(self, ctx: Context, sid: str) -> None:
        self.ctx = ctx
        self.sid = sid
        self.sv = ctx.service_view(sid)
        self.sd = ctx.service_status.get(sid) or {}
        self.now = ctx.now

    def text(self) -> str:
        ctx, sid, sv, sd = self.ctx, self.sid, self.sv, self.sd
        if sv is None:
            if sd:
                return f"{sid}: being removed\n\n{sid} is no longer configured; the manager drops it at its next round."
            return f"{sid}: not an HA resource\n\n{sid} is not in the HA configuration."
        state = sv.state
        node = sd.get("node") or sv.node
        running = list(sv.running_on)
        run = f"running on {listing(running)}" if running else "not running"
        if sv.requested == "ignored":
            head = f"ignored ({run})"
        elif state is None:
            head = f"'{NOT_YET_MANAGED}': the manager has not seen it yet ({run})"
        elif state in ("migrate", "relocate", "request_start_balance") and sv.target:
            head = f"'{state}' {node} → {sv.target}, {run}"
        else:
            head = f"'{state}' on {node}, {run}"
        body = [self.requested_text()]
        body += self.state_text()
        extra = []
        rules = rules_for(ctx, sid)
        if rules:
            extra.append("Rules: " + "; ".join(rules) + ".")
        if sd.get("maintenance_node") and sd.get("maintenance_node") != node:
            extra.append(
                f"It was moved off {sd['maintenance_node']} for maintenance and returns there when the "
                "maintenance ends."
            )
        parts = [f"{sid}: {head}", " ".join(b for b in body if b)]
        if extra:
            parts.append(" ".join(extra))
        why = self.why_here()
        if why:
            parts.append(why)
        nxt = self.next_part()
        if nxt:
            parts.append(nxt)
        return "\n\n".join(parts)

    def why_here(self) -> str:
        """Why a started service stays on its node, and where else it could
        go — from the manager's own node selection (`eligibility`)."""
        ctx, sid, sv, sd = self.ctx, self.sid, self.sv, self.sd
        node = sd.get("node") or sv.node
        if sv.state != "started" or sv.requested != "started":
            return ""
        e = eligibility(ctx, sid)
        if e is None:
            return ""
        node_state = ctx.node_status.get(node)
        if node_state == "maintenance":
            if e.move_to is None:
                return (
                    f"Why it stays on {node}: {node} is in maintenance, so the manager would move it away, but "
                    f"{e.cannot_leave()}. It keeps running on {node} and leaves as soon as a node may take it."
                )
            return (
                f"{node} is in maintenance: the manager moves it away at its next round "
                f"({e.named(e.elsewhere or [e.move_to])} may take it)."
            )
        if node_state != "online":
            return ""  # the way to its recovery is told with its state
        out = []
        if e.stays and e.preferred:
            out.append(
                f"It stays on {node} although its node affinity prefers {listing(e.preferred)}: failback is off, "
                "so the manager does not move a running service to a preferred node."
            )
        if e.rule_blocked:
            if e.move_to is None:
                out.append(
                    f"If {node} could not keep it (a failure, a maintenance), {e.cannot_leave()}: it would wait in "
                    f"'recovery' after a failure, and stay on {node} through a maintenance."
                )
            else:
                out.append(
                    f"If {node} could not keep it, it could go to {e.named(e.elsewhere or [e.move_to])}, but not to "
                    f"{e.why_not(e.rule_blocked)}."
                )
        return " ".join(out)

    def recovered(self) -> str:
        """How a service on a lost node is recovered once the node is
        fenced, as things stand: where, or why nowhere."""
        sid = self.sid
        e = eligibility(self.ctx, sid)
        if e is None:
            return f"{sid} is recovered on another node"
        if e.move_to is None:
            return f"{sid} goes to 'recovery' and waits there, because as things stand {e.cannot_leave()}"
        return f"{sid} is recovered on another node ({e.named(e.elsewhere or [e.move_to])} may take it)"

    def requested_text(self) -> str:
        sv = self.sv
        policy = f"max_restart {sv.max_restart}, max_relocate {sv.max_relocate}"
        return f"Requested state: '{sv.requested}' ({policy})."

    def next_part(self) -> str:
        ctx = self.ctx
        if not ctx.has_future:
            return ""
        events = next_events(ctx.future, ctx.now, {self.sid})
        if not events:
            return ""
        return "Next, if nobody intervenes:\n" + "\n".join(f"- {e}" for e in events)

    def node_problem(self, node: str) -> str:
        """Why `node` cannot run the service right now, or ''."""
        ctx, now = self.ctx, self.now
        nv = ctx.node_view(node)
        hist = ctx.membership
        if nv is None:
            return f"{node} is no longer a cluster member."
        if nv.power != "on":
            off = hist.power_off_at.get(node)
            how = ""
            if off is not None:
                how = " (reset by its watchdog" if off[1] == "watchdog" else " (powered off"
                how += f" at {off[0]})"
            return f"{node} is powered off{how}."
        if not nv.online:
            lost = hist.offline_since.get(node)
            return f"{node} has no quorum" + (f" since {lost} ({ago(now, lost)})" if lost is not None else "") + "."
        return ""

    def state_text(self) -> list[str]:
        ctx, sid, sv, sd = self.ctx, self.sid, self.sv, self.sd
        state = sv.state
        node = sd.get("node") or sv.node
        out: list[str] = []
        if len(sv.running_on) > 1:
            out.append(
                f"It runs on {len(sv.running_on)} nodes at once ({', '.join(sv.running_on)}): the real stack never "
                "lets that happen (watchdog fencing exists to prevent it), so the engine or the scenario is broken."
            )
        if sv.requested == "ignored":
            out.append("HA leaves it alone: the manager neither starts, stops, nor recovers it.")
            return out
        if state is None:
            if ctx.snap.master:
                out.append("The manager adds it at its next round.")
            else:
                out.append("No manager is running yet (no quorate node holds the manager lock).")
            return out
        if state == "started":
            problem = self.node_problem(node)
            if not problem:
                if node in sv.running_on:
                    out.append(f"Running on {node}; nothing is pending.")
                else:
                    out.append(self.not_started_yet(node))
            else:
                still = f"It still runs on {node}, but" if node in sv.running_on else f"It is assigned to {node}, but"
                out.append(f"{still} {problem}")
                out += self.until_recovered(node)
        elif state == "request_start":
            out.append(f"{node}'s LRM starts it at its next step.")
        elif state in ("migrate", "relocate", "request_start_balance"):
            tgt = sd.get("target")
            how = {
                "migrate": "live migration",
                "relocate": "relocation (stop, move, start)",
                "request_start_balance": "start on the node the CRS picked (rebalance on start)",
            }[state]
            since = ctx.last(lambda e: isinstance(e, E.ServiceStateChanged) and e.sid == sid and e.new == state)
            done = ctx.last(
                lambda e: isinstance(e, E.ServiceMove) and e.phase == "end" and e.sid == sid and e.target == (tgt or ""),
                since=since.time if since is not None else None,
            )
            if state == "request_start_balance":
                handed = f"handed it over at {done.time}" if done is not None else "hands it over at its next step"
                out.append(
                    f"Rebalance on start: the CRS picked {tgt} as the best node for it; {node}'s LRM {handed}, the "
                    f"manager then marks it started on {tgt} and {tgt}'s LRM starts it."
                )
            elif done is not None:
                out.append(
                    f"The {how} from {node} to {tgt} is done on {node}'s side (at {done.time}); the manager marks it "
                    f"started on {tgt} at its next round, and {tgt}'s LRM then starts it."
                )
            else:
                out.append(
                    f"A {how} from {node} to {tgt} is under way: {node}'s LRM moves it at its next step, and the "
                    f"manager marks it started on {tgt} at the round after."
                )
        elif state == "request_stop":
            out.append(f"{node}'s LRM stops it at its next step.")
        elif state == "stopped":
            why = {"stopped": "it is requested 'stopped'", "disabled": "it is requested 'disabled'"}.get(
                sv.requested, "its requested state says so"
            )
            out.append(f"It is stopped because {why}; set it to 'started' to start it again.")
        elif state == "fence":
            problem = self.node_problem(node)
            out.append(
                f"Its node {node} must be fenced before {sid} can be recovered elsewhere."
                + (" " + problem if problem else "")
            )
            out += self.until_recovered(node)
        elif state == "recovery":
            problem = self.node_problem(node)
            e = eligibility(ctx, sid)
            why = e.cannot_leave() if e is not None and e.move_to is None else "no node it may run on is online"
            out.append(
                f"Its node {node} has been fenced, but {why}, so it waits in 'recovery'; it is recovered as soon "
                f"as a node may take it ({node} too, once it is back online)." + (" " + problem if problem else "")
            )
        elif state == "freeze":
            nv = ctx.node_view(node)
            out.append(f"It is frozen on {node}: {freeze_reason(ctx, node)}")
            out.append("A frozen service stays assigned to its node and is neither fenced nor recovered elsewhere.")
            if (ctx.snap.disarm or {}).get("mode") == "freeze":
                out.append("It is unfrozen when the HA stack is armed again ('arm-ha').")
            elif nv is not None and nv.power != "on":
                out.append(f"{node} is powered off, so {sid} stays down until {node} is back.")
            else:
                out.append(f"It is started again when {node}'s LRM is back.")
        elif state == "error":
            failed = list(sv.failed_nodes)
            line = ctx.last(lambda e: isinstance(e, E.ServiceFailed) and e.sid == sid)
            when = f" at {line.time}" if line else ""
            fail = f" after failing to start on {listing(failed)}" if failed else ""
            out.append(
                f"It entered the error state{when}{fail}: more failures than the restart policy allows "
                f"(max_restart = {sv.max_restart}: retries on one node; max_relocate = {sv.max_relocate}: moves to "
                "another node). "
                "HA does nothing more with it."
            )
            out.append(
                "To recover: fix the cause, set it to 'disabled' (it goes to 'stopped'), then to 'started' again "
                f"(ha-manager set {sid} --state disabled, then --state started)."
            )
        if sv.failed_nodes and state not in ("error",):
            out.append(f"Failed start attempts so far on: {listing(list(sv.failed_nodes))}.")
        return out

    def until_recovered(self, node: str) -> list[str]:
        """The way from a lost node to the service's recovery: watchdog, fence delay, lock."""
        ctx, sid, now = self.ctx, self.sid, self.now
        out: list[str] = []
        nv = ctx.node_view(node)
        if nv is not None and nv.power == "on" and nv.watchdog_expires is not None:
            out.append(
                f"{node}'s watchdog is no longer fed: it resets {node} at {nv.watchdog_expires} "
                f"({within(now, nv.watchdog_expires)}), which stops {sid} there."
            )
        if not ctx.snap.quorate:
            out.append("No node has quorum, so no manager can recover it until quorum is back.")
            return out
        if ctx.active_master() is None:
            out.append(ctx.no_master_text())
            out.append(f"The new master fences {node} after a full {FENCE_DELAY} s fence delay and then recovers {sid}.")
            return out
        if ctx.node_status.get(node) != "fence":
            last, exact = ctx.last_online(node)
            if last is not None:
                t = last + FENCE_DELAY
                out.append(
                    f"The manager starts fencing {node} {FENCE_DELAY} s after it last saw it online "
                    f"({'' if exact else 'about '}{last}), at {t} ({within(now, t)})."
                )
        if nv is not None and nv.agent_lock_holder == node and nv.agent_lock_expires is not None:
            t = nv.agent_lock_expires
            out.append(
                f"Fencing completes when the manager takes over {node}'s agent lock, possible from {t} "
                f"({within(now, t)}); then {self.recovered()}."
            )
        else:
            out.append(f"Once {node} is fenced, {self.recovered()}.")
        return out

    def not_started_yet(self, node: str) -> str:
        ctx, sid, now = self.ctx, self.sid, self.now
        nv = ctx.node_view(node)
        if nv is None:
            return ""
        attempt = ctx.last(
            lambda e: isinstance(e, (E.RestartRetry, E.RestartsExhausted, E.ServiceStarting))
            and e.sid == sid
            or isinstance(e, E.ServiceStatus) and e.sid == sid and e.state == "started"
        )
        if attempt is not None and attempt.node == node and nv.lrm_state == "active":
            event = attempt.event
            if isinstance(event, E.RestartRetry):
                return (
                    f"{node}'s LRM failed to start it at {attempt.time} and retries at its next step "
                    f"(restart policy: retry {event.attempt} of max_restart {self.sv.max_restart})."
                )
            if isinstance(event, E.RestartsExhausted):
                return (
                    f"{node}'s LRM gave up at {attempt.time} after {event.tries} retries (max_restart) and reported the "
                    f"failure: the manager now relocates it to another node, or puts it in the error state once "
                    f"its start has failed on more than max_relocate ({self.sv.max_relocate}) node(s)."
                )
        if nv.lrm_state == "wait_for_agent_lock":
            holder, expires = nv.agent_lock_holder, nv.agent_lock_expires
            if holder and holder != node and expires is not None:
                return (
                    f"It is assigned to {node}, but {node}'s LRM waits for its agent lock, which {holder} took over "
                    f"when fencing {node}; the lock expires at {expires} ({within(now, expires)}), then {node} starts it."
                )
            return f"{node}'s LRM takes its agent lock and starts it at its next step."
        return f"{node}'s LRM starts it at its next step."
