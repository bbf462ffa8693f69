"""Issue 13, round two: flags, rule files, reserved names and level ids, a gap met
mid-batch, and `rules check` at the scale of thousands of thresholds. Each behaviour is
tested on its example and on its whole class (every question, every reserved name, every
level, every place a gap record can stand)."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from insertadvisor.checker import check, search
from insertadvisor.loading import load_ruleset
from insertadvisor.model import LEVEL_IDS, Ruleset
from insertadvisor.validate.questions import RESERVED

from .conftest import V1, run_cli
from .synthetic import plant, thresholds

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


def test_insert_as_a_question_id_is_refused_before_rules_check(tmp_path: Path) -> None:
    where = plant(MINIMAL, tmp_path / "set", [("questions.yaml", "  - id: age\n",
                                               "  - id: insert\n")])
    result = run_cli(["rules", "check", str(where)])
    assert result.status == 3
    assert "`insert` is a fact the pipeline adds" in result.stderr
    assert "RecursionError" not in result.stderr and "internal error" not in result.stderr


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


def test_a_gap_is_refused_before_the_first_record(tmp_path: Path) -> None:
    where = plant(MINIMAL, tmp_path / "set", [GAP])
    lines = [ANSWERED, UNDECIDED, ANSWERED]
    result = run_cli(["batch", "--rules", str(where), "-"],
                     stdin="".join(json.dumps(r) + "\n" for r in lines))
    assert result.status == 3 and result.stdout == ""
    assert "table `insert` (first) has a gap" in result.stderr
    assert "no record was read" in result.stderr and "tables.yaml:" in result.stderr
    fine = run_cli(["batch", "--rules", str(MINIMAL), "-"], stdin=json.dumps(ANSWERED) + "\n")
    assert fine.status == 0


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("pattern", ["g", "ag", "ga", "aga", "gag", "agga", "aaaag"])
def test_wherever_gap_records_stand_no_record_is_half_done(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, pattern: str) -> None:
    """Refused before the first record; and should the check before it miss a gap, the
    records that fall into it are error lines, every other one is answered, exit 3."""
    from insertadvisor import checker

    where = plant(MINIMAL, tmp_path / "set", [GAP])
    records = [UNDECIDED if c == "g" else ANSWERED for c in pattern]
    if fmt == "csv":
        text = "arch,pain_weeks\n" + "".join(f"{r['arch']},{r['pain_weeks']}\n"
                                             for r in records)
    else:
        text = "".join(json.dumps(r) + "\n" for r in records)
    args = ["batch", "--rules", str(where), "--format", fmt, "-"]
    refused = run_cli(args, stdin=text)
    assert refused.status == 3 and refused.stdout == ""
    monkeypatch.setattr(checker, "gaps", lambda ruleset, stage="assess": [])
    result = run_cli(args, stdin=text)
    assert result.status == 3
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["kind"] for o in out] == ["error" if c == "g" else "assessment" for c in pattern]
    assert all("decides nothing for these answers" in o["error"] for o in out
               if o["kind"] == "error")
    assert f"{pattern.count('g')} of {len(pattern)} records" in result.stderr


@pytest.mark.parametrize("where", [MINIMAL, V1], ids=["minimal", "v1"])
def test_every_table_that_must_decide_is_checked_before_a_batch(tmp_path: Path,
                                                                where: Path) -> None:
    """Each first-hit or unique table with its catch-all removed: refused before any
    record, naming that table."""
    from insertadvisor.checker import gaps
    from insertadvisor.model import Table

    ruleset = load_ruleset(where, use_cache=False)
    assert gaps(ruleset) == []
    tried = []
    for table in ruleset.stage_tables["assess"].values():
        catch_all = [r for r in table.rules if r.when in (("always",), ("otherwise",))]
        if table.hit_policy == "collect" or not catch_all:
            continue
        planted = copy.copy(ruleset)
        planted.stage_tables = {**ruleset.stage_tables, "assess": {
            **ruleset.stage_tables["assess"], table.id: Table(
                table.id, table.hit_policy, tuple(r for r in table.rules
                                                  if r not in catch_all),
                table.file, table.line)}}
        assert table.id in [f.subject for f in gaps(planted)], table.id
        tried.append(table.id)
    assert tried


# -- rules check grows about linearly in the thresholds of one answer ---------------------


def test_the_search_walks_about_log_n_nodes_for_n_thresholds(tmp_path: Path) -> None:
    nodes = {}
    for n in (50, 200, 800):
        report = check(load_ruleset(thresholds(MINIMAL, tmp_path / str(n), n), use_cache=False))
        assert report.ok, [f.message for f in report.findings]
        nodes[n] = report.stages[0].nodes
    # Halving finds each rule's witness in about log n steps, and one engine run on a
    # large part confirms many rules at once: 4x the thresholds adds a few nodes (it was
    # 4x the nodes when each rule was confirmed at its own threshold, 16x before halving).
    assert nodes[800] < 2 * nodes[50] and nodes[200] < 2 * nodes[50], nodes


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


# -- the compiled-rules cache: only an entry it can verify is used, and none blocks -------


def _entry(rules: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from insertadvisor import loading

    monkeypatch.setattr(loading, "_LOADED", {})
    load_ruleset(rules, cache=cache)
    files = list(cache.glob("*.marshal"))
    assert len(files) == 1
    return files[0]


def _planted(data: dict[str, Any]) -> dict[str, Any]:
    """The same rule set with another decision: every insert rule says `none`."""
    for table in data["tables"]:
        for rule in table["rules"]:
            if "type" in rule.get("then", {}):
                rule["then"] = {**rule["then"], "type": "none"}
    return data


UNTRUSTED = ["planted", "planted, digest recomputed without the sha", "other rule set",
             "group-writable", "other-writable", "symlink", "folder", "fifo", "truncated"]


@pytest.mark.parametrize("kind", UNTRUSTED)
def test_no_untrusted_cache_entry_is_used_and_none_blocks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    import hashlib
    import marshal

    from insertadvisor import loading

    rules = plant(MINIMAL, tmp_path / "rules", [])
    cache = tmp_path / "cache"
    file = _entry(rules, cache, monkeypatch)
    blob = file.read_bytes()
    good = load_ruleset(rules, use_cache=False)
    if kind.startswith("planted"):
        payload = marshal.dumps(_planted(marshal.loads(blob[64:])))
        digest = blob[:64] if kind == "planted" else \
            hashlib.sha256(payload).hexdigest().encode()
        file.write_bytes(digest + payload)
    elif kind == "other rule set":
        other = plant(V1, tmp_path / "v1", [])
        v1_file = _entry(other, tmp_path / "c2", monkeypatch)
        file.write_bytes(v1_file.read_bytes())
    elif kind.endswith("writable"):
        file.chmod(0o620 if kind.startswith("group") else 0o602)
    elif kind == "symlink":
        real = tmp_path / "elsewhere.marshal"
        real.write_bytes(blob)
        file.unlink()
        file.symlink_to(real)
    elif kind == "folder":
        file.unlink()
        file.mkdir()
    elif kind == "fifo":
        file.unlink()
        os.mkfifo(file)
    else:
        file.write_bytes(blob[: len(blob) // 2])
    calls: list[object] = []
    original = loading.compile_ruleset

    def counted(*args: Any) -> Ruleset:
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(loading, "compile_ruleset", counted)
    monkeypatch.setattr(loading, "_LOADED", {})
    loaded = load_ruleset(rules, cache=cache)  # a FIFO would block here if opened to wait
    assert calls, "the entry was trusted"
    assert loaded.to_data() == good.to_data()
    assert not list(cache.glob(".*.tmp"))


# -- flags answer only the questions they name; a rule set's own questions get flags -------


@pytest.mark.parametrize("item", ["red_flag", "numb", "foot_pain"])
def test_each_given_item_answers_only_its_own_question(item: str) -> None:
    ruleset = load_ruleset(MINIMAL, use_cache=False)
    symptoms = next(q for q in ruleset.questions["assess"] if q.id == "symptoms")
    others = [i for i in symptoms.items if i.id != item]
    typed = "flat\n2\n" + "n\n" * len(others) + "30\n"
    result = run_cli(["assess", "--rules", str(MINIMAL), "--symptom", item, "--json"],
                     stdin=typed, tty=True)
    assert result.status == 0, result.stderr
    for other in others:
        assert (other.prompt or other.id) in result.stderr
    given = next(i for i in symptoms.items if i.id == item)
    assert given.prompt is None or given.prompt not in result.stderr
    assert json.loads(result.stdout)["answers"]["symptoms"] == [item]


def test_a_renamed_question_gets_its_flag_and_the_packaged_ones_are_refused(
        tmp_path: Path) -> None:
    where = plant(MINIMAL, tmp_path / "set", [("questions.yaml", "flag: --symptom",
                                               "flag: --warning-sign")])
    core = ["--rules", str(where), "--arch", "flat", "--pain-weeks", "2", "--json"]
    done = run_cli(["assess", *core, "--warning-sign", "red_flag"])
    assert done.status == 0, done.stderr
    assert json.loads(done.stdout)["triage"] == "emergency"
    for flag in ("--symptom", "--overpronation"):
        refused = run_cli(["assess", *core, flag, "x"])
        assert refused.status == 2 and f"No such option: {flag}" in refused.stderr


# -- rules check: a time budget, and progress on a terminal -------------------------------


def test_a_spent_time_budget_fails_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    from insertadvisor.checker import budget

    # The v1 rules take a few hundred nodes, over 0.1 s: read the clock at every node.
    monkeypatch.setattr(budget, "EVERY", 1)
    where = V1
    result = run_cli(["rules", "check", "--time-budget", "0.001", str(where)])
    assert result.status == 3
    assert "not finished within the time budget of 0.001 s" in result.stderr
    assert "OK:" not in result.stdout
    data = json.loads(run_cli(["rules", "check", "--json", "--time-budget", "0.001",
                               str(where)]).stdout)
    assert data["ok"] is False and data["finished"] is False
    assert run_cli(["rules", "check", "--time-budget", "600", str(MINIMAL)]).status == 0


@pytest.mark.parametrize("budget", ["0", "-1", "soon", "nan"])
def test_a_time_budget_that_is_not_a_positive_number_is_refused(budget: str) -> None:
    result = run_cli(["rules", "check", "--time-budget", budget, str(MINIMAL)])
    assert result.status == 2 and "--time-budget" in result.stderr


def test_progress_is_shown_on_a_terminal_after_a_second_and_cleared(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from insertadvisor.checker import budget

    where = thresholds(MINIMAL, tmp_path / "big", 100)
    quick = run_cli(["rules", "check", str(where)], tty=True)
    assert quick.status == 0 and "nodes searched" not in quick.stderr  # under a second
    monkeypatch.setattr(budget, "QUIET_SECONDS", 0.0)
    monkeypatch.setattr(budget, "EVERY", 1)
    shown = run_cli(["rules", "check", str(where)], tty=True)
    assert shown.status == 0
    assert "\rrules check: " in shown.stderr and " nodes searched, " in shown.stderr
    assert shown.stderr.endswith("\r\x1b[K")
    piped = run_cli(["rules", "check", str(where)])
    assert "nodes searched" not in piped.stderr  # not on a pipe or file


def test_the_watch_reads_the_clock_rarely_and_stops_at_the_budget() -> None:
    from insertadvisor.checker.budget import EVERY, OverBudget, Watch

    now = [0.0]
    reads: list[float] = []

    def clock() -> float:
        reads.append(now[0])
        return now[0]

    seen: list[int] = []
    watch = Watch(clock, budget=5.0, progress=lambda n, s: seen.append(n))
    for _ in range(EVERY * 3):
        watch.tick()
    assert len(reads) == 4 and seen == []  # start + 3 readings, under a second
    now[0] = 2.0
    for _ in range(EVERY):
        watch.tick()
    assert seen == [EVERY * 4]
    now[0] = 6.0
    with pytest.raises(OverBudget, match="5 s"):
        for _ in range(EVERY):
            watch.tick()


# -- flags and an answers file: sets merge, single values from flags override -------------


def test_a_symptom_flag_adds_to_the_file_s_emergency_symptom(tmp_path: Path) -> None:
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"arch": "flat", "pain_weeks": 2, "symptoms": ["red_flag"]}),
                       encoding="utf-8")
    result = run_cli(["assess", "--rules", str(MINIMAL), "--answers", str(answers),
                      "--symptom", "numb", "--json"])
    data = json.loads(result.stdout)
    assert data["answers"]["symptoms"] == ["red_flag", "numb"]
    assert data["triage"] == "emergency"


@pytest.mark.parametrize("where", [MINIMAL, V1], ids=["minimal", "v1"])
def test_every_set_merges_and_every_single_value_flag_overrides_the_file(
        tmp_path: Path, where: Path) -> None:
    ruleset = load_ruleset(where, use_cache=False)
    questions = ruleset.questions["assess"]
    base: dict[str, Any] = {}
    for q in questions:
        if q.type == "set":
            base[q.id] = [q.items[0].id]
        elif q.type == "choice":
            base[q.id] = q.values[0]
        else:
            base[q.id] = q.min if q.min is not None else 0
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps(base), encoding="utf-8")
    for q in questions:
        expected: Any
        if q.type == "set":
            if len(q.items) < 2:
                continue
            flag_value, expected = q.items[1].id, [q.items[0].id, q.items[1].id]
        elif q.type == "choice":
            flag_value = expected = q.values[-1]
        else:
            expected = (q.min or 0) + 1
            flag_value = str(expected)
        result = run_cli(["assess", "--rules", str(where), "--answers", str(answers),
                          q.flag, flag_value, "--json"])
        assert result.status == 0, (q.id, result.stderr)
        assert json.loads(result.stdout)["answers"][q.id] == expected, q.id


def test_a_failed_cache_write_leaves_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from insertadvisor import loading

    cache = tmp_path / "cache"
    for step in ("replace", "fdopen"):
        with monkeypatch.context() as patch:
            def broken(*args: Any, **kwargs: Any) -> Any:
                raise OSError(28, "No space left on device")

            patch.setattr(os, step, broken)
            patch.setattr(loading, "_LOADED", {})
            load_ruleset(MINIMAL, cache=cache)
        assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")], step


@pytest.mark.parametrize("value", ["[]", "[assess]", "{a: 1}", "3", "null"])
def test_an_applies_to_that_is_not_a_stage_name_is_a_located_problem(tmp_path: Path,
                                                                      value: str) -> None:
    """(found by the fuzz test: a list there was an internal error)"""
    where = plant(MINIMAL, tmp_path / "set", [("invariants.yaml", "    applies_to: checkin\n",
                                               f"    applies_to: {value}\n")])
    result = run_cli(["rules", "validate", str(where)])
    assert result.status == 3, result.stderr
    assert "`applies_to` must be one of" in result.stderr
