"""Reading located data (what rules_io.yaml_loader builds) without importing YAML."""

from __future__ import annotations

from typing import Any


def pos(value: Any) -> tuple[int, int]:
    """Where a mapping or list was written ((1, 1) if unknown)."""
    return getattr(value, "pos", (1, 1))


def key_pos(mapping: Any, key: Any) -> tuple[int, int]:
    return getattr(mapping, "key_pos", {}).get(key, pos(mapping))  # type: ignore[no-any-return]


def value_pos(mapping: Any, key: Any) -> tuple[int, int]:
    """Where the value of `key` is written (the mapping's own position if unknown)."""
    return getattr(mapping, "value_pos", {}).get(key, pos(mapping))  # type: ignore[no-any-return]


def located(items: Any) -> list[tuple[Any, tuple[int, int]]]:
    """Each item of a list with its position."""
    positions = getattr(items, "item_pos", [pos(items)] * len(items))
    return list(zip(items, positions, strict=True))


def kind(value: Any) -> str:
    """What a value is, in a message: `text`, a number, a list, ..."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return f"`{value}`"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def yes_no(value: Any) -> Any:
    """YAML 1.1 reads `yes`/`no` as booleans; in rules they are always the words."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


def plain(value: Any) -> Any:
    """Located containers to plain ones, so they can be cached with marshal."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
