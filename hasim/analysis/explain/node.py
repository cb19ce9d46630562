"""Explaining a node: its state, what the HA stack waits for, and when."""

from __future__ import annotations

from hasim import commands as C
from hasim import events as E
from hasim.analysis.explain.context import Context
from hasim.analysis.explain.eligibility import eligibility
from hasim.analysis.explain.lookahead import LOOKAHEAD, next_events
from hasim.analysis.explain.phrases import ago, within, listing, verb
from hasim.vocab import FENCE_DELAY, GONE_DELAY, INACTIVE_SERVICE_STATES, LOCK_TIMEOUT, MOVING_STATES, WATCHDOG_TIMEOUT

# manager service states in which a service on an offline node gets fenced (02 §9.1)
FENCEABLE = ("started", "request_stop", "migrate", "relocate", "request_start_balance", "stopped")


def freeze_reason(ctx: Context, node: str) -> str:
    """Why services on `node` are frozen, from its LRM's last shutdown line."""
    disarm = ctx.snap.disarm or {}
    if disarm.get("mode") == "freeze":
        line = ctx.last_command(lambda c: isinstance(c, C.DisarmHa) and c.mode == "freeze")
        when = f" at {line.time}" if line is not None else ""
        return (
            f"the HA stack was disarmed in 'freeze' mode{when}: every HA service is frozen in place "
            "until 'arm-ha'."
        )
    for line in reversed(ctx.lines):
        event = line.event
        if line.node != node or not isinstance(event, E.LrmShutdown) or not event.freezes:
            continue
        if event.kind == "restart":
            return f"{node}'s LRM was restarted at {line.time}; services are frozen while it restarts."
        if event.kind in ("reboot", "shutdown"):
            kind = event.kind
            policy = ctx.snap.shutdown_policy
            why = "freezes on a reboot" if policy == "conditional" else "freezes on every shutdown and reboot"
            return (
                f"a {kind} of {node} began at {line.time} with the shutdown policy '{policy}', which {why}: "
                "its services are stopped and stay assigned to it."
            )
    return f"{node}'s LRM is restarting, or the node is going down with a freezing shutdown policy."


class NodeExplainer:
    def __init__(self, ctx: Context, node: str) -> None:
        self.ctx = ctx
        self.node = node
        self.nv = ctx.node_view(node)
        self.state = ctx.node_status.get(node)
        self.now = ctx.now
        self.hist = ctx.membership
        self._stuck: list[tuple[str, str]] | None = None
        self._assigned: list[tuple[str, dict]] | None = None

    def assigned(self) -> list[tuple[str, dict]]:
        """Services the manager has assigned to this node or is moving here
        (computed once: a node's text asks several times)."""
        if self._assigned is None:
            status = self.ctx.service_status
            self._assigned = [
                (sid, status[sid])
                for sid in sorted(status)
                if status[sid].get("node") == self.node or status[sid].get("target") == self.node
            ]
        return self._assigned

    def maintenance_requested(self) -> bool:
        """Whether 'enable-node-maintenance' stands for this node (the manager's node request)."""
        requests = self.ctx.snap.manager_status.get("node_request") or {}
        return bool((requests.get(self.node) or {}).get("maintenance"))

    def active_here(self) -> list[str]:
        """Services the LRM counts as active on this node (03 §4: assigned
        here or heading here, in a state that is not inactive)."""
        return [sid for sid, sd in self.assigned() if sd.get("state") not in (None, *INACTIVE_SERVICE_STATES)]

    def cannot_leave(self) -> list[tuple[str, str]]:
        """(sid, why) for each service on this node in maintenance that no
        other node may take, by the manager's own node selection."""
        if self._stuck is not None:
            return self._stuck
        out: list[tuple[str, str]] = []
        self._stuck = out
        for sid, sd in self.assigned():
            if sd.get("node") != self.node or sd.get("state") != "started":
                continue
            e = eligibility(self.ctx, sid)
            if e is not None and e.move_to is None:
                out.append((sid, e.cannot_leave()))
        return out

    def to_fence(self) -> list[str]:
        """Services whose fencing waits on this node (02 §9.1)."""
        conf = {s.sid: s for s in self.ctx.snap.services}
        out = []
        for sid, sd in self.assigned():
            if sd.get("node") != self.node:
                continue
            state = sd.get("state")
            if state == "fence":
                out.append(sid)
            elif state in FENCEABLE:
                if state == "stopped" and conf.get(sid) is not None and conf[sid].requested == "disabled":
                    continue
                out.append(sid)
        return out

    def text(self) -> str:
        ctx, node, nv = self.ctx, self.node, self.nv
        if nv is None:
            head, body = self.removed()
        elif nv.power != "on":
            head, body = self.powered_off()
        elif not nv.online:
            head, body = self.isolated()
        else:
            head, body = self.online()
        if ctx.snap.disarm:
            mode = ctx.snap.disarm.get("mode")
            body.append(
                f"The HA stack is disarmed (mode '{mode}'): the manager and the LRMs do not act on services, "
                "and no watchdog is armed, until 'arm-ha'."
            )
        parts = [f"{node}: {head}", " ".join(body)]
        nxt = self.next_part()
        if nxt:
            parts.append(nxt)
        return "\n\n".join(p for p in parts if p)

    def next_part(self) -> str:
        ctx = self.ctx
        if not ctx.has_future:
            return ""
        ids = {self.node} | {sid for sid, _ in self.assigned()}
        events = next_events(ctx.future, ctx.now, ids)
        if not events:
            return f"Next: nothing changes for {self.node} in the next {LOOKAHEAD} s unless someone acts."
        return "Next, if nobody intervenes:\n" + "\n".join(f"- {e}" for e in events)

    # -- the cases ------------------------------------------------------------------------------
    def removed(self) -> tuple[str, list[str]]:
        ctx, node = self.ctx, self.node
        at = self.hist.removed_at.get(node)
        removed = f" (delnode at {at}, {ago(self.now, at)})" if at is not None else ""
        if self.state == "gone":
            body = [f"{node} was removed from the cluster{removed}. The manager keeps it as 'gone'"]
            last, exact = ctx.last_online(node)
            if last is not None:
                t = last + GONE_DELAY
                body[0] += (
                    f" and forgets it once it has not been online for an hour: it was last seen online at {last}, "
                    f"so at {t} ({within(self.now, t)})."
                )
            else:
                body[0] += " and forgets it an hour after it was last seen online."
            return "removed from the cluster, still listed as 'gone'", body
        if self.state is None:
            line = ctx.last(lambda e: isinstance(e, E.GoneNodeDeleted) and e.node == node)
            when = f" at {line.time}" if line else ""
            return "removed from the cluster", [
                f"{node} was removed from the cluster{removed}; the manager forgot it{when}."
            ]
        body = [
            f"{node} was removed from the cluster{removed}, but the manager still lists it as '{self.state}'."
        ]
        if self.state == "maintenance":
            body.append(
                "A node stays in 'maintenance' as long as its last LRM status reports maintenance mode, "
                "so it never turns 'gone' — its LRM will not run again to say otherwise."
            )
        return f"removed from the cluster, still listed as '{self.state}'", body

    def powered_off(self) -> tuple[str, list[str]]:
        ctx, node, now = self.ctx, self.node, self.now
        off = self.hist.power_off_at.get(node)
        body: list[str] = []
        head = "powered off"
        if off is None:
            body.append(f"{node} is powered off; its HA daemons are not running.")
        else:
            t, source = off
            if source == "watchdog":
                head = "reset by its watchdog"
                lost = self.hist.offline_since.get(node)
                why = ""
                if lost is not None and lost < t:
                    why = (
                        f" It had lost quorum at {lost}; without quorum its LRM could not renew its agent lock, "
                        f"stopped feeding the watchdog, and the watchdog powered the node off {WATCHDOG_TIMEOUT} s after the last feed "
                        "— self-fencing, so that its services can safely be started elsewhere."
                    )
                body.append(f"{node} was reset by its watchdog at {t} ({ago(now, t)}).{why}")
            elif source == "shutdown":
                head = "shut down"
                asked = ctx.last_command(lambda c: isinstance(c, C.Shutdown) and c.node == node)
                when = f"requested at {asked.time}, " if asked is not None and asked.time <= t else ""
                body.append(
                    f"{node} was shut down ({when}powered off at {t}, {ago(now, t)}) with the shutdown policy "
                    f"'{ctx.snap.shutdown_policy}'."
                )
            elif source == "delnode":
                body.append(f"{node} was powered off at {t} to leave the cluster.")
            else:
                body.append(f"{node} was powered off at {t} ({ago(now, t)}); its HA daemons died with it.")
        body += self.manager_side()
        return head, body

    def isolated(self) -> tuple[str, list[str]]:
        ctx, node, nv, now = self.ctx, self.node, self.nv, self.now
        body: list[str] = []
        lost = self.hist.offline_since.get(node)
        since = f" since {lost} ({ago(now, lost)})" if lost is not None else ""
        online_count = sum(1 for n in ctx.snap.nodes if n.power == "on" and n.network == "on")
        total = len(ctx.snap.nodes)
        if nv.network != "on":
            head = "network cut, no quorum"
            body.append(f"{node} is powered on but its network is cut: it has no quorum{since}.")
        else:
            head = "no quorum"
            body.append(
                f"{node} is up, but the cluster has no quorum{since}: only {online_count} of {total} nodes "
                f"{'is' if online_count == 1 else 'are'} up and connected, and quorum needs more than half "
                f"({total // 2 + 1})."
            )
        lrm = nv.lrm_state
        if nv.watchdog_expires is not None:
            fire = nv.watchdog_expires
            fed = fire - WATCHDOG_TIMEOUT - 1
            holds = "its LRM holds the agent lock" if nv.lrm_state else "it holds an HA lock"
            body.append(
                f"Because {holds} (LRM {lrm or 'gone'}), its watchdog is armed. Without quorum the lock cannot be "
                f"renewed, so nobody feeds the watchdog any more (last fed at {fed}): it resets {node} at {fire} "
                f"({within(now, fire)})"
                + (
                    " — the node fences itself before the rest of the cluster recovers its services."
                    if ctx.snap.quorate
                    else " — it fences itself, because it cannot know whether another partition has quorum and"
                    " recovers its services."
                )
            )
        else:
            body.append(
                f"It holds no agent lock (LRM {lrm or 'not running'}: no active HA service here), so no watchdog is "
                f"armed and {node} is not reset; it simply waits for quorum to come back."
            )
        body += self.manager_side()
        return head, body

    def online(self) -> tuple[str, list[str]]:
        ctx, node, nv, now = self.ctx, self.node, self.nv, self.now
        body: list[str] = []
        head = "online" + (", master" if nv.master else "")
        if self.state == "maintenance":
            stuck = [sid for sid, _ in self.cannot_leave()]
            head = "in maintenance" + (", master" if nv.master else "")
            if stuck:
                head += f", {len(stuck)} service{'s' if len(stuck) > 1 else ''} cannot leave"
        if nv.shutdown:
            head += ", rebooting" if nv.shutdown == "reboot" else ", shutting down"
        crm = {
            "master": f"its CRM is the master: it runs the manager round every loop ({ctx.snap.loop_length} s)",
            "slave": f"its CRM is a slave (the master is {ctx.snap.master})"
            if ctx.snap.master
            else "its CRM is a slave",
            "wait_for_quorum": "its CRM is starting up (waiting for quorum)",
            "lost_manager_lock": "its CRM just lost the manager lock",
        }.get(nv.crm_state or "", f"its CRM is {nv.crm_state}" if nv.crm_state else "its CRM is not running")
        body.append(f"{node} is online and in the quorate partition; {crm}.")
        mine = [sid for sid, sd in self.assigned() if sd.get("node") == node]
        running = [s.sid for s in ctx.snap.services if node in s.running_on]
        if nv.lrm_state == "active":
            svc = f"runs {listing(running)}" if running else "runs no HA service yet"
            fire = nv.watchdog_expires
            wd = (
                f"; it feeds its watchdog at every step (the watchdog would reset the node at {fire} if it stopped)"
                if fire
                else ""
            )
            body.append(f"Its LRM is active, holds the agent lock and {svc}{wd}.")
        elif nv.lrm_mode == "disarm":
            body.append(
                "Its LRM is disarmed: it holds no agent lock and arms no watchdog; the services keep running untouched."
            )
        elif nv.lrm_state == "wait_for_agent_lock":
            holder, expires = nv.agent_lock_holder, nv.agent_lock_expires
            active = [
                sid for sid, sd in self.assigned()
                if sd.get("node") == node and sd.get("state") not in INACTIVE_SERVICE_STATES
            ]  # fmt: skip
            to_start = [sid for sid in active if sid not in running]
            if holder and holder != node and expires is not None and active:
                body.append(
                    f"Its LRM waits for its agent lock, which {holder} holds (the master took it over when it fenced "
                    f"{node}); the lock expires at {expires} ({within(now, expires)}), then the LRM takes it"
                    + (f" and starts {listing(to_start)}." if to_start else ".")
                )
            elif holder and holder != node and expires is not None:
                body.append(
                    f"Its LRM is idle (no active HA service here). {holder} still holds {node}'s agent lock from "
                    f"fencing it; the lock expires at {expires} ({within(now, expires)})."
                )
            elif active:
                body.append(
                    "Its LRM takes its agent lock at its next step"
                    + (f" and then starts {listing(to_start)}." if to_start else ".")
                )
            elif mine:
                body.append(
                    f"Its LRM holds no agent lock and arms no watchdog: none of the services assigned here "
                    f"({listing(mine)}) is active right now."
                )
            else:
                body.append(
                    "Its LRM is idle (no HA service assigned here): it holds no agent lock and no watchdog is armed."
                )
        elif nv.lrm_state == "maintenance":
            body.append(self.lrm_maintenance_text())
        elif nv.lrm_state == "lost_agent_lock":
            body.append("Its LRM lost its agent lock and tries to get it back.")
        elif nv.lrm_state is None:
            body.append("Its LRM is not running.")
        if nv.shutdown:
            body.append(self.shutdown_text())
        elif nv.lrm_mode == "restart":
            body.append(
                "Its LRM is restarting: the manager freezes its services (they keep running and stay here) until "
                "the new LRM is up."
            )
        if self.state == "maintenance" or nv.lrm_mode == "maintenance" or self.maintenance_requested():
            body.append(self.maintenance_text())
        elif self.state == "fence":
            holder, expires = nv.agent_lock_holder, nv.agent_lock_expires
            body.append(
                f"The manager still has it in 'fence': it fences {node} as soon as it can take over {node}'s agent lock"
                + (f" (free from {expires}, {within(now, expires)})" if expires else "")
                + "."
            )
        elif self.state == "unknown":
            body.append("The manager has not yet seen it online again; it marks it online at its next round.")
        elif self.state is None and ctx.snap.master:
            body.append("The manager has not seen it yet; it adds it at its next round.")
        frozen = [sid for sid, sd in self.assigned() if sd.get("state") == "freeze"]
        if frozen:
            reason = freeze_reason(ctx, node)
            body.append(f"Frozen here: {listing(frozen)} — {reason}")
        return head, body

    def shutdown_text(self) -> str:
        nv, policy = self.nv, self.ctx.snap.shutdown_policy
        kind = nv.shutdown
        mode = nv.lrm_mode
        if mode == "maintenance":
            what = "its services are migrated away first (maintenance), then the node goes down"
        elif mode == "restart":
            what = "its services are stopped and frozen: they stay assigned here and start again when it is back"
        elif mode == "shutdown":
            what = (
                f"its services are stopped; once it has been offline for {FENCE_DELAY} s the manager fences it (its LRM released "
                "the agent lock cleanly, so that is immediate) and recovers them on other nodes"
            )
        else:
            what = "its LRM handles the request at its next step"
        return f"It is going down ({kind}) with the shutdown policy '{policy}': {what}."

    def lrm_maintenance_text(self) -> str:
        """The LRM's *state* 'maintenance', told apart from its *mode*: the
        mode says maintenance is requested; the state is where the LRM's
        state machine is, and it leaves 'maintenance' only once no service is
        active on its node, whatever the mode (03 §3)."""
        nv, node = self.nv, self.node
        active = self.active_here()
        mode = nv.lrm_mode or "active"
        if mode == "maintenance":
            policy = self.ctx.snap.shutdown_policy
            why = "maintenance is requested" if self.maintenance_requested() else f"set by the '{policy}' shutdown policy"
            text = f"Its LRM's mode is 'maintenance' ({why}) and its state is 'maintenance' too:"
        else:
            toggled = self.ctx.last_command(lambda c: isinstance(c, C.NodeMaintenance) and c.node == node)
            disabled = (
                f"maintenance was disabled at {toggled.time}, "
                if toggled is not None and not toggled.event.command.enable
                else ""
            )
            text = (
                f"Its LRM's mode is '{mode}' again ({disabled}the manager has {node} "
                f"'{self.state}'), but its state is still 'maintenance': an LRM leaves that state only once no "
                "service is active on its node;"
            )
        if active:
            return (
                f"{text} it keeps the agent lock and feeds the watchdog while {listing(active)} "
                f"{verb(active, 'is', 'are')} active here, and carries out the manager's requests."
            )
        if nv.agent_lock_holder == node:
            return (
                f"{text} no service is active here any more; it releases the agent lock and the watchdog at its "
                "next step."
            )
        return f"{text} no service is active here, so it has released the agent lock and the watchdog."

    def maintenance_text(self) -> str:
        """Maintenance as the manager sees it: requested (the LRM's mode) or
        in force (the manager's node state), what moved away, what is moving,
        and what cannot leave and why."""
        ctx, node = self.ctx, self.node
        request = self.maintenance_requested()
        away = [
            f"{sid} (now on {sd.get('node')})"
            for sid, sd in sorted(ctx.service_status.items())
            if sd.get("maintenance_node") == node and sd.get("node") != node
        ]
        toggled = ctx.last_command(lambda c: isinstance(c, C.NodeMaintenance) and c.node == node)
        if not request and toggled is not None and not toggled.event.command.enable:
            when = f" at {toggled.time}"
            text = f"Maintenance was disabled{when}; the manager ends it at its next round"
            text += f" and moves back {listing(away)}." if away else "."
            return text
        asked = f" at {toggled.time}" if request and toggled is not None else ""
        why = (
            f"requested with 'enable-node-maintenance'{asked}" if request else "because of the 'migrate' shutdown policy"
        )
        if self.state == "maintenance":
            since = ctx.last(lambda e: isinstance(e, E.NodeStateChanged) and e.node == node and e.new == "maintenance")
            text = (
                f"Maintenance ({why}) is in force: the manager has {node} in 'maintenance'"
                + (f" since {since.time}" if since is not None else "")
                + ", so it places no service here, moves the services away, and does not fence the node."
            )
        else:
            lrm = (
                f"{node}'s LRM has switched to maintenance mode and reports it; at its next round"
                if self.nv.lrm_mode == "maintenance"
                else f"{node}'s LRM switches to maintenance mode at its next step and reports it; at its next round "
                "after that"
            )
            text = (
                f"Maintenance was {why}: {lrm} the manager puts {node} in 'maintenance' and starts moving the "
                "services away."
            )
        moving = [
            sid for sid, sd in self.assigned() if sd.get("node") == node and sd.get("state") in MOVING_STATES
        ]
        if moving:
            text += f" Moving away now: {listing(moving)}."
        if away:
            back = "when maintenance is disabled" if request else "when the node is back"
            text += f" Moved away: {listing(away)}; {verb(away, 'it returns', 'they return')} {back}."
        stuck = self.cannot_leave() if self.state == "maintenance" else []
        for sid, reason in stuck:
            text += f" {sid} cannot leave: {reason}."
        if stuck:
            names = [sid for sid, _ in stuck]
            text += (
                f" So {listing(names)} {verb(names, 'keeps', 'keep')} running on {node}, which is not empty: its "
                f"LRM keeps the agent lock and the watchdog until {verb(names, 'it leaves', 'they leave')}."
            )
        elif self.state == "maintenance" and not moving and not self.active_here():
            text += f" {node} is empty: no HA service is active here any more."
        return text

    def manager_side(self) -> list[str]:
        """What the master does about this offline node."""
        ctx, node, now = self.ctx, self.node, self.now
        body: list[str] = []
        master = ctx.snap.master if ctx.snap.quorate else None
        state = self.state
        if not ctx.snap.quorate:
            lost = self.hist.quorum_lost_at
            body.append(
                "No node has quorum"
                + (f" (since {lost})" if lost is not None else "")
                + ", so no manager runs: nothing is fenced or recovered until more than half of the nodes are back."
            )
            return body
        active = ctx.active_master()
        if active is None:
            body.append(ctx.no_master_text())
            to_fence = self.to_fence()
            if to_fence:
                body.append(
                    f"The new master then waits a full fence delay of {FENCE_DELAY} s from its first round before it fences "
                    f"{node} (a new master does not know when {node} was last online), because {listing(to_fence)} "
                    f"{verb(to_fence, 'is', 'are')} assigned to it."
                )
            return body
        master = active
        who = f"The master ({master})"
        to_fence = self.to_fence()
        fenced = ctx.last(lambda e: isinstance(e, E.NodeFenced) and e.node == node)
        off_at = self.hist.offline_since.get(node)
        if state == "online":
            body.append(f"{who} still has it 'online'; at its next round it marks it 'unknown'.")
        if state == "maintenance":
            left = [sid for sid, sd in self.assigned() if sd.get("node") == node]
            held = (
                f"{listing(left)} {verb(left, 'is', 'are')} still assigned to it"
                if left
                else "its services were moved away"
            )
            body.append(
                f"{who} has it in 'maintenance': {held}, and a node in maintenance is not fenced while its last LRM "
                "status says maintenance."
            )
            return body
        if state in ("online", "unknown") and to_fence:
            last, exact = ctx.last_online(node)
            if last is not None:
                t = last + FENCE_DELAY
                approx = "" if exact else " about"
                because = f"because {listing(to_fence)} {verb(to_fence, 'is', 'are')} assigned to it"
                if off_at is not None and off_at < last:
                    body.append(
                        f"{who} became master after {node} went offline, so it started the {FENCE_DELAY} s fence delay when it "
                        f"first found {node} offline, at {last}: it starts fencing {node} at {t} ({within(now, t)}), "
                        f"{because}."
                    )
                else:
                    body.append(
                        f"{who} last saw it online at{approx} {last}; once it has been offline for {FENCE_DELAY} s —{approx} at "
                        f"{t} ({within(now, t)}) — it starts fencing it, {because}."
                    )
            else:
                body.append(
                    f"{who} starts a {FENCE_DELAY} s fence delay at its next round, because {listing(to_fence)} "
                    f"{'is' if len(to_fence) == 1 else 'are'} assigned to it."
                )
            body.append(self.lock_text(master))
        elif state == "fence":
            if to_fence:
                body.append(f"{who} is fencing it: {listing(to_fence)} {verb(to_fence, 'waits', 'wait')} for recovery.")
            else:
                body.append(f"{who} is fencing it.")
            body.append(self.lock_text(master))
        elif state == "unknown" and fenced is not None and (off_at is None or fenced.time >= off_at):
            recovered = [
                f"{line.event.sid} to {line.event.target}"
                for line in ctx.lines
                if line.time >= fenced.time and isinstance(line.event, E.ServiceRecovered) and line.event.fenced == node
            ]
            text = f"It was fenced at {fenced.time} ({ago(now, fenced.time)}): the master took over its agent lock"
            text += f" and recovered {listing(recovered)}." if recovered else "."
            waiting = [
                line.event.sid
                for line in ctx.lines
                if line.time >= fenced.time and isinstance(line.event, E.RecoveryFailed) and line.event.fenced == node
            ]
            waiting = sorted({s for s in waiting if (ctx.service_status.get(s) or {}).get("state") == "recovery"})
            for sid in waiting:
                e = eligibility(ctx, sid)
                why = f" ({e.why_not(e.others_blocked)})" if e is not None and e.others_blocked else ""
                text += f" {sid} found no node it may run on{why} and waits in 'recovery' until one may take it."
            if waiting:
                text += f" Otherwise nothing is pending for {node}; it rejoins when it is powered on again."
            else:
                text += f" Nothing is pending for {node}; it rejoins when it is powered on again."
            body.append(text)
        elif state in ("unknown", None):
            frozen = [sid for sid, sd in self.assigned() if sd.get("state") == "freeze"]
            if frozen:
                body.append(
                    f"{listing(frozen)} {'is' if len(frozen) == 1 else 'are'} frozen on {node}: frozen services are "
                    f"not fenced or recovered — they wait for {node} to come back."
                )
            else:
                body.append(
                    f"{who} has it 'unknown'. No HA service needs it, so there is nothing to fence or recover."
                )
        elif state == "gone":
            body.append(f"{who} has it 'gone'.")
        return body

    def lock_text(self, master: str) -> str:
        nv, node, now = self.nv, self.node, self.now
        if nv is None:
            return ""
        holder, expires = nv.agent_lock_holder, nv.agent_lock_expires
        if holder is None:
            return (
                f"Fencing means taking over {node}'s agent lock; nobody holds it (its LRM released it on a clean "
                "shutdown, or never took it), so the master gets it at once and recovers the services."
            )
        if holder != node:
            return f"{holder} already holds {node}'s agent lock."
        renewed = expires - LOCK_TIMEOUT - 1
        wd = ""
        if nv.power == "on" and nv.watchdog_expires is not None:
            wd = f" (by then its watchdog has reset it, at {nv.watchdog_expires})"
        return (
            f"Fencing means taking over {node}'s agent lock, which {node} last renewed at {renewed}: the lock can be "
            f"taken once it is older than {LOCK_TIMEOUT} s, from {expires} ({within(now, expires)}){wd}; at its first round after "
            "that the master takes it and recovers the services on other nodes."
        )
