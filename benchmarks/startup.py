"""Start-up: `insertadvisor assess --json` with every answer as a flag, as a whole process.

    python benchmarks/startup.py [ROUNDS]

Interleaved with `python -c pass` (the baseline), the Typer floor (floor_app.py: the
same options, printing them as JSON) and `import yaml` (for scale). The rule cache is
warm (the first, untimed runs fill it), as on every run after the first.
"""

from __future__ import annotations

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
LIMIT = 7.0


def commands() -> dict[str, list[str]]:
    return {
        "python -c pass": [PYTHON, "-c", "pass"],
        "import yaml": [PYTHON, "-c", "import yaml"],
        "typer floor": [PYTHON, str(HERE / "floor_app.py"), "assess", *ASSESS_FLAGS, "--json"],
        "assess --json": [*COMMAND, "assess", *ASSESS_FLAGS, "--json"],
    }


def measure(rounds: int = 40) -> tuple[list[Figure], dict[str, float]]:
    env = clean_env()
    medians = interleaved({name: partial(run_once, argv, env)
                           for name, argv in commands().items()}, rounds, warmup=3)
    base = medians["python -c pass"]
    ratio = {name: value / base for name, value in medians.items()}
    detail = (f"pass {ms(base)}; assess {ms(medians['assess --json'])}; typer floor "
              f"{ratio['typer floor']:.2f}x; import yaml {ratio['import yaml']:.2f}x "
              f"({rounds} rounds)")
    return [Figure("1. start-up: assess --json / pass", ratio["assess --json"], LIMIT,
                   detail)], ratio


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    figures, ratios = measure(rounds)
    for name, value in ratios.items():
        print(f"  {name:<16} {value:5.2f}x")
    report(figures)
    return 0 if all(f.ok for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
