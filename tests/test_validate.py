"""Strict validation: one broken rule set per kind of mistake, each with its exact messages.

Every case edits the small rule set in tests/rulesets/minimal (so that line numbers stay
put when the default rules change) and expects exactly these `file:line:column: message`
lines, all at once: no follow-on messages, and a suggestion when a known name is close.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from insertadvisor.errors import RulesetError
from insertadvisor.loading import load_ruleset, packaged_rules_dir

from .conftest import run_cli
from .synthetic import plant

MINIMAL = Path(__file__).resolve().parent / "rulesets" / "minimal"

BROKEN_FILE = Path(__file__).resolve().parent / "rulesets" / "broken.yaml"


def _broken() -> list[Any]:
    import yaml

    entries = yaml.safe_load(BROKEN_FILE.read_text(encoding="utf-8"))["broken"]
    return [pytest.param(e["file"], e["replace"], e["with"], e["expect"], id=e["id"])
            for e in entries]


BROKEN = _broken()


def plant_minimal(tmp_path: Path, edits: list[tuple[str, str, str]]) -> Path:
    """A copy of the minimal rule set with `edits` made; each must match exactly once."""
    return plant(MINIMAL, tmp_path / "rules", edits)


def problems(directory: Path) -> list[str]:
    with pytest.raises(RulesetError) as caught:
        load_ruleset(directory, use_cache=False)
    prefix = str(directory.parent) + "/"
    return [str(p).replace(prefix, "") for p in caught.value.problems]


def test_the_minimal_and_the_default_rule_sets_are_valid() -> None:
    assert load_ruleset(MINIMAL, use_cache=False).name == "minimal"
    assert load_ruleset(packaged_rules_dir(), use_cache=False).tables


@pytest.mark.parametrize(("name", "old", "new", "expected"), BROKEN)
def test_each_kind_of_mistake_gets_exactly_its_messages(
        tmp_path: Path, name: str, old: str, new: str, expected: list[str]) -> None:
    assert problems(plant_minimal(tmp_path, [(name, old, new)])) == expected


@pytest.mark.parametrize(("name", "old", "new", "expected"), BROKEN)
def test_every_message_is_one_line(name: str, old: str, new: str,
                                   expected: list[str]) -> None:
    for line in expected:
        assert "\n" not in line
        file_part, line_no, column, message = line.split(":", 3)
        assert file_part.startswith("rules/") and line_no.isdigit() and column.isdigit()
        assert message.strip()


def test_all_problems_in_all_files_are_reported_at_once(tmp_path: Path) -> None:
    directory = plant_minimal(tmp_path, [
        ("derived.yaml", "{arch: flat}", "{arch: flatt}"),
        ("tables.yaml", "{age: {gte: 50}}", "{age: {gtee: 50}}"),
        ("checkin.yaml", "      - id: checkin-carry-on", "      - id: insert-none"),
        ("ruleset.yaml", 'version: "1.0"', "version: 1.0"),
    ])
    assert problems(directory) == [
        "rules/ruleset.yaml:3:10: `version` must be text; quote it, as in version: \"1.0\"",
        "rules/derived.yaml:3:18: `flatt` is not a value of `arch` (did you mean `flat`?); "
        "expected one of flat, normal, unknown",
        "rules/tables.yaml:16:22: unknown operator `gtee` (did you mean `gte`?)",
        "rules/checkin.yaml:17:13: duplicate id `insert-none` (first defined at "
        "rules/tables.yaml:54:13)",
    ]


def test_a_yaml_error_does_not_hide_the_problems_of_other_files(tmp_path: Path) -> None:
    directory = plant_minimal(tmp_path, [
        ("derived.yaml", "    when: {arch: flat}", "\twhen: {arch: flat}"),
        ("tables.yaml", "{urgency: soon,", "{urgency: sooon,"),
    ])
    assert problems(directory) == [
        "rules/derived.yaml:3:1: invalid YAML: a tab character; indent with spaces, never tabs",
        "rules/tables.yaml:17:25: `sooon` is not a valid urgency (did you mean `soon`?); "
        "expected one of emergency, urgent, soon, routine, self_care",
    ]


def test_the_default_rules_with_a_typo_get_a_suggestion(rules_copy: Path) -> None:
    path = rules_copy / "triage.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{has: saddle_numbness}", "{has: sadle_numbness}", 1),
                    encoding="utf-8")
    found = problems(rules_copy)
    assert len(found) == 1
    assert "(did you mean `saddle_numbness`?)" in found[0]
    assert found[0].startswith("rules/triage.yaml:")


def test_rules_validate_exits_3_with_the_problems_on_stderr(tmp_path: Path) -> None:
    directory = plant_minimal(tmp_path, [("tables.yaml", "{age: {gte: 50}}", "{age: {gtee: 50}}")])
    result = run_cli(["rules", "validate", str(directory)])
    assert result.status == 3
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"{directory}/tables.yaml:16:22: unknown operator `gtee` (did you mean " \
                       "`gte`?)"
    assert lines[-1].startswith("insertadvisor: error: invalid rule set (1 problem)")


def test_rules_validate_passes_the_default_and_minimal_rule_sets() -> None:
    for directory in (None, MINIMAL):
        args = ["rules", "validate"] + ([str(directory)] if directory else [])
        result = run_cli(args)
        assert result.status == 0, result.stderr
        assert result.stdout.startswith("OK: ")


def test_docs_rules_md_documents_every_key_operator_table_and_policy() -> None:
    from insertadvisor.conditions import LEAF_OPS
    from insertadvisor.conditions.grammar import COMBINERS, FITS
    from insertadvisor.pipeline import STAGES, TABLES, step_of
    from insertadvisor.report import HEADINGS, TOPIC_SECTIONS
    from insertadvisor.validate import cases, files, invariants, questions, tables, wording

    text = (Path(__file__).resolve().parent.parent / "docs" / "rules.md").read_text()
    words = {*files.TOP_KEYS, *questions.QUESTION_KEYS, *questions.ITEM_KEYS,
             *questions.STEP_KEYS, *wording.LEVEL_KEYS, *wording.SOURCE_KEYS,
             *wording.REGION_KEYS, *wording.EVIDENCE, *tables.TABLE_KEYS, *tables.RULE_KEYS,
             *tables.DERIVED_KEYS, *invariants.INVARIANT_KEYS, *cases.CASE_KEYS,
             cases.TEXT_INCLUDES, *LEAF_OPS, *FITS["set"], *TABLES, *COMBINERS, *HEADINGS,
             *TOPIC_SECTIONS, "always", "otherwise", "collect", "first", "unique"}
    for table in TABLES:
        words |= set(step_of(table).outputs)
    for stage in STAGES.values():
        words |= {name for name, p in stage.products.items() if p.test}
    missing = sorted(w for w in words if f"`{w}`" not in text and f"{w}:" not in text)
    assert missing == [], f"docs/rules.md does not mention {missing}"
