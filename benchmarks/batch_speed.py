"""Batch: `insertadvisor batch` against only parsing its input and serialising its output.

    python benchmarks/batch_speed.py [RECORDS] [ROUNDS]

In one process, interleaved: `insertadvisor.batch.run_batch` over a JSONL file of random
answer sets (the rule set loaded beforehand; start-up is the start-up benchmark's), and
the json module's floor: `json.loads` of every input line plus `json.dumps` (compact) of
every output object, written to the same sink. Memory: the whole command's peak RSS on
RECORDS and on 4 x RECORDS records should be about the same (streaming, not collecting).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import PYTHON, Figure, clean_env, report
from answers_gen import answer_sets

LIMIT = 3.0
MEMORY_LIMIT = 1.25  # peak RSS on 4x the records / on 1x
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
PEAK_RSS = """
import sys
from insertadvisor.cli import run
status = run(["batch", sys.argv[1]])
sys.stdout.flush()
with open("/proc/self/status") as status_file:
    peak = next(line.split()[1] for line in status_file if line.startswith("VmHWM:"))
sys.stderr.write(f"maxrss_kb {peak}\\n")
sys.exit(status)
"""


def write_input(path: Path, records: int, seed: int = 3) -> None:
    with path.open("w") as handle:
        for answers in answer_sets(records, seed):
            handle.write(json.dumps(answers) + "\n")


def peak_rss_kb(path: Path) -> int:
    with open(os.devnull, "w") as sink:
        done = subprocess.run([PYTHON, "-c", PEAK_RSS, str(path)], stdout=sink,
                              stderr=subprocess.PIPE, text=True, env=clean_env(), check=True)
    return int(done.stderr.rsplit("maxrss_kb ", 1)[1])


def measure(records: int = 20_000, rounds: int = 7) -> list[Figure]:
    try:
        from insertadvisor.batch import run_batch
    except ImportError:
        print("  3. skipped: insertadvisor.batch does not exist yet")
        return []
    from insertadvisor.loading import load_ruleset

    ruleset = load_ruleset()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "answers.jsonl"
        write_input(source, records)
        lines = source.read_bytes().splitlines(keepends=True)
        output = Path(tmp) / "results.jsonl"
        with source.open("rb") as handle, output.open("w", encoding="utf-8") as out:
            run_batch(ruleset, handle, out)
        results = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
        assert len(results) == records and all(r["kind"] == "assessment" for r in results)

        def ours() -> float:
            with source.open("rb") as handle, open(os.devnull, "w", encoding="utf-8") as sink:
                start = time.perf_counter()
                run_batch(ruleset, handle, sink)
                return time.perf_counter() - start

        def floor() -> float:
            with open(os.devnull, "w", encoding="utf-8") as sink:
                start = time.perf_counter()
                for line in lines:
                    json.loads(line)
                for result in results:
                    sink.write(json.dumps(result, ensure_ascii=False, separators=(",", ":"))
                               + "\n")
                return time.perf_counter() - start

        times: dict[str, list[float]] = {"ours": [], "floor": []}
        ours(), floor()
        for _ in range(rounds):
            times["ours"].append(ours())
            times["floor"].append(floor())
        med = {name: statistics.median(values) for name, values in times.items()}

        bigger = Path(tmp) / "answers4.jsonl"
        write_input(bigger, 4 * records)
        small_kb, big_kb = peak_rss_kb(source), peak_rss_kb(bigger)
    per = {name: f"{value / records * 1e6:.1f} us" for name, value in med.items()}
    return [
        Figure("3a. batch / json parse+serialise", med["ours"] / med["floor"], LIMIT,
               f"batch {per['ours']}, json floor {per['floor']} per record "
               f"({records:,} records, {rounds} rounds)"),
        Figure("3b. batch memory: 4x records / 1x", big_kb / small_kb, MEMORY_LIMIT,
               f"peak RSS {small_kb / 1024:.1f} MB on {records:,} records, "
               f"{big_kb / 1024:.1f} MB on {4 * records:,}"),
    ]


def main() -> int:
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    figures = measure(records, rounds)
    return report(figures)


if __name__ == "__main__":
    sys.exit(main())
