"""A safe YAML reader that remembers where every value came from.

Only plain data is built (no Python tags, ever); aliases are followed but the total
number of values is bounded, so an alias bomb is refused instead of filling memory.
Numbers are read in base ten, as a person means them: YAML 1.1 would read `060` as 48.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

import yaml

MAX_VALUES = 200_000


class LocatedDict(dict[Any, Any]):
    """A mapping with the position of itself, each key and each value (1-based)."""

    pos: tuple[int, int]
    key_pos: dict[Any, tuple[int, int]]
    value_pos: dict[Any, tuple[int, int]]


class LocatedList(list[Any]):
    """A sequence with the position of itself and each item (1-based)."""

    pos: tuple[int, int]
    item_pos: list[tuple[int, int]]


class YamlProblem(Exception):
    """A YAML document that cannot be read, with the position of the problem."""

    def __init__(self, line: int, column: int, message: str) -> None:
        message = " ".join(message.split())  # always one line, whatever PyYAML said
        self.line, self.column, self.message = line, column, message
        super().__init__(f"{line}:{column}: {message}")


class _ValueTooLarge(Exception):
    def __init__(self, pos: tuple[int, int]) -> None:
        super().__init__(pos)
        self.pos = pos


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


# YAML 1.1 also reads `1:30` as 90, `0b101` as 5, `1_000` and `.inf` as numbers, and `060`
# as octal 48; a person who typed those did not mean that, so only plain decimals become
# numbers here, and always in base ten (`060` is 60).
_DECIMAL = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")
_INT_TAG, _FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_NUMBER_TAGS = {_INT_TAG, _FLOAT_TAG}

_PLAIN_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "map", "seq")
}


class _Builder:
    def __init__(self, decimals: bool = False) -> None:
        self.count = 0
        self.constructor = yaml.SafeLoader("")
        self.decimals = decimals

    def build(self, node: yaml.Node) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise YamlProblem(*_pos(node), f"more than {MAX_VALUES} values (an alias bomb?)")
        if node.tag not in _PLAIN_TAGS:
            raise YamlProblem(*_pos(node), f"tag {node.tag!r} is not allowed; use plain values")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node)
        if isinstance(node, yaml.SequenceNode):
            out = LocatedList(self.build(item) for item in node.value)
            out.pos, out.item_pos = _pos(node), [_pos(item) for item in node.value]
            return out
        if node.tag in _NUMBER_TAGS and isinstance(node, yaml.ScalarNode):
            if not _DECIMAL.fullmatch(node.value):
                return node.value
            try:
                return self._number(node)
            except ValueError as exc:  # int() refuses more than sys.get_int_max_str_digits()
                raise _ValueTooLarge(_pos(node)) from exc
        return self.constructor.construct_object(node)

    def _number(self, node: yaml.ScalarNode) -> int | float | Decimal:
        text = node.value
        if node.tag == _INT_TAG and text.lstrip("+-").isdigit():
            return int(text, 10)
        if self.decimals:
            return Decimal(text)
        value = float(text)
        # A float that is not the number written (`4.99999999999999999` is 5.0) would move
        # a rule's threshold; the answers' exactness (insertadvisor.answers) relies on
        # every threshold being exactly the number its file shows.
        if not math.isfinite(value):
            raise YamlProblem(*_pos(node), f"the number {text} is too large")
        if Decimal(repr(value)) != Decimal(text):
            raise YamlProblem(*_pos(node), f"the number {text} has more digits than can be "
                                           "held exactly; round it to at most 15 significant "
                                           "digits")
        return value

    def _mapping(self, node: yaml.MappingNode) -> LocatedDict:
        out = LocatedDict()
        out.pos, out.key_pos, out.value_pos = _pos(node), {}, {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlProblem(*_pos(key_node), "merge keys (<<) are not allowed")
            key = self.build(key_node)
            if isinstance(key, (dict, list)):
                raise YamlProblem(*_pos(key_node), "a key must be a plain value")
            if key in out:
                raise YamlProblem(*_pos(key_node), f"duplicate key {key!r}")
            out[key] = self.build(value_node)
            out.key_pos[key], out.value_pos[key] = _pos(key_node), _pos(value_node)
        return out


def load(text: str, *, decimals: bool = False) -> Any:
    """Parse one YAML document into plain, located data; raise YamlProblem if unreadable.

    With `decimals`, a number with a point is a decimal.Decimal, exactly as written (for
    answers: insertadvisor.answers compares it exactly), instead of the nearest float.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlProblem(line, column, f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.reader.ReaderError as exc:  # a control character: locate it, say it in one line
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise YamlProblem(line, column, f"invalid YAML: character #x{exc.character:04x} is "
                                        "not allowed (is this a text file?)") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1, 1, f"invalid YAML: {exc}") from None
    except RecursionError:  # composing recurses once per level of nesting
        raise YamlProblem(1, 1, "the YAML is nested too deeply") from None
    if node is None:
        return None
    try:
        return _Builder(decimals).build(node)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlProblem(line, column, f"invalid value: {exc.problem}") from None
    except _ValueTooLarge as exc:
        raise YamlProblem(*exc.pos, "a number with too many digits") from None
    except RecursionError:
        raise YamlProblem(1, 1, "the YAML is nested too deeply") from None
