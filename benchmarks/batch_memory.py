"""Batch memory: the installed `insertadvisor batch`'s peak RSS is flat in the input's length.

    python benchmarks/batch_memory.py [RECORDS ...]      (default: 10000 100000 1000000)

For each size, answer records are generated on the fly and piped into the installed
console script's stdin (no input file: nothing on disk grows with the size either), and
its stdout is counted and discarded. The command's peak resident set size comes from the
kernel (`os.wait4` rusage, ru_maxrss) when it exits. Streaming means the 1,000,000-record
peak is within a few MB of the 10,000-record one; collecting input or output would grow
by gigabytes. One line per record in, one line per record out, is checked too.

Records are varied (every arch, overpronation, leg-length difference, symptom mix, age),
with one in a thousand deliberately invalid, so error lines are exercised as well.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SCRIPT = Path(sys.executable).with_name("insertadvisor")
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "insertadvisor"]
SYMPTOMS = ["foot_pain", "night_pain", "severe_pain", "fever", "leg_numbness_tingling",
            "saddle_numbness", "previous_surgery", "diabetes_or_neuropathy"]


def records(count: int, seed: int = 1) -> Iterator[bytes]:
    """`count` JSONL lines of varied answers; every 1000th is invalid on purpose."""
    rng = random.Random(seed)
    for number in range(1, count + 1):
        if number % 1000 == 0:
            yield b'{"arch": "curly"}\n'
            continue
        record: dict[str, Any] = {
            "arch": rng.choice(["flat", "normal", "high", "unknown"]),
            "overpronation": rng.choice(["yes", "no", "unknown"]),
            "leg_length_diff_mm": rng.choice([None, 0, 3, 5, 8, 12, 20]),
            "pain_weeks": rng.randint(0, 60),
        }
        if rng.random() < 0.4:
            record["symptoms"] = rng.sample(SYMPTOMS, rng.randint(1, 3))
        if rng.random() < 0.5:
            record["age"] = rng.randint(16, 95)
        yield (json.dumps(record) + "\n").encode()


def run(count: int) -> dict[str, float]:
    """Pipe `count` records through `insertadvisor batch`; its peak RSS, lines and time."""
    env = {k: v for k, v in os.environ.items() if k != "INSERTADVISOR_RULES"}
    started = time.perf_counter()
    process = subprocess.Popen([*COMMAND, "batch"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout

    def feed() -> None:
        with stdin:
            for line in records(count):
                stdin.write(line)

    feeder = threading.Thread(target=feed)
    feeder.start()
    lines = 0
    for chunk in iter(lambda: stdout.read(1 << 20), b""):
        lines += chunk.count(b"\n")
    feeder.join()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return {"records": count, "lines": lines, "exit": process.returncode,
            "peak_rss_mb": usage.ru_maxrss / 1024, "seconds": time.perf_counter() - started}


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [10_000, 100_000, 1_000_000]
    print(f"command: {' '.join(COMMAND)} batch  (Python {sys.version.split()[0]})")
    print(f"{'records':>10} {'lines out':>10} {'exit':>4} {'peak RSS':>10} {'seconds':>8}")
    results = []
    for size in sizes:
        result = run(size)
        results.append(result)
        print(f"{result['records']:>10,} {result['lines']:>10,} {result['exit']:>4} "
              f"{result['peak_rss_mb']:>8.1f}MB {result['seconds']:>8.1f}", flush=True)
        if result["lines"] != size:
            print(f"FAIL: {size} records in, {result['lines']} lines out")
            return 1
    growth = results[-1]["peak_rss_mb"] - results[0]["peak_rss_mb"]
    print(f"peak RSS growth from {sizes[0]:,} to {sizes[-1]:,} records: {growth:+.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
