"""The safe YAML reader: positions, plain values only, and numbers only when plainly typed."""

from __future__ import annotations

from typing import Any

import pytest

from insertadvisor.rules_io.yaml_loader import YamlProblem, load


def test_positions_of_keys_and_values() -> None:
    data = load("a: 1\nb:\n  - x\n  - y\n")
    assert data.pos == (1, 1)
    assert (data.key_pos["b"], data.value_pos["a"]) == ((2, 1), (1, 4))
    assert data["b"].item_pos == [(3, 5), (4, 5)]


@pytest.mark.parametrize(("text", "value"), [
    ("3", 3), ("-2", -2), ("2.5", 2.5), ("1.5e+3", 1500.0),
    ("1:30", "1:30"),    # YAML 1.1 sexagesimal would be 90
    ("0b101", "0b101"),  # binary would be 5
    ("0x1f", "0x1f"),
    ("1_000", "1_000"),
    (".inf", ".inf"), (".nan", ".nan"),
    ("yes", True),       # answers map booleans back to yes/no where that is a value
])
def test_only_plain_decimals_become_numbers(text: str, value: Any) -> None:
    assert load(f"v: {text}\n")["v"] == value


@pytest.mark.parametrize(("text", "message"), [
    ("a: !!python/object/apply:os.system ['true']", "is not allowed"),
    ("a: 1\na: 2\n", "duplicate key 'a'"),
    ("a: [1, 2\n", "invalid YAML"),
    ("<<: {a: 1}\n", "merge keys"),
])
def test_refused(text: str, message: str) -> None:
    with pytest.raises(YamlProblem, match=message):
        load(text)
