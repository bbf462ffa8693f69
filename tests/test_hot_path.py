"""Structural guards of the fast path (no timing): what `assess --json` imports, the cache.

benchmarks/ measures the speed; these tests keep the structure that makes it fast from
eroding unnoticed: a warm `assess --json` never imports Rich, PyYAML, pydantic or FHIR; the
compiled rule set is cached by the hash of its files, rebuilt when they change, and a
corrupt cache is ignored.
"""

from __future__ import annotations

import json
import marshal
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from insertadvisor import loading
from insertadvisor.conditions import facts_used
from insertadvisor.environment import Environment
from insertadvisor.loading import load_ruleset
from insertadvisor.model import Ruleset

from .conftest import V1
from .synthetic import plant

ALL_FLAGS = ["assess", "--arch", "flat", "--overpronation", "yes", "--leg-length-diff", "6",
             "--pain-weeks", "3", "--symptom", "foot_pain", "--age", "40",
             "--tried-otc-weeks", "0", "--footwear", "supportive", "--json"]
NEVER_ON_THE_HOT_PATH = ("rich", "yaml", "pydantic", "insertadvisor.validate",
                         "insertadvisor.rules_io.yaml_loader", "insertadvisor.commands.batch",
                         "insertadvisor.commands.rules", "insertadvisor.commands.schema",
                         "insertadvisor.fhir", "decimal", "fractions")
PROBE = """
import json, sys
from insertadvisor.cli import run
status = run(sys.argv[1:])
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
sys.exit(status)
"""


def modules_after(args: list[str], cache: Path) -> tuple[set[str], str]:
    env = dict(os.environ, INSERTADVISOR_CACHE_DIR=str(cache))
    env.pop("INSERTADVISOR_RULES", None)
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stderr.splitlines() if x.startswith("MODULES "))
    return {m.split(".")[0] if m.split(".")[0] in ("rich", "yaml", "pydantic") else m
            for m in json.loads(line[len("MODULES "):])}, done.stdout


def test_warm_assess_json_imports_neither_rich_nor_yaml(tmp_path: Path) -> None:
    cold, first = modules_after(ALL_FLAGS, tmp_path)
    assert "yaml" in cold  # the first run builds the cache (and the probe can see imports)
    warm, second = modules_after(ALL_FLAGS, tmp_path)
    assert json.loads(second) == json.loads(first)
    assert not warm & set(NEVER_ON_THE_HOT_PATH), sorted(warm & set(NEVER_ON_THE_HOT_PATH))


RUN_PROBE = """
import json, re._compiler, sys, traceback
from insertadvisor import loading
compiled, hashed = [], []
compile, fingerprint, content_key = (re._compiler.compile, loading.fingerprint,
                                     loading.content_key)
def compile_(pattern, flags=0):
    caller = [f for f in traceback.extract_stack()[:-1] if "/re/" not in f.filename][-1]
    compiled.append([str(pattern), f"{caller.filename}:{caller.lineno}"])
    return compile(pattern, flags)
def fingerprint_(contents):
    hashed.append("sha256")
    return fingerprint(contents)
def content_key_(contents):
    hashed.append("blake2b")
    return content_key(contents)
re._compiler.compile, loading.fingerprint, loading.content_key = (
    compile_, fingerprint_, content_key_)
from insertadvisor.cli import run
status = run(sys.argv[1:])
sys.stderr.write("\\nRUN " + json.dumps({"compiled": compiled, "hashed": hashed}) + "\\n")
sys.exit(status)
"""


def _run_probe(args: list[str], cache: Path) -> dict[str, list[Any]]:
    env = dict(os.environ, INSERTADVISOR_CACHE_DIR=str(cache))
    env.pop("INSERTADVISOR_RULES", None)
    done = subprocess.run([sys.executable, "-c", RUN_PROBE, *args], capture_output=True,
                          text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stderr.splitlines() if x.startswith("RUN "))
    found: dict[str, list[Any]] = json.loads(line[len("RUN "):])
    return found


def test_warm_assess_json_compiles_no_regex_of_ours_and_hashes_the_rules_once(
        tmp_path: Path) -> None:
    """Regular expressions compiled on the hot path (at import or at run time) cost start-up:
    ours are avoided or compiled when first needed. The rule files are read and hashed
    once per run, though both the options and the command need the rule set, and only
    with BLAKE2b (the cache key): the SHA-256 comes with the entry."""
    _run_probe(ALL_FLAGS, tmp_path)  # fills the cache
    warm = _run_probe(ALL_FLAGS, tmp_path)
    assert warm["compiled"]  # (the probe sees the compiles: Typer's and json's)
    assert [c for c in warm["compiled"] if "insertadvisor" in c[1]] == []
    assert warm["hashed"] == ["blake2b"]


def test_batch_reads_and_hashes_the_rules_once(tmp_path: Path) -> None:
    """batch's help names the rule set's required keys, so its options need the rule set
    too; the run uses that one instead of reading the files again."""
    record = tmp_path / "in.jsonl"
    record.write_text(json.dumps({"arch": "flat", "overpronation": "yes",
                                  "leg_length_diff_mm": 6, "pain_weeks": 3}) + "\n")
    _run_probe(["batch", str(record)], tmp_path / "cache")  # fills the cache
    warm = _run_probe(["batch", str(record)], tmp_path / "cache")
    assert warm["hashed"] == ["blake2b"]


def test_the_cache_is_rebuilt_when_a_rule_file_changes(tmp_path: Path) -> None:
    rules_copy = plant(V1, tmp_path / "rules", [])
    before = load_ruleset(rules_copy)
    triage = rules_copy / "triage.yaml"
    triage.write_text(triage.read_text().replace(
        "Back pain that has not improved after about 6 weeks should be assessed.",
        "Back pain still there after about 6 weeks should be assessed."))
    after = load_ruleset(rules_copy)
    assert after.sha256 != before.sha256
    rule = next(r for r in after.tables["referrals"].rules if r.id == "routine-six-weeks")
    assert rule.then["reason"].startswith("Back pain still there")
    assert load_ruleset(rules_copy) is after  # loaded once per process for the same files


def _cached(rules: Path, cache: Path) -> tuple[Ruleset, Path]:
    """A rule set loaded through the cache, and the cache file it wrote."""
    loaded = load_ruleset(rules, cache=cache)
    files = list(cache.glob("*.marshal"))
    assert len(files) == 1
    return loaded, files[0]


def _fresh(rules: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> Ruleset:
    monkeypatch.setattr(loading, "_LOADED", {})  # as a new process would
    return load_ruleset(rules, cache=cache)


def test_a_corrupt_cache_file_is_ignored(rules_copy: Path, monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    good, file = _cached(rules_copy, cache)
    for garbage in (b"", b"\x00not marshal", marshal.dumps({"name": "half a rule set"}),
                    file.read_bytes()[:-10]):
        file.write_bytes(garbage)
        assert _fresh(rules_copy, cache, monkeypatch).to_data() == good.to_data()


def test_a_planted_cache_entry_does_not_change_decisions(rules_copy: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    """A compiled rule set planted under the right name, with the genuine sha256 but other
    decisions, is refused: its content does not match the digest stored with it."""
    cache = tmp_path / "cache"
    good, file = _cached(rules_copy, cache)
    data = good.to_data()
    table = next(t for t in data["tables"] if t["id"] == "red_flags")
    table["rules"] = table["rules"][1:]  # drop a red flag
    file.write_bytes(file.read_bytes()[:64] + marshal.dumps(data))
    loaded = _fresh(rules_copy, cache, monkeypatch)
    assert [r.id for r in loaded.tables["red_flags"].rules] == \
        [r.id for r in good.tables["red_flags"].rules]


def test_a_cache_entry_others_can_write_is_not_trusted(rules_copy: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _, file = _cached(rules_copy, cache)
    file.chmod(0o666)
    calls: list[object] = []
    original = loading.compile_ruleset
    monkeypatch.setattr(loading, "compile_ruleset",
                        lambda *a: calls.append(a) or original(*a))  # type: ignore[func-returns-value]
    _fresh(rules_copy, cache, monkeypatch)
    assert calls  # rebuilt from the YAML, not read from the entry


def test_a_fifo_at_the_cache_path_never_blocks(rules_copy: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    _, file = _cached(rules_copy, cache)
    file.unlink()
    os.mkfifo(file)
    done = subprocess.run([sys.executable, "-c", "from pathlib import Path; "
                           "from insertadvisor.loading import load_ruleset; "
                           f"print(load_ruleset(Path({str(rules_copy)!r}), "
                           f"cache=Path({str(cache)!r})).name)"],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "insertadvisor-default"


def test_an_unusable_cache_folder_leaves_no_temporary_files(rules_copy: Path,
                                                            tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "x").write_text("")
    cache.chmod(0o500)  # cannot write in it
    try:
        load_ruleset(rules_copy, cache=cache)
        assert sorted(p.name for p in cache.iterdir()) == ["x"] or os.geteuid() == 0
    finally:
        cache.chmod(0o700)
    if os.geteuid() != 0:
        assert not list(cache.glob(".*.tmp"))


def test_the_cache_holds_no_yaml_and_loads_without_it(ruleset: Ruleset) -> None:
    data = marshal.loads(marshal.dumps(ruleset.to_data()))
    assert Ruleset.from_data(data).to_data() == ruleset.to_data()


def test_every_fired_rule_says_why_in_terms_of_what_it_reads() -> None:
    ruleset = load_ruleset(V1)  # the values below are those of its questions
    rng = random.Random(7)
    values: dict[str, list[object]] = {
        "arch": ["flat", "normal", "high", "unknown"], "overpronation": ["yes", "no", "unknown"],
        "leg_length_diff_mm": [None, 0, 4.5, 5, 10, 12.0], "pain_weeks": [0, 5.5, 6, 12, 30],
        "age": [None, 10, 16, 50, 70], "tried_otc_weeks": [None, 0, 6, 8.0],
        "footwear": ["supportive", "unsupportive", "high_heels", "unknown"],
        "triage": [level.id for level in ruleset.levels], "insert": ["otc", "custom", "none",
                                                                     "defer"],
        "heel_lift": [True, False], "foot_factor": [True, False], "weeks_wearing": [0, 2, 2.5, 6],
        "stop_wearing": [True, False],
    }
    symptoms = list(ruleset.question("assess", "symptoms").choices)
    effects = list(ruleset.question("checkin", "effects").choices)
    checked = 0
    for _ in range(3000):
        facts = {k: rng.choice(v) for k, v in values.items()}
        facts["symptoms"] = frozenset(rng.sample(symptoms, rng.randint(0, 3)))
        facts["effects"] = frozenset(rng.sample(effects, rng.randint(0, 3)))
        for rule in ruleset.all_rules():
            if rule.test(facts):
                because = rule.because(facts)
                read = facts_used(rule.when)
                assert because, rule.id
                assert any(name in because for name in read) or not read, (rule.id, because)
                checked += 1
    assert checked > 10_000


@pytest.mark.parametrize("command", ["assess", "checkin", "batch", "schema"])
def test_building_only_the_command_run_changes_nothing_it_shows(command: str) -> None:
    from typer.testing import CliRunner

    from insertadvisor.app import build_app

    runner = CliRunner()
    env = Environment()
    full = runner.invoke(build_app(env), [command, "--help"])
    alone = runner.invoke(build_app(env, command), [command, "--help"])
    assert full.exit_code == 0, full.output
    assert (alone.exit_code, alone.output) == (full.exit_code, full.output)


def test_a_cache_entry_carries_the_sha256_the_files_have(rules_copy: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A warm load takes the SHA-256 from the entry: it is the one of the files as they are,
    and an entry of other files (another rule set, or these before a change) is not used."""
    cache = tmp_path / "cache"
    _cached(rules_copy, cache)
    warm = _fresh(rules_copy, cache, monkeypatch)
    assert warm.sha256 == load_ruleset(rules_copy, use_cache=False).sha256
    assert warm.sha256 == loading.fingerprint(loading.read_files(loading.rule_files(rules_copy)))
    other = plant(V1, tmp_path / "v1", [])
    entry = next(cache.glob("*.marshal"))
    _, v1_entry = _cached(other, tmp_path / "v1-cache")
    entry.write_bytes(v1_entry.read_bytes())  # the right name, another rule set's entry
    assert _fresh(rules_copy, cache, monkeypatch).sha256 == warm.sha256


def test_a_cached_rule_set_unpacks_its_invariants_and_tests_only_when_read(
        rules_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`assess` reads neither: from the cache they stay marshalled until first read, and
    are then exactly those of the rule set compiled from the files."""
    cache = tmp_path / "cache"
    _cached(rules_copy, cache)
    warm = _fresh(rules_copy, cache, monkeypatch)
    assert warm._later is not None  # not unpacked by loading
    result_before = warm.to_data()  # (reads them)
    assert warm._later is None
    uncached = load_ruleset(rules_copy, use_cache=False)
    assert result_before == uncached.to_data()
    assert [i.id for i in warm.invariants] == [i.id for i in uncached.invariants]
    assert warm.tests == uncached.tests
    again = _fresh(rules_copy, cache, monkeypatch)
    again.invariants = ()  # (a test may replace them before they were unpacked)
    assert again.invariants == () and again.tests == uncached.tests


@pytest.mark.parametrize("command", ["assess", "checkin"])
def test_a_run_of_assess_or_checkin_builds_only_that_command(command: str) -> None:
    """Typer builds every option of every registered command before parsing: `assess`
    does not pay for checkin's options, nor checkin for assess's."""
    from typer.main import get_command

    from insertadvisor.app import build_app

    alone: Any = get_command(build_app(Environment(), command))
    every: Any = get_command(build_app(Environment()))
    assert list(alone.commands) == [command]
    assert {"assess", "checkin"} <= set(every.commands)
