"""Issue 13, round two: flags, rule files, reserved names and level ids, a gap met
mid-batch, and `rules check` at the scale of thousands of thresholds. Each behaviour is
tested on its example and on its whole class (every question, every reserved name, every
level, every place a gap record can stand)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from insertadvisor.checker import check, search
from insertadvisor.loading import load_ruleset
from insertadvisor.model import LEVEL_IDS, Ruleset
from insertadvisor.validate.questions import RESERVED

from .conftest import V1, plant, run_cli

MINIMAL = Path(__file__).resolve().parent / "rulesets" / "minimal"
# one valid value per question of the minimal rule set, by type
SAMPLE = {"choice": None, "number": "2", "integer": "30"}


def _value(question: Any) -> str:
    return question.values[0] if question.type == "choice" else SAMPLE[question.type] or ""


def _core(ruleset: Ruleset, stage: str = "assess") -> list[str]:
    return [part for q in ruleset.questions[stage] if q.required
            for part in (q.flag, _value(q))]


# -- a single-value flag given twice is refused, not last-wins -----------------------------


def test_age_given_twice_is_refused() -> None:
    ruleset = load_ruleset(MINIMAL, use_cache=False)
    result = run_cli(["assess", "--rules", str(MINIMAL), *_core(ruleset), "--age", "40",
                      "--age", "70", "--json"])
    assert result.status == 2 and result.stdout == ""
    assert "--age was given 2 times (40, 70); it takes one value" in result.stderr


@pytest.mark.parametrize("where", [MINIMAL, V1], ids=["minimal", "v1"])
def test_every_single_value_flag_given_twice_is_refused_and_sets_add(where: Path) -> None:
    ruleset = load_ruleset(where, use_cache=False)
    for stage in ("assess", "checkin"):
        core = _core(ruleset, stage)
        for q in ruleset.questions[stage]:
            if q.type == "set":
                items = [i.id for i in q.items][:2]
                args = [part for item in items for part in (q.flag, item)]
                result = run_cli([stage, "--rules", str(where), *core, *args, "--json"])
                assert result.status == 0, result.stderr
                assert json.loads(result.stdout)["answers"][q.id] == items
                continue
            value = _value(q) if q.type != "number" else "1"
            others = [p for f, v in zip(core[::2], core[1::2], strict=True) if f != q.flag
                      for p in (f, v)]
            result = run_cli([stage, "--rules", str(where), *others, q.flag, value,
                              f"{q.flag}={value}", "--json"])
            assert result.status == 2, (q.id, result.stderr)
            assert f"{q.flag} was given 2 times" in result.stderr
            assert result.stderr.count("\n") == 1


def test_help_says_sets_merge_and_single_values_override(
        capsys: pytest.CaptureFixture[str]) -> None:
    for stage in ("assess", "checkin"):
        result = run_cli([stage, "--rules", str(MINIMAL), "--help"])
        text = " ".join((result.stdout + capsys.readouterr().out).split())
        assert "Flags override the file's answers; a repeatable flag adds to the file's " \
            "list." in text


# -- rule files: other suffixes and broken links are refused with a message ---------------

ODD_FILES = [("extra.yml", "rename it to extra.yaml"), ("extra.YAML", "rename it to extra.yaml"),
             ("extra.Yaml", "rename it to extra.yaml"), ("extra.YML", "rename it to extra.yaml")]


@pytest.mark.parametrize(("name", "message"), ODD_FILES)
def test_a_rule_file_with_another_yaml_suffix_is_refused(tmp_path: Path, name: str,
                                                         message: str) -> None:
    where = plant(MINIMAL, tmp_path / "set", [])
    (where / name).write_text("invariants: []\n", encoding="utf-8")
    for command in ("validate", "check", "test"):
        result = run_cli(["rules", command, str(where)])
        assert result.status == 3 and message in result.stderr, command
        assert "hold" not in result.stdout


@pytest.mark.parametrize("kind", ["dangling link", "folder", "link to a folder"])
def test_a_dot_yaml_that_is_not_a_readable_file_is_refused(tmp_path: Path, kind: str) -> None:
    where = plant(MINIMAL, tmp_path / "set", [])
    target = where / "more.yaml"
    if kind == "dangling link":
        target.symlink_to(tmp_path / "nowhere.yaml")
    elif kind == "folder":
        target.mkdir()
    else:
        target.symlink_to(tmp_path)
    result = run_cli(["rules", "check", str(where)])
    assert result.status == 3
    assert "more.yaml:1:1: not a readable file" in result.stderr


def test_an_unreadable_rule_file_is_an_invalid_rule_set_not_a_bug(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    where = plant(MINIMAL, tmp_path / "set", [])
    real = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self.name == "tables.yaml":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    result = run_cli(["rules", "validate", str(where)])
    assert result.status == 3
    assert "tables.yaml:1:1: cannot read it (Permission denied)" in result.stderr
    assert "internal error" not in result.stderr


def test_an_unreadable_rules_folder_is_3_like_a_missing_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    where = plant(MINIMAL, tmp_path / "set", [])
    missing = run_cli(["rules", "validate", str(tmp_path / "nope")])
    real = Path.iterdir

    def denied(self: Path) -> Any:
        if self == where:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "iterdir", denied)
    unreadable = run_cli(["rules", "validate", str(where)])
    assessed = run_cli(["assess", "--rules", str(where), "--arch", "flat", "--json"])
    assert missing.status == unreadable.status == assessed.status == 3
    assert "cannot read the rule-set folder (permission denied)" in unreadable.stderr


# -- reserved names and the contract's level ids are refused by the validator --------------


@pytest.mark.parametrize("name", sorted(RESERVED))
def test_every_reserved_name_is_refused_as_a_question_id(tmp_path: Path, name: str) -> None:
    where = plant(MINIMAL, tmp_path / "set", [("questions.yaml", "  - id: age\n",
                                               f"  - id: {name}\n")])
    result = run_cli(["rules", "validate", str(where)])
    assert result.status == 3
    assert f"`{name}` is a fact the pipeline adds; give the question another id" \
        in result.stderr


def test_insert_as_a_question_id_is_refused_before_rules_check() -> None:
    assert "insert" in RESERVED


@pytest.mark.parametrize("level", LEVEL_IDS)
def test_every_contract_level_renamed_is_refused(tmp_path: Path, level: str) -> None:
    where = plant(MINIMAL, tmp_path / "set", [("ruleset.yaml", f"  - id: {level}\n",
                                               f"  - id: {level}_renamed\n")])
    for command in ("validate", "check", "test"):
        result = run_cli(["rules", command, str(where)])
        assert result.status == 3, command
        assert "their ids are part of the JSON contract" in result.stderr


# -- a gap met mid-batch answers every other record and exits 3 ---------------------------

GAP = ("tables.yaml", "      - id: insert-none\n        priority: 5\n        when: always",
       "      - id: insert-none\n        priority: 5\n        when: {arch: normal}")
ANSWERED = {"arch": "normal", "pain_weeks": 2}
UNDECIDED = {"arch": "unknown", "pain_weeks": 2}


def test_a_gap_mid_batch_does_not_stop_the_batch(tmp_path: Path) -> None:
    where = plant(MINIMAL, tmp_path / "set", [GAP])
    lines = [ANSWERED, UNDECIDED, ANSWERED]
    result = run_cli(["batch", "--rules", str(where), "-"],
                     stdin="".join(json.dumps(r) + "\n" for r in lines))
    assert result.status == 3
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["kind"] for o in out] == ["assessment", "error", "assessment"]
    assert "decides nothing for these answers" in out[1]["error"]
    assert "tables.yaml:" in result.stderr and "1 of 3 records" in result.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("pattern", ["g", "ag", "ga", "aga", "gag", "agga", "aaaag"])
def test_wherever_gap_records_stand_every_line_is_answered(tmp_path: Path, fmt: str,
                                                          pattern: str) -> None:
    where = plant(MINIMAL, tmp_path / "set", [GAP])
    records = [UNDECIDED if c == "g" else ANSWERED for c in pattern]
    if fmt == "csv":
        text = "arch,pain_weeks\n" + "".join(f"{r['arch']},{r['pain_weeks']}\n"
                                             for r in records)
    else:
        text = "".join(json.dumps(r) + "\n" for r in records)
    result = run_cli(["batch", "--rules", str(where), "--format", fmt, "-"], stdin=text)
    assert result.status == 3
    kinds = [json.loads(line)["kind"] for line in result.stdout.splitlines()]
    assert kinds == ["error" if c == "g" else "assessment" for c in pattern]
    assert f"{pattern.count('g')} of {len(pattern)} records" in result.stderr


# -- rules check grows about linearly in the thresholds of one answer ---------------------


def thresholds(base: Path, target: Path, n: int) -> Path:
    """The minimal rule set with `n` more distinct thresholds on one number answer (as
    benchmarks/check_scale.py builds them)."""
    rules = "".join(f"      - id: routine-weeks-{k}\n        when: {{pain_weeks: {{gte: {k}}}}}\n"
                    f"        then: {{urgency: routine, to: GP, reason: Weeks {k}.}}\n"
                    "        source: [TEST]\n        evidence: guidance\n"
                    for k in range(7, 7 + n))
    return plant(base, target, [
        ("questions.yaml", "    max: 100\n    required: true\n    prompt: Weeks of pain?",
         f"    max: {n + 10}\n    required: true\n    prompt: Weeks of pain?"),
        ("tables.yaml", "  - id: insert\n    hit_policy: first\n",
         rules + "  - id: insert\n    hit_policy: first\n")])


def test_the_search_walks_about_2n_nodes_for_n_thresholds(tmp_path: Path) -> None:
    nodes = {}
    for n in (50, 200):
        report = check(load_ruleset(thresholds(MINIMAL, tmp_path / str(n), n), use_cache=False))
        assert report.ok, [f.message for f in report.findings]
        nodes[n] = report.stages[0].nodes
    assert nodes[200] < 5 * nodes[50]  # linear (about 4x), not quadratic (16x)


@pytest.mark.parametrize("where", [MINIMAL, V1], ids=["minimal", "v1"])
@pytest.mark.parametrize("planted", ["none", "gap", "threshold"])
def test_halving_a_number_answer_finds_exactly_what_one_value_at_a_time_finds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: Path, planted: str) -> None:
    edits = {"none": [], "gap": [GAP] if where == MINIMAL else [],
             "threshold": [("tables.yaml", "when: {pain_weeks: {gte: 6}}",
                            "when: {pain_weeks: {gte: 6, lt: 6}}")] if where == MINIMAL
             else []}[planted]
    ruleset = load_ruleset(plant(where, tmp_path / "set", edits), use_cache=False)

    def findings() -> list[tuple[str, str, str]]:
        return sorted((f.kind, f.subject, json.dumps(f.counterexample, sort_keys=True))
                      for f in check(ruleset).findings)

    halved = findings()
    monkeypatch.setattr(search, "SPLIT", 10**9)
    assert findings() == halved


def test_a_non_utf8_folder_name_does_not_crash_assess(tmp_path: Path) -> None:
    base = Path(os.fsdecode(os.fsencode(tmp_path) + b"/r\xe9gles"))
    where = plant(MINIMAL, base, [])
    result = run_cli(["assess", "--rules", str(where), "--arch", "flat", "--pain-weeks", "2",
                      "--json"])
    assert result.status == 0, result.stderr
    assert json.loads(result.stdout)["ruleset"]["name"] == "minimal"
