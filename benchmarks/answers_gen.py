"""Random, complete and valid answer sets for a rule set's questions.

Everything comes from the rule set itself: each question's values, and for numbers the
thresholds its conditions compare them with (values on and a little either side of each,
so both sides of every boundary turn up often), plus unknown where a question allows it.
The items of a set are mostly none or a few, sometimes many. The answers have the shape
`answers.complete` returns.
"""

from __future__ import annotations

import random
from typing import Any

from insertadvisor.checker.partition import conditions
from insertadvisor.conditions import NUMERIC_OPS, leaves
from insertadvisor.loading import load_ruleset
from insertadvisor.model import Question, Ruleset


def _numbers(ruleset: Ruleset, stage: str, question: Question) -> list[float]:
    found = {leaf[2] for node in conditions(ruleset, stage) for leaf in leaves(node)
             if leaf[1] == question.id and leaf[0] in NUMERIC_OPS}
    low = question.min if question.min is not None else 0
    high = question.max if question.max is not None else max(found, default=0) * 2 + 10
    near = {v + d for v in found for d in (-1, -0.1, 0, 0.5, 1)} | {low, high}
    values = sorted(v for v in near if low <= v <= high)
    if question.type == "integer":
        values = sorted({int(v) for v in values if float(v).is_integer()})
    return [int(v) if float(v).is_integer() else v for v in values]


def generator(ruleset: Ruleset, stage: str = "assess") -> Any:
    """A function of a Random that draws one complete answer set for `stage`."""
    questions = ruleset.questions[stage]
    numbers = {q.id: _numbers(ruleset, stage, q) for q in questions
               if q.type in ("number", "integer")}

    def draw(rng: random.Random) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for q in questions:
            if q.type == "set":
                roll = rng.random()
                count = 0 if roll < 0.45 else 1 if roll < 0.7 else 2 if roll < 0.85 \
                    else rng.randint(3, 8)
                chosen = set(rng.sample(q.choices, min(count, len(q.choices))))
                out[q.id] = [i for i in q.choices if i in chosen]
            elif q.type == "choice":
                out[q.id] = rng.choice(q.values)
            elif q.unknown and rng.random() < 0.2:
                out[q.id] = None
            else:
                out[q.id] = rng.choice(numbers[q.id])
        return out

    return draw


def answer_sets(count: int, seed: int = 6, ruleset: Ruleset | None = None,
                stage: str = "assess") -> list[dict[str, Any]]:
    draw = generator(ruleset or load_ruleset(), stage)
    rng = random.Random(seed)
    return [draw(rng) for _ in range(count)]
