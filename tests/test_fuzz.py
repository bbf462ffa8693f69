"""Fuzzing the two loaders with Hypothesis (issue 5, part 2).

Whatever text, bytes or data comes in, the answers loader raises nothing but the project's
own InputError (exit 2, one line), and the rule loader nothing but RulesetError (exit 3),
or succeeds. What either accepts must then work: accepted answers assess cleanly, and a
mutated rule set that still validates still evaluates.

Example counts stay modest so the suite stays fast; the rule-set tests mutate one real
rule file per example (text edits, or a value swapped deep in its data).
"""

from __future__ import annotations

import functools
import json
import math
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from insertadvisor.answers import AnswerError, complete, parse_answer, parse_mapping
from insertadvisor.answers_file import parse_text, read_source
from insertadvisor.assessment import assess, checkin
from insertadvisor.errors import InputError, InsertAdvisorError, RulesetError
from insertadvisor.loading import load_ruleset
from insertadvisor.model import Ruleset
from insertadvisor.rules_io.yaml_loader import YamlProblem, load

from .conftest import V1
from .test_safety import raw_answers


@pytest.fixture(autouse=True)
def _frozen_rules(on_v1: Ruleset) -> None:
    """These tests are about mechanics: they run on the frozen v1 rule set."""


@pytest.fixture
def ruleset(on_v1: Ruleset) -> Ruleset:
    return on_v1

RULES = V1  # the frozen v1 rules: mutations must not depend on the default rules
RULESET = load_ruleset(RULES)
QUESTIONS = RULESET.questions["assess"]
FAST = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Characters that matter to YAML and JSON, so random text reaches deep into both parsers.
SYNTAX = st.sampled_from([
    *":-[]{},&*!|>'\"%@`#?\n\t .0123456789eE+",
    "arch", "flat", "yes", "no", "~", "null", "true", ".nan", ".inf", "0x1F", "1e400",
    "!!python/object/apply:os.system", "!!binary", "&a", "*a", "<<", "---", "...",
    "symptoms", "pain_weeks", "\x00", "\ufeff", "\u2028", "\udcff",
])
YAMLISH = st.lists(st.one_of(SYNTAX, st.text(max_size=5)), max_size=40).map("".join)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-10**30, 10**30),
    st.floats(), st.text(max_size=20),
    st.sampled_from(["flat", "yes", "no", "unknown", "fever", "", " 3 ", "nan", "1e400",
                     "don't know", "FLAT"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
answer_keys = st.sampled_from([q.id for q in QUESTIONS] + ["archh", "", "1", "Symptoms"])


def through_the_loader(text: str) -> dict[str, Any] | None:
    """The answers path of the CLI: parse, validate, complete; None when refused."""
    try:
        raw = parse_text(text, "fuzz")
        return complete(QUESTIONS, parse_mapping(QUESTIONS, raw, "--answers fuzz"))
    except InputError as exc:
        assert "\n" not in str(exc)  # every refusal is one line
        return None


def accepted_answers_assess(answers: dict[str, Any] | None) -> None:
    if answers is not None:
        result = assess(RULESET, answers)
        assert result["triage"] in {level.id for level in RULESET.levels}


# --- answers ---------------------------------------------------------------------------

@FAST
@given(YAMLISH)
def test_any_text_is_answers_or_one_input_error(text: str) -> None:
    accepted_answers_assess(through_the_loader(text))


@FAST
@given(json_values)
def test_any_json_document_is_answers_or_one_input_error(value: Any) -> None:
    accepted_answers_assess(through_the_loader(json.dumps(value)))


@FAST
@given(json_values)
def test_any_yaml_document_is_answers_or_one_input_error(value: Any) -> None:
    text = yaml.safe_dump(value, allow_unicode=True)
    accepted_answers_assess(through_the_loader(text))


@FAST
@given(st.dictionaries(answer_keys, json_values, max_size=8))
def test_any_mapping_of_answers_is_valid_or_one_answer_error(given: dict[str, Any]) -> None:
    for text in (json.dumps(given), yaml.safe_dump(given, allow_unicode=True)):
        accepted_answers_assess(through_the_loader(text))


@FAST
@given(raw_answers("assess"), st.sampled_from([q.id for q in QUESTIONS]), json_values)
def test_one_bad_value_among_good_ones(good: dict[str, Any], key: str, value: Any) -> None:
    good[key] = value
    accepted_answers_assess(through_the_loader(json.dumps(good)))


@FAST
@given(st.sampled_from(QUESTIONS), st.one_of(json_values, st.binary(max_size=10),
                                             st.complex_numbers(), st.just(10**5000)))
def test_an_accepted_answer_is_canonical(question: Any, raw: Any) -> None:
    """parse_answer accepts or refuses; what it returns parses to itself again."""
    try:
        value = parse_answer(question, raw, "--x")
    except AnswerError as exc:
        assert "\n" not in str(exc)
        return
    assert parse_answer(question, value, "--x") == value
    if isinstance(value, float):
        assert math.isfinite(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        assert question.min is None or value >= question.min
        assert question.max is None or value <= question.max


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_in_a_file_are_text_or_one_input_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "answers.yaml"
        path.write_bytes(data)
        try:
            text = read_source(str(path), stdin=None)  # type: ignore[arg-type]
        except InputError as exc:
            assert "\n" not in str(exc)
            return
    accepted_answers_assess(through_the_loader(text))


@FAST
@given(YAMLISH)
def test_the_yaml_loader_raises_only_yaml_problem(text: str) -> None:
    try:
        load(text)
    except YamlProblem as exc:
        assert "\n" not in exc.message
        assert exc.line >= 1 and exc.column >= 1


# --- rule sets -------------------------------------------------------------------------

RULE_FILES = sorted(p.name for p in RULES.glob("*.yaml"))
SAMPLE_ANSWERS: list[dict[str, Any]] = [
    {"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": 6, "pain_weeks": 14,
     "symptoms": [], "age": 55},
    {"arch": "unknown", "overpronation": "unknown", "leg_length_diff_mm": None,
     "pain_weeks": 0, "symptoms": ["saddle_numbness", "fever", "foot_pain"]},
    {"arch": "high", "overpronation": "no", "leg_length_diff_mm": 12, "pain_weeks": 3,
     "symptoms": ["diabetes_or_neuropathy"], "age": 12, "tried_otc_weeks": 8,
     "footwear": "high_heels"},
]


def load_mutated(name: str, content: bytes) -> Ruleset | None:
    """Write one rule file of a fresh copy of the rule set and load it uncached."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "rules"
        shutil.copytree(RULES, target)
        (target / name).write_bytes(content)
        try:
            return load_ruleset(target, use_cache=False)
        except RulesetError as exc:
            assert exc.problems  # (one line each on screen: see test_hostile_input.py)
            return None


def a_valid_rule_set_still_works(ruleset: Ruleset | None) -> None:
    """A rule set that passed validation evaluates every sample without a crash. A gap
    (a deleted catch-all) is not the validator's to see but `rules check`'s: met at run
    time it is a located RulesetError (exit 3), never anything else."""
    if ruleset is None:
        return
    questions = ruleset.questions["assess"]
    for sample in SAMPLE_ANSWERS:
        try:
            answers = complete(questions, parse_mapping(questions, sample, "sample"))
        except InsertAdvisorError:
            continue  # the mutation changed the questions: this sample no longer fits
        _runs_or_names_its_gap(functools.partial(assess, ruleset, answers))
    checkin_questions = ruleset.questions["checkin"]
    try:
        answers = complete(checkin_questions, parse_mapping(
            checkin_questions, {"weeks_wearing": 3, "effects": ["improved"]}, "sample"))
    except InsertAdvisorError:
        return
    _runs_or_names_its_gap(functools.partial(checkin, ruleset, answers))


def _runs_or_names_its_gap(run: Callable[[], object]) -> None:
    try:
        run()
    except RulesetError as exc:
        assert exc.problems and "no rule applies" in exc.problems[0].message


@st.composite
def text_mutations(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real rule file with a few lines deleted, duplicated, swapped, cut or scribbled on."""
    name = draw(st.sampled_from(RULE_FILES))
    lines = (RULES / name).read_text().splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent",
                                     "scribble", "truncate", "replace-word"]))
        if kind == "delete":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif kind == "indent":
            lines[at] = "  " + lines[at]
        elif kind == "dedent":
            lines[at] = lines[at].lstrip(" ")
        elif kind == "scribble":
            col = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:col] + draw(YAMLISH) + lines[at][col:]
        elif kind == "truncate":
            col = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:col]
            lines = lines[:at + 1]
        else:
            words = lines[at].split()
            if words:
                word = draw(st.sampled_from(words))
                other_words = "".join(lines).split()
                lines[at] = lines[at].replace(word, draw(st.sampled_from(other_words)), 1)
    return name, "".join(lines).encode("utf-8", "surrogatepass")


@SLOW
@given(text_mutations())
def test_a_mutated_rule_file_is_a_rule_set_or_ruleset_errors(mutation: tuple[str, bytes]
                                                              ) -> None:
    name, content = mutation
    a_valid_rule_set_still_works(load_mutated(name, content))


@SLOW
@given(st.sampled_from(RULE_FILES), YAMLISH)
def test_random_text_as_a_rule_file_gives_ruleset_errors(name: str, text: str) -> None:
    content = text.encode("utf-8", "surrogatepass")
    a_valid_rule_set_still_works(load_mutated(name, content))


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a document's data that a value can be swapped into."""
    out = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*path, index))
    return out


@st.composite
def data_mutations(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real rule file with one value deep inside replaced, deleted or wrapped, re-dumped."""
    name = draw(st.sampled_from(RULE_FILES))
    data = yaml.safe_load((RULES / name).read_text())
    paths = _paths(data)
    assume(paths)
    path = draw(st.sampled_from(paths))
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    kind = draw(st.sampled_from(["replace", "delete", "wrap", "rename"]))
    if kind == "replace":
        parent[last] = draw(json_values)
    elif kind == "delete":
        del parent[last]
    elif kind == "wrap":
        parent[last] = [parent[last]]
    elif isinstance(parent, dict):
        parent[draw(st.text(max_size=6)) or "x"] = parent.pop(last)
    return name, yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()


@SLOW
@given(data_mutations())
def test_a_value_swapped_deep_in_a_rule_file_gives_ruleset_errors(
        mutation: tuple[str, bytes]) -> None:
    name, content = mutation
    a_valid_rule_set_still_works(load_mutated(name, content))


@pytest.mark.parametrize("name", RULE_FILES)
def test_every_rule_file_round_trips_through_the_mutator(name: str) -> None:
    """The data mutator's baseline: a re-dumped, unmutated file still loads."""
    data = yaml.safe_load((RULES / name).read_text())
    content = yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()
    assert load_mutated(name, content) is not None
