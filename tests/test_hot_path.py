"""Structural guards of the fast path (no timing): what `assess --json` imports, the cache.

benchmarks/ measures the speed; these tests keep the structure that makes it fast from
eroding unnoticed: a warm `assess --json` never imports Rich, PyYAML or pydantic; the
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

import pytest

from insertadvisor import loading
from insertadvisor.conditions import reasons
from insertadvisor.loading import load_ruleset
from insertadvisor.model import Ruleset

ALL_FLAGS = ["assess", "--arch", "flat", "--overpronation", "yes", "--leg-length-diff", "6",
             "--pain-weeks", "3", "--symptom", "foot_pain", "--age", "40",
             "--tried-otc-weeks", "0", "--footwear", "supportive", "--json"]
NEVER_ON_THE_HOT_PATH = ("rich", "yaml", "pydantic", "insertadvisor.validate",
                         "insertadvisor.rules_io.yaml_loader", "insertadvisor.commands.batch",
                         "insertadvisor.commands.rules", "insertadvisor.commands.schema")
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


def test_the_cache_is_rebuilt_when_a_rule_file_changes(rules_copy: Path) -> None:
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


def test_a_corrupt_cache_file_is_ignored(rules_copy: Path, monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    monkeypatch.setenv("INSERTADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    good = load_ruleset(rules_copy).to_data()
    files = list((tmp_path / "cache").glob("*.marshal"))
    assert len(files) == 1
    for garbage in (b"", b"\x00not marshal", marshal.dumps({"name": "half a rule set"})):
        files[0].write_bytes(garbage)
        monkeypatch.setattr(loading, "_LOADED", {})  # as a new process would
        assert load_ruleset(rules_copy).to_data() == good


def test_the_cache_holds_no_yaml_and_loads_without_it(ruleset: Ruleset) -> None:
    data = marshal.loads(marshal.dumps(ruleset.to_data()))
    assert Ruleset.from_data(data).to_data() == ruleset.to_data()


def test_compiled_because_says_what_reasons_says(ruleset: Ruleset) -> None:
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
                assert rule.because(facts) == "; ".join(reasons(rule.when, facts)), rule.id
                checked += 1
    assert checked > 10_000


@pytest.mark.parametrize("command", ["assess", "checkin", "batch", "schema"])
def test_building_only_the_command_run_changes_nothing_it_shows(command: str) -> None:
    from typer.testing import CliRunner

    from insertadvisor.app import build_app

    runner = CliRunner()
    full = runner.invoke(build_app(), [command, "--help"])
    alone = runner.invoke(build_app(command), [command, "--help"])
    assert full.exit_code == 0, full.output
    assert (alone.exit_code, alone.output) == (full.exit_code, full.output)


# The model's records were @dataclass(slots=True) classes (frozen where marked); they are
# written out by hand for start-up time. Their twins here, declared as those dataclasses
# were, check that nothing a caller can see changed: repr, ==, hash, asdict/to_data.
TWINS = {  # class name: (frozen, fields; "-" marks repr=False, "~" compare=False too)
    "Level": (True, "id label message source"),
    "Item": (True, "id prompt"),
    "Question": (True, "id type flag metavar prompt help hint group required values labels "
                       "items min max unknown unit default"),
    "Invariant": (True, "id applies_to when expect source file line description"),
    "TableSpec": (True, "id stage policies outputs facts_before"),
    "Rule": (False, "id table when then source file line priority description ~test ~_because"),
    "Table": (False, "id hit_policy rules file line -regular -otherwise ~checks"),
    "Ruleset": (False, "name version sha256 description disclaimer levels insert_labels "
                       "questions derived tables invariants tests -rank"),
    "Run": (False, "facts fired"),
}


def _twin(obj: object) -> object:
    import dataclasses

    frozen, spec = TWINS[type(obj).__name__]
    fields = [(name.lstrip("-~"), object, dataclasses.field(
        repr=name[0] not in "-~", compare=name[0] != "~")) for name in spec.split()]
    cls = dataclasses.make_dataclass(type(obj).__name__, fields, frozen=frozen, slots=True)
    cls.__qualname__ = type(obj).__qualname__
    return cls(**{name: getattr(obj, name) for name, _, _ in fields})


def test_the_hand_written_records_behave_as_the_dataclasses_they_were(ruleset: Ruleset) -> None:
    import dataclasses

    from insertadvisor.model import TABLE_SPECS

    records: list[object] = [ruleset, *ruleset.levels, *ruleset.invariants,
                             *TABLE_SPECS.values(), *ruleset.all_rules(),
                             *ruleset.tables.values()]
    for questions in ruleset.questions.values():
        records += [*questions, *(item for q in questions for item in q.items)]
    from insertadvisor.assessment import run_assess

    records.append(run_assess(ruleset, {"arch": "flat", "overpronation": "no",
                                        "leg_length_diff_mm": None, "pain_weeks": 8,
                                        "symptoms": [], "age": 60, "tried_otc_weeks": None,
                                        "footwear": "unknown"}))
    for record in records:
        twin = _twin(record)
        assert repr(record) == repr(twin)
        frozen = TWINS[type(record).__name__][0]
        if frozen:
            with pytest.raises(dataclasses.FrozenInstanceError):
                record.id = "changed"  # type: ignore[attr-defined]
            try:
                assert hash(record) == hash(twin)
            except TypeError:  # a record holding a dict is unhashable, as its twin
                with pytest.raises(TypeError):
                    hash(twin)
        else:
            with pytest.raises(TypeError):
                hash(record)
        assert record == _twin_source(record)
        assert record != twin  # a different class is never equal, as between dataclasses
    for level in ruleset.levels:
        assert dataclasses.asdict(_twin(level)) == {  # type: ignore[call-overload]
            k: getattr(level, k) for k in ("id", "label", "message", "source")}


def _twin_source(record: object) -> object:
    """A copy of a record (through copy and pickle, as a dataclass allows), for ==."""
    import copy
    import pickle

    if not TWINS[type(record).__name__][0]:
        return copy.copy(record)  # holds compiled tests (closures): copy, not pickle
    return pickle.loads(pickle.dumps(copy.deepcopy(record)))
