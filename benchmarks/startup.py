"""Start-up: what `insertadvisor assess --json` adds over a bare Typer app, as whole processes.

    python benchmarks/startup.py [ROUNDS] [PYTHON_WITH_ANOTHER_TYPER]

Interleaved with `python -c pass` (the baseline), the Typer floor (floor_app.py, a plain
script with the same options, printing them as JSON, nothing of ours imported) and
`import yaml` (for scale). The figure is (assess - floor) / pass: what the tool itself
costs, in units of starting Python. The rule cache is warm (the first, untimed runs fill
it), as on every run after the first.
"""

from __future__ import annotations

import subprocess
import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (
    ASSESS_FLAGS,
    COMMAND,
    PYTHON,
    Figure,
    clean_env,
    interleaved,
    ms,
    report,
    run_once,
)

HERE = Path(__file__).resolve().parent
LIMIT = 0.5  # the tool may add at most half a `python -c pass` over the bare Typer app


def commands(other_typer: str | None = None) -> dict[str, list[str]]:
    floor = [str(HERE / "floor_app.py"), "assess", *ASSESS_FLAGS, "--json"]
    found = {
        "python -c pass": [PYTHON, "-c", "pass"],
        "import yaml": [PYTHON, "-c", "import yaml"],
        "typer floor": [PYTHON, *floor],
        "assess --json": [*COMMAND, "assess", *ASSESS_FLAGS, "--json"],
    }
    if other_typer:  # the floor under another Typer (a throwaway venv's interpreter)
        found["other typer floor"] = [other_typer, *floor]
        found["other python -c pass"] = [other_typer, "-c", "pass"]
    return found


def typer_version(python: str) -> str:
    done = subprocess.run([python, "-c", "import importlib.metadata as m; "
                           "print(m.version('typer'))"], capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def measure(rounds: int = 40, other_typer: str | None = None) -> tuple[list[Figure],
                                                                      dict[str, float]]:
    env = clean_env()
    medians = interleaved({name: partial(run_once, argv, env)
                           for name, argv in commands(other_typer).items()}, rounds, warmup=3)
    base = medians["python -c pass"]
    ratio = {name: value / base for name, value in medians.items()}
    if other_typer:
        ratio["other typer floor"] = medians["other typer floor"] / medians["other python -c pass"]
        print(f"  typer {typer_version(other_typer)} floor (its own venv): "
              f"{ratio['other typer floor']:.2f}x its python -c pass; typer "
              f"{typer_version(PYTHON)} floor {ratio['typer floor']:.2f}x")
    over = medians["assess --json"] - medians["typer floor"]
    detail = (f"pass {ms(base)}; assess {ms(medians['assess --json'])}; typer floor "
              f"{ratio['typer floor']:.2f}x, so the assessment adds {ms(over)} "
              f"({over / base:.2f}x); import yaml {ratio['import yaml']:.2f}x ({rounds} rounds)")
    return [Figure("1. start-up: (assess --json - Typer floor) / pass", over / base, LIMIT,
                   detail)], ratio


def main() -> int:
    """startup.py [ROUNDS] [PYTHON_WITH_ANOTHER_TYPER]"""
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    figures, ratios = measure(rounds, sys.argv[2] if len(sys.argv) > 2 else None)
    for name, value in ratios.items():
        print(f"  {name:<16} {value:5.2f}x")
    return report(figures)


if __name__ == "__main__":
    sys.exit(main())
