"""Rule sets made for a test or a benchmark: a copy of a rule set with planted edits, and
the minimal rule set with n thresholds (or bands) on one number answer.

Plain file work (no pytest, nothing of the package), so that benchmarks/check_scale.py
measures the very rule sets the scale tests check.
"""

from __future__ import annotations

import shutil
from pathlib import Path

MINIMAL = Path(__file__).resolve().parent / "rulesets" / "minimal"
LEVELS = ("urgent", "soon", "routine", "self_care")


def plant(base: Path, target: Path, edits: list[tuple[str, str, str]]) -> Path:
    """A copy of the rule set `base` at `target` with each (file, old, new) edit made;
    `old` must occur exactly once, so a planted mistake never lands somewhere unmeant."""
    shutil.copytree(base, target)
    for name, old, new in edits:
        path = target / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} must occur once in {name}"
        path.write_text(text.replace(old, new), encoding="utf-8")
    return target


def _rule(k: int, bands: bool) -> str:
    when = f"{{gte: {k}, lt: {k + 3}}}" if bands else f"{{gte: {k}}}"
    level = LEVELS[k % len(LEVELS)] if bands else "routine"
    return (f"      - id: routine-weeks-{k}\n"
            f"        when: {{pain_weeks: {when}}}\n"
            f"        then: {{urgency: {level}, to: GP, reason: Weeks {k}.}}\n"
            "        source: [TEST]\n        evidence: guidance\n")


def thresholds(base: Path, target: Path, n: int, bands: bool = False) -> Path:
    """A copy of `base` (the minimal rule set) at `target` with n more rules in its
    referrals table, each `pain_weeks >= k` for a different k; with `bands`, each a band
    `k <= pain_weeks < k + 3` with its level cycling (no answer fires more than three)."""
    return plant(base, target, [
        ("questions.yaml", "    max: 100\n    required: true\n    prompt: Weeks of pain?",
         f"    max: {n + 10}\n    required: true\n    prompt: Weeks of pain?"),
        ("tables.yaml", "  - id: insert\n    hit_policy: first\n",
         "".join(_rule(k, bands) for k in range(7, 7 + n)) +
         "  - id: insert\n    hit_policy: first\n")])
