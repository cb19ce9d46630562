"""What the CRM and the LRM share: the shape of one step.

The harness calls `do_one_iteration`; the daemon's clock is set to the
hardware clock first and moves one second at the end (spec 01 §6.1), and the
cluster-state-update flag is sampled once per step (02 §3.2, 03 §5).
"""

from __future__ import annotations


class Daemon:
    env: object
    cluster_state_update: bool

    def work(self) -> bool:
        raise NotImplementedError

    def do_one_iteration(self) -> bool:
        env = self.env
        env.loop_start_hook()
        self.cluster_state_update = env.cluster_state_update()
        result = self.work()
        env.loop_end_hook()
        return result
