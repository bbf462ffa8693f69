"""Run every benchmark of issue 6 and print one table of ratios.

    python benchmarks/run_all.py [--quick] [--other-typer PYTHON]

Every figure is measured side by side with its baseline in the same run (interleaved,
medians), because the machine is shared and noisy. --quick takes fewer rounds (a smoke
test, not figures to quote); --other-typer times the Typer floor under another
interpreter too (a throwaway venv with a different Typer, for docs/performance.md).
Exit status 1 if any target is missed.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import batch_speed
import engine
import interactive
import rules_check
import startup
from _harness import Figure, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds: a smoke test")
    parser.add_argument("--other-typer", metavar="PYTHON",
                        help="an interpreter whose venv has another Typer, for its floor")
    args = parser.parse_args()
    quick = args.quick
    began = time.perf_counter()
    print(f"insertadvisor benchmarks: Python {platform.python_version()} on "
          f"{platform.machine()}, {platform.system()}; {_cpus()} CPUs", flush=True)
    figures: list[Figure] = []
    start_figures, ratios = startup.measure(10 if quick else 40, args.other_typer)
    for name, value in ratios.items():
        print(f"  {name:<20} {value:5.2f}x", flush=True)
    figures += start_figures
    figures += engine.measure(3 if quick else 15)
    figures += batch_speed.measure(2_000 if quick else 20_000, 3 if quick else 7)
    figures += rules_check.measure(2 if quick else 5)
    figures += interactive.measure(5 if quick else 20)
    print()
    print(f"{'target':<34} {'measured':>9}  {'limit':<10} {'':<6}  detail")
    status = report(figures)
    print(f"({time.perf_counter() - began:.0f} s)")
    return status


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
