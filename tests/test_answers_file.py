"""`--answers FILE|-` through the installed command: YAML or JSON, flags override the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from insertadvisor.model import Ruleset

from .conftest import run_installed


@pytest.fixture(autouse=True)
def _frozen_rules(on_v1: Ruleset) -> None:
    """These tests are about mechanics: they run on the frozen v1 rule set."""


@pytest.fixture
def ruleset(on_v1: Ruleset) -> Ruleset:
    return on_v1

YAML = """\
# one person's answers
arch: flat
overpronation: yes        # unquoted: YAML 1.1 reads a boolean, it still means "yes"
leg_length_diff_mm: unknown
pain_weeks: 3
symptoms: [foot_pain]
age: 41
"""
JSON = json.dumps({"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": None,
                   "pain_weeks": 3, "symptoms": ["foot_pain"], "age": 41})
EXPECTED: dict[str, Any] = {
    "arch": "flat", "overpronation": "yes", "leg_length_diff_mm": None, "pain_weeks": 3,
    "symptoms": ["foot_pain"], "age": 41, "tried_otc_weeks": None, "footwear": "unknown"}


def _answers(stdout: str) -> dict[str, Any]:
    return dict(json.loads(stdout)["answers"])


@pytest.mark.parametrize(("name", "text"), [("a.yaml", YAML), ("a.yml", YAML),
                                             ("a.json", JSON), ("answers", YAML)])
def test_file_in_yaml_or_json(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    done = run_installed(["assess", "--answers", str(path), "--json"])
    assert done.returncode == 0, done.stderr
    assert _answers(done.stdout) == EXPECTED


@pytest.mark.parametrize("text", [YAML, JSON])
def test_stdin(text: str) -> None:
    done = run_installed(["assess", "--answers", "-", "--json"], text)
    assert done.returncode == 0, done.stderr
    assert _answers(done.stdout) == EXPECTED


def test_unquoted_yes_and_no_mean_yes_and_no() -> None:
    for word in ("yes", "no", "Yes", "NO", "true", "off"):
        text = YAML.replace("overpronation: yes", f"overpronation: {word}")
        done = run_installed(["assess", "--answers", "-", "--json"], text)
        assert done.returncode == 0, (word, done.stderr)
        expected = "yes" if word.lower() in ("yes", "true") else "no"
        assert _answers(done.stdout)["overpronation"] == expected, word


def test_flags_override_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(YAML)
    done = run_installed(["assess", "--answers", str(path), "--json", "--arch", "high",
                          "--pain-weeks", "10", "--symptom", "fever"])
    assert done.returncode == 0, done.stderr
    # single values from flags override the file; a repeatable flag adds to its list
    file_symptoms = EXPECTED["symptoms"]
    symptoms = [s for s in _symptom_order() if s in {*file_symptoms, "fever"}]
    assert _answers(done.stdout) == EXPECTED | {"arch": "high", "pain_weeks": 10,
                                                "symptoms": symptoms}


def _symptom_order() -> list[str]:
    from insertadvisor.loading import load_ruleset

    return list(load_ruleset().question("assess", "symptoms").choices)


def test_file_and_flags_together_supply_the_required_answers() -> None:
    done = run_installed(["assess", "--answers", "-", "--json", "--pain-weeks", "2"],
                         "arch: normal\noverpronation: no\nleg_length_diff_mm: 0\n")
    assert done.returncode == 0, done.stderr
    assert _answers(done.stdout)["pain_weeks"] == 2


@pytest.mark.parametrize(("text", "message"), [
    ("arch: flat\nsymtoms: []\n", "--answers stdin: unknown key 'symtoms' (did you mean "
                                  "`symptoms`?)"),
    ("arch: flat\npain_weeks: [3]\n", "--answers stdin: `pain_weeks`: expected a number, "
                                      "got [3]"),
    ("arch: 7\n", "--answers stdin: `arch`: expected one of flat, normal, high, unknown, "
                  "got 7"),
    ("arch: flat\nsymptoms: fever\n", "--answers stdin: `symptoms`: expected a list of ids"),
    ("arch: flat\nage: 40.5\n", "--answers stdin: `age`: expected a whole number"),
    ('{"arch": "flat", "leg_length_diff_mm": true}', "`leg_length_diff_mm`: expected a "
                                                     "number or unknown, got True"),
    ("- arch: flat\n", "the top level is a list"),
])
def test_unknown_keys_and_wrong_types_are_rejected_naming_the_key(text: str,
                                                                  message: str) -> None:
    done = run_installed(["assess", "--answers", "-", "--json"], text)
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr


def test_missing_required_answers_name_the_flags() -> None:
    done = run_installed(["assess", "--answers", "-", "--json"], "arch: flat\n")
    assert done.returncode == 2
    assert "--overpronation, --leg-length-diff, --pain-weeks" in done.stderr


def test_checkin_answers_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("weeks_wearing: 3\neffects: [arch_discomfort]\n")
    done = run_installed(["checkin", "--answers", str(path), "--json", "--weeks-wearing", "5"])
    assert done.returncode == 0, done.stderr
    assert _answers(done.stdout) == {"weeks_wearing": 5, "effects": ["arch_discomfort"]}
    bad = run_installed(["checkin", "--answers", "-"], "arch: flat\n")
    assert bad.returncode == 2 and "unknown key 'arch'" in bad.stderr
