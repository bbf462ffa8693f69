"""Which rules of a collect table can hold for a number: the rules whose condition requires
the number to lie in a range, looked up by the value instead of each tested.

A rule whose condition is, or requires (a part of its `all`), comparisons of one number
with constants can only hold when the number lies between them. A table with many such
rules on one number (thousands of thresholds, `rules check` of a large rule set) would
otherwise test every one of them for every answer set. The lookup is only a shortlist:
the engine still tests each rule it returns, so it must return every rule that can hold
(a superset), and may return more. An unknown value (None) makes every comparison false.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

from insertadvisor.conditions import Node

# Below this many rules in range on one number, testing each is cheaper than looking up.
RANGED_MIN = 16
LOWER = ("gt", "gte")
UPPER = ("lt", "lte")


def number_range(when: Node) -> tuple[str, float | None, float | None] | None:
    """(fact, lowest, highest) when a condition can only hold if the fact lies in
    [lowest, highest] (None: unbounded); taken from the condition itself or the direct
    parts of its `all`, for the first fact they compare with a number."""
    parts = when[1] if when[0] == "all" else (when,)
    leaves = [p for p in parts if p[0] in LOWER + UPPER and _number(p[2])]
    if not leaves:
        return None
    fact = leaves[0][1]
    lows = [p[2] for p in leaves if p[1] == fact and p[0] in LOWER]
    highs = [p[2] for p in leaves if p[1] == fact and p[0] in UPPER]
    return fact, max(lows) if lows else None, min(highs) if highs else None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class RangeIndex:
    """The rules in range on one number, by their bounds: those with only a lowest value
    sorted by it, those with only a highest value sorted by it, and those with both by the
    stretches between their bounds (so a band is found among a few, not among all)."""

    __slots__ = ("everything", "grid", "high_at", "highs", "low_at", "lows", "points")

    def __init__(self, ranges: list[tuple[int, float | None, float | None]]) -> None:
        self.everything = tuple(sorted(p for p, _, _ in ranges))
        lower = sorted((lo, p) for p, lo, hi in ranges if lo is not None and hi is None)
        upper = sorted((hi, p) for p, lo, hi in ranges if hi is not None and lo is None)
        both = [(p, lo, hi) for p, lo, hi in ranges if lo is not None and hi is not None]
        points = sorted({v for _, lo, hi in both for v in (lo, hi)})
        # slot 2i + 1 is the point points[i], slot 2i the stretch just below it: a range
        # covers the slots from its lowest point's to its highest's
        slots = [(p, 2 * bisect_left(points, lo) + 1, 2 * bisect_left(points, hi) + 2)
                 for p, lo, hi in both]
        grid: list[list[int]] = [[] for _ in range(2 * len(points) + 1)]
        if sum(max(end - start, 0) for _, start, end in slots) > 8 * len(both) + 16:
            # nested ranges would fill the grid quadratically: listed by their lowest
            lower = sorted([*lower, *((lo, p) for p, lo, _ in both)])
            points, grid, slots = [], [[]], []
        for position, start, end in slots:
            for slot in range(start, end):
                grid[slot].append(position)
        self.lows = [lo for lo, _ in lower]
        self.low_at = [p for _, p in lower]
        self.highs = [hi for hi, _ in upper]
        self.high_at = [p for _, p in upper]
        self.points = points
        self.grid = grid

    def holding(self, value: Any) -> list[int]:
        """The places of the rules that can hold for `value` (unsorted)."""
        if value is None:
            return []  # a comparison with an unknown value is false
        if not _number(value):
            return list(self.everything)  # not a number: let the tests decide
        found = self.low_at[:bisect_right(self.lows, value)]
        found += self.high_at[bisect_left(self.highs, value):]
        if self.points:
            place = bisect_left(self.points, value)
            exact = place < len(self.points) and self.points[place] == value
            found += self.grid[2 * place + 1 if exact else 2 * place]
        return found
