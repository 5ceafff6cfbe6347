"""The discrete-event core: a clock, a future-event list and one random generator.

Time is an integer number of picoseconds, so that equal times compare exactly.
Events are ordered by (time, priority, insertion sequence): at one time the
lower priority runs first, and among equals the earlier scheduled, so a run
is deterministic. Nothing is kept about an event once it has run (unless a
tracer is attached), so memory does not grow with the number of events.
"""

from __future__ import annotations

from heapq import heappop, heappush
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

PICOSECONDS = 10 ** 12


# The longest wait or window a program may ask for: about 31 years. Beyond it, and below
# zero, a time is a mistake (E0808, E0905) rather than something to simulate.
MAX_SECONDS = 1e9


def valid_duration(seconds: float) -> bool:
    return 0 <= seconds <= MAX_SECONDS


def to_ps(seconds: float) -> int:
    return round(seconds * PICOSECONDS)


def to_seconds(picoseconds: int) -> float:
    return picoseconds / PICOSECONDS


class Environment:
    """Owns the clock, the event list and the random generator of one simulation."""

    __slots__ = ("now", "rng", "processed", "_heap", "_sequence", "_cancelled")

    def __init__(self, rng: np.random.Generator | None) -> None:
        self.now = 0  # picoseconds
        self.rng = rng  # None where nothing random is drawn (the analyses)
        self.processed = 0
        self._heap: list[tuple[int, int, int, Callable[..., Any], tuple[Any, ...]]] = []
        self._sequence = 0
        self._cancelled: set[int] = set()

    def schedule(self, delay: int, callback: Callable[..., Any], *args: Any) -> int:
        """Runs `callback(*args)` `delay` picoseconds from now, at priority 0; returns a
        handle for `cancel`. (The hot path: one call, no keyword arguments.)"""
        if delay < 0:
            raise ValueError("an event cannot be scheduled in the past")
        sequence = self._sequence = self._sequence + 1
        heappush(self._heap, (self.now + delay, 0, sequence, callback, args))
        return sequence

    def schedule_with_priority(self, priority: int, delay: int,
                               callback: Callable[..., Any], *args: Any) -> int:
        """As `schedule`; at one time, lower priorities run first."""
        if delay < 0:
            raise ValueError("an event cannot be scheduled in the past")
        sequence = self._sequence = self._sequence + 1
        heappush(self._heap, (self.now + delay, priority, sequence, callback, args))
        return sequence

    def cancel(self, handle: int) -> None:
        self._cancelled.add(handle)

    def run(self, until: int | None = None) -> None:
        """Processes events in order until none is left (or the next is after `until`)."""
        heap, cancelled, pop = self._heap, self._cancelled, heappop
        processed = 0
        try:
            while heap:
                if until is not None and heap[0][0] > until:
                    break
                time, _, sequence, callback, args = pop(heap)
                if cancelled and sequence in cancelled:
                    cancelled.discard(sequence)
                    continue
                self.now = time
                processed += 1
                callback(*args)
        finally:  # a callback that raises (a batch that splits) has still run
            self.processed += processed
        if until is not None:
            self.now = max(self.now, until)

    def due_now(self) -> Iterator[tuple[Callable[..., Any], tuple[Any, ...]]]:
        """The callbacks and arguments of the events still to run at this very instant."""
        for time, callback, args in self.pending_events():
            if time == self.now:
                yield callback, args

    def pending_events(self) -> Iterator[tuple[int, Callable[..., Any], tuple[Any, ...]]]:
        """The time, callback and arguments of every event still to run, in no order."""
        for time, _, sequence, callback, args in self._heap:
            if sequence not in self._cancelled:
                yield time, callback, args

    def advance(self, delay: int) -> None:
        """Moves the clock and every pending event `delay` later (an analysis that skips
        turns which repeat)."""
        self.now += delay
        self._heap[:] = [(time + delay, *rest) for time, *rest in self._heap]  # run() holds it

    def copy(self, rng: np.random.Generator,
             rewrite: Callable[[Callable[..., Any], tuple[Any, ...]],
                               tuple[Callable[..., Any], tuple[Any, ...]]]) -> Environment:
        """The clock and the pending events with a new generator, each event's callback and
        arguments passed through `rewrite` (for a simulation that splits in two)."""
        copy = Environment(rng)
        copy.now, copy.processed, copy._sequence = self.now, self.processed, self._sequence
        copy._cancelled = set(self._cancelled)
        copy._heap = [(time, priority, sequence, *rewrite(callback, args))
                      for time, priority, sequence, callback, args in self._heap]
        return copy

    @property
    def pending(self) -> int:
        return len(self._heap) - len(self._cancelled)


class Scheduler:
    """What an entity carries to schedule its own events at its own priority."""

    __slots__ = ("env", "priority")

    def __init__(self, env: Environment, priority: int = 0) -> None:
        self.env = env
        self.priority = priority

    def after(self, delay: int, callback: Callable[..., Any], *args: Any) -> int:
        return self.env.schedule_with_priority(self.priority, delay, callback, *args)

    def cancel(self, handle: int) -> None:
        self.env.cancel(handle)
