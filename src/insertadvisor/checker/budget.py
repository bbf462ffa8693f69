"""How long a proof may take, and how it shows it is still going (issue 13).

`rules check` of a large rule set can take minutes: a Watch, ticked at every node the
search walks, reports progress once a second has passed and stops the proof when its
time budget is spent. Reading the clock costs more than a node: it is read every
EVERY nodes only.
"""

from __future__ import annotations

from collections.abc import Callable

from insertadvisor.errors import ExitStatus, InsertAdvisorError

EVERY = 256  # nodes between two readings of the clock
QUIET_SECONDS = 1.0  # no progress shown for a proof shorter than this


class OverBudget(InsertAdvisorError):
    """The proof was not finished within its time budget: the rule set is not proved,
    which a safety gate must treat as a failure (exit 3), never as a pass."""

    exit_status = ExitStatus.INVALID_RULES

    def __init__(self, budget: float, nodes: int) -> None:
        self.budget = budget
        self.nodes = nodes
        super().__init__(f"rules check: not finished within the time budget of {budget:g} s "
                         f"({nodes:,} nodes walked), so the rule set is not proved; give a "
                         "larger --time-budget")


class Stopped(Exception):
    """The caller asked the proof to stop (Ctrl-C while it ran on its own thread)."""


class Watch:
    """Counts the nodes walked; every EVERY of them, asks `stop` and reads the clock."""

    __slots__ = ("budget", "clock", "count", "progress", "start", "stop")

    def __init__(self, clock: Callable[[], float], budget: float | None = None,
                 progress: Callable[[int, float], None] | None = None,
                 stop: Callable[[], bool] | None = None) -> None:
        self.clock = clock
        self.start = clock()
        self.budget = budget
        self.progress = progress
        self.stop = stop
        self.count = 0

    def tick(self) -> None:
        self.count += 1
        if self.count % EVERY:
            return
        if self.stop is not None and self.stop():
            raise Stopped
        if self.budget is None and self.progress is None:
            return
        spent = self.clock() - self.start
        if self.budget is not None and spent > self.budget:
            raise OverBudget(self.budget, self.count)
        if self.progress is not None and spent >= QUIET_SECONDS:
            self.progress(self.count, spent)
