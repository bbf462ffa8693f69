"""Random, complete and valid answer sets for the default questions.

Numbers are drawn around every threshold the rules use (so both sides of each boundary
turn up often), plus unknowns where a question allows them; symptoms are mostly none or a
few, sometimes many. The answers have the shape `answers.complete` returns.
"""

from __future__ import annotations

import random
from typing import Any

ARCH = ("flat", "normal", "high", "unknown")
OVERPRONATION = ("yes", "no", "unknown")
FOOTWEAR = ("supportive", "unsupportive", "high_heels", "unknown")
SYMPTOMS = (
    "saddle_numbness", "bladder_bowel_change", "both_legs_symptoms", "major_trauma",
    "chest_pain", "fever", "unexplained_weight_loss", "cancer_history", "leg_weakness",
    "leg_numbness_tingling", "night_pain", "back_deformity", "foot_ulcer", "severe_pain",
    "foot_shape_change", "foot_pain", "previous_surgery", "diabetes_or_neuropathy",
    "inflammatory_arthritis",
)
LLD = (0, 0, 1, 4, 4.5, 5, 5.5, 6, 9, 9.9, 10, 12, 25, 100)
WEEKS = (0, 1, 2.5, 5, 6, 6.5, 11, 11.9, 12, 13, 26, 52, 520)
AGES = (0, 8, 15, 16, 17, 30, 49, 50, 51, 70, 95, 130)


def random_answers(rng: random.Random) -> dict[str, Any]:
    """One complete answer set, in the questions' order."""
    roll = rng.random()
    count = 0 if roll < 0.45 else 1 if roll < 0.7 else 2 if roll < 0.85 else rng.randint(3, 8)
    chosen = set(rng.sample(SYMPTOMS, count))
    return {
        "arch": rng.choice(ARCH),
        "overpronation": rng.choice(OVERPRONATION),
        "leg_length_diff_mm": None if rng.random() < 0.2 else rng.choice(LLD),
        "pain_weeks": rng.choice(WEEKS),
        "symptoms": [s for s in SYMPTOMS if s in chosen],
        "age": None if rng.random() < 0.25 else rng.choice(AGES),
        "tried_otc_weeks": None if rng.random() < 0.3 else rng.choice(WEEKS),
        "footwear": rng.choice(FOOTWEAR),
    }


def answer_sets(count: int, seed: int = 6) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [random_answers(rng) for _ in range(count)]
