"""The discrete-event core."""

from __future__ import annotations

import numpy as np

from qnetlang.runtime.events import Environment, Scheduler, to_ps, to_seconds


def test_order_is_time_then_priority_then_insertion() -> None:
    env = Environment(np.random.default_rng(0))
    seen: list[str] = []
    env.schedule(10, seen.append, "late")
    env.schedule_with_priority(1, 5, seen.append, "b")
    env.schedule_with_priority(0, 5, seen.append, "a")
    env.schedule_with_priority(1, 5, seen.append, "c")
    env.schedule(0, seen.append, "first")
    env.run()
    assert seen == ["first", "a", "b", "c", "late"]
    assert env.now == 10 and env.processed == 5 and env.pending == 0


def test_cancel_and_run_until() -> None:
    env = Environment(np.random.default_rng(0))
    seen: list[int] = []
    handle = env.schedule(3, seen.append, 3)
    env.schedule(7, seen.append, 7)
    env.schedule(12, seen.append, 12)
    env.cancel(handle)
    env.run(until=10)
    assert seen == [7] and env.now == 10
    env.run()
    assert seen == [7, 12]


def test_events_scheduled_by_events_and_schedulers() -> None:
    env = Environment(np.random.default_rng(0))
    ticks: list[int] = []
    clock = Scheduler(env, priority=2)

    def tick(n: int) -> None:
        ticks.append(env.now)
        if n:
            clock.after(100, tick, n - 1)

    clock.after(0, tick, 4)
    env.run()
    assert ticks == [0, 100, 200, 300, 400]


def test_memory_does_not_grow_with_processed_events() -> None:
    env = Environment(np.random.default_rng(0))

    def again(n: int) -> None:
        if n:
            env.schedule(1, again, n - 1)

    env.schedule(0, again, 100_000)
    env.run()
    assert env.processed == 100_001 and env.pending == 0 and not env._heap


def test_time_conversion() -> None:
    assert to_ps(489.6e-6) == 489_600_000
    assert to_seconds(to_ps(1.5e-9)) == 1.5e-9
