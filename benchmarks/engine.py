"""Engine: the decisions for one answer set, in-process.

    python benchmarks/engine.py [ROUNDS]

`insertadvisor.pipeline.run` (derived facts, every table, triage, insert, heel lift)
against the same decisions written by hand as if/else (reference.py), on the same 2,000
random answer sets, after checking that the two agree (only when reference.py was written
for these rules). GoRules' zen-engine (zen_policy.py) is timed too where it is installed
and can express the rules.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import Figure, report
from answers_gen import answer_sets
from check_reference import decided, written_for
from reference import decide_by_hand

HAND_LIMIT = 5.0
ZEN_LIMIT = 10.0


def _timer(fn: Callable[[dict[str, Any]], Any], batch: list[dict[str, Any]]) -> Callable[[], float]:
    def measure() -> float:
        start = time.perf_counter()
        for answers in batch:
            fn(answers)
        return (time.perf_counter() - start) / len(batch)

    return measure


def measure(rounds: int = 15, count: int = 2000) -> list[Figure]:
    from insertadvisor.loading import load_ruleset
    from insertadvisor.pipeline import run

    ruleset = load_ruleset()
    batch = answer_sets(count, seed=2026, ruleset=ruleset)
    agreed = written_for(ruleset)
    for answers in batch if agreed else ():
        engine_said, hand_said = decided(run(ruleset, "assess", answers)), decide_by_hand(answers)
        if engine_said != hand_said:
            raise SystemExit(f"reference.py and the rules disagree on {answers}")
    if not agreed:
        print("  2a: reference.py was written for other rules; timed, not compared")
    candidates = {
        "engine": _timer(lambda a: run(ruleset, "assess", a), batch),
        "hand": _timer(decide_by_hand, batch),
    }
    zen_note = ""
    try:
        import zen_policy

        engine = zen_policy.make_engine(ruleset)
        problems = zen_policy.compare(ruleset, engine, batch)
    except ImportError:
        zen_note = "zen-engine not installed (pip install zen-engine)"
    except Exception as exc:  # noqa: BLE001 - an optional comparison point, never fatal
        zen_note = f"zen_policy cannot express these rules ({type(exc).__name__}: {exc})"
    else:
        if problems:
            raise SystemExit(f"zen-engine decides differently: {problems[0]}")
        candidates["zen"] = _timer(lambda a: zen_policy.decide(engine, a), batch[: count // 4])
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for measure_one in candidates.values():  # warm-up
        measure_one()
    for _ in range(rounds):
        for name, measure_one in candidates.items():
            times[name].append(measure_one())
    med = {name: statistics.median(values) for name, values in times.items()}
    us = {name: f"{value * 1e6:.1f} us" for name, value in med.items()}
    figures = [Figure("2a. engine / hand-written", med["engine"] / med["hand"], HAND_LIMIT,
                      f"engine {us['engine']}, hand-written {us['hand']} per answer set "
                      f"({count} answer sets, {rounds} rounds)")]
    if "zen" in med:
        figures.append(Figure("2b. zen-engine (trace) / engine", med["zen"] / med["engine"],
                              ZEN_LIMIT, f"zen-engine {us['zen']} per answer set; zen / "
                              f"hand-written {med['zen'] / med['hand']:.0f}x", at_least=True))
    else:
        print(f"  2b skipped: {zen_note}")
    return figures


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    figures = measure(rounds)
    return report(figures)


if __name__ == "__main__":
    sys.exit(main())
