"""How `rules check` grows with the number of distinct thresholds (issue 13).

    python benchmarks/check_scale.py [--bands] [SIZES...]   (default: 100 300 1000 5000)

Synthetic rule sets: the test fixture tests/rulesets/minimal with n more rules in a collect
table, each `pain_weeks >= k` for a different k (n distinct thresholds on one number
answer). With --bands, each rule is a band instead, `k <= pain_weeks < k + 3`, its level
cycling through the four below emergency: no answer fires more than three of them, so each
rule needs an engine run of its own to confirm it can fire (n runs of n rules).

Each size is checked in-process (the checker, not start-up) and timed in CPU seconds
(`time.process_time`: the machine is shared, and wall time would measure the other jobs).
The figures are ratios: each size's time to the smallest size's, against what n log n and
n^2 growth would give. The target: no worse than n log n, i.e. every ratio at most
(n log n) / (n0 log n0), with 25% allowed for noise.
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.synthetic import MINIMAL, thresholds  # noqa: E402 - the rule sets the tests check

SIZES = (100, 300, 1000, 5000)
NOISE = 1.25


ROUNDS = 3  # the best of three: the smallest sizes take milliseconds


def measure(n: int, folder: Path, bands: bool = False) -> tuple[float, int]:
    """CPU seconds of a `rules check` of n thresholds (the best of ROUNDS), and the nodes
    it walked."""
    from insertadvisor.checker import check
    from insertadvisor.loading import load_ruleset

    ruleset = load_ruleset(thresholds(MINIMAL, folder / str(n), n, bands=bands), use_cache=False)
    best = math.inf
    for _ in range(ROUNDS):
        start = time.process_time()
        report = check(ruleset)
        best = min(best, time.process_time() - start)
    if not report.ok:
        raise RuntimeError(f"{n} thresholds: {[f.message for f in report.findings][:3]}")
    return best, report.stages[0].nodes


def main(argv: list[str]) -> int:
    bands = "--bands" in argv
    sizes = [int(a) for a in argv if a != "--bands"] or list(SIZES)
    ok = True
    with tempfile.TemporaryDirectory(prefix="insertadvisor-check-scale-") as tmp:
        figures = [(n, *measure(n, Path(tmp), bands)) for n in sizes]
    n0, t0, _ = figures[0]
    print("| thresholds | CPU s | nodes | time ratio | n log n ratio | n^2 ratio | ok |")
    print("|---|---|---|---|---|---|---|")
    for n, seconds, nodes in figures:
        ratio = seconds / t0
        nlogn = (n * math.log(n)) / (n0 * math.log(n0))
        square = (n / n0) ** 2
        fine = ratio <= nlogn * NOISE
        ok = ok and fine
        print(f"| {n:,} | {seconds:.2f} | {nodes:,} | {ratio:.1f}x | {nlogn:.1f}x | "
              f"{square:.0f}x | {'yes' if fine else 'NO'} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
