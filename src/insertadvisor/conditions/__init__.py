"""The condition language of the rules: one place for its grammar (`grammar`, used when a
rule set is read), its compiled tests (`compiled`, what the engine runs) and its words
(`words`: describing a condition, why one fired, why one did not).

docs/rules.md is the reference for rule authors.
"""

from insertadvisor.conditions.compiled import (
    CHOICE_OPS,
    LEAF_OPS,
    NUMERIC_OPS,
    SET_OPS,
    Facts,
    Node,
    Test,
    compile_node,
    evaluate,
)
from insertadvisor.conditions.words import (
    Because,
    compile_because,
    describe,
    facts_used,
    first_failure,
    leaves,
    show_value,
)

__all__ = [
    "CHOICE_OPS", "LEAF_OPS", "NUMERIC_OPS", "SET_OPS", "Because", "Facts", "Node", "Test",
    "compile_because", "compile_node", "describe", "evaluate", "facts_used", "first_failure",
    "leaves", "show_value",
]
