"""Interactive: from starting `insertadvisor assess` in a terminal to its first prompt.

    python benchmarks/interactive.py [ROUNDS]

In a pseudo-terminal (pexpect), the time from spawning the process to the first
question's words appearing; an absolute limit of 100 ms (what feels immediate).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import COMMAND, PYTHON, Figure, clean_env, ms, report

LIMIT_MS = 100.0


def first_words() -> str:
    from insertadvisor.loading import load_ruleset

    return " ".join(load_ruleset().questions["assess"][0].prompt.split()[:3])


def time_to(argv: list[str], expect: str | None, env: dict[str, str]) -> float:
    import pexpect

    start = time.perf_counter()
    child = pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8", timeout=10,
                          dimensions=(40, 120))
    try:
        if expect is None:
            child.expect(pexpect.EOF)
        else:
            child.expect_exact(expect)
        return time.perf_counter() - start
    finally:
        child.close(force=True)


def measure(rounds: int = 15) -> list[Figure]:
    try:
        import pexpect  # noqa: F401
    except ImportError:
        print("  5. skipped: pexpect is not installed")
        return []
    import tempfile

    # A first run: no region chosen and no interview kept, so the first question is the
    # rule set's first, whatever the user running the benchmark has saved.
    fresh = tempfile.mkdtemp(prefix="insertadvisor-bench-")
    env = clean_env(TERM="xterm-256color", COLUMNS="120", XDG_CONFIG_HOME=f"{fresh}/config",
                    XDG_DATA_HOME=f"{fresh}/data")
    words = first_words()
    for _ in range(2):  # warm the rule cache and the bytecode
        time_to([*COMMAND, "assess"], words, env)
    prompt, floor = [], []
    for _ in range(rounds):
        prompt.append(time_to([*COMMAND, "assess"], words, env))
        floor.append(time_to([PYTHON, "-c", "pass"], None, env))
    first, base = statistics.median(prompt), statistics.median(floor)
    return [Figure("5. first prompt (ms)", first * 1000, LIMIT_MS,
                   f"{ms(first)} to \"{words}\" (fastest {ms(min(prompt))}); python -c pass "
                   f"in the same terminal {ms(base)}, so {first / base:.1f}x it "
                   f"({rounds} rounds)", unit=" ms")]


def main() -> int:
    figures = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
    return report(figures)


if __name__ == "__main__":
    sys.exit(main())
