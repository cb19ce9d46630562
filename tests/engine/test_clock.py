"""The paced clock and the next-change search, with an injected real clock."""

from __future__ import annotations

from hasim.clock import MAX_TICK, NextChange, PacedClock
from tests.engine.test_explain import POWER_ON, make_sim


class FakeTime:
    def __init__(self) -> None:
        self.now = 64.0  # binary fractions below: exact sums

    def __call__(self) -> float:
        return self.now


def test_virtual_time_follows_real_time_at_the_rate():
    real = FakeTime()
    clock = PacedClock(real, rate=10, virtual=20)
    real.now += 0.5
    assert clock.tick() == 25
    clock.set_rate(0)  # pause: the half second before still counted at 10x
    real.now += 3
    assert clock.tick() == 25
    clock.set_rate(100)
    real.now += 0.125
    assert clock.tick() == 37.5


def test_a_stalled_driver_does_not_jump_hours_ahead():
    real = FakeTime()
    clock = PacedClock(real, rate=100)
    real.now += 3600
    assert clock.tick() == 100 * MAX_TICK


def test_jumps_and_falling_behind():
    real = FakeTime()
    clock = PacedClock(real, rate=10)
    clock.jump(500)  # a step moved the simulation
    real.now += 1
    assert clock.tick() == 510
    clock.fall_behind(reached=502, slack=1)
    assert clock.virtual == 503


def test_the_reached_rate_is_measured_over_the_last_two_seconds():
    real = FakeTime()
    clock = PacedClock(real, rate=100)
    for step in range(30):
        real.now += 0.1
        rate, span = clock.reached_rate(sim_time=step * 4)  # the engine makes 40 virtual s per real s
    assert round(rate) == 40 and 1.9 <= span <= 2.1


def test_next_change_stops_at_the_first_state_change(tmp_path):
    sim = make_sim(tmp_path, [POWER_ON])
    sim.advance(200)  # all started, quiet
    search = NextChange(sim)
    assert not search.run()  # nothing happens by itself
    assert search.exhausted and sim.time > 200 + 3600 - 20
    sim.submit("network node2 off")
    search = NextChange(sim)
    assert search.run()
    assert sim.snapshot().node("node2").network == "off"
