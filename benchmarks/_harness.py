"""What every benchmark shares: interleaved process timing, medians, a clean environment.

Ratios, not times: the machine is shared and noisy, so every figure is a ratio to a
baseline measured in the same run, with the candidates interleaved (one run of each, in
turn, repeated) and the median taken.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
_SCRIPT = Path(PYTHON).with_name("insertadvisor")
# The installed console script, as a user runs it; else `python -m insertadvisor`.
COMMAND = [str(_SCRIPT)] if _SCRIPT.exists() else [PYTHON, "-m", "insertadvisor"]
ASSESS_FLAGS = [
    "--arch", "flat", "--overpronation", "yes", "--leg-length-diff", "6", "--pain-weeks", "3",
    "--symptom", "foot_pain", "--age", "40", "--tried-otc-weeks", "0", "--footwear",
    "supportive",
]
_CACHE = tempfile.mkdtemp(prefix="insertadvisor-bench-cache-")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for timed processes: an own warm rule cache, bytecode allowed.

    PYTHONDONTWRITEBYTECODE is dropped so that the first (untimed) run writes the .pyc
    files an installed wheel would have; timing a recompile of every module on each run
    would measure the development set-up, not the tool.
    """
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "INSERTADVISOR_RULES", "NO_COLOR")}
    env["INSERTADVISOR_CACHE_DIR"] = _CACHE
    env.update(extra)
    return env


def run_once(argv: Sequence[str], env: dict[str, str], stdin: bytes | None = None) -> float:
    """Wall time of one whole process, in seconds; fail loudly if it fails."""
    start = time.perf_counter()
    done = subprocess.run(argv, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: "
                           f"{done.stderr.decode(errors='replace')[-500:]}")
    return elapsed


def interleaved(candidates: dict[str, Callable[[], float]], rounds: int,
                warmup: int = 2) -> dict[str, float]:
    """Median of each candidate's timings, the candidates run in turn each round."""
    for _ in range(warmup):
        for measure in candidates.values():
            measure()
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, measure in candidates.items():
            times[name].append(measure())
    return {name: statistics.median(values) for name, values in times.items()}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"




class Figure:
    """One target's figure: a ratio, its limit, and what was measured."""

    def __init__(self, target: str, ratio: float, limit: float, detail: str,
                 *, at_least: bool = False, unit: str = "x") -> None:
        self.target, self.ratio, self.limit = target, ratio, limit
        self.detail, self.at_least, self.unit = detail, at_least, unit

    @property
    def ok(self) -> bool:
        return self.ratio >= self.limit if self.at_least else self.ratio <= self.limit

    def row(self) -> str:
        sign = ">=" if self.at_least else "<="
        value = f"{self.ratio:.2f}{self.unit}"
        goal = f"{sign} {self.limit:g}{self.unit}"
        return f"{self.target:<34} {value:>9}  {goal:<10} {'ok' if self.ok else 'MISSED':<6}  " \
               f"{self.detail}"


def report(figures: Sequence[Figure]) -> int:
    """Print a row per figure; the exit status: 0 if every figure is within its limit."""
    for figure in figures:
        print(figure.row(), flush=True)
    return 0 if all(f.ok for f in figures) else 1
